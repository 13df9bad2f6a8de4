/// The linkage rule of `Placer` for a batch of queries: each query's distance to every training row,
/// of which it keeps the k nearest and each cluster's farthest member, then the join.
///
/// Under `groupjaccard` (the family clustering) the training rows stay packed as the engine packed
/// them (`GroupJaccardKernel`) and are read in blocks that stay in the cache while every query of a
/// batch passes over them, so the matrix crosses the memory bus once per batch rather than once per
/// query. A query is kept as the list of its non-zero words per group: a pair costs one AND-popcount
/// per word the query uses, and the per-group popcounts do the rest, with the operations of
/// `GroupJaccardDistance` in its order, so every distance is bit-identical to the engine's. Other
/// metrics go through the engine's own query distance.
enum LinkagePlacement {
    /// What one query's pass over the training rows keeps.
    struct Pass {
        /// The k nearest rows, by distance then index (`KNearest.nearest`).
        var nearest: [Neighbour]
        /// Per cluster, the largest distance to one of its members.
        var farthest: [Double]
        /// The distance to every row, for engines other than group Jaccard's.
        var all: [Double]? = nil
    }

    /// Training rows per block, and queries per batch (each holds a `farthest` array of the clusters).
    static let blockRows = 64
    static let batchQueries = 32

    /// The passes of rows `rows` of `queries` over the training rows.
    static func passes(_ engine: any NeighbourhoodEngine, queries: PointSet, rows: [Int], labels: [Int], clusters: Int,
                       nearest k: Int) -> [Pass] {
        if let grouped = engine as? GroupJaccardEngine {
            return groupJaccardPasses(grouped.kernel, queries: queries, rows: rows, labels: labels, clusters: clusters, nearest: k)
        }
        return rows.map { q in
            let all = engine.nearest(to: queries, row: q, k: engine.count)
            var pass = Pass(nearest: Array(all.prefix(k)), farthest: [Double](repeating: 0, count: clusters),
                            all: [Double](repeating: 0, count: engine.count))
            for nb in all {
                pass.all![nb.index] = nb.distance
                if labels[nb.index] >= 0 { pass.farthest[labels[nb.index]] = max(pass.farthest[labels[nb.index]], nb.distance) }
            }
            return pass
        }
    }

    /// One query of a group Jaccard batch: its non-zero words, group by group, and its per-group counts.
    struct PackedQuery {
        var word: [Int] = []
        var bits: [UInt64] = []
        /// Group g's words are entries `groupStart[g]..<groupStart[g + 1]`.
        var groupStart: [Int] = [0]
        var ones: [Int32] = []

        init(_ kernel: GroupJaccardKernel, _ points: PointSet, row: Int) {
            let groupCount = kernel.groups.count
            var dense = [UInt64](repeating: 0, count: kernel.words)
            ones = [Int32](repeating: 0, count: groupCount)
            func set(_ c: Int) {
                let bit = kernel.bitOfColumn[c]
                dense[bit >> 6] |= 1 << UInt64(bit & 63)
                ones[Int(kernel.groups.groupOfColumn[c])] += 1
            }
            switch points.storage {
            case .dense(let m): for (c, v) in m.row(row).enumerated() where v != 0 { set(c) }
            case .sparse(let m):
                let r = m.row(row)
                for (c, v) in zip(r.columns, r.values) where v != 0 { set(Int(c)) }
            }
            for g in 0..<groupCount {
                for w in kernel.wordStart[g]..<kernel.wordStart[g + 1] where dense[w] != 0 {
                    word.append(w)
                    bits.append(dense[w])
                }
                groupStart.append(word.count)
            }
        }

        /// `GroupJaccard.distance` between this query and training row `b`: words the query does not use
        /// add nothing to the intersections, so only its own words are counted.
        @inline(__always)
        func distance(_ kernel: GroupJaccardKernel, _ b: Int) -> Double {
            let groups = ones.count
            let y = kernel.bits + b &* kernel.words
            let onesY = kernel.ones + b &* groups
            return GroupJaccard.distance { visit in
                for g in 0..<groups {
                    let ox = Int(ones[g]), oy = Int(onesY[g])
                    if ox | oy == 0 { continue }
                    var both = 0
                    if ox != 0 && oy != 0 {
                        for e in groupStart[g]..<groupStart[g &+ 1] { both &+= (bits[e] & y[word[e]]).nonzeroBitCount }
                    }
                    visit(both, ox &+ oy &- both)
                }
            }
        }
    }

    private static func groupJaccardPasses(_ kernel: GroupJaccardKernel, queries: PointSet, rows: [Int], labels: [Int],
                                           clusters: Int, nearest k: Int) -> [Pass] {
        let n = kernel.count
        var out: [Pass] = []
        out.reserveCapacity(rows.count)
        for batchStart in stride(from: 0, to: rows.count, by: batchQueries) {
            let batch = rows[batchStart..<min(rows.count, batchStart + batchQueries)].map { PackedQuery(kernel, queries, row: $0) }
            var passes = batch.map { _ in Pass(nearest: [], farthest: [Double](repeating: 0, count: clusters)) }
            var limits = [Double](repeating: .infinity, count: batch.count)
            for blockStart in stride(from: 0, to: n, by: blockRows) {
                let block = blockStart..<min(n, blockStart + blockRows)
                for (q, query) in batch.enumerated() {
                    var limit = limits[q]
                    var nearest = passes[q].nearest
                    passes[q].farthest.withUnsafeMutableBufferPointer { farthest in
                        for j in block {
                            let d = query.distance(kernel, j)
                            let c = labels[j]
                            if c >= 0 && d > farthest[c] { farthest[c] = d }
                            if nearest.count < k || d < limit {
                                insert(&nearest, Neighbour(index: j, distance: d), k: k)
                                if nearest.count == k { limit = nearest[k - 1].distance }
                            }
                        }
                    }
                    passes[q].nearest = nearest
                    limits[q] = limit
                }
            }
            out += passes
        }
        return out
    }

    /// Inserts after equal distances (rows arrive by ascending index), keeping the k smallest.
    @inline(__always)
    static func insert(_ list: inout [Neighbour], _ nb: Neighbour, k: Int) {
        guard k > 0 else { return }
        var at = list.count
        while at > 0 && list[at - 1].distance > nb.distance { at -= 1 }
        list.insert(nb, at: at)
        if list.count > k { list.removeLast() }
    }

    /// The join of `Placer.init(features:linkage:threads:)` from a pass: the clusters whose farthest
    /// member is nearest, then the smallest mean distance (summed over the members in ascending order of
    /// distance), then the lowest number. Distances are worked out again only for the members of the
    /// clusters tied on the farthest distance.
    static func join(_ result: LinkageResult, _ pass: Pass, members: [[Int]], central: [Double],
                     engine: any NeighbourhoodEngine, queries: PointSet, row q: Int)
        -> (HDBSCANPrediction, (cluster: Int, farthest: Double)?) {
        let packed = (engine as? GroupJaccardEngine).map { PackedQuery($0.kernel, queries, row: q) }
        func distance(_ j: Int) -> Double { packed.map { $0.distance((engine as! GroupJaccardEngine).kernel, j) } ?? pass.all![j] }
        let t = result.parameters.threshold
        let noiseRow = pass.nearest.first?.index ?? -1
        guard let least = pass.farthest.min() else {
            return (HDBSCANPrediction(label: -1, probability: 0, outlierScore: 1, neighbourRow: noiseRow), nil)
        }
        let farthest = pass.farthest.enumerated().map { (cluster: $0.offset, farthest: $0.element) }
        let b = AllMembersRule.choose(farthest) { c in AllMembersRule.ranked(members[c], distance) }!
        guard least <= t else {
            return (HDBSCANPrediction(label: -1, probability: 0, outlierScore: 1, neighbourRow: noiseRow), (b.cluster, least))
        }
        return (HDBSCANPrediction(label: b.cluster, probability: LinkageResult.strength(mean: b.mean, central: central[b.cluster], threshold: t),
                                  outlierScore: t > 0 ? min(1, least / t) : 0, neighbourRow: b.nearestRow),
                (b.cluster, least))
    }
}
