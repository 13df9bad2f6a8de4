import CBitKernels
import Synchronization

/// The number of differing bits between two packed rows of one width, split into a head and a tail so
/// a caller can stop after the head when it already rules a pair out (a partial count never exceeds
/// the full one). Concrete widths let the optimiser unroll the common row sizes.
protocol BitWidth: Sendable {
    var words: Int { get }
    /// Whether `tail` adds anything (false when the head covers the whole row).
    var hasTail: Bool { get }
    func head(_ x: UnsafePointer<UInt64>, _ y: UnsafePointer<UInt64>) -> Int32
    func tail(_ x: UnsafePointer<UInt64>, _ y: UnsafePointer<UInt64>) -> Int32
}

extension BitWidth {
    @inline(__always)
    func differing(_ x: UnsafePointer<UInt64>, _ y: UnsafePointer<UInt64>) -> Int32 {
        hasTail ? head(x, y) &+ tail(x, y) : head(x, y)
    }
}

@inline(__always)
private func differ(_ x: UInt64, _ y: UInt64) -> Int32 { Int32(truncatingIfNeeded: (x ^ y).nonzeroBitCount) }

/// Rows of one word (d ≤ 64).
struct OneWord: BitWidth {
    var words: Int { 1 }
    var hasTail: Bool { false }
    @inline(__always) func head(_ x: UnsafePointer<UInt64>, _ y: UnsafePointer<UInt64>) -> Int32 { differ(x[0], y[0]) }
    @inline(__always) func tail(_ x: UnsafePointer<UInt64>, _ y: UnsafePointer<UInt64>) -> Int32 { 0 }
}

/// Rows of eight words (449 ≤ d ≤ 512): the head is the first quarter.
struct EightWords: BitWidth {
    var words: Int { 8 }
    var hasTail: Bool { true }
    @inline(__always) func head(_ x: UnsafePointer<UInt64>, _ y: UnsafePointer<UInt64>) -> Int32 {
        differ(x[0], y[0]) &+ differ(x[1], y[1])
    }
    @inline(__always) func tail(_ x: UnsafePointer<UInt64>, _ y: UnsafePointer<UInt64>) -> Int32 {
        (differ(x[2], y[2]) &+ differ(x[3], y[3])) &+ (differ(x[4], y[4]) &+ differ(x[5], y[5]))
            &+ (differ(x[6], y[6]) &+ differ(x[7], y[7]))
    }
}

/// Any other row width: the head is the first quarter of the words (at least one).
struct AnyWords: BitWidth {
    let words: Int
    let split: Int
    init(words: Int) { self.words = words; split = max(1, words / 4) }
    var hasTail: Bool { split < words }
    @inline(__always) func head(_ x: UnsafePointer<UInt64>, _ y: UnsafePointer<UInt64>) -> Int32 {
        var c: Int32 = 0
        for w in 0..<split { c &+= differ(x[w], y[w]) }
        return c
    }
    @inline(__always) func tail(_ x: UnsafePointer<UInt64>, _ y: UnsafePointer<UInt64>) -> Int32 {
        var c: Int32 = 0
        for w in split..<words { c &+= differ(x[w], y[w]) }
        return c
    }
}

/// Exact k-nearest neighbours of bit rows by their numbers of differing bits.
///
/// For euclidean, manhattan and hamming the distance of two 0/1 rows is a strictly increasing function
/// of that number a (√a, a, a / d), so the k-th smallest distance is that function of the k-th
/// smallest a: the sweep compares 32-bit integers and the caller converts once per point. The sweep is
/// `KNearest`'s tiled symmetric one; a pair stops after the first quarter of its words when that
/// partial count already reaches both points' current k-th values (most pairs in different clusters).
enum BitNearest {
    /// For each row of `kernel`, the k-th smallest number of bits differing from another row (k clipped to
    /// n − 1; all 0 when that leaves k = 0).
    static func kthDifferences(_ kernel: BitKernel, k requested: Int, threads: Int, parallelFrom: Int,
                               tile: Int, kernels: BitKernelChoice = .swift, control: TaskControl) throws -> [Int32] {
        if kernels.usesKernels {
            return try kernelSweep(kernel, k: requested, threads: threads, parallelFrom: parallelFrom,
                                   vector: kernels.vectorFlag, control: control)
        }
        return switch kernel.words {
        case 1: try sweep(kernel, OneWord(), k: requested, threads: threads, parallelFrom: parallelFrom,
                          tile: tile, control: control)
        case 8: try sweep(kernel, EightWords(), k: requested, threads: threads, parallelFrom: parallelFrom,
                          tile: tile, control: control)
        default: try sweep(kernel, AnyWords(words: kernel.words), k: requested, threads: threads,
                           parallelFrom: parallelFrom, tile: tile, control: control)
        }
    }

    private static func sweep<W: BitWidth>(_ kernel: BitKernel, _ width: W, k requested: Int, threads: Int,
                                           parallelFrom: Int, tile: Int, control: TaskControl) throws -> [Int32] {
        let n = kernel.count
        let k = min(requested, n - 1)
        guard k > 0 else { return [Int32](repeating: 0, count: max(n, 0)) }
        let rows = SharedPointer(base: kernel.bits)
        let words = width.words
        return try KNearest.tiledKth(count: n, k: k, tile: tile, threads: n < parallelFrom ? 1 : engineThreads(threads),
                                     empty: Int32.max, control: control) { aRange, bRange, _, own in
            for a in aRange {
                let x = UnsafePointer(rows.base + a &* words)
                let listA = own + a &* k
                var limitA = listA[k - 1]
                for b in (aRange == bRange ? a + 1 : bRange.lowerBound)..<bRange.upperBound {
                    let y = UnsafePointer(rows.base + b &* words)
                    let listB = own + b &* k
                    let limitB = listB[k - 1]
                    var d = width.head(x, y)
                    if width.hasTail {
                        if d >= limitA && d >= limitB { continue }
                        d &+= width.tail(x, y)
                    }
                    if d < limitA { insertSorted(listA, k, d); limitA = listA[k - 1] }
                    if d < limitB { insertSorted(listB, k, d) }
                }
            }
        }
    }

    /// The tiled sweep through the kernel `cbk_knn_tiles` (`KNNTileKernel`): the same pairs, eight at a
    /// time on the vector path.
    private static func kernelSweep(_ kernel: BitKernel, k requested: Int, threads: Int, parallelFrom: Int,
                                    vector: Int32, control: TaskControl) throws -> [Int32] {
        let n = kernel.count
        let k = min(requested, n - 1)
        guard k > 0 else { return [Int32](repeating: 0, count: max(n, 0)) }
        // Tiles of at most about 32 KB of rows, so a tile pair stays in the first-level cache.
        let tile = max(64, min(1_024, 4_096 / kernel.words))
        let threadCount = n < parallelFrom ? 1 : engineThreads(threads)
        let tiles = KNNTileKernel(rows: kernel.bits, words: kernel.words, count: n, k: k, threads: threadCount, vector: vector)
        return try KNearest.tiledKth(count: n, k: k, tile: tile, threads: threadCount, empty: Int32.max,
                                     control: control) { aRange, bRange, thread, own in
            tiles.sweep(aRange, bRange, thread: thread, lists: own)
        }
    }

    /// Inserts `value` into the ascending list of length `k` whose last entry is greater than it.
    @inline(__always)
    static func insertSorted(_ list: UnsafeMutablePointer<Int32>, _ k: Int, _ value: Int32) {
        var i = k - 1
        while i > 0 && list[i - 1] > value { list[i] = list[i - 1]; i -= 1 }
        list[i] = value
    }
}

extension BitNearest {
    /// `kthDifferences` over a partition into blocks: the same values, with pairs ruled out by the
    /// triangle inequality through the centres.
    ///
    /// For i in block A and j in block B, d(i, j) ≥ d(cA, cB) − d(i, cA) − d(j, cB) (the count of
    /// differing bits is a metric). Once both points' current k-th values are at or below that bound
    /// the pair cannot change either list; a block pair whose bound with the radii reaches every
    /// member's current k-th value is skipped whole. Tasks are block pairs, shared by the threads; a
    /// thread's own lists only ever hold values at or above the merged ones, so pruning against them is
    /// safe.
    ///
    /// With the kernels of `CBitKernels` (`kernels`), each block pair not ruled out whole is swept by
    /// `cbk_knn_tiles`, every pair computed, against per-thread limits beside the lists.
    static func kthDifferences<W: BitWidth>(_ kernel: BitKernel, width: W, blocks: BitBlocks, k requested: Int,
                                            threads: Int, parallelFrom: Int, kernels: BitKernelChoice = .swift,
                                            control: TaskControl) throws -> [Int32] {
        let n = kernel.count
        let k = min(requested, n - 1)
        guard k > 0 else { return [Int32](repeating: 0, count: max(n, 0)) }
        let words = width.words
        let blockCount = blocks.count
        // Rows in slot (block) order.
        let rows = UnsafeMutablePointer<UInt64>.allocate(capacity: max(1, n * words))
        defer { rows.deallocate() }
        for (slot, point) in blocks.order.enumerated() {
            (rows + slot * words).initialize(from: kernel.bits + Int(point) * words, count: words)
        }
        var centreDistance = [Int32](repeating: 0, count: blockCount * blockCount)
        for a in 0..<blockCount {
            for b in a..<blockCount {
                let d = width.differing(blocks.centres + a * words, blocks.centres + b * words)
                centreDistance[a * blockCount + b] = d
                centreDistance[b * blockCount + a] = d
            }
        }
        let threadCount = n < parallelFrom ? 1 : engineThreads(threads)
        let lists = UnsafeMutablePointer<Int32>.allocate(capacity: threadCount * n * k)
        defer { lists.deallocate() }
        lists.initialize(repeating: .max, count: threadCount * n * k)
        // Upper bounds of each slot's final k-th value, from the pairs within blocks: every thread prunes
        // against them, not only against its own lists.
        let ceiling = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, n))
        defer { ceiling.deallocate() }
        ceiling.initialize(repeating: .max, count: max(1, n))
        let shared = SharedPointer(base: lists)
        let sharedCeiling = SharedPointer(base: ceiling)
        let slotRows = SharedPointer(base: rows)
        let distances = centreDistance
        let finished = Atomic<Int>(0)
        let cancelled = Atomic<Bool>(false)
        // Within blocks first, then the pairs of blocks nearest first.
        var across: [(Int32, Int32)] = []
        for a in 0..<blockCount { for b in (a + 1)..<max(a + 1, blockCount) { across.append((Int32(a), Int32(b))) } }
        across.sort { distances[Int($0.0) * blockCount + Int($0.1)] < distances[Int($1.0) * blockCount + Int($1.1)] }
        let total = blockCount + across.count
        var blockCeiling = [Int32](repeating: 0, count: blockCount)
        control.report(Progress(phase: "core distances", done: 0, total: total))

        let tiles = kernels.usesKernels
            ? KNNTileKernel(rows: rows, words: words, count: n, k: k, threads: threadCount, vector: kernels.vectorFlag)
            : nil

        /// All pairs between blocks `ba` and `bb` (within `ba` when equal) on the lists of `thread`.
        @Sendable func sweep(_ ba: Int, _ bb: Int, thread: Int) {
            let own = shared.base + thread * n * k
            if let tiles {
                tiles.sweep(blocks.start[ba]..<blocks.start[ba + 1], blocks.start[bb]..<blocks.start[bb + 1],
                            thread: thread, lists: own)
                let done = finished.wrappingAdd(1, ordering: .relaxed).newValue
                if done & 255 == 0 { control.report(Progress(phase: "core distances", done: done, total: total)) }
                return
            }
            let limits = sharedCeiling.base
            let aRange = blocks.start[ba]..<blocks.start[ba + 1]
            let bRange = blocks.start[bb]..<blocks.start[bb + 1]
            let between = distances[ba * blockCount + bb]
            blocks.offCentre.withUnsafeBufferPointer { off in
                for a in aRange {
                    let x = UnsafePointer(slotRows.base + a &* words)
                    let listA = own + a &* k
                    let ceilingA = limits[a]
                    var limitA = min(listA[k - 1], ceilingA)
                    let reach = between &- off[a]
                    for b in (ba == bb ? a + 1 : bRange.lowerBound)..<bRange.upperBound {
                        let listB = own + b &* k
                        let limitB = min(listB[k - 1], limits[b])
                        let bound = reach &- off[b]
                        if bound >= limitA && bound >= limitB { continue }
                        let y = UnsafePointer(slotRows.base + b &* words)
                        var d = width.head(x, y)
                        if width.hasTail {
                            if d >= limitA && d >= limitB { continue }
                            d &+= width.tail(x, y)
                        }
                        if d < limitA { insertSorted(listA, k, d); limitA = min(listA[k - 1], ceilingA) }
                        if d < limitB { insertSorted(listB, k, d) }
                    }
                }
            }
            let done = finished.wrappingAdd(1, ordering: .relaxed).newValue
            if done & 255 == 0 { control.report(Progress(phase: "core distances", done: done, total: total)) }
        }

        runTasks(blockCount, threads: threadCount) { task, thread in
            if control.isCancelled() { cancelled.store(true, ordering: .relaxed); return false }
            sweep(task, task, thread: thread)
            return true
        }
        if cancelled.load(ordering: .relaxed) { throw Interrupted() }
        // Each block's pairs went to one thread's lists: that list's k-th value bounds the final one.
        for t in 0..<threadCount {
            for slot in 0..<n { ceiling[slot] = min(ceiling[slot], lists[(t * n + slot) * k + k - 1]) }
        }
        for b in 0..<blockCount {
            for slot in blocks.start[b]..<blocks.start[b + 1] { blockCeiling[b] = max(blockCeiling[b], ceiling[slot]) }
        }
        let ceilings = blockCeiling
        let pairs = across
        runTasks(pairs.count, threads: threadCount) { task, thread in
            if control.isCancelled() { cancelled.store(true, ordering: .relaxed); return false }
            let (ba, bb) = (Int(pairs[task].0), Int(pairs[task].1))
            // No pair between the blocks can come below every member's bound.
            let bound = Int(distances[ba * blockCount + bb]) - Int(blocks.radius[ba]) - Int(blocks.radius[bb])
            if bound >= Int(max(ceilings[ba], ceilings[bb])) {
                let done = finished.wrappingAdd(1, ordering: .relaxed).newValue
                if done & 255 == 0 { control.report(Progress(phase: "core distances", done: done, total: total)) }
                return true
            }
            sweep(ba, bb, thread: thread)
            return true
        }
        if cancelled.load(ordering: .relaxed) { throw Interrupted() }
        control.report(Progress(phase: "core distances", done: total, total: total))
        let bySlot = KNearest.kthAcrossThreads(lists, count: n, k: k, threads: threadCount)
        var result = [Int32](repeating: 0, count: n)
        for slot in 0..<n { result[Int(blocks.order[slot])] = bySlot[slot] }
        return result
    }
}

/// What `cbk_knn_tiles` reads and writes beside the rows and the k-lists: the rows interleaved eight to
/// a vector, and each thread's copy of its lists' last values, so the kernel compares eight limits at
/// once. Shared by the threads; each writes only its own limits (and lists).
final class KNNTileKernel: @unchecked Sendable {
    private let rows: UnsafePointer<UInt64>
    private let lanes: UnsafeMutablePointer<UInt64>
    private let limits: UnsafeMutablePointer<Int32>
    private let words: Int, count: Int, k: Int
    private let vector: Int32

    /// `rows`: `count` row-major rows of `words` words, alive while this is used.
    init(rows: UnsafePointer<UInt64>, words: Int, count: Int, k: Int, threads: Int, vector: Int32) {
        self.rows = rows
        self.words = words
        self.count = count
        self.k = k
        self.vector = vector
        lanes = .allocate(capacity: Int(cbk_lanes_capacity(Int64(count), Int64(words))))
        cbk_interleave(rows, Int64(words), Int64(count), lanes)
        limits = .allocate(capacity: max(1, threads * count))
        limits.initialize(repeating: .max, count: max(1, threads * count))
    }

    deinit { lanes.deallocate(); limits.deallocate() }

    /// Offers every pair between rows `a` and rows `b` (each pair once when they are the same range)
    /// to `lists`, the k-lists of `thread`.
    func sweep(_ a: Range<Int>, _ b: Range<Int>, thread: Int, lists: UnsafeMutablePointer<Int32>) {
        cbk_knn_tiles(rows, lanes, Int64(words), Int64(a.lowerBound), Int64(a.upperBound), Int64(b.lowerBound),
                      Int64(b.upperBound), a == b ? 1 : 0, lists, limits + thread * count, Int64(k), vector)
    }
}
