import Synchronization

/// Complete linkage for a corpus beyond what the exact clustering may hold (`cluster linkage ...
/// mode=sampled`, or `mode=auto` once exact has refused with `LinkageTooLarge`): exact complete linkage
/// on a seeded sample, every other sample placed by `compare`'s rule, and the samples no cluster took
/// clustered among themselves.
///
/// 1. A sample of `sampleSize` rows (a partial Fisher–Yates shuffle by SplitMix64 from `seed`, as the
///    pair estimate draws its rows) is clustered exactly at the cut t. Its clusters, singletons
///    included (a singleton is a cluster of one at the cut), are numbered by size, largest first, then
///    by smallest row.
/// 2. Every other row, in ascending order, joins the cluster all of whose members — those placed before
///    it included — are within t of it, choosing by `AllMembersRule` (the nearest farthest member, then
///    the smaller mean distance, then the lower number); a cluster is measured only up to its first
///    member beyond t. Rows go in batches of `batchRows`: each row of a batch is measured against the
///    clusters as they stood before the batch, on all threads; then, in row order, each row is measured
///    against the members its candidate clusters gained earlier in the same batch, and joins. That is
///    the result of placing one row at a time, whatever the thread count.
/// 3. The rows no cluster took (the leftovers) are clustered among themselves exactly, or, when exact
///    refuses them too, by this same procedure (the sampled rows are settled, so each round settles
///    at least `sampleSize` rows and the rounds end).
///
/// Every cluster keeps the property of an exact one: every two members are within t (the sample's
/// clusters are exact, a placed row is within t of every member before it and every later member is
/// within t of it). It is not the partition exact linkage would give over the whole corpus (that
/// depends on the sample), hence a named mode; with a sample at least as large as the corpus it is the
/// exact result, with no sampling.
///
/// Cost: the sample's exact linkage (at most `CompleteLinkage.componentLimit` rows, merged over all
/// its distances), then per placed row one distance for most wrong clusters and one per member for the
/// cluster it joins. With group Jaccard the first members' distances come from an index of them
/// (`GroupJaccardIndex`) and other members' from their cluster's packing on its own columns
/// (`OwnColumnRows`), both the engine's bits on far fewer words. Memory: the engine's packed rows, the
/// packings (every member once, on its cluster's columns) and each batch's candidate distances.
enum SampledLinkage {
    /// The seed of the sample (SplitMix64): the same points give the same clustering.
    static let seed: UInt64 = 0x5A4D_91ED_2016_0007
    /// Rows placed per batch (fixed, so the result does not depend on the thread count).
    static let batchRows = 256
    static let phase = "placing samples"
    /// Clusters of at least this many members are measured on their own columns while placing.
    static let packedClusterSize = 16

    /// Each row's cluster representative (a row of its cluster) and what the sampling did; nil sampling
    /// (and the exact result) when the rows are no more than the sample.
    static func roots(points: PointSet, engine: any NeighbourhoodEngine, threshold t: Double, sampleSize: Int,
                      threads: Int, limits: CompleteLinkage.Limits, control: TaskControl) throws -> ([Int], LinkageSampling?) {
        let n = engine.count
        guard n > sampleSize else {
            return (try CompleteLinkage.exactRoots(points: points, engine: engine, threshold: t, threads: threads,
                                                   limits: limits, control: control), nil)
        }
        // 1. The sample, linked exactly (merged over all its distances: it is at most a component's limit).
        let sample = LinkagePairEstimate.sampledRows(n: n, count: sampleSize, seed: seed)
        let sampleRoots = try exactRoots(points, rows: sample, metric: engine.metric, threshold: t, threads: threads,
                                         limits: limits, sampleLimit: true, control: control)
        var groups: [Int: [Int]] = [:]
        for (k, r) in sample.enumerated() { groups[sampleRoots[k], default: []].append(r) }
        var members = groups.values.sorted { $0.count != $1.count ? $0.count > $1.count : $0[0] < $1[0] }

        // 2. The other rows placed in order.
        var inSample = [Bool](repeating: false, count: n)
        for r in sample { inSample[r] = true }
        let others = (0..<n).filter { !inSample[$0] }
        let leftovers = try place(others, into: &members, points: points, engine: engine, threshold: t, threads: threads, control: control)

        var root = Array(0..<n)
        for rows in members { for r in rows { root[r] = rows[0] } }
        // 3. The leftovers among themselves.
        var deeper: LinkageSampling?
        if leftovers.count > 1 {
            let sub = LinkageComponents.compacted(points, rows: leftovers, metric: engine.metric)
            let subEngine = NeighbourhoodEngines.make(points: sub, metric: engine.metric, threads: threads)
            let local: [Int]
            do {
                local = try CompleteLinkage.exactRoots(points: sub, engine: subEngine, threshold: t, threads: threads,
                                                       limits: limits, control: control)
            } catch is LinkageTooLarge {
                (local, deeper) = try roots(points: sub, engine: subEngine, threshold: t, sampleSize: sampleSize,
                                            threads: threads, limits: limits, control: control)
            }
            for (k, r) in leftovers.enumerated() { root[r] = leftovers[local[k]] }
        }
        let sampling = LinkageSampling(sampled: sample.count, rows: n, placed: others.count - leftovers.count,
                                       leftovers: leftovers.count, rounds: 1 + (deeper?.rounds ?? 0))
        return (root, sampling)
    }

    /// Exact roots of `rows` of `points`, as rows of `points`; with `sampleLimit` every component of the
    /// rows is merged over all its distances (the rows are no more than `componentLimit`), so no cap.
    private static func exactRoots(_ points: PointSet, rows: [Int], metric: DistanceMetric, threshold t: Double,
                                   threads: Int, limits: CompleteLinkage.Limits, sampleLimit: Bool,
                                   control: TaskControl) throws -> [Int] {
        let sub = LinkageComponents.compacted(points, rows: rows, metric: metric)
        let engine = NeighbourhoodEngines.make(points: sub, metric: metric, threads: threads)
        var limits = limits
        if sampleLimit { limits.component = max(limits.component, rows.count) }
        let local = try CompleteLinkage.exactRoots(points: sub, engine: engine, threshold: t, threads: threads,
                                                   limits: limits, control: control)
        return local.map { rows[$0] }
    }

    /// A cluster whose members measured before the batch are all within t of the row: their distances,
    /// in member order, and the largest.
    struct Candidate {
        var cluster: Int
        var farthest: Double
        var distances: [Double]
    }

    /// Places `rows` (ascending) into `members` by the all-members rule; returns the rows no cluster took.
    ///
    /// On a group Jaccard engine the first members, and the members of each cluster of `packedFrom` or
    /// more, are measured on their own columns (`OwnColumnRows`: the same bits, far fewer words), the
    /// packing growing between batches with the members each cluster gained.
    static func place(_ rows: [Int], into members: inout [[Int]], points: PointSet, engine: any NeighbourhoodEngine,
                      threshold t: Double, threads: Int, packedFrom: Int = packedClusterSize,
                      control: TaskControl) throws -> [Int] {
        var leftovers: [Int] = []
        let workers = engineThreads(threads)
        let kernel = (engine as? GroupJaccardEngine)?.kernel
        let firsts = kernel.map { GroupJaccardIndex(members.map { $0[0] }, of: $0, points: points) }
        let scratches = firsts.map { index in (0..<workers).map { _ in GroupJaccardIndex.Scratch(index) } }
        var packs = [OwnColumnRows?](repeating: nil, count: members.count)
        if let kernel {
            for c in members.indices where members[c].count >= packedFrom {
                packs[c] = OwnColumnRows(members[c], of: kernel, points: points)
            }
        }
        control.report(Progress(phase: phase, done: 0, total: rows.count))
        for start in stride(from: 0, to: rows.count, by: batchRows) {
            try control.checkCancellation()
            let batch = Array(rows[start..<min(rows.count, start + batchRows)])
            let frozen = members, frozenPacks = packs
            let found = DisjointSlots<[Candidate]>(batch.count, repeating: [])
            let scratchWords = max(1, packs.lazy.map { $0?.words ?? 0 }.max() ?? 0)
            runTasks(batch.count, threads: workers) { q, thread in
                if control.isCancelled() { return false }
                let i = batch[q]
                let query = UnsafeMutablePointer<UInt64>.allocate(capacity: scratchWords)
                defer { query.deallocate() }
                let onesX = kernel.map { UnsafePointer($0.ones + i * $0.groups.count) }
                let firstDistances = scratches.map { $0[thread].out }
                if let firsts, let kernel, let scratches { firsts.distances(i, of: points, kernel: kernel, scratch: scratches[thread]) }
                var candidates: [Candidate] = []
                for (c, cluster) in frozen.enumerated() {
                    // The first member alone turns most clusters away: the distances' storage is only
                    // taken for a cluster that passes it.
                    let first = firstDistances?[c] ?? engine.distance(i, cluster[0])
                    if first > t { continue }
                    var distances: [Double] = []
                    distances.reserveCapacity(cluster.count)
                    distances.append(first)
                    var farthest = 0.0, within = true
                    if first > farthest { farthest = first }
                    if let pack = frozenPacks[c], let onesX {
                        pack.project(i, of: points, into: query)
                        within = pack.measure(query, ones: onesX, from: 1, within: t, farthest: &farthest, distances: &distances)
                    } else {
                        for j in cluster.dropFirst() {
                            let d = engine.distance(i, j)
                            if d > t { within = false; break }
                            distances.append(d)
                            if d > farthest { farthest = d }
                        }
                    }
                    if within { candidates.append(Candidate(cluster: c, farthest: farthest, distances: distances)) }
                }
                found[q] = candidates
                return true
            }
            try control.checkCancellation()
            // In row order: the members gained in this batch, then the rule.
            var gained: [Int: [Int]] = [:]
            for (q, i) in batch.enumerated() {
                var candidates: [Candidate] = []
                for var candidate in found[q] {
                    var within = true
                    for j in gained[candidate.cluster] ?? [] {
                        let d = engine.distance(i, j)
                        if d > t { within = false; break }
                        candidate.distances.append(d)
                        candidate.farthest = max(candidate.farthest, d)
                    }
                    if within { candidates.append(candidate) }
                }
                let chosen = AllMembersRule.chosenCluster(candidates.map { (cluster: $0.cluster, farthest: $0.farthest) }) { c in
                    let candidate = candidates.first { $0.cluster == c }!
                    return AllMembersRule.ranked(zip(members[c], candidate.distances).map { Neighbour(index: $0, distance: $1) })
                }
                if let chosen {
                    members[chosen].append(i)
                    gained[chosen, default: []].append(i)
                } else {
                    leftovers.append(i)
                }
            }
            if let kernel {
                try grow(&packs, gained: gained, members: members, kernel: kernel, points: points, packedFrom: packedFrom,
                         threads: workers, control: control)
            }
            control.report(Progress(phase: phase, done: min(rows.count, start + batchRows), total: rows.count))
        }
        return leftovers
    }

    /// Adds to each cluster's packing the members it gained in a batch, or packs a cluster that has
    /// grown to `packedFrom`; clusters on all threads.
    private static func grow(_ packs: inout [OwnColumnRows?], gained: [Int: [Int]], members: [[Int]],
                             kernel: GroupJaccardKernel, points: PointSet, packedFrom: Int, threads: Int,
                             control: TaskControl) throws {
        let clusters = gained.keys.filter { packs[$0] != nil || members[$0].count >= packedFrom }
        // Each packing leaves `packs` while it grows, so that it is grown in place rather than copied.
        var taken: [OwnColumnRows?] = []
        for c in clusters { taken.append(packs[c]); packs[c] = nil }
        let slots = DisjointSlots<OwnColumnRows?>(clusters.count) { taken[$0] }
        taken = []
        runTasks(clusters.count, threads: threads) { k, _ in
            if control.isCancelled() { return false }
            let c = clusters[k]
            if var pack = slots[k] {
                slots[k] = nil
                pack.append(gained[c]!, of: kernel, points: points)
                slots[k] = pack
            } else {
                slots[k] = OwnColumnRows(members[c], of: kernel, points: points)
            }
            return true
        }
        try control.checkCancellation()
        for (k, c) in clusters.enumerated() { packs[c] = slots[k] }
    }
}
