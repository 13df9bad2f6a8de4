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
        return leastSum(of: sample, among: sample) { engine.distance($0, $1) }?.row
    }

    /// The medoid of a family (complete linkage) cluster over all its members, from the fit's
    /// strengths: the member with the least mean distance to the others is at strength exactly 1
    /// ((t − m) / (t − m)), and another member reaches 1 only by rounding, so only the members at 1
    /// are measured, each summed over all members as `row(of:engine:)` sums (lowest row on ties). At
    /// 100 000 samples this is one row of distances per cluster where the subset rule measured
    /// ~10⁸ pairs (7 minutes of `clusters`). Nil when no member is at 1 (strengths from an edited
    /// file, or a cut equal to every distance): the caller falls back to `row(of:engine:)`.
    public static func centralRow(of rows: [Int], strengths: [Double], engine: some NeighbourhoodEngine) -> Int? {
        let atOne = atStrengthOne(rows, strengths)
        return atOne.isEmpty ? nil : leastSum(of: rows, among: atOne) { engine.distance($0, $1) }?.row
    }

    /// The members of `rows` the fit gave strength exactly 1 (the most central, and any equal to it by rounding).
    static func atStrengthOne(_ rows: [Int], _ strengths: [Double]) -> [Int] {
        rows.filter { strengths.indices.contains($0) && strengths[$0] == 1 }
    }

    /// Of `candidates`, the one whose distances to the other members of `rows`, summed in the order of
    /// `rows`, are least (the first on ties), with that sum; nil without candidates. `CompleteLinkage`
    /// sums a member's mean in that order too, so a sum divided by the other members' count is its double.
    static func leastSum(of rows: [Int], among candidates: [Int], distance: (Int, Int) -> Double) -> (row: Int, sum: Double)? {
        guard let first = candidates.first else { return nil }
        var best = first, bestSum = Double.infinity
        for i in candidates {
            var sum = 0.0
            for j in rows where j != i { sum += distance(i, j) }
            if sum < bestSum { bestSum = sum; best = i }
        }
        return (best, bestSum)
    }
}
