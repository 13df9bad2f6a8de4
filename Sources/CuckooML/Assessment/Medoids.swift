/// A cluster's most central member.
public enum Medoids {
    /// Members above this many are represented by an evenly spaced subset of about this size, so a
    /// large cluster's medoid costs a bounded number of distances.
    public static let sampledMembers = 2000

    /// The member of `rows` with the smallest summed distance to the others (lowest row on ties), over
    /// an evenly spaced subset for large clusters; nil when `rows` is empty.
    public static func row(of rows: [Int], engine: some NeighbourhoodEngine) -> Int? {
        guard !rows.isEmpty else { return nil }
        let step = max(1, rows.count / sampledMembers)
        let sample = stride(from: 0, to: rows.count, by: step).map { rows[$0] }
        var best = sample[0], bestSum = Double.infinity
        for i in sample {
            var sum = 0.0
            for j in sample where j != i { sum += engine.distance(i, j) }
            if sum < bestSum { bestSum = sum; best = i }
        }
        return best
    }
}
