/// The linkage rule of `Placer` for a batch of queries: of each query's distances to the training
/// rows it keeps the k nearest and the clusters whose farthest member is nearest, then the join.
///
/// Under `groupjaccard` (the family clustering) most distances are never measured (`search`): a cluster
/// is out of the contest for the nearest farthest member as soon as one member is beyond the best
/// cluster's farthest, and a lower bound per cluster (and per run of noise rows) leaves out those whose
/// every row is beyond both that and the k-th nearest. The rows measured are read from their cluster's
/// packing on its own columns (`OwnColumnRows`), the engine's distance bit for bit. Other metrics go
/// through the engine's own query distance.
enum LinkagePlacement {
    /// What one query's pass over the training rows keeps.
    struct Pass {
        /// The k nearest rows, by distance then index (`KNearest.nearest`).
        var nearest: [Neighbour]
        /// The clusters (ascending) whose farthest member is nearest, and that distance; nil without clusters.
        var closest: (clusters: [Int], farthest: Double)?
        /// The distance to every row, for engines other than group Jaccard's.
        var all: [Double]? = nil
        /// Under group Jaccard, the distances to the members of the `closest` clusters (as `members` lists them).
        var memberDistances: [Int: [Double]] = [:]
    }

    /// Queries per batch (a task of `Placer.place`): small, for the threads to share the work evenly, as
    /// queries cost very different amounts.
    static let batchQueries = 8

    /// How the distances to the training rows are measured: group Jaccard's search, or an engine's
    /// query distance to every row.
    enum Measure: Sendable {
        case search(Search)
        case engine(any NeighbourhoodEngine)
    }

    /// The passes of rows `rows` of `queries` over the training rows.
    static func passes(_ measure: Measure, queries: PointSet, rows: [Int], labels: [Int], clusters: Int, nearest k: Int) -> [Pass] {
        let engine: any NeighbourhoodEngine
        switch measure {
        case .search(let search):
            return rows.map { Self.search(search, PackedQuery(search.counts, queries, row: $0), queries: queries, row: $0, nearest: k) }
        case .engine(let e): engine = e
        }
        return rows.map { q in
            let all = engine.nearest(to: queries, row: q, k: engine.count)
            var farthest = [Double](repeating: 0, count: clusters)
            var pass = Pass(nearest: Array(all.prefix(k)), closest: nil, all: [Double](repeating: 0, count: engine.count))
            for nb in all {
                pass.all![nb.index] = nb.distance
                if labels[nb.index] >= 0 { farthest[labels[nb.index]] = max(farthest[labels[nb.index]], nb.distance) }
            }
            if let least = farthest.min() { pass.closest = (farthest.indices.filter { farthest[$0] == least }, least) }
            return pass
        }
    }

    /// A group Jaccard query for the bounds: its non-zero words of the kernel's packing, group by group,
    /// and its per-group counts.
    struct PackedQuery {
        var word: [Int] = []
        var bits: [UInt64] = []
        /// Group g's words are entries `groupStart[g]..<groupStart[g + 1]`.
        var groupStart: [Int] = [0]
        var ones: [Int32] = []
        /// Its non-zero columns, ascending (what a bucket's packing projects).
        var columns: ArraySlice<Int32> = []

        init(_ kernel: some GroupJaccardLayout, _ points: PointSet, row: Int) {
            let groupCount = kernel.groups.count
            var dense = [UInt64](repeating: 0, count: kernel.words)
            ones = [Int32](repeating: 0, count: groupCount)
            func set(_ c: Int) {
                let bit = kernel.bitOfColumn[c]
                dense[bit >> 6] |= 1 << UInt64(bit & 63)
                ones[Int(kernel.groups.groupOfColumn[c])] += 1
            }
            columns = points.nonZeroColumns(row)
            for c in columns { set(Int(c)) }
            for g in 0..<groupCount {
                for w in kernel.wordStart[g]..<kernel.wordStart[g + 1] where dense[w] != 0 {
                    word.append(w)
                    bits.append(dense[w])
                }
                groupStart.append(word.count)
            }
        }
    }

    /// What the group Jaccard search prepares once: the clusters' members, then the noise rows in runs
    /// of `noiseRun`, as buckets with their lower bounds (`GroupJaccardBuckets`), each bucket's rows
    /// packed on the bucket's own columns (`OwnColumnRows`), so that measuring a bucket reads a few
    /// adjacent words per row instead of scattered words of full-width rows.
    struct Search: Sendable {
        let counts: GroupJaccardCounts
        let buckets: GroupJaccardBuckets
        /// Each bucket's rows, ascending; buckets `0..<clusters` are the clusters.
        let rows: [[Int]]
        let packed: [OwnColumnRows]
        let clusters: Int
        static let noiseRun = 32

        init(_ counts: GroupJaccardCounts, points: PointSet, members: [[Int]], labels: [Int], threads: Int) {
            let noise = labels.indices.filter { labels[$0] < 0 }
            let rows = members + stride(from: 0, to: noise.count, by: Self.noiseRun).map {
                Array(noise[$0..<min(noise.count, $0 + Self.noiseRun)])
            }
            var packed = [OwnColumnRows?](repeating: nil, count: rows.count)
            packed.withUnsafeMutableBufferPointer { buffer in
                let slots = SharedPointer(base: buffer.baseAddress!)
                runTasks(rows.count, threads: threads) { b, _ in
                    slots.base[b] = OwnColumnRows(rows[b], of: counts, points: points)
                    return true
                }
            }
            self.rows = rows
            self.packed = packed.map { $0! }
            clusters = members.count
            self.counts = counts
            buckets = GroupJaccardBuckets(counts, points: points, buckets: rows)
        }

        /// `Placer.centralMeans` measured on each cluster's own packing: the engine's distances bit for
        /// bit (`OwnColumnRows`), with no full-width rows to pack. Clusters on all threads.
        func centralMeans(strengths: [Double], threads: Int) -> [Double] {
            var means = [Double](repeating: 0, count: clusters)
            means.withUnsafeMutableBufferPointer { buffer in
                let slots = SharedPointer(base: buffer.baseAddress!)
                runTasks(clusters, threads: threads) { c, _ in
                    let members = rows[c], pack = packed[c]
                    slots.base[c] = Placer.centralMeans(members: [members], strengths: strengths) { i, j in
                        pack.distance(between: Self.place(of: i, in: members), and: Self.place(of: j, in: members))
                    }[0]
                    return true
                }
            }
            return means
        }

        /// The place of `row` in the ascending `rows`, which hold it.
        static func place(of row: Int, in rows: [Int]) -> Int {
            var lo = 0, hi = rows.count
            while lo < hi {
                let mid = (lo + hi) >> 1
                if rows[mid] < row { lo = mid + 1 } else { hi = mid }
            }
            return lo
        }
    }

    /// One query's pass under group Jaccard, measuring only the distances that can matter. The buckets
    /// are visited by ascending lower bound. A cluster all of whose members have been measured within
    /// the best farthest distance so far becomes the best (or ties with it); one is out of that contest
    /// at its first member strictly beyond it, or before its first when its bound is, so ties stay.
    /// Its remaining members are then measured only while the bound does not exceed the k-th nearest
    /// distance (strictly, so a row tied with the k-th and of a lower index is still found). Both
    /// limits only fall and the bounds only rise, so the visit ends at the first bucket beyond both.
    static func search(_ s: Search, _ query: PackedQuery, queries: PointSet, row q: Int, nearest k: Int) -> Pass {
        let margin = GroupJaccardBuckets.margin
        let bound = (0..<s.rows.count).map {
            s.buckets.lowerBound($0, word: query.word, bits: query.bits, groupStart: query.groupStart, ones: query.ones)
        }
        let order = bound.indices.sorted { bound[$0] != bound[$1] ? bound[$0] < bound[$1] : $0 < $1 }
        var best = Double.infinity, tied: [Int: [Double]] = [:]
        var nearest: [Neighbour] = []
        nearest.reserveCapacity(k + 1)
        func beyondNearest(_ x: Double) -> Bool { nearest.count >= k && (k == 0 || x > nearest[k - 1].distance + margin) }
        var measured: [Double] = []
        var x: [UInt64] = [0]
        query.ones.withUnsafeBufferPointer { ones in
            for b in order {
                let lower = bound[b]
                let beyondBest = lower > best + margin
                if beyondBest && beyondNearest(lower) { break }
                let contending = b < s.clusters && !beyondBest
                if !contending && beyondNearest(lower) { continue }
                let packed = s.packed[b], rows = s.rows[b]
                if x.count < packed.words { x = [UInt64](repeating: 0, count: packed.words) }
                x.withUnsafeMutableBufferPointer { x in
                    let x = x.baseAddress!, ones = ones.baseAddress!
                    packed.project(columns: query.columns, into: x)
                    var next = 0
                    if contending {
                        measured.removeAll(keepingCapacity: true)
                        var farthest = 0.0
                        let within = packed.measure(x, ones: ones, from: 0, within: best, farthest: &farthest, distances: &measured)
                        for (i, d) in measured.enumerated() { offer(&nearest, Neighbour(index: rows[i], distance: d), k: k) }
                        if within {
                            if farthest < best { best = farthest; tied = [:] }
                            tied[b] = measured
                            return
                        }
                        next = measured.count
                    }
                    // Only the k nearest want these rows: once there are k, a row is measured only
                    // as long as it may still come within the k-th.
                    while next < rows.count && !beyondNearest(lower) {
                        let d = nearest.count < k ? packed.distance(x, ones: ones, next)
                            : packed.distance(x, ones: ones, next, below: nearest[k - 1].distance + margin)
                        if d.isFinite { offer(&nearest, Neighbour(index: rows[next], distance: d), k: k) }
                        next += 1
                    }
                }
            }
        }
        return Pass(nearest: nearest, closest: s.clusters == 0 ? nil : (tied.keys.sorted(), best), memberDistances: tied)
    }

    /// Offers a row to the k nearest (by distance, then index), rows arriving in any order.
    @inline(__always)
    static func offer(_ list: inout [Neighbour], _ nb: Neighbour, k: Int) {
        func before(_ a: Neighbour, _ b: Neighbour) -> Bool { a.distance != b.distance ? a.distance < b.distance : a.index < b.index }
        guard k > 0, list.count < k || before(nb, list[k - 1]) else { return }
        var at = list.count
        while at > 0 && before(nb, list[at - 1]) { at -= 1 }
        list.insert(nb, at: at)
        if list.count > k { list.removeLast() }
    }

    /// The join of `Placer.init(features:linkage:threads:)` from a pass: the clusters whose farthest
    /// member is nearest, then the smallest mean distance (summed over the members in ascending order of
    /// distance), then the lowest number, from the distances the pass measured.
    static func join(_ result: LinkageResult, _ pass: Pass, members: [[Int]], central: [Double])
        -> (HDBSCANPrediction, (cluster: Int, farthest: Double)?) {
        let t = result.parameters.threshold
        let noiseRow = pass.nearest.first?.index ?? -1
        guard let (tied, least) = pass.closest else {
            return (HDBSCANPrediction(label: -1, probability: 0, outlierScore: 1, neighbourRow: noiseRow), nil)
        }
        let b = AllMembersRule.choose(tied.map { (cluster: $0, farthest: least) }) { c in
            if let measured = pass.memberDistances[c] {
                return AllMembersRule.ranked(zip(members[c], measured).map { Neighbour(index: $0, distance: $1) })
            }
            return AllMembersRule.ranked(members[c]) { pass.all![$0] }
        }!
        guard least <= t else {
            return (HDBSCANPrediction(label: -1, probability: 0, outlierScore: 1, neighbourRow: noiseRow), (b.cluster, least))
        }
        return (HDBSCANPrediction(label: b.cluster, probability: LinkageResult.strength(mean: b.mean, central: central[b.cluster], threshold: t),
                                  outlierScore: t > 0 ? min(1, least / t) : 0, neighbourRow: b.nearestRow),
                (b.cluster, least))
    }
}
