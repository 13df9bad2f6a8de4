/// Prim's spanning tree over bit rows, with the updates applied late and in blocks.
///
/// Why: on distinct high-dimensional rows almost every pair (91% on the bench data) still has to be
/// evaluated, and a step of the plain scan streams every unvisited row through the cache once, so the
/// scan waits on memory. Here the points are partitioned into blocks around centres; a block is brought
/// up to date ("caught up") only when it might hold the next point, by applying the tree points it has
/// not seen yet, in visit order, to its members: many rows against a few cached ones.
///
/// Exactness: a point's best edge and source depend only on the tree points applied to it and their
/// order, which stays the visit order, so a caught-up point holds exactly what the plain scan gives.
/// For a block behind by pending tree points P, each member j's final best is at least
/// min(its current best, max(core(j), d(v, j) / alpha) for v in P), and d(v, j) ≥ d(v, c) − radius by the
/// triangle inequality on the count of differing bits (a metric), c the block's centre. So
/// min(current best, max(min core, rank of (min over P of d(v, c)) − radius)) bounds the whole block
/// from below; a block whose bound is above the smallest exact key cannot hold the next point. The
/// pick is the smallest exact key once no bound is at or below it — the library's rule.
final class BitBlockPrim<W: BitWidth>: @unchecked Sendable {
    private let width: W
    private let n: Int
    private let words: Int
    /// Slot data, slots grouped by block: block b owns `start[b]..<start[b + 1]`, its unvisited members
    /// first (`start[b]..<start[b] + live[b]`).
    private let rows: UnsafeMutablePointer<UInt64>
    private let keys: UnsafeMutablePointer<UInt64>
    private let core: UnsafeMutablePointer<Int32>
    private let source: UnsafeMutablePointer<Int32>
    private let distanceRank: [Int32]
    private let values: [Double]
    private let blocks: BitBlocks
    private var live: [Int]
    /// Tree points (in visit order) already applied to each block's members.
    private var applied: [Int]
    /// The fewest bits by which a pending tree point differs from each block's centre.
    private var nearestPending: [Int32]
    /// Per block: the smallest key of its unvisited members (and its slot), and their smallest core rank.
    private var minKey: [UInt64]
    private var minSlot: [Int]
    private var minCore: [Int32]
    /// The tree points in visit order: rows, core ranks and indices.
    private let visitedRows: UnsafeMutablePointer<UInt64>
    private let visitedCore: UnsafeMutablePointer<Int32>
    private let visitedIndex: UnsafeMutablePointer<Int32>
    private var visited = 0
    private let threads: Int
    private let parallelFrom: Int

    /// nil when `MutualReachabilityRanks` cannot rank the core distances.
    init?(kernel: BitKernel, width: W, blocks: BitBlocks, coreDistances: [Double], alpha: Double,
          threads: Int, parallelFrom: Int) {
        guard width.words == kernel.words,
              let ranks = MutualReachabilityRanks(kernel: kernel, coreDistances: coreDistances, alpha: alpha)
        else { return nil }
        self.width = width
        self.blocks = blocks
        self.threads = threads
        self.parallelFrom = parallelFrom
        n = kernel.count
        words = kernel.words
        values = ranks.values
        distanceRank = ranks.distance
        let capacity = max(n, 1)
        rows = .allocate(capacity: capacity * words)
        keys = .allocate(capacity: capacity)
        core = .allocate(capacity: capacity)
        source = .allocate(capacity: capacity)
        for (slot, point) in blocks.order.enumerated() {
            (rows + slot * words).initialize(from: kernel.bits + Int(point) * words, count: words)
            keys[slot] = MutualReachabilityRanks.unreached | UInt64(point)
            core[slot] = ranks.core[Int(point)]
            source[slot] = 0
        }
        visitedRows = .allocate(capacity: capacity * words)
        visitedCore = .allocate(capacity: capacity)
        visitedIndex = .allocate(capacity: capacity)
        let count = blocks.count
        live = (0..<count).map { blocks.start[$0 + 1] - blocks.start[$0] }
        applied = [Int](repeating: 0, count: count)
        nearestPending = [Int32](repeating: .max, count: count)
        minKey = [UInt64](repeating: .max, count: count)
        minSlot = [Int](repeating: -1, count: count)
        minCore = [Int32](repeating: .max, count: count)
    }

    deinit {
        rows.deallocate(); keys.deallocate(); core.deallocate(); source.deallocate()
        visitedRows.deallocate(); visitedCore.deallocate(); visitedIndex.deallocate()
    }

    func run(control: TaskControl) throws -> [MSTEdge] {
        guard n > 1 else { return [] }
        var edges: [MSTEdge] = []
        edges.reserveCapacity(n - 1)
        var active = Array(0..<blocks.count).filter { live[$0] > 0 }
        for b in active { refresh(b) }
        // Point 0 enters first.
        let firstSlot = blocks.slotOf(point: 0)
        visit(slot: firstSlot, block: blocks.blockOf(slot: firstSlot))
        var work = 0
        control.report(Progress(phase: "spanning tree", done: 0, total: n - 1))
        while visited < n {
            active.removeAll { live[$0] == 0 }
            var pick = -1
            while true {
                var smallest = UInt64.max
                var behind = false
                for b in active {
                    let key: UInt64
                    let lagging = applied[b] < visited
                    if lagging {
                        let gap = Int(nearestPending[b]) - Int(blocks.radius[b])
                        var bound = distanceRank[max(0, gap)]
                        if minCore[b] > bound { bound = minCore[b] }
                        key = min(minKey[b], UInt64(UInt32(bound)) << 32)
                    } else {
                        key = minKey[b]
                    }
                    // On a tie a block behind goes first: its bound may hide an equal key.
                    if key < smallest || (key == smallest && lagging) { smallest = key; pick = b; behind = lagging }
                }
                if !behind { break }
                work += catchUp(pick)
            }
            let slot = minSlot[pick]
            let key = keys[slot]
            let rank = Int(key >> 32)
            edges.append(MSTEdge(from: source[slot], to: Int32(truncatingIfNeeded: key & 0xFFFF_FFFF),
                                 weight: rank < values.count ? values[rank] : .infinity))
            visit(slot: slot, block: pick)
            work += active.count + live[pick]
            if work >= 4_000_000 {
                work = 0
                try control.checkCancellation()
                control.report(Progress(phase: "spanning tree", done: edges.count, total: n - 1))
            }
        }
        control.report(Progress(phase: "spanning tree", done: n - 1, total: n - 1))
        return edges
    }

    /// Adds the point in `slot` of block `b` to the tree.
    private func visit(slot: Int, block b: Int) {
        let row = visitedRows + visited * words
        row.initialize(from: rows + slot * words, count: words)
        visitedCore[visited] = core[slot]
        visitedIndex[visited] = Int32(truncatingIfNeeded: keys[slot] & 0xFFFF_FFFF)
        visited += 1
        let last = blocks.start[b] + live[b] - 1
        swapSlots(slot, last)
        live[b] -= 1
        refresh(b)
        for c in 0..<blocks.count where live[c] > 0 {
            let d = width.differing(row, blocks.centres + c * words)
            if d < nearestPending[c] { nearestPending[c] = d }
        }
    }

    private func swapSlots(_ a: Int, _ b: Int) {
        guard a != b else { return }
        swap(&keys[a], &keys[b])
        swap(&core[a], &core[b])
        swap(&source[a], &source[b])
        let x = rows + a * words, y = rows + b * words
        for w in 0..<words { let t = x[w]; x[w] = y[w]; y[w] = t }
    }

    /// Recomputes block `b`'s smallest key, its slot and smallest core rank.
    private func refresh(_ b: Int) {
        var key = UInt64.max, slot = -1, lowest = Int32.max
        for s in blocks.start[b]..<(blocks.start[b] + live[b]) {
            if keys[s] < key { key = keys[s]; slot = s }
            if core[s] < lowest { lowest = core[s] }
        }
        minKey[b] = key; minSlot[b] = slot; minCore[b] = lowest
    }

    /// Applies the pending tree points to block `b`'s unvisited members; returns the pairs it covered.
    private func catchUp(_ b: Int) -> Int {
        let from = applied[b], to = visited
        let first = blocks.start[b], members = live[b]
        let pairs = (to - from) * members
        // Members are independent: split them over the threads when the work is worth a hand-off.
        if threads > 1 && pairs >= parallelFrom && members >= 2 {
            let parts = min(members, 4 * threads)
            runTasks(parts, threads: threads) { part, _ in
                let lo = first + part * members / parts, hi = first + (part + 1) * members / parts
                self.apply(from: from, to: to, slots: lo..<hi)
                return true
            }
        } else {
            apply(from: from, to: to, slots: first..<(first + members))
        }
        applied[b] = to
        nearestPending[b] = .max
        refresh(b)
        return pairs
    }

    /// Applies tree points `from..<to` in visit order to the points in `slots`, in tiles of tree points
    /// that stay in the cache.
    private func apply(from: Int, to: Int, slots: Range<Int>) {
        let tile = 1_024
        var lo = from
        while lo < to {
            let hi = min(to, lo + tile)
            for s in slots {
                let key = keys[s]
                var best = Int32(truncatingIfNeeded: key >> 32)
                let coreJ = core[s]
                if coreJ >= best { continue }
                let y = UnsafePointer(rows + s &* words)
                var improvedBy = -1
                for v in lo..<hi {
                    let coreV = visitedCore[v]
                    // mr ≥ max(core(v), core(j)); when that already reaches the best no update can happen.
                    if coreV >= best { continue }
                    var mr = distanceRank[Int(width.differing(visitedRows + v &* words, y))]
                    if coreJ > mr { mr = coreJ }
                    if coreV > mr { mr = coreV }
                    if mr < best {
                        best = mr
                        improvedBy = v
                        if coreJ >= best { break }
                    }
                }
                if improvedBy >= 0 {
                    keys[s] = UInt64(UInt32(best)) << 32 | (key & 0xFFFF_FFFF)
                    source[s] = visitedIndex[improvedBy]
                }
            }
            lo = hi
        }
    }
}

/// A partition of bit rows into blocks around centres for `BitBlockPrim`: tight blocks make its bounds
/// useful, but any partition gives the same tree.
///
/// Centres come from a farthest-first traversal (each new centre the point farthest from all before),
/// then move to their members' bitwise majority; members much farther from their centre than is
/// typical for the block (noise in a cluster) leave it and are grouped in index order into blocks of
/// their own, so one stray row does not widen a whole cluster's radius.
final class BitBlocks: @unchecked Sendable {
    let count: Int
    /// The point in each slot; block b holds slots `start[b]..<start[b + 1]`.
    let order: [Int32]
    let start: [Int]
    /// Each block's centre row and the most bits by which a member differs from it.
    let centres: UnsafeMutablePointer<UInt64>
    let radius: [Int32]

    init<W: BitWidth>(kernel: BitKernel, width: W, targetBlocks: Int, looseBlockSize: Int = 512) {
        let n = kernel.count, words = kernel.words
        let bits = kernel.bits
        let wanted = max(1, min(targetBlocks, n))
        var centreRows = [UInt64](repeating: 0, count: wanted * words)
        var nearest = [Int32](repeating: .max, count: n)
        var owner = [Int32](repeating: 0, count: n)
        var centreCount = 0
        var next = 0
        // Farthest-first traversal from point 0.
        while centreCount < wanted && n > 0 {
            let c = centreCount
            for w in 0..<words { centreRows[c * words + w] = bits[next * words + w] }
            centreCount += 1
            var far = -1, farDistance: Int32 = 0
            centreRows.withUnsafeBufferPointer { centres in
                let centre = centres.baseAddress! + c * words
                for i in 0..<n {
                    let d = width.differing(bits + i * words, centre)
                    if d < nearest[i] { nearest[i] = d; owner[i] = Int32(c) }
                    if nearest[i] > farDistance { farDistance = nearest[i]; far = i }
                }
            }
            if far < 0 { break }
            next = far
        }
        // Centres move to their members' majority; members are assigned again.
        let dimensionBits = words * 64
        var ones = [Int32](repeating: 0, count: centreCount * dimensionBits)
        var sizes = [Int32](repeating: 0, count: centreCount)
        for i in 0..<n {
            let c = Int(owner[i])
            sizes[c] += 1
            for w in 0..<words {
                var word = bits[i * words + w]
                while word != 0 {
                    ones[c * dimensionBits + w * 64 + word.trailingZeroBitCount] += 1
                    word &= word &- 1
                }
            }
        }
        for c in 0..<centreCount where sizes[c] > 0 {
            for w in 0..<words {
                var word: UInt64 = 0
                for bit in 0..<64 where 2 * ones[c * dimensionBits + w * 64 + bit] > sizes[c] { word |= 1 << UInt64(bit) }
                centreRows[c * words + w] = word
            }
        }
        centreRows.withUnsafeBufferPointer { centres in
            for i in 0..<n {
                var best = Int32.max, at: Int32 = 0
                for c in 0..<centreCount {
                    let d = width.differing(bits + i * words, centres.baseAddress! + c * words)
                    if d < best { best = d; at = Int32(c) }
                }
                nearest[i] = best; owner[i] = at
            }
        }
        // Members far beyond their block's typical distance leave it.
        var members = [[Int32]](repeating: [], count: centreCount)
        for i in 0..<n { members[Int(owner[i])].append(Int32(i)) }
        var loose: [Int32] = []
        for c in 0..<centreCount where members[c].count > 2 {
            let sorted = members[c].map { nearest[Int($0)] }.sorted()
            let cut = 2 * sorted[sorted.count / 2] + 8
            if sorted.last! > cut {
                loose += members[c].filter { nearest[Int($0)] > cut }
                members[c].removeAll { nearest[Int($0)] > cut }
            }
        }
        loose.sort()
        var groups = members.filter { !$0.isEmpty }
        var groupCentres: [[UInt64]] = []
        for c in 0..<centreCount where !members[c].isEmpty {
            groupCentres.append(Array(centreRows[(c * words)..<((c + 1) * words)]))
        }
        var at = 0
        while at < loose.count {
            let chunk = Array(loose[at..<min(loose.count, at + looseBlockSize)])
            at += chunk.count
            // The chunk's majority row.
            var centre = [UInt64](repeating: 0, count: words)
            for w in 0..<words {
                for bit in 0..<64 {
                    var c = 0
                    for p in chunk where bits[Int(p) * words + w] >> UInt64(bit) & 1 == 1 { c += 1 }
                    if 2 * c > chunk.count { centre[w] |= 1 << UInt64(bit) }
                }
            }
            groups.append(chunk)
            groupCentres.append(centre)
        }
        count = groups.count
        centres = .allocate(capacity: max(1, count * words))
        var order: [Int32] = []
        order.reserveCapacity(n)
        var start = [0]
        var radius: [Int32] = []
        for (g, group) in groups.enumerated() {
            let centre = centres + g * words
            centre.initialize(from: groupCentres[g], count: words)
            var r: Int32 = 0
            for p in group { r = max(r, width.differing(bits + Int(p) * words, centre)) }
            radius.append(r)
            order += group
            start.append(order.count)
        }
        self.order = order
        self.start = start
        self.radius = radius
    }

    deinit { centres.deallocate() }

    func slotOf(point: Int32) -> Int { order.firstIndex(of: point)! }

    func blockOf(slot: Int) -> Int { start.lastIndex { $0 <= slot }! }
}
