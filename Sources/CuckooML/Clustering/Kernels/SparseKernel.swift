/// Sparse rows (CSR) with the merge loop of `Distances.sparse`, evaluated on raw pointers. Slots map to
/// rows through an index table, so Prim's compaction moves one integer instead of a variable-length row.
///
/// A matrix that is small and not very sparse is also kept as dense rows (`prefersDense`): the dense
/// loop adds the zero terms the merge skips, which never changes a sum (see `Distances`), and with
/// four pairs at a time it beats the merge's unpredictable branches from about a tenth filled.
final class SparseKernel: DistanceKernel, @unchecked Sendable {
    let count: Int
    let dimension: Int
    let metric: DistanceMetric
    private let matrix: SparseMatrix
    private let start: UnsafeMutablePointer<Int>
    private let columns: UnsafeMutablePointer<Int32>
    private let values: UnsafeMutablePointer<Double>
    private let rowOfSlot: UnsafeMutablePointer<Int>
    /// The same rows densely, in slot order, when `prefersDense`.
    let dense: DenseKernel?

    /// The merge loop is long and branchy; a plain reference to the kernel serves as its evaluator.
    var evaluator: SparseDistance { SparseDistance(kernel: self, dense: dense?.evaluator) }

    /// Whether dense rows are cheaper for `m`: at least a tenth filled and at most 4M cells (32 MB).
    static func prefersDense(_ m: SparseMatrix) -> Bool {
        let cells = m.rowCount * m.columnCount
        return cells > 0 && cells <= 4 << 20 && m.nonZeroCount * 10 >= cells
    }

    convenience init(_ m: SparseMatrix, metric: DistanceMetric) {
        self.init(m, metric: metric, dense: SparseKernel.prefersDense(m) ? DenseKernel(m.dense(), metric: metric) : nil)
    }

    private init(_ m: SparseMatrix, metric: DistanceMetric, dense: DenseKernel?) {
        self.dense = dense
        matrix = m
        count = m.rowCount
        dimension = m.columnCount
        self.metric = metric
        start = .allocate(capacity: m.rowStart.count)
        start.initialize(from: m.rowStart, count: m.rowStart.count)
        columns = .allocate(capacity: max(1, m.nonZeroCount))
        columns.initialize(from: m.columns, count: m.nonZeroCount)
        values = .allocate(capacity: max(1, m.nonZeroCount))
        _ = UnsafeMutableBufferPointer(start: values, count: m.nonZeroCount).initialize(from: m.values)
        rowOfSlot = .allocate(capacity: max(1, count))
        for i in 0..<count { rowOfSlot[i] = i }
    }

    deinit { start.deallocate(); columns.deallocate(); values.deallocate(); rowOfSlot.deallocate() }

    func copy() -> Self {
        let other = SparseKernel(matrix, metric: metric, dense: dense?.copy())
        other.rowOfSlot.update(from: rowOfSlot, count: count)
        return unsafeDowncast(other, to: Self.self)
    }

    func exchange(_ a: Int, _ b: Int) {
        let t = rowOfSlot[a]; rowOfSlot[a] = rowOfSlot[b]; rowOfSlot[b] = t
        dense?.exchange(a, b)
    }

    @inline(__always)
    func distance(_ a: Int, _ b: Int) -> Double {
        if let dense { return dense.distance(a, b) }
        return mergedDistance(a, b)
    }

    @inline(__always)
    func mergedDistance(_ a: Int, _ b: Int) -> Double {
        let r = rowOfSlot[a], s = rowOfSlot[b]
        return distance(columns + start[r], values + start[r], start[r + 1] - start[r], s)
    }

    /// `Distances.sparseMerge` against the row stored for a slot.
    @inline(__always)
    private func distance(_ xc: UnsafePointer<Int32>, _ xv: UnsafePointer<Double>, _ xn: Int, _ row: Int) -> Double {
        let ys = start[row], yn = start[row + 1] - ys
        return Distances.sparseMerge(metric, UnsafeBufferPointer(start: xc, count: xn),
                                     UnsafeBufferPointer(start: xv, count: xn),
                                     UnsafeBufferPointer(start: columns + ys, count: yn),
                                     UnsafeBufferPointer(start: values + ys, count: yn), dimension: dimension)
    }

    func withQuery<R>(_ queries: PointSet, row: Int, _ body: ((Int) -> Double) -> R) -> R {
        if let dense { return dense.withQuery(queries, row: row, body) }
        var qc: [Int32] = [], qv: [Double] = []
        switch queries.storage {
        case .sparse(let m):
            let r = m.row(row)
            qc = Array(r.columns); qv = Array(r.values)
        case .dense(let m):
            for (c, v) in m.row(row).enumerated() where v != 0 { qc.append(Int32(c)); qv.append(v) }
        }
        return qc.withUnsafeBufferPointer { cb in
            qv.withUnsafeBufferPointer { vb in
                let c = cb.baseAddress ?? UnsafePointer(columns), v = vb.baseAddress ?? UnsafePointer(values)
                return body { self.distance(c, v, cb.count, self.rowOfSlot[$0]) }
            }
        }
    }
}


/// `SparseKernel`'s distance, for the drivers' inner loops.
struct SparseDistance: PairDistance, @unchecked Sendable {
    unowned(unsafe) let kernel: SparseKernel
    let dense: DenseDistance?

    static var prefersBatches: Bool { true }

    @inline(__always)
    func distance(_ a: Int, _ b: Int) -> Double {
        if let dense { return dense.distance(a, b) }
        return kernel.mergedDistance(a, b)
    }

    @inline(__always)
    func distances(_ a: Int, _ b0: Int, _ b1: Int, _ b2: Int, _ b3: Int) -> SIMD4<Double> {
        if let dense { return dense.distances(a, b0, b1, b2, b3) }
        return SIMD4(kernel.mergedDistance(a, b0), kernel.mergedDistance(a, b1),
                     kernel.mergedDistance(a, b2), kernel.mergedDistance(a, b3))
    }

    @inline(__always)
    func distances(_ a: Int, _ b: SIMD8<Int>) -> SIMD8<Double> {
        if let dense { return dense.distances(a, b) }
        var out = SIMD8<Double>()
        for i in 0..<8 { out[i] = kernel.mergedDistance(a, b[i]) }
        return out
    }
}
