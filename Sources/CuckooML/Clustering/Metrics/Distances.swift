/// The hdbscan library's distance definitions (and `groupjaccard`: on bare rows, with every column in
/// one group; `between` uses the point set's groups), evaluated in double precision with features summed in
/// ascending column order (so sparse rows give bit-identical results to dense ones: adding a zero
/// term never changes a float sum).
public enum Distances {
    /// Distance between two dense rows.
    @inlinable
    public static func dense(_ metric: DistanceMetric, _ x: ArraySlice<Double>, _ y: ArraySlice<Double>) -> Double {
        var xi = x.startIndex, yi = y.startIndex
        let n = x.count
        switch metric {
        case .euclidean:
            var s = 0.0
            for _ in 0..<n { let d = x[xi] - y[yi]; s += d * d; xi += 1; yi += 1 }
            return s.squareRoot()
        case .manhattan:
            var s = 0.0
            for _ in 0..<n { s += abs(x[xi] - y[yi]); xi += 1; yi += 1 }
            return s
        case .hamming:
            guard n > 0 else { return 0 }
            var differ = 0
            for _ in 0..<n { if x[xi] != y[yi] { differ += 1 }; xi += 1; yi += 1 }
            return Double(differ) / Double(n)
        case .jaccard:
            var nonZero = 0, both = 0
            for _ in 0..<n {
                let a = x[xi] != 0, b = y[yi] != 0
                if a || b { nonZero += 1 }
                if a && b { both += 1 }
                xi += 1; yi += 1
            }
            return nonZero == 0 ? 0 : Double(nonZero - both) / Double(nonZero)
        case .groupjaccard:
            return GroupJaccard.distance(x, y, groups: .single(columnCount: n))
        case .cosine:
            var dot = 0.0, nx = 0.0, ny = 0.0
            for _ in 0..<n { dot += x[xi] * y[yi]; nx += x[xi] * x[xi]; ny += y[yi] * y[yi]; xi += 1; yi += 1 }
            return cosineDistance(dot: dot, normX: nx, normY: ny)
        }
    }

    /// Distance between two sparse rows (ascending columns) of a matrix with `dimension` columns.
    public static func sparse(_ metric: DistanceMetric,
                              _ xc: ArraySlice<Int32>, _ xv: Slice<SparseValues>,
                              _ yc: ArraySlice<Int32>, _ yv: Slice<SparseValues>, dimension: Int) -> Double {
        xc.withUnsafeBufferPointer { xc in
            xv.withContiguousValues { xv in
                yc.withUnsafeBufferPointer { yc in
                    yv.withContiguousValues { yv in
                        sparseMerge(metric, xc, xv, yc, yv, dimension: dimension)
                    }
                }
            }
        }
    }

    /// The ascending-column merge of two sparse rows on raw buffers (columns and values of equal length):
    /// the one implementation behind `sparse`, `SparseKernel` and `RowDistances`.
    @inline(__always)
    static func sparseMerge(_ metric: DistanceMetric,
                            _ xc: UnsafeBufferPointer<Int32>, _ xv: UnsafeBufferPointer<Double>,
                            _ yc: UnsafeBufferPointer<Int32>, _ yv: UnsafeBufferPointer<Double>,
                            dimension: Int) -> Double {
        let xn = xc.count, yn = yc.count
        var i = 0, j = 0
        var sum = 0.0, nx = 0.0, ny = 0.0
        var nonZero = 0, both = 0, differ = 0
        while i < xn || j < yn {
            let a: Double, b: Double
            if j == yn || (i < xn && xc[i] < yc[j]) {
                a = xv[i]; b = 0; i += 1
            } else if i == xn || yc[j] < xc[i] {
                a = 0; b = yv[j]; j += 1
            } else {
                a = xv[i]; b = yv[j]; i += 1; j += 1
            }
            switch metric {
            case .euclidean: let d = a - b; sum += d * d
            case .manhattan: sum += abs(a - b)
            case .cosine: sum += a * b; nx += a * a; ny += b * b
            case .hamming: if a != b { differ += 1 }
            case .jaccard, .groupjaccard:
                if a != 0 || b != 0 { nonZero += 1 }
                if a != 0 && b != 0 { both += 1 }
            }
        }
        switch metric {
        case .euclidean: return sum.squareRoot()
        case .manhattan: return sum
        case .cosine: return cosineDistance(dot: sum, normX: nx, normY: ny)
        case .hamming: return dimension == 0 ? 0 : Double(differ) / Double(dimension)
        case .jaccard: return nonZero == 0 ? 0 : Double(nonZero - both) / Double(nonZero)
        case .groupjaccard: return GroupJaccard.distance { visit in if nonZero > 0 { visit(both, nonZero) } }
        }
    }

    /// Distance between row `i` of `a` and row `j` of `b` (same column count); `groupjaccard` uses the
    /// column groups of `a`.
    public static func between(_ metric: DistanceMetric, _ a: PointSet, _ i: Int, _ b: PointSet, _ j: Int) -> Double {
        if metric == .groupjaccard {
            return GroupJaccard.distance(a.nonZeroColumns(i), b.nonZeroColumns(j), groups: a.groupsOrSingle)
        }
        switch (a.storage, b.storage) {
        case let (.dense(x), .dense(y)):
            return dense(metric, x.row(i), y.row(j))
        case let (.sparse(x), .sparse(y)):
            let r = x.row(i), s = y.row(j)
            return sparse(metric, r.columns, r.values, s.columns, s.values, dimension: x.columnCount)
        case let (.dense(x), .sparse(y)):
            return dense(metric, x.row(i), densify(y, j))
        case let (.sparse(x), .dense(y)):
            return dense(metric, densify(x, i), y.row(j))
        }
    }

    private static func densify(_ m: SparseMatrix, _ i: Int) -> ArraySlice<Double> {
        var row = [Double](repeating: 0, count: m.columnCount)
        let r = m.row(i)
        for (c, v) in zip(r.columns, r.values) { row[Int(c)] = v }
        return row[...]
    }

    /// scikit-learn's cosine distance: 1 − x·y / (|x| |y|); 0-norm rows are treated as having norm 1.
    @inlinable
    static func cosineDistance(dot: Double, normX: Double, normY: Double) -> Double {
        let nx = normX == 0 ? 1 : normX.squareRoot()
        let ny = normY == 0 ? 1 : normY.squareRoot()
        return 1 - dot / (nx * ny)
    }
}
