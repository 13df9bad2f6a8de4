/// The engine for binary data: bit-packed rows and popcount distances.
///
/// When rows repeat enough, k-NN and Prim run over groups of identical rows (`RowGroups`). Otherwise,
/// for euclidean, manhattan and hamming, they run on integers: `BitNearest` finds the k-th smallest
/// count of differing bits, `BitPrim` compares ranks; jaccard and cosine use the generic drivers. Every
/// path gives the same results.
final class BitPackedEngine: KernelEngine, @unchecked Sendable {
    let kernel: BitKernel, metric: DistanceMetric, threads: Int, thresholds: ParallelThresholds
    let groups: RowGroups?
    /// The plain path's k-NN and Prim work in blocks of about this many points (see `usesBlocks`).
    let pointsPerBlock: Int
    /// Set by the first integer k-NN or Prim (the engine's calls run one after another).
    private var cachedBlocks: BitBlocks?
    init(points: PointSet, metric: DistanceMetric, threads: Int, thresholds: ParallelThresholds = .standard,
         pointsPerBlock: Int = 256) {
        kernel = BitKernel(points: points, metric: metric)
        self.pointsPerBlock = max(1, pointsPerBlock)
        // 0 is the session's "one per core" (`set threads 0`, the default).
        self.metric = metric; self.threads = engineThreads(threads); self.thresholds = thresholds
        let grouped = RowGroups(kernel)
        groups = Double(grouped.count) <= thresholds.groups * Double(kernel.count) ? grouped : nil
    }

    func coreDistances(k: Int, control: TaskControl) throws -> [Double] {
        if let groups { return try groups.kthDistances(k: k, control: control) }
        if kernel.usesTable {
            let counts: [Int32] = switch kernel.words {
            case 1: try integerNearest(OneWord(), k: k, control: control)
            case 8: try integerNearest(EightWords(), k: k, control: control)
            default: try integerNearest(AnyWords(words: kernel.words), k: k, control: control)
            }
            // k clipped to 0 leaves every core distance 0, as the generic driver gives.
            return k > 0 && count > 1 ? counts.map { kernel.table[Int($0)] } : counts.map { _ in 0 }
        }
        return try KNearest.kthDistances(kernel, k: k, threads: threads, parallelFrom: thresholds.knn,
                                         tile: thresholds.tile, control: control)
    }

    func minimumSpanningTree(coreDistances: [Double], alpha: Double, control: TaskControl) throws -> [MSTEdge] {
        precondition(coreDistances.count == count, "one core distance per point")
        if let groups, let edges = try groups.spanningTree(coreDistances: coreDistances, alpha: alpha,
                                                           control: control) {
            return edges
        }
        let edges: [MSTEdge]? = switch kernel.words {
        case 1: try integerTree(OneWord(), coreDistances: coreDistances, alpha: alpha, control: control)
        case 8: try integerTree(EightWords(), coreDistances: coreDistances, alpha: alpha, control: control)
        default: try integerTree(AnyWords(words: kernel.words), coreDistances: coreDistances, alpha: alpha,
                                 control: control)
        }
        if let edges { return edges }
        let prim = PrimSpanningTree(kernel: kernel.copy(), coreDistances: coreDistances, alpha: alpha)
        return try prim.run(threads: threads, parallelFrom: thresholds.prim, control: control)
    }
}

extension BitPackedEngine {
    /// The blocks of `BitBlockPrim` and the blocked k-NN, made once per engine.
    private func blocks<W: BitWidth>(_ width: W) -> BitBlocks {
        if let cachedBlocks { return cachedBlocks }
        let made = BitBlocks(kernel: kernel, width: width, targetBlocks: min(128, count / pointsPerBlock))
        cachedBlocks = made
        return made
    }

    /// Whether k-NN and Prim work in blocks: from four blocks on, and on rows of at least four words
    /// (narrower rows stay in the cache anyway, and their bounds are loose: with blocks, one-word rows
    /// took 2.6× as long at n = 50 000). With the kernels of `CBitKernels` (eight pairs per vector) the
    /// k-NN sweeps every pair instead: the blocks' bookkeeping costs more than the pairs it saves. Prim
    /// keeps its blocks, whose catch-ups apply many tree points to rows held in registers (2.4× faster
    /// than the plain vector scan on binary512u at n = 50 000, which waits on memory).
    private var usesBlocks: Bool { count >= 4 * pointsPerBlock && kernel.words >= 4 }

    /// The k-th smallest counts of differing bits, over blocks or tiled.
    private func integerNearest<W: BitWidth>(_ width: W, k: Int, control: TaskControl) throws -> [Int32] {
        if usesBlocks {
            return try BitNearest.kthDifferences(kernel, width: width, blocks: blocks(width), k: k, threads: threads,
                                                 parallelFrom: thresholds.knn, kernels: thresholds.bitKernels,
                                                 control: control)
        }
        return try BitNearest.kthDifferences(kernel, k: k, threads: threads, parallelFrom: thresholds.knn,
                                             tile: thresholds.tile, kernels: thresholds.bitKernels, control: control)
    }

    /// Prim on integer ranks (`BitBlockPrim` when blocks are used, else `BitPrim`), or nil when the
    /// metric or the core distances need the generic driver.
    private func integerTree<W: BitWidth>(_ width: W, coreDistances: [Double], alpha: Double,
                                          control: TaskControl) throws -> [MSTEdge]? {
        guard kernel.usesTable else { return nil }
        if usesBlocks {
            guard let prim = BitBlockPrim(kernel: kernel, width: width, blocks: blocks(width), coreDistances: coreDistances,
                                          alpha: alpha, threads: threads, parallelFrom: thresholds.prim * 128,
                                          kernels: thresholds.bitKernels)
            else { return nil }
            return try prim.run(control: control)
        }
        guard let prim = BitPrim(kernel: kernel, width: width, coreDistances: coreDistances, alpha: alpha,
                                 kernels: thresholds.bitKernels) else {
            return nil
        }
        return try prim.run(threads: threads, parallelFrom: thresholds.prim, control: control)
    }
}

extension ParallelThresholds {
    /// `always`, but the bit engine never groups rows: tests of the plain bit path.
    static let alwaysUngrouped = ParallelThresholds(knn: 0, prim: 8, tile: 32, groups: 0)
}

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
        let y = bits + b &* words
        var differ: Int
        if words == 1 {
            differ = (x[0] ^ y[0]).nonzeroBitCount
        } else if words == 8 {
            // The common d = 512 (and 449...512) case, unrolled.
            differ = (x[0] ^ y[0]).nonzeroBitCount &+ (x[1] ^ y[1]).nonzeroBitCount
                &+ (x[2] ^ y[2]).nonzeroBitCount &+ (x[3] ^ y[3]).nonzeroBitCount
                &+ (x[4] ^ y[4]).nonzeroBitCount &+ (x[5] ^ y[5]).nonzeroBitCount
                &+ (x[6] ^ y[6]).nonzeroBitCount &+ (x[7] ^ y[7]).nonzeroBitCount
        } else {
            differ = 0
            for w in 0..<words { differ &+= (x[w] ^ y[w]).nonzeroBitCount }
        }
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
