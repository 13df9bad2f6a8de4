/// The rule by which a sample joins a complete-linkage cluster without refitting it, shared by
/// `compare` (`LinkagePlacement.join`) and the sampled linkage's placement (`SampledLinkage`): a sample
/// may join a cluster only when it is within the cut of every member (that is the caller's to check);
/// of those clusters it joins the one whose farthest member is nearest, then the one with the smaller
/// mean distance, then the lower number.
enum AllMembersRule {
    /// Among the clusters given with their farthest member's distance (ascending cluster numbers), those whose
    /// farthest member is nearest; of them the one with the smallest mean distance (summed over its
    /// members ranked by `ranked`, nearest first), then the lowest number. Whether the farthest is
    /// within the cut is the caller's to check. nil when no cluster is given.
    static func choose(_ farthest: [(cluster: Int, farthest: Double)], ranked: (Int) -> [Neighbour])
        -> (cluster: Int, farthest: Double, mean: Double, nearestRow: Int)? {
        guard let least = farthest.lazy.map(\.farthest).min() else { return nil }
        var best: (cluster: Int, farthest: Double, mean: Double, nearestRow: Int)?
        for (c, f) in farthest where f == least {
            let members = ranked(c)
            let mean = members.reduce(0.0) { $0 + $1.distance } / Double(members.count)
            if best == nil || mean < best!.mean { best = (c, f, mean, members[0].index) }
        }
        return best
    }

    /// The cluster `choose` chooses, ranking members only when clusters tie at the nearest farthest
    /// member (with no tie the mean cannot change the choice): for a caller that needs no more.
    static func chosenCluster(_ farthest: [(cluster: Int, farthest: Double)], ranked: (Int) -> [Neighbour]) -> Int? {
        guard let least = farthest.lazy.map(\.farthest).min() else { return nil }
        let tied = farthest.filter { $0.farthest == least }
        return tied.count == 1 ? tied[0].cluster : choose(tied, ranked: ranked)?.cluster
    }

    /// A cluster's members with their distances, nearest first (ties by row): the order in which the
    /// rule sums them.
    static func ranked(_ members: [Int], _ distance: (Int) -> Double) -> [Neighbour] {
        ranked(members.map { Neighbour(index: $0, distance: distance($0)) })
    }

    /// The same, from the distances already measured.
    static func ranked(_ neighbours: [Neighbour]) -> [Neighbour] {
        neighbours.sorted { $0.distance != $1.distance ? $0.distance < $1.distance : $0.index < $1.index }
    }
}
