/// Identical bit rows gathered into groups, so k-NN and Prim run over distinct rows instead of points.
///
/// Malware feature rows repeat heavily (many samples of one family share every feature). Identical rows
/// x, x′ have the same distance to every point (d(x, x′) = d(x, x), which is 0 except for cosine's
/// rounding), hence the same core distance, so:
/// - a point's core distance is the k-th smallest of its group's self distance (size − 1 times) and each
///   other group's distance (its size times);
/// - in Prim, the unvisited members of a group always share `best` and `source` (every update reaches
///   them alike), and visiting a second member of a group changes nothing (its updates equal the first
///   member's, and only strictly smaller values are taken). So only a group's first visit scans, and a
///   step picks the lowest (best, lowest unvisited member index) over groups — exactly the library's
///   lowest-index rule over points.
struct RowGroups: @unchecked Sendable {
    /// Group of each point; groups are numbered by their first member.
    let groupOf: [Int32]
    /// Members of group g: `members[start[g]..<start[g + 1]]`, ascending.
    let start: [Int]
    let members: [Int32]
    /// One row per group (its first member's), in group order.
    let representatives: BitKernel

    var count: Int { start.count - 1 }

    /// Groups the rows of `kernel` (in its current slot order, which must be row order).
    init(_ kernel: BitKernel) {
        let n = kernel.count
        var ids: [BitRow: Int32] = [:]
        var groupOf = [Int32](repeating: 0, count: n)
        var sizes: [Int] = []
        var firsts: [Int] = []
        for i in 0..<n {
            let key = BitRow(words: kernel.row(i))
            if let g = ids[key] {
                groupOf[i] = g; sizes[Int(g)] += 1
            } else {
                let g = Int32(sizes.count)
                ids[key] = g; groupOf[i] = g; sizes.append(1); firsts.append(i)
            }
        }
        var start = [Int](repeating: 0, count: sizes.count + 1)
        for g in 0..<sizes.count { start[g + 1] = start[g] + sizes[g] }
        var fill = Array(start.dropLast())
        var members = [Int32](repeating: 0, count: n)
        for i in 0..<n {
            let g = Int(groupOf[i])
            members[fill[g]] = Int32(i); fill[g] += 1
        }
        self.groupOf = groupOf
        self.start = start
        self.members = members
        representatives = BitKernel(selecting: firsts, of: kernel)
    }

    func size(_ g: Int) -> Int { start[g + 1] - start[g] }

    /// Core distances (index k of each point's sorted distances, itself first; k clipped to n − 1).
    func kthDistances(k requested: Int, control: TaskControl) throws -> [Double] {
        let n = groupOf.count
        let k = min(requested, n - 1)
        guard k > 0 else { return [Double](repeating: 0, count: n) }
        let groups = count
        let lists = UnsafeMutablePointer<Double>.allocate(capacity: groups * k)
        defer { lists.deallocate() }
        lists.initialize(repeating: .infinity, count: groups * k)
        let pairs = representatives.evaluator
        for g in 0..<groups {
            Self.offer(lists + g * k, k, pairs.distance(g, g), times: size(g) - 1)
        }
        // Each group's counts to the later groups come from the kernel a batch at a time.
        let batch = min(4096, groups)
        let counts = UnsafeMutablePointer<Int32>.allocate(capacity: batch)
        defer { counts.deallocate() }
        control.report(Progress(phase: "core distances", done: 0, total: groups))
        for g in 0..<groups {
            if g & 255 == 0 {
                try control.checkCancellation()
                control.report(Progress(phase: "core distances", done: g, total: groups))
            }
            let listG = lists + g * k
            let sizeG = size(g), onesG = Int(pairs.ones[g])
            var first = g + 1
            while first < groups {
                let m = min(batch, groups - first)
                pairs.differing(from: g, rows: nil, first: first, count: m, into: counts)
                for i in 0..<m {
                    let h = first + i
                    let d = pairs.distance(differing: Int(counts[i]), onesX: onesG, h)
                    if d < listG[k - 1] { Self.offer(listG, k, d, times: size(h)) }
                    let listH = lists + h * k
                    if d < listH[k - 1] { Self.offer(listH, k, d, times: sizeG) }
                }
                first += m
            }
        }
        control.report(Progress(phase: "core distances", done: groups, total: groups))
        return groupOf.map { lists[Int($0) * k + k - 1] }
    }

    /// Inserts `value` up to `times` times into an ascending list of length `k`.
    @inline(__always)
    private static func offer(_ list: UnsafeMutablePointer<Double>, _ k: Int, _ value: Double, times: Int) {
        var left = min(times, k)
        while left > 0 && value < list[k - 1] {
            KNearest.insertSorted(list, k, value)
            left -= 1
        }
    }

    /// Prim's spanning tree over groups, or nil when the core distances differ within a group (then the
    /// point-level driver must run).
    func spanningTree(coreDistances: [Double], alpha: Double, control: TaskControl) throws -> [MSTEdge]? {
        let n = groupOf.count
        guard n > 1 else { return [] }
        let groups = count
        var core = [Double](repeating: 0, count: groups)
        for g in 0..<groups {
            let c = coreDistances[Int(members[start[g]])]
            for s in start[g]..<start[g + 1] where coreDistances[Int(members[s])].bitPattern != c.bitPattern {
                return nil
            }
            core[g] = c
        }
        var best = [Double](repeating: .infinity, count: groups)
        var source = [Int32](repeating: 0, count: groups)
        var next = Array(start.dropLast())
        var scanned = [Bool](repeating: false, count: groups)
        // Groups with unvisited members, compacted.
        var active = Array(0..<groups)
        var activeSlot = Array(0..<groups)
        let pairs = representatives.evaluator
        let alphaIsOne = alpha == 1
        var record = SpanningTreeRecord(points: n, control: control)
        var work = 0
        // A visit's candidates (groups whose best it may lower) and their counts, from one kernel call.
        let candidates = UnsafeMutablePointer<Int32>.allocate(capacity: groups)
        let counts = UnsafeMutablePointer<Int32>.allocate(capacity: groups)
        defer { candidates.deallocate(); counts.deallocate() }

        func visit(_ point: Int32, _ g: Int) {
            next[g] += 1
            if next[g] == start[g + 1] {
                let slot = activeSlot[g], last = active[active.count - 1]
                active[slot] = last; activeSlot[last] = slot
                active.removeLast()
            }
            guard !scanned[g] else { return }
            scanned[g] = true
            let coreCur = core[g]
            work += active.count
            // The guard reads only the candidate's own `best`, which the loop below changes for that
            // candidate alone: filtering first keeps every comparison the library makes.
            var c = 0
            for h in active {
                let b = best[h]
                guard coreCur < b && core[h] < b else { continue }
                candidates[c] = Int32(truncatingIfNeeded: h)
                c += 1
            }
            pairs.differing(from: g, rows: candidates, count: c, into: counts)
            let onesG = Int(pairs.ones[g])
            for i in 0..<c {
                let h = Int(candidates[i])
                let b = best[h]
                let coreH = core[h]
                var d = pairs.distance(differing: Int(counts[i]), onesX: onesG, h)
                if !alphaIsOne { d /= alpha }
                // The library's order of comparisons gives max(core(cur), core(j), d).
                if coreH > coreCur {
                    if coreH > d { d = coreH }
                } else if coreCur > d {
                    d = coreCur
                }
                if d < b { best[h] = d; source[h] = point }
            }
        }

        visit(0, Int(groupOf[0]))
        while !active.isEmpty {
            var pick = active[0]
            var pickValue = best[pick]
            var pickIndex = members[next[pick]]
            for h in active.dropFirst() {
                let b = best[h]
                if b < pickValue || (b == pickValue && members[next[h]] < pickIndex) {
                    pick = h; pickValue = b; pickIndex = members[next[h]]
                }
            }
            let edge = MSTEdge(from: source[pick], to: pickIndex, weight: pickValue)
            work += active.count
            visit(pickIndex, pick)
            try record.append(edge, work: work)
            work = 0
        }
        return record.finish()
    }
}

/// A packed bit row as a dictionary key.
private struct BitRow: Hashable {
    let words: [UInt64]
}
