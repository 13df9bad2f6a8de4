/// Distances from one row to a range of rows of a point set, bit-identical to `Distances.between`
/// but fast enough for all-pairs work (the silhouette): binary sparse rows (the usual feature matrix)
/// need only the intersection size, read through a scattered mark of the first row; dense rows, and
/// sparse rows dense enough for it (`SparseKernel.prefersDense`), use `DenseKernel`'s loops four rows
/// at a time; other sparse rows use a merge over raw buffers.
///
/// A copy shares the dense rows (read-only) but has its own mark, so each thread can use its own copy.
struct RowDistances {
    let points: PointSet
    let metric: DistanceMetric
    private let binary: Bool
    private var mark: [UInt8]
    private let dense: DenseKernel?
    /// For `groupjaccard`: the bit-packed rows with per-group popcounts.
    private let grouped: GroupJaccardKernel?

    /// `denseRows` forces (true) or forbids (false) the dense loops for non-binary sparse rows (tests).
    init(points: PointSet, metric: DistanceMetric, denseRows: Bool? = nil) {
        self.points = points
        self.metric = metric
        grouped = metric == .groupjaccard ? GroupJaccardKernel(points: points) : nil
        if grouped != nil {
            binary = false; mark = []; dense = nil
            return
        }
        switch points.storage {
        case .sparse(let m) where points.isBinary:
            binary = true
            mark = [UInt8](repeating: 0, count: m.columnCount)
            dense = nil
        case .sparse(let m):
            binary = false
            mark = []
            dense = (denseRows ?? SparseKernel.prefersDense(m)) ? DenseKernel(m.dense(), metric: metric) : nil
        case .dense(let m):
            binary = false
            mark = []
            dense = DenseKernel(m, metric: metric)
        }
    }

    /// A copy for another thread: the same rows, its own scratch mark.
    func forAnotherThread() -> RowDistances {
        var other = self
        other.mark = [UInt8](repeating: 0, count: mark.count)
        return other
    }

    /// Writes d(i, j) into `out[j]` for every j in `rows`. Every kernel is symmetric bit for bit
    /// (d(i, j) == d(j, i)), so callers may use either order.
    mutating func fill(from i: Int, rows: Range<Int>, into out: inout [Double]) {
        precondition(rows.isEmpty || rows.upperBound <= out.count)
        out.withUnsafeMutableBufferPointer { fill(from: i, rows: rows, into: $0.baseAddress!) }
    }

    /// As `fill(from:rows:into:)`, writing d(i, j) to `out[j]` of a buffer the caller sized.
    mutating func fill(from i: Int, rows: Range<Int>, into out: UnsafeMutablePointer<Double>) {
        guard !rows.isEmpty else { return }
        if let grouped {
            let pairs = grouped.evaluator
            for j in rows { out[j] = pairs.distance(i, j) }
            return
        }
        if let dense {
            fillDense(dense, i, rows, out)
            return
        }
        switch points.storage {
        case .dense:
            preconditionFailure("dense rows always have the dense kernel")
        case .sparse(let m):
            if binary { fillBinary(m, i, rows, out) } else { fillMerged(m, i, rows, out) }
        }
    }

    private func fillDense(_ kernel: DenseKernel, _ i: Int, _ rows: Range<Int>, _ out: UnsafeMutablePointer<Double>) {
        let pairs = kernel.evaluator
        var j = rows.lowerBound
        let lanes = SIMD8<Int>(0, 1, 2, 3, 4, 5, 6, 7)
        while j + 8 <= rows.upperBound {
            let d = pairs.distances(i, lanes &+ j)
            for l in 0..<8 { out[j + l] = d[l] }
            j += 8
        }
        if j + 4 <= rows.upperBound {
            let d = pairs.distances(i, j, j + 1, j + 2, j + 3)
            out[j] = d[0]; out[j + 1] = d[1]; out[j + 2] = d[2]; out[j + 3] = d[3]
            j += 4
        }
        while j < rows.upperBound {
            out[j] = pairs.distance(i, j)
            j += 1
        }
    }

    /// Binary rows: with b = |x ∩ y|, every metric is a function of |x|, |y| and b, evaluated on exact
    /// integer sums exactly as `Distances.sparse` would evaluate them.
    private mutating func fillBinary(_ m: SparseMatrix, _ i: Int, _ rows: Range<Int>, _ out: UnsafeMutablePointer<Double>) {
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
                        case .groupjaccard:
                            preconditionFailure("group Jaccard uses its kernel")
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
    private func fillMerged(_ m: SparseMatrix, _ i: Int, _ rows: Range<Int>, _ out: UnsafeMutablePointer<Double>) {
        let metric = self.metric
        let dimension = m.columnCount
        m.rowStart.withUnsafeBufferPointer { start in
            m.columns.withUnsafeBufferPointer { c in
                let xs = start[i], xe = start[i + 1]
                let xc = UnsafeBufferPointer(rebasing: c[xs..<xe])
                m.values.withContiguousValues(xs..<xe) { xv in
                    for j in rows {
                        let ys = start[j], ye = start[j + 1]
                        out[j] = m.values.withContiguousValues(ys..<ye) { yv in
                            Distances.sparseMerge(metric, xc, xv, UnsafeBufferPointer(rebasing: c[ys..<ye]), yv, dimension: dimension)
                        }
                    }
                }
            }
        }
    }
}
