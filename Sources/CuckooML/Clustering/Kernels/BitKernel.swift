import CBitKernels
/// Binary points (every value 0 or 1) packed 64 features to a word, with exact distances from popcounts.
///
/// With x, y the bit rows and a = |x ⊕ y|, every metric of `Distances` on 0/1 data is an exact function
/// of a and the rows' popcounts: euclidean √a (the sum of 1.0s is exact), manhattan a, hamming a / d,
/// jaccard a / |x ∨ y| with |x ∨ y| = (|x| + |y| + a) / 2, cosine 1 − |x ∧ y| / (√|x| √|y|) with
/// |x ∧ y| = (|x| + |y| − a) / 2 — the same integers the double loops count, so the results are
/// bit-identical.
final class BitKernel: DistanceKernel, @unchecked Sendable {
    let count: Int
    let words: Int
    let dimension: Int
    let metric: DistanceMetric
    /// The packed rows, `words` words each, in slot order.
    let bits: UnsafeMutablePointer<UInt64>
    private let ones: UnsafeMutablePointer<Int32>
    /// For euclidean, manhattan and hamming: the distance for each possible a (0...dimension), strictly
    /// increasing in a.
    let table: UnsafeMutablePointer<Double>
    /// Whether the distance is `table[a]` (euclidean, manhattan, hamming), so the integer drivers
    /// `BitNearest` and `BitPrim` apply.
    let usesTable: Bool

    init(count: Int, dimension: Int, metric: DistanceMetric, fill: (_ row: Int, _ set: (Int) -> Void) -> Void) {
        self.count = count
        self.dimension = dimension
        precondition(metric != .groupjaccard, "group Jaccard has its own kernel (GroupJaccardKernel)")
        self.metric = metric
        words = max(1, (dimension + 63) / 64)
        bits = .allocate(capacity: max(count, 1) * words)
        bits.initialize(repeating: 0, count: max(count, 1) * words)
        ones = .allocate(capacity: max(count, 1))
        table = .allocate(capacity: dimension + 1)
        for a in 0...dimension { table[a] = Self.value(metric, differ: a, dimension: dimension) }
        usesTable = metric != .jaccard && metric != .cosine
        for i in 0..<count {
            let row = bits + i * words
            fill(i) { column in row[column >> 6] |= 1 << UInt64(column & 63) }
            var c = 0
            for w in 0..<words { c += row[w].nonzeroBitCount }
            ones[i] = Int32(c)
        }
    }

    private init(copying other: BitKernel) {
        count = other.count; words = other.words; dimension = other.dimension; metric = other.metric
        table = .allocate(capacity: dimension + 1)
        table.initialize(from: other.table, count: dimension + 1)
        usesTable = other.usesTable
        bits = .allocate(capacity: max(count, 1) * words)
        bits.initialize(from: other.bits, count: max(count, 1) * words)
        ones = .allocate(capacity: max(count, 1))
        ones.initialize(from: other.ones, count: max(count, 1))
    }

    /// A kernel holding the given rows of `other`, in that order.
    init(selecting rows: [Int], of other: BitKernel) {
        count = rows.count; words = other.words; dimension = other.dimension; metric = other.metric
        table = .allocate(capacity: dimension + 1)
        table.initialize(from: other.table, count: dimension + 1)
        usesTable = other.usesTable
        bits = .allocate(capacity: max(count, 1) * words)
        ones = .allocate(capacity: max(count, 1))
        for (i, r) in rows.enumerated() {
            (bits + i * words).initialize(from: other.bits + r * words, count: words)
            ones[i] = other.ones[r]
        }
    }

    deinit { bits.deallocate(); ones.deallocate(); table.deallocate() }

    /// The packed words of slot `i`.
    func row(_ i: Int) -> [UInt64] { Array(UnsafeBufferPointer(start: bits + i * words, count: words)) }

    func copy() -> Self { unsafeDowncast(BitKernel(copying: self), to: Self.self) }

    private static func value(_ metric: DistanceMetric, differ: Int, dimension: Int) -> Double {
        switch metric {
        case .euclidean: Double(differ).squareRoot()
        case .manhattan: Double(differ)
        case .hamming: dimension == 0 ? 0 : Double(differ) / Double(dimension)
        case .jaccard, .cosine, .groupjaccard: 0
        }
    }

    var evaluator: BitDistance {
        BitDistance(bits: bits, ones: ones, table: table, words: words, usesTable: usesTable,
                    jaccard: metric == .jaccard)
    }

    @inline(__always)
    func distance(_ a: Int, _ b: Int) -> Double { evaluator.distance(a, b) }

    func exchange(_ a: Int, _ b: Int) {
        let x = bits + a * words, y = bits + b * words
        for w in 0..<words { let t = x[w]; x[w] = y[w]; y[w] = t }
        let t = ones[a]; ones[a] = ones[b]; ones[b] = t
    }

    func withQuery<R>(_ queries: PointSet, row: Int, _ body: ((Int) -> Double) -> R) -> R {
        // A query with a value other than 0/1 cannot be packed: fall back to the exact double loops.
        guard let packed = Self.pack(queries, row: row, words: words) else {
            let points = unpackedPoints()
            return body { Distances.between(self.metric, queries, row, points, $0) }
        }
        var c = 0
        for w in packed { c += w.nonzeroBitCount }
        let onesQ = c
        return packed.withUnsafeBufferPointer { q in
            let pairs = self.evaluator
            return body { pairs.distance(row: q.baseAddress!, ones: onesQ, $0) }
        }
    }

    private static func pack(_ queries: PointSet, row: Int, words: Int) -> [UInt64]? {
        var out = [UInt64](repeating: 0, count: words)
        switch queries.storage {
        case .dense(let m):
            for (c, v) in m.row(row).enumerated() {
                if v == 1 { out[c >> 6] |= 1 << UInt64(c & 63) } else if v != 0 { return nil }
            }
        case .sparse(let m):
            let r = m.row(row)
            for (c, v) in zip(r.columns, r.values) {
                if v == 1 { out[Int(c) >> 6] |= 1 << UInt64(Int(c) & 63) } else if v != 0 { return nil }
            }
        }
        return out
    }

    /// The points as a sparse matrix (slot order), for queries that are not binary.
    private func unpackedPoints() -> PointSet {
        var m = SparseMatrix(columnCount: dimension)
        for i in 0..<count {
            let row = bits + i * words
            m.appendRow((0..<dimension).lazy.filter { row[$0 >> 6] >> UInt64($0 & 63) & 1 == 1 }
                .map { (Int32($0), 1.0) })
        }
        return .sparse(m)
    }
}

extension BitKernel {
    /// Packs a binary point set (`points.isBinary` must hold).
    convenience init(points: PointSet, metric: DistanceMetric) {
        switch points.storage {
        case .dense(let m):
            self.init(count: m.rows, dimension: m.columns, metric: metric) { i, set in
                let base = i * m.columns
                for c in 0..<m.columns where m.values[base + c] != 0 { set(c) }
            }
        case .sparse(let m):
            self.init(count: m.rowCount, dimension: m.columnCount, metric: metric) { i, set in
                for c in m.row(i).columns { set(Int(c)) }
            }
        }
    }
}

/// The popcount distance of `BitKernel` over its raw storage (see there for the formulas).
struct BitDistance: PairDistance, @unchecked Sendable {
    let bits: UnsafeMutablePointer<UInt64>
    let ones: UnsafeMutablePointer<Int32>
    let table: UnsafeMutablePointer<Double>
    let words: Int
    let usesTable: Bool
    let jaccard: Bool

    @inline(__always)
    func distance(_ a: Int, _ b: Int) -> Double {
        distance(row: bits + a &* words, ones: Int(ones[a]), b)
    }

    @inline(__always)
    func distance(row x: UnsafePointer<UInt64>, ones onesX: Int, _ b: Int) -> Double {
        // The count runs in CBitKernels, which uses the popcnt instruction where the CPU has it: Swift
        // compiles `nonzeroBitCount` for the baseline x86-64 target, which lacks it.
        distance(differing: Int(cbk_rows_differing(x, bits + b &* words, Int64(words))), onesX: onesX, b)
    }

    /// How many bits row `a` differs by from each of `count` rows: row `which[i]`, or row `first + i` when
    /// `which` is nil (one kernel call for the batch; see `cbk_rows_differing_many`).
    @inline(__always)
    func differing(from a: Int, rows which: UnsafePointer<Int32>?, first: Int = 0, count: Int,
                   into out: UnsafeMutablePointer<Int32>) {
        cbk_rows_differing_many(bits + a &* words, bits + first &* words, Int64(words), which, Int64(count), out)
    }

    /// The distance from a row with `onesX` ones to row `b` when they differ in `differ` bits.
    @inline(__always)
    func distance(differing differ: Int, onesX: Int, _ b: Int) -> Double {
        if usesTable { return table[differ] }
        if jaccard {
            let union = (onesX &+ Int(ones[b]) &+ differ) >> 1
            return union == 0 ? 0 : Double(differ) / Double(union)
        }
        let onesY = Int(ones[b])
        let both = (onesX &+ onesY &- differ) >> 1
        let nx = onesX == 0 ? 1 : Double(onesX).squareRoot()
        let ny = onesY == 0 ? 1 : Double(onesY).squareRoot()
        return 1 - Double(both) / (nx * ny)
    }
}
