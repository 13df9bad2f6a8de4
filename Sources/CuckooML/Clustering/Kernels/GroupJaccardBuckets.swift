/// Buckets of rows of a `GroupJaccardKernel` summarised so that one pass over a bucket's summary gives
/// a lower bound of the group Jaccard distance from a query to every row of the bucket: a search can
/// then leave out a whole bucket without measuring its rows.
///
/// Per bucket: the union of its rows' bits (packed as the kernel packs a row) and, per group, the least
/// and the most ones a row of the bucket has. For a group g the query x has (a = |x_g| > 0) and a row y
/// of the bucket (b = |y_g| within [bmin, bmax]), with i = |x_g ∩ U_g| (U the union):
/// |x_g ∩ y_g| ≤ min(i, b) and |x_g ∪ y_g| ≥ max(a, b), so s_g ≤ min(i, bmax) / max(a, bmin). A group
/// the query lacks adds 0 to the sum and is counted when the row has it, which every row of the bucket
/// does when bmin > 0. The bound of the similarity, (Σ bounds) / (the groups surely counted), is then
/// never below the row's (a larger sum over a smaller count), and 1 minus it never above the distance.
struct GroupJaccardBuckets: Sendable {
    let count: Int
    let words: Int
    let groups: Int
    private var union: [UInt64]
    private var leastOnes: [Int32]
    private var mostOnes: [Int32]
    /// How many rows each bucket has.
    let sizes: [Int]

    /// The rows' bits are set from `points` (the rows `kernel` lays out), so a kernel without bit rows
    /// (`GroupJaccardCounts`) will do.
    init(_ kernel: some GroupJaccardLayout, points: PointSet, buckets: [[Int]]) {
        count = buckets.count
        words = kernel.words
        groups = kernel.groups.count
        union = [UInt64](repeating: 0, count: count * words)
        leastOnes = [Int32](repeating: 0, count: count * groups)
        mostOnes = [Int32](repeating: 0, count: count * groups)
        sizes = buckets.map(\.count)
        for (b, rows) in buckets.enumerated() where !rows.isEmpty {
            for g in 0..<groups { leastOnes[b * groups + g] = .max }
            for r in rows {
                let ones = kernel.ones + r * groups
                for c in points.nonZeroColumns(r) {
                    let bit = kernel.bitOfColumn[Int(c)]
                    union[b * words + bit >> 6] |= 1 << UInt64(bit & 63)
                }
                for g in 0..<groups {
                    leastOnes[b * groups + g] = min(leastOnes[b * groups + g], ones[g])
                    mostOnes[b * groups + g] = max(mostOnes[b * groups + g], ones[g])
                }
            }
        }
    }

    /// A lower bound of the distance from the query to every row of bucket `b` (0 for an empty bucket).
    /// The query is given as its non-zero words `word`/`bits`, group g's being entries
    /// `groupStart[g]..<groupStart[g + 1]`, and its per-group counts `ones`. Computed in floating point,
    /// it may exceed the computed distance by a few units in the last place: compare it with `margin`.
    func lowerBound(_ b: Int, word: [Int], bits: [UInt64], groupStart: [Int], ones: [Int32]) -> Double {
        guard sizes[b] > 0 else { return 0 }
        var sum = 0.0, counted = 0
        union.withUnsafeBufferPointer { union in
            let u = union.baseAddress! + b * words
            for g in 0..<groups {
                let a = Int(ones[g])
                let least = Int(leastOnes[b * groups + g]), most = Int(mostOnes[b * groups + g])
                if a == 0 {
                    if least > 0 { counted &+= 1 }
                    continue
                }
                counted &+= 1
                if most == 0 { continue }
                var shared = 0
                for e in groupStart[g]..<groupStart[g &+ 1] { shared &+= (bits[e] & u[word[e]]).nonzeroBitCount }
                sum += Double(min(shared, most)) / Double(max(a, least))
            }
        }
        return counted == 0 ? 0 : 1 - sum / Double(counted)
    }

    /// What a bound must exceed a distance by before a search may rely on it: far above the rounding of
    /// either (a few units in the last place of numbers at most 1). A larger margin only measures more.
    static let margin = 1e-9
}
