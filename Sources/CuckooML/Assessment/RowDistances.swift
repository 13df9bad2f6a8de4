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

    /// General sparse rows: `Distances.sparseMerge` on raw buffers.
    private func fillMerged(_ m: SparseMatrix, _ i: Int, _ rows: Range<Int>, _ out: inout [Double]) {
        let metric = self.metric
        let dimension = m.columnCount
        m.rowStart.withUnsafeBufferPointer { start in
            m.columns.withUnsafeBufferPointer { c in
                m.values.withUnsafeBufferPointer { v in
                    let xs = start[i], xn = start[i + 1] - xs
                    let xc = UnsafeBufferPointer(rebasing: c[xs..<(xs + xn)])
                    let xv = UnsafeBufferPointer(rebasing: v[xs..<(xs + xn)])
                    for j in rows {
                        let ys = start[j], ye = start[j + 1]
                        out[j] = Distances.sparseMerge(metric, xc, xv, UnsafeBufferPointer(rebasing: c[ys..<ye]),
                                                       UnsafeBufferPointer(rebasing: v[ys..<ye]), dimension: dimension)
                    }
                }
            }
        }
    }
}
