/// Distances from one row to a range of rows of a point set, bit-identical to `Distances.between`
/// but fast enough for all-pairs work (the silhouette): binary sparse rows (the usual feature matrix)
/// need only the intersection size, read through a scattered mark of the first row; other sparse rows
/// use a merge over raw buffers; dense rows use `Distances.dense`.
struct RowDistances {
    let points: PointSet
    let metric: DistanceMetric
    private let binary: Bool
    private var mark: [UInt8]

    init(points: PointSet, metric: DistanceMetric) {
        self.points = points
        self.metric = metric
        if case .sparse(let m) = points, points.isBinary {
            binary = true
            mark = [UInt8](repeating: 0, count: m.columnCount)
        } else {
            binary = false
            mark = []
        }
    }

    /// Writes d(i, j) into `out[j]` for every j in `rows`. Every kernel is symmetric bit for bit
    /// (d(i, j) == d(j, i)), so callers may use either order.
    mutating func fill(from i: Int, rows: Range<Int>, into out: inout [Double]) {
        guard !rows.isEmpty else { return }
        switch points {
        case .dense(let m):
            let x = m.row(i)
            for j in rows { out[j] = Distances.dense(metric, x, m.row(j)) }
        case .sparse(let m):
            if binary { fillBinary(m, i, rows, &out) } else { fillMerged(m, i, rows, &out) }
        }
    }

    /// Binary rows: with b = |x ∩ y|, every metric is a function of |x|, |y| and b, evaluated on exact
    /// integer sums exactly as `Distances.sparse` would evaluate them.
    private mutating func fillBinary(_ m: SparseMatrix, _ i: Int, _ rows: Range<Int>, _ out: inout [Double]) {
        let metric = self.metric
        let dimension = m.columnCount
        m.rowStart.withUnsafeBufferPointer { start in
            m.columns.withUnsafeBufferPointer { columns in
                mark.withUnsafeMutableBufferPointer { mark in
                    for k in start[i]..<start[i + 1] { mark[Int(columns[k])] = 1 }
                    let nx = start[i + 1] - start[i]
                    for j in rows {
                        var both = 0
                        for k in start[j]..<start[j + 1] { both &+= Int(mark[Int(columns[k])]) }
                        let ny = start[j + 1] - start[j]
                        let differ = nx + ny - 2 * both
                        switch metric {
                        case .euclidean: out[j] = Double(differ).squareRoot()
                        case .manhattan: out[j] = Double(differ)
                        case .hamming: out[j] = dimension == 0 ? 0 : Double(differ) / Double(dimension)
                        case .jaccard:
                            let nonZero = nx + ny - both
                            out[j] = nonZero == 0 ? 0 : Double(nonZero - both) / Double(nonZero)
                        case .cosine:
                            out[j] = Distances.cosineDistance(dot: Double(both), normX: Double(nx), normY: Double(ny))
                        }
                    }
                    for k in start[i]..<start[i + 1] { mark[Int(columns[k])] = 0 }
                }
            }
        }
    }

    /// General sparse rows: the same ascending-column merge as `Distances.sparse`, on raw buffers.
    private func fillMerged(_ m: SparseMatrix, _ i: Int, _ rows: Range<Int>, _ out: inout [Double]) {
        let metric = self.metric
        let dimension = m.columnCount
        m.rowStart.withUnsafeBufferPointer { start in
            m.columns.withUnsafeBufferPointer { c in
                m.values.withUnsafeBufferPointer { v in
                    let xs = start[i], xe = start[i + 1]
                    for j in rows {
                        var p = xs, q = start[j]
                        let ye = start[j + 1]
                        var sum = 0.0, nx = 0.0, ny = 0.0
                        var nonZero = 0, both = 0, differ = 0
                        while p < xe || q < ye {
                            let a: Double, b: Double
                            if q == ye || (p < xe && c[p] < c[q]) {
                                a = v[p]; b = 0; p += 1
                            } else if p == xe || c[q] < c[p] {
                                a = 0; b = v[q]; q += 1
                            } else {
                                a = v[p]; b = v[q]; p += 1; q += 1
                            }
                            switch metric {
                            case .euclidean: let d = a - b; sum += d * d
                            case .manhattan: sum += abs(a - b)
                            case .cosine: sum += a * b; nx += a * a; ny += b * b
                            case .hamming: if a != b { differ += 1 }
                            case .jaccard:
                                if a != 0 || b != 0 { nonZero += 1 }
                                if a != 0 && b != 0 { both += 1 }
                            }
                        }
                        switch metric {
                        case .euclidean: out[j] = sum.squareRoot()
                        case .manhattan: out[j] = sum
                        case .cosine: out[j] = Distances.cosineDistance(dot: sum, normX: nx, normY: ny)
                        case .hamming: out[j] = dimension == 0 ? 0 : Double(differ) / Double(dimension)
                        case .jaccard: out[j] = nonZero == 0 ? 0 : Double(nonZero - both) / Double(nonZero)
                        }
                    }
                }
            }
        }
    }
}
