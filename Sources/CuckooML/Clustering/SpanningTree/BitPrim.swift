import CBitKernels

/// Prim's spanning tree over bit rows with every comparison made on 32-bit integer ranks.
///
/// It runs `PrimDriver`'s loop (same start, strict updates, lowest-index ties, compacted unvisited
/// slots, the scan shared with a helper thread) with a scan that never touches a double. For
/// euclidean, manhattan and hamming a distance is a function of the count a of differing bits, and so is
/// d / alpha; every value a mutual reachability can take — those per a and the core distances — is
/// sorted once, and each is replaced by its rank. Ranks order exactly as the doubles do (equal values
/// share a rank), so max, `<` and the ties give the same tree, and the edge weight is the double of its
/// rank. A slot's best rank and its point's index sit in one 64-bit key (rank above, index below): the
/// smallest key is the library's pick, the smallest best with the lowest index.
///
/// With the kernels of `CBitKernels`, the rows are interleaved eight slots to a group (see
/// CBitKernels.h) and a scan runs `cbk_prim_scan` (eight slots at a time on the vector path, the same
/// updates); when every rank is its count of differing bits (alpha 1, the usual case) it skips the rank
/// table.
final class BitPrim<W: BitWidth>: PrimScan, @unchecked Sendable {
    private let width: W
    private let n: Int
    var count: Int { n }
    private let words: Int
    /// Slot rows: row-major, or interleaved when `interleaved` (the kernels of `CBitKernels` run).
    private let rows: UnsafeMutablePointer<UInt64>
    /// The row of the slot being added (`current`), read by the vector scans.
    private let currentRow: UnsafeMutablePointer<UInt64>
    /// best rank << 32 | original index; `MutualReachabilityRanks.unreached` stands for +∞ (no edge yet).
    private let keys: UnsafeMutablePointer<UInt64>
    private let core: UnsafeMutablePointer<Int32>
    private let source: UnsafeMutablePointer<Int32>
    /// The rank of d(a) / alpha for each count a of differing bits.
    private let distanceRank: UnsafeMutablePointer<Int32>
    /// Whether the scans run `cbk_prim_scan` (then the rows are interleaved), its `vector` argument, and
    /// its rank table (nil when each rank equals its count).
    private let interleaved: Bool
    private let vectorFlag: Int32
    private let kernelRanks: UnsafePointer<Int32>?
    /// The mutual reachabilities' ranks and their doubles.
    private let ranks: MutualReachabilityRanks
    /// The slot of the point being added, set by `prepare`.
    private var current = 0
    /// The vector scan is several times faster per slot: larger chunks keep the hand-offs rare.
    var slotsPerChunk: Int { interleaved ? 8_192 : 2_048 }

    /// The smallest key of a scan and its slot.
    struct Minimum: PrimCandidate {
        var key = UInt64.max
        var slot = -1
        static var none: Minimum { Minimum() }
        func precedes(_ other: Minimum) -> Bool { key < other.key }
    }

    /// nil when `MutualReachabilityRanks` cannot rank the core distances (then the generic driver runs).
    init?(kernel: BitKernel, width: W, coreDistances: [Double], alpha: Double, kernels: BitKernelChoice = .swift) {
        let interleaved = kernels.usesKernels
        guard width.words == kernel.words,
              let ranks = MutualReachabilityRanks(kernel: kernel, coreDistances: coreDistances, alpha: alpha)
        else { return nil }
        self.width = width
        self.ranks = ranks
        n = kernel.count
        words = kernel.words
        if interleaved {
            rows = .allocate(capacity: max(8 * words, Int(cbk_lanes_capacity(Int64(n), Int64(words)))))
            cbk_interleave(kernel.bits, Int64(words), Int64(n), rows)
        } else {
            rows = .allocate(capacity: max(n, 1) * words)
            rows.initialize(from: kernel.bits, count: n * words)
        }
        currentRow = .allocate(capacity: words)
        currentRow.initialize(repeating: 0, count: words)
        keys = .allocate(capacity: max(n, 1))
        core = .allocate(capacity: max(n, 1))
        source = .allocate(capacity: max(n, 1))
        for i in 0..<n {
            keys[i] = MutualReachabilityRanks.unreached | UInt64(i)
            core[i] = ranks.core[i]
            source[i] = 0
        }
        distanceRank = .allocate(capacity: ranks.distance.count)
        distanceRank.initialize(from: ranks.distance, count: ranks.distance.count)
        self.interleaved = interleaved
        vectorFlag = kernels.vectorFlag
        kernelRanks = ranks.distanceIsCount ? nil : UnsafePointer(distanceRank)
    }

    deinit {
        rows.deallocate(); currentRow.deallocate(); keys.deallocate(); core.deallocate(); source.deallocate()
        distanceRank.deallocate()
    }

    /// The edges in Prim's emission order; each step is split over two threads while at least
    /// `parallelFrom` points are left.
    func run(threads: Int, parallelFrom: Int = 2_048, control: TaskControl) throws -> [MSTEdge] {
        try runPrim(threads: threads, parallelFrom: parallelFrom, control: control)
    }

    func prepare(current slot: Int) {
        current = slot
        loadCurrentRow()
    }

    func edge(slot: Int, found: Minimum) -> MSTEdge { ranks.edge(key: found.key, from: source[slot]) }

    func scan(_ range: Range<Int>) -> Minimum {
        let (key, slot) = scan(range, from: current)
        return Minimum(key: key, slot: slot)
    }

    /// Copies the row of slot `current` to `currentRow` (the vector scans read it from there).
    private func loadCurrentRow() {
        guard interleaved else { return }
        let base = interleavedRow(current)
        for w in 0..<words { currentRow[w] = base[w * 8] }
    }

    /// Word 0 of slot `s`'s row in the interleaved layout; word w is 8·w further on.
    @inline(__always)
    private func interleavedRow(_ s: Int) -> UnsafeMutablePointer<UInt64> { rows + (s >> 3) * words * 8 + (s & 7) }

    func exchangeSlots(_ a: Int, _ b: Int) {
        guard a != b else { return }
        swap(&keys[a], &keys[b])
        swap(&core[a], &core[b])
        swap(&source[a], &source[b])
        if interleaved {
            let x = interleavedRow(a), y = interleavedRow(b)
            for w in 0..<words { let t = x[w * 8]; x[w * 8] = y[w * 8]; y[w * 8] = t }
            return
        }
        let x = rows + a * words, y = rows + b * words
        for w in 0..<words { let t = x[w]; x[w] = y[w]; y[w] = t }
    }

    /// Updates the slots in `range` from the point in slot `cur`; returns their smallest key and its slot.
    private func scan(_ range: Range<Int>, from cur: Int) -> (key: UInt64, slot: Int) {
        let coreCur = core[cur]
        let curIndex = Int32(truncatingIfNeeded: keys[cur] & 0xFFFF_FFFF)
        if interleaved {
            var slot: Int64 = -1
            let key = cbk_prim_scan(currentRow, coreCur, curIndex, rows, Int64(words), keys, core, source, kernelRanks,
                                    Int64(range.lowerBound), Int64(range.upperBound), &slot, vectorFlag)
            return (key, Int(slot))
        }
        let x = UnsafePointer(rows + cur &* words)
        var minKey = UInt64.max
        var minSlot = -1
        for j in range {
            var key = keys[j]
            let best = Int32(truncatingIfNeeded: key >> 32)
            let coreJ = core[j]
            // mr ≥ max(core(cur), core(j)); when that already reaches the best no update can happen.
            if coreCur < best && coreJ < best {
                var mr = distanceRank[Int(width.differing(x, rows + j &* words))]
                if coreJ > mr { mr = coreJ }
                if coreCur > mr { mr = coreCur }
                if mr < best {
                    key = UInt64(UInt32(mr)) << 32 | (key & 0xFFFF_FFFF)
                    keys[j] = key
                    source[j] = curIndex
                }
            }
            if key < minKey { minKey = key; minSlot = j }
        }
        return (minKey, minSlot)
    }
}

/// Every value a mutual reachability max(core(i), core(j), d(i, j) / alpha) can take on bit rows, sorted,
/// and each replaced by its rank: ranks order exactly as the doubles do (equal values share a rank).
struct MutualReachabilityRanks {
    /// The double of each rank.
    let values: [Double]
    /// The rank of d(a) / alpha (d(a) alone when alpha is 1, as the generic driver computes it) for each
    /// count a of differing bits; non-decreasing in a.
    let distance: [Int32]
    /// The rank of each point's core distance.
    let core: [Int32]
    /// Whether every count of differing bits is its own distance rank (alpha 1, the usual case): the
    /// kernels of `CBitKernels` then skip the rank table.
    var distanceIsCount: Bool { distance.enumerated().allSatisfy { Int($0.element) == $0.offset } }
    /// A key's rank part for "no edge yet" (+∞), above every rank.
    static let unreached = UInt64(UInt32(Int32.max)) << 32

    /// The edge to the point of `key` (best rank << 32 | index), its weight the double of the rank.
    func edge(key: UInt64, from source: Int32) -> MSTEdge {
        let rank = Int(key >> 32)
        return MSTEdge(from: source, to: Int32(truncatingIfNeeded: key & 0xFFFF_FFFF),
                       weight: rank < values.count ? values[rank] : .infinity)
    }

    /// nil unless the kernel's distance is `table[a]` and every core distance is a finite number ≥ +0
    /// (±∞, NaN and −0 would need the doubles' own rules).
    init?(kernel: BitKernel, coreDistances: [Double], alpha: Double) {
        guard kernel.usesTable, coreDistances.count == kernel.count else { return nil }
        for c in coreDistances where !(c.isFinite && c >= 0 && c.sign == .plus) { return nil }
        let distances = (0...kernel.dimension).map { alpha == 1 ? kernel.table[$0] : kernel.table[$0] / alpha }
        for d in distances where !(d.isFinite && d >= 0) { return nil }
        var all = distances + coreDistances
        all.sort()
        var values: [Double] = []
        for v in all where values.last != v { values.append(v) }
        guard values.count < Int(Int32.max) else { return nil }
        func rank(_ v: Double) -> Int32 {
            var lo = 0, hi = values.count - 1
            while lo < hi {
                let mid = (lo + hi) / 2
                if values[mid] < v { lo = mid + 1 } else { hi = mid }
            }
            return Int32(lo)
        }
        self.values = values
        distance = distances.map(rank)
        core = coreDistances.map(rank)
    }
}
