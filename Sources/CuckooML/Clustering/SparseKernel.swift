/// Sparse rows (CSR) with the merge loop of `Distances.sparse`, evaluated on raw pointers. Slots map to
/// rows through an index table, so Prim's compaction moves one integer instead of a variable-length row.
final class SparseKernel: DistanceKernel, @unchecked Sendable {
    let count: Int
    let dimension: Int
    let metric: DistanceMetric
    private let matrix: SparseMatrix
    private let start: UnsafeMutablePointer<Int>
    private let columns: UnsafeMutablePointer<Int32>
    private let values: UnsafeMutablePointer<Double>
    private let rowOfSlot: UnsafeMutablePointer<Int>

    /// The merge loop is long and branchy; a plain reference to the kernel serves as its evaluator.
    var evaluator: SparseDistance { SparseDistance(kernel: self) }

    init(_ m: SparseMatrix, metric: DistanceMetric) {
        matrix = m
        count = m.rowCount
        dimension = m.columnCount
        self.metric = metric
        start = .allocate(capacity: m.rowStart.count)
        start.initialize(from: m.rowStart, count: m.rowStart.count)
        columns = .allocate(capacity: max(1, m.nonZeroCount))
        columns.initialize(from: m.columns, count: m.nonZeroCount)
        values = .allocate(capacity: max(1, m.nonZeroCount))
        values.initialize(from: m.values, count: m.nonZeroCount)
        rowOfSlot = .allocate(capacity: max(1, count))
        for i in 0..<count { rowOfSlot[i] = i }
    }

    deinit { start.deallocate(); columns.deallocate(); values.deallocate(); rowOfSlot.deallocate() }

    func copy() -> Self {
        let other = SparseKernel(matrix, metric: metric)
        other.rowOfSlot.update(from: rowOfSlot, count: count)
        return unsafeDowncast(other, to: Self.self)
    }

    func exchange(_ a: Int, _ b: Int) {
        let t = rowOfSlot[a]; rowOfSlot[a] = rowOfSlot[b]; rowOfSlot[b] = t
    }

    @inline(__always)
    func distance(_ a: Int, _ b: Int) -> Double {
        let r = rowOfSlot[a], s = rowOfSlot[b]
        return distance(columns + start[r], values + start[r], start[r + 1] - start[r], s)
    }

    /// The merge of `Distances.sparse`, term for term.
    @inline(__always)
    private func distance(_ xc: UnsafePointer<Int32>, _ xv: UnsafePointer<Double>, _ xn: Int, _ row: Int) -> Double {
        let yc = columns + start[row], yv = values + start[row], yn = start[row + 1] - start[row]
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
            case .jaccard:
                if a != 0 || b != 0 { nonZero += 1 }
                if a != 0 && b != 0 { both += 1 }
            }
        }
        switch metric {
        case .euclidean: return sum.squareRoot()
        case .manhattan: return sum
        case .cosine: return Distances.cosineDistance(dot: sum, normX: nx, normY: ny)
        case .hamming: return dimension == 0 ? 0 : Double(differ) / Double(dimension)
        case .jaccard: return nonZero == 0 ? 0 : Double(nonZero - both) / Double(nonZero)
        }
    }

    func withQuery<R>(_ queries: PointSet, row: Int, _ body: ((Int) -> Double) -> R) -> R {
        var qc: [Int32] = [], qv: [Double] = []
        switch queries {
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
    @inline(__always)
    func distance(_ a: Int, _ b: Int) -> Double { kernel.distance(a, b) }
}
