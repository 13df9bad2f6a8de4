import CBitKernels

/// Prim's spanning tree over bit rows, with the updates applied late and in blocks.
///
/// Why: on distinct high-dimensional rows almost every pair (91% on the bench data) still has to be
/// evaluated, and a step of the plain scan streams every unvisited row through the cache once, so the
/// scan waits on memory. Here the points are partitioned into blocks around centres; a block is brought
/// up to date ("caught up") only when it might hold the next point, by applying the tree points it has
/// not seen yet, in visit order, to its members: many rows against a few cached ones.
///
/// Exactness: a point's best edge and source depend only on the tree points applied to it, in visit
/// order; a catch-up computes that result (see `apply`), so a caught-up point holds exactly what the
/// plain scan gives.
/// For a block behind by pending tree points P, each member j's final best is at least
/// min(its current best, max(core(j), d(v, j) / alpha) for v in P), and d(v, j) ≥ d(v, c) − radius by the
/// triangle inequality on the count of differing bits (a metric), c the block's centre. So
/// min(current best, max(min core, rank of (min over P of d(v, c)) − radius)) bounds the whole block
/// from below; a block whose bound is above the smallest exact key cannot hold the next point. The
/// pick is the smallest exact key once no bound is at or below it — the library's rule. While catching
/// up, the same inequality through either point's block centre skips pairs that cannot improve a best.
///
/// With the kernels of `CBitKernels`, a catch-up applies the pending tree points in visit order through
/// `cbk_apply_pending` (eight members held in registers against each pending row, every pair computed):
/// the same result, since the kernel takes the same lexicographic minimum of (mr, visit position).
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
    /// Bits by which each slot's row differs from its block's centre.
    private let offCentre: UnsafeMutablePointer<Int32>
    /// The pending tree points of the block being caught up, nearest its centre first: their distance
    /// to that centre, rows, core ranks, blocks, distances to their own blocks' centres, visit positions.
    private let pendingOffCentre: UnsafeMutablePointer<Int32>
    private let pendingRows: UnsafeMutablePointer<UInt64>
    private let pendingCore: UnsafeMutablePointer<Int32>
    private let pendingBlock: UnsafeMutablePointer<Int32>
    private let pendingOwnCentre: UnsafeMutablePointer<Int32>
    private let pendingPosition: UnsafeMutablePointer<Int32>
    private let distanceRank: [Int32]
    private let ranks: MutualReachabilityRanks
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
    /// Each tree point's block and its distance to that block's centre.
    private let visitedBlock: UnsafeMutablePointer<Int32>
    private let visitedOffCentre: UnsafeMutablePointer<Int32>
    /// Per slot, its distance to every block's centre (`blocks.count` values each).
    private let toCentres: UnsafeMutablePointer<Int32>
    private var visited = 0
    private let threads: Int
    private let parallelFrom: Int
    /// Whether catch-ups run `cbk_apply_pending`, its `vector` argument, its rank table (nil when each
    /// rank equals its count) and the visit positions 0..<n it reads.
    private let usesKernel: Bool
    private let vectorFlag: Int32
    private let kernelRanks: UnsafeMutablePointer<Int32>?
    private let positions: UnsafeMutablePointer<Int32>

    /// nil when `MutualReachabilityRanks` cannot rank the core distances.
    init?(kernel: BitKernel, width: W, blocks: BitBlocks, coreDistances: [Double], alpha: Double,
          threads: Int, parallelFrom: Int, kernels: BitKernelChoice = .swift) {
        guard width.words == kernel.words,
              let ranks = MutualReachabilityRanks(kernel: kernel, coreDistances: coreDistances, alpha: alpha)
        else { return nil }
        self.width = width
        self.blocks = blocks
        self.threads = threads
        self.parallelFrom = parallelFrom
        n = kernel.count
        words = kernel.words
        self.ranks = ranks
        distanceRank = ranks.distance
        usesKernel = kernels.usesKernels
        vectorFlag = kernels.vectorFlag
        if ranks.distanceIsCount {
            kernelRanks = nil
        } else {
            kernelRanks = .allocate(capacity: ranks.distance.count)
            kernelRanks!.initialize(from: ranks.distance, count: ranks.distance.count)
        }
        let capacity = max(n, 1)
        rows = .allocate(capacity: capacity * words)
        keys = .allocate(capacity: capacity)
        core = .allocate(capacity: capacity)
        source = .allocate(capacity: capacity)
        offCentre = .allocate(capacity: capacity)
        offCentre.initialize(from: blocks.offCentre, count: n)
        pendingOffCentre = .allocate(capacity: capacity)
        pendingRows = .allocate(capacity: capacity * words)
        pendingCore = .allocate(capacity: capacity)
        pendingBlock = .allocate(capacity: capacity)
        pendingOwnCentre = .allocate(capacity: capacity)
        pendingPosition = .allocate(capacity: capacity)
        for (slot, point) in blocks.order.enumerated() {
            (rows + slot * words).initialize(from: kernel.bits + Int(point) * words, count: words)
            keys[slot] = MutualReachabilityRanks.unreached | UInt64(point)
            core[slot] = ranks.core[Int(point)]
            source[slot] = 0
        }
        visitedRows = .allocate(capacity: capacity * words)
        visitedCore = .allocate(capacity: capacity)
        visitedIndex = .allocate(capacity: capacity)
        visitedBlock = .allocate(capacity: capacity)
        visitedOffCentre = .allocate(capacity: capacity)
        positions = .allocate(capacity: usesKernel ? capacity : 1)
        if usesKernel { for i in 0..<n { positions[i] = Int32(i) } }
        let count = blocks.count
        toCentres = .allocate(capacity: capacity * max(1, count))
        for slot in 0..<n {
            for c in 0..<count {
                toCentres[slot * count + c] = width.differing(rows + slot * words, blocks.centres + c * words)
            }
        }
        live = (0..<count).map { blocks.start[$0 + 1] - blocks.start[$0] }
        applied = [Int](repeating: 0, count: count)
        nearestPending = [Int32](repeating: .max, count: count)
        minKey = [UInt64](repeating: .max, count: count)
        minSlot = [Int](repeating: -1, count: count)
        minCore = [Int32](repeating: .max, count: count)
    }

    deinit {
        rows.deallocate(); keys.deallocate(); core.deallocate(); source.deallocate()
        offCentre.deallocate(); pendingOffCentre.deallocate(); pendingRows.deallocate(); pendingCore.deallocate()
        pendingBlock.deallocate(); pendingOwnCentre.deallocate(); pendingPosition.deallocate()
        visitedRows.deallocate(); visitedCore.deallocate(); visitedIndex.deallocate()
        visitedBlock.deallocate(); visitedOffCentre.deallocate(); toCentres.deallocate()
        kernelRanks?.deallocate(); positions.deallocate()
    }

    func run(control: TaskControl) throws -> [MSTEdge] {
        guard n > 1 else { return [] }
        var record = SpanningTreeRecord(points: n, control: control)
        var active = Array(0..<blocks.count).filter { live[$0] > 0 }
        for b in active { refresh(b) }
        // Point 0 enters first.
        let firstSlot = blocks.slotOf(point: 0)
        visit(slot: firstSlot, block: blocks.blockOf(slot: firstSlot))
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
                try record.add(work: catchUp(pick))
            }
            let slot = minSlot[pick]
            let edge = ranks.edge(key: keys[slot], from: source[slot])
            visit(slot: slot, block: pick)
            try record.append(edge, work: active.count + live[pick])
        }
        return record.finish()
    }

    /// Adds the point in `slot` of block `b` to the tree.
    private func visit(slot: Int, block b: Int) {
        let row = visitedRows + visited * words
        row.initialize(from: rows + slot * words, count: words)
        visitedCore[visited] = core[slot]
        visitedIndex[visited] = Int32(truncatingIfNeeded: keys[slot] & 0xFFFF_FFFF)
        visitedBlock[visited] = Int32(b)
        visitedOffCentre[visited] = offCentre[slot]
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
        swap(&offCentre[a], &offCentre[b])
        let x = rows + a * words, y = rows + b * words
        for w in 0..<words { let t = x[w]; x[w] = y[w]; y[w] = t }
        let count = blocks.count
        let p = toCentres + a * count, q = toCentres + b * count
        for c in 0..<count { let t = p[c]; p[c] = q[c]; q[c] = t }
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
        let pending = to - from
        let pairs = pending * members
        if usesKernel {
            if threads > 1 && pairs >= parallelFrom && members >= 16 {
                let parts = min(members / 8, 4 * threads)
                runTasks(parts, threads: threads) { part, _ in
                    let lo = first + part * members / parts, hi = first + (part + 1) * members / parts
                    self.applyKernel(from: from, to: to, slots: lo..<hi)
                    return true
                }
            } else {
                applyKernel(from: from, to: to, slots: first..<(first + members))
            }
            applied[b] = to
            nearestPending[b] = .max
            refresh(b)
            return pairs
        }
        let centre = UnsafePointer(blocks.centres + b * words)
        var order = (from..<to).map { v in (width.differing(visitedRows + v * words, centre), Int32(v)) }
        order.sort { $0.0 < $1.0 || ($0.0 == $1.0 && $0.1 < $1.1) }
        for (i, (distance, v)) in order.enumerated() {
            let v = Int(v)
            pendingOffCentre[i] = distance
            (pendingRows + i * words).update(from: visitedRows + v * words, count: words)
            pendingCore[i] = visitedCore[v]
            pendingBlock[i] = visitedBlock[v]
            pendingOwnCentre[i] = visitedOffCentre[v]
            pendingPosition[i] = Int32(v)
        }
        // Members are independent: split them over the threads when the work is worth a hand-off.
        if threads > 1 && pairs >= parallelFrom && members >= 2 {
            let parts = min(members, 4 * threads)
            runTasks(parts, threads: threads) { part, _ in
                let lo = first + part * members / parts, hi = first + (part + 1) * members / parts
                self.apply(pending: pending, slots: lo..<hi)
                return true
            }
        } else {
            apply(pending: pending, slots: first..<(first + members))
        }
        applied[b] = to
        nearestPending[b] = .max
        refresh(b)
        return pairs
    }

    /// Applies the tree points visited at `from..<to` to the points in `slots` through `cbk_apply_pending`.
    private func applyKernel(from: Int, to: Int, slots: Range<Int>) {
        let count = slots.count
        guard count > 0 else { return }
        let best = UnsafeMutablePointer<Int32>.allocate(capacity: 2 * count)
        defer { best.deallocate() }
        let position = best + count
        cbk_apply_pending(rows, Int64(words), Int64(slots.lowerBound), Int64(slots.upperBound), core, keys,
                          visitedRows + from * words, visitedCore + from, positions + from, Int64(to - from),
                          kernelRanks, best, position, vectorFlag)
        for (i, s) in slots.enumerated() where position[i] >= 0 {
            keys[s] = UInt64(UInt32(best[i])) << 32 | (keys[s] & 0xFFFF_FFFF)
            source[s] = visitedIndex[Int(position[i])]
        }
    }

    /// The fewest differing bits whose distance rank reaches `rank` (dimension + 1 when none does).
    @inline(__always)
    private func countLimit(_ rank: Int32) -> Int32 {
        var lo = 0, hi = distanceRank.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if distanceRank[mid] < rank { lo = mid + 1 } else { hi = mid }
        }
        return Int32(lo)
    }

    /// Applies the sorted pending tree points to the points in `slots`.
    ///
    /// Applied in visit order, strict updates leave a point the smallest mutual reachability over the
    /// pending points, from the earliest of them reaching it, when that is below its best (a tie with
    /// the best from earlier tree points keeps it). That result does not depend on the order, so the
    /// points go nearest the block's centre first: the bound d(v, j) ≥ d(v, centre) − d(j, centre) then
    /// only grows, and the scan stops once it puts every later point above the current value. The same
    /// inequality through the centre of v's own block and mr ≥ core(v) skip single pairs; ties are
    /// always computed.
    private func apply(pending: Int, slots: Range<Int>) {
        let blockCount = blocks.count
        let noLimit = Int32(distanceRank.count)
        let none = Int32.max
        // With a few pending points (a block caught up every step) the bound costs more than it saves.
        let bounded = pending > 8
        for s in slots {
            let key = keys[s]
            let initial = Int32(truncatingIfNeeded: key >> 32)
            let coreJ = core[s]
            // Every pending point gives mr ≥ core(j) ≥ the best: nothing changes (a tie keeps the older).
            if coreJ >= initial { continue }
            let y = UnsafePointer(rows + s &* words)
            let radius = offCentre[s]
            let centres = toCentres + s &* blockCount
            var best = initial
            // The visit position of the pending point giving `best`; `none` while it is the initial one.
            var position = none
            // Distances of at least `above` differing bits have a rank above `best`.
            var above = initial == Int32.max || !bounded ? noLimit : countLimit(initial &+ 1)
            for i in 0..<pending {
                if pendingOffCentre[i] &- radius >= above { break }
                let coreV = pendingCore[i]
                if coreV > best { continue }
                let at = pendingPosition[i]
                // A tie wins only against a later pending source.
                if coreV == best && (position == none || at > position) { continue }
                if centres[Int(pendingBlock[i])] &- pendingOwnCentre[i] >= above { continue }
                var mr = distanceRank[Int(width.differing(pendingRows + i &* words, y))]
                if coreJ > mr { mr = coreJ }
                if coreV > mr { mr = coreV }
                if mr < best {
                    best = mr
                    position = at
                    if bounded { above = countLimit(mr &+ 1) }
                } else if mr == best && position != none && at < position {
                    position = at
                }
            }
            if position != none {
                keys[s] = UInt64(UInt32(best)) << 32 | (key & 0xFFFF_FFFF)
                source[s] = visitedIndex[Int(position)]
            }
        }
    }
}

/// 1 for true: `|` of these evaluates every operand, so the optimiser can drop the branches.
@inline(__always)
private func flag(_ condition: Bool) -> Int { condition ? 1 : 0 }

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
    /// Bits by which each slot's row differs from its block's centre.
    let offCentre: [Int32]

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
        var offCentre: [Int32] = []
        offCentre.reserveCapacity(n)
        for (g, group) in groups.enumerated() {
            let centre = centres + g * words
            centre.initialize(from: groupCentres[g], count: words)
            var r: Int32 = 0
            for p in group {
                let d = width.differing(bits + Int(p) * words, centre)
                offCentre.append(d)
                r = max(r, d)
            }
            radius.append(r)
            order += group
            start.append(order.count)
        }
        self.order = order
        self.start = start
        self.radius = radius
        self.offCentre = offCentre
    }

    deinit { centres.deallocate() }

    func slotOf(point: Int32) -> Int { order.firstIndex(of: point)! }

    func blockOf(slot: Int) -> Int { start.lastIndex { $0 <= slot }! }
}
