/// Lower bounds of the mean group Jaccard distance from a point to the rows of each bucket, all buckets
/// at once, for the silhouette's b(i) (`GroupJaccardSilhouette`).
///
/// A bound of every distance (`GroupJaccardBuckets`: the union of the bucket's bits) also bounds the
/// mean, but loosely: a column one member of 6 000 has counts as shared with all of them. Here each
/// bucket keeps how many of its rows have each column, and the mean intersection is exact: for a group
/// g with a = |x_g| > 0, Σ_j |x_g ∩ y_g| = F, the counts of x_g's columns summed. Per row j, with
/// t = |x_g ∩ y_g| ≤ T = min(the columns of x_g the bucket has, the most ones a row has in g) and
/// b = |y_g| ≥ least, the union a + b − t is at least U = max(a, least, a + least − T), so
/// J_g ≤ t / U and the mean of J_g is at most min(T, F / size) / U. A row's similarity divides the sum
/// over groups by the groups either row has, at least the groups x has plus those every row of the
/// bucket has; so 1 − (Σ_g bounds) / (that count) is at most the mean distance. Computed in floating
/// point, the bound may exceed the computed mean by a few units in the last place: compare with
/// `GroupJaccardBuckets.margin`.
struct GroupJaccardMeanBounds: Sendable {
    let count: Int
    let groups: Int
    let sizes: [Int]
    /// For each column, its buckets (ascending) and how many of their rows have it: entries
    /// `columnStart[c]..<columnStart[c + 1]`.
    private let columnStart: [Int]
    private let entryBucket: [Int32]
    private let entryCount: [Int32]
    private let groupOfColumn: [Int32]
    /// Per bucket and group, the least and the most ones a row of the bucket has.
    private let leastOnes: [Int32]
    private let mostOnes: [Int32]
    /// Per bucket, the groups every row of it has.
    private let alwaysCounted: [Int]

    init(_ kernel: GroupJaccardKernel, points: PointSet, buckets: [[Int]]) {
        let groups = kernel.groups.count, columns = kernel.groups.columnCount
        count = buckets.count
        self.groups = groups
        sizes = buckets.map(\.count)
        groupOfColumn = kernel.groups.groupOfColumn
        var least = [Int32](repeating: 0, count: count * groups), most = least
        // Entries bucket by bucket, then sorted by column (stably, so each column's buckets ascend).
        var triples: [(column: Int32, bucket: Int32, count: Int32)] = []
        var tally = [Int32](repeating: 0, count: columns)
        var touched: [Int32] = []
        for (b, rows) in buckets.enumerated() where !rows.isEmpty {
            for g in 0..<groups { least[b * groups + g] = .max }
            for r in rows {
                for c in points.nonZeroColumns(r) {
                    if tally[Int(c)] == 0 { touched.append(c) }
                    tally[Int(c)] += 1
                }
                let ones = kernel.ones + r * groups
                for g in 0..<groups {
                    least[b * groups + g] = min(least[b * groups + g], ones[g])
                    most[b * groups + g] = max(most[b * groups + g], ones[g])
                }
            }
            for c in touched { triples.append((c, Int32(b), tally[Int(c)])); tally[Int(c)] = 0 }
            touched.removeAll(keepingCapacity: true)
        }
        var start = [Int](repeating: 0, count: columns + 1)
        for t in triples { start[Int(t.column) + 1] += 1 }
        for c in 0..<columns { start[c + 1] += start[c] }
        var fill = Array(start.dropLast())
        var bucket = [Int32](repeating: 0, count: triples.count), counts = bucket
        for t in triples {
            let at = fill[Int(t.column)]
            bucket[at] = t.bucket; counts[at] = t.count
            fill[Int(t.column)] += 1
        }
        columnStart = start
        entryBucket = bucket
        entryCount = counts
        leastOnes = least
        mostOnes = most
        alwaysCounted = (0..<count).map { b in (0..<groups).filter { least[b * groups + $0] > 0 }.count }
    }

    /// Scratch for `bounds`, one per thread.
    struct Scratch {
        fileprivate var frequency: [Int]
        fileprivate var shared: [Int32]
        fileprivate var touched: [Int32] = []
        fileprivate var isTouched: [Bool]
        init(_ bounds: GroupJaccardMeanBounds) {
            frequency = [Int](repeating: 0, count: bounds.count * bounds.groups)
            shared = [Int32](repeating: 0, count: bounds.count * bounds.groups)
            isTouched = [Bool](repeating: false, count: bounds.count)
        }
    }

    /// The bound of every bucket's mean distance from the row with columns `columns` and per-group
    /// counts `ones` (the kernel's), into `out` (0 for an empty bucket). A bucket sharing no column with
    /// the row gets 1 (every distance is 1) unless no group is counted at all (then 0, as the distance).
    func bounds(columns: ArraySlice<Int32>, ones: UnsafePointer<Int32>, scratch: inout Scratch,
                into out: UnsafeMutablePointer<Double>) {
        let groups = groups, count = count
        var rowGroups: [Int] = []
        for g in 0..<groups where ones[g] != 0 { rowGroups.append(g) }
        let rowHasOnes = !rowGroups.isEmpty
        for b in 0..<count { out[b] = sizes[b] > 0 && (rowHasOnes || alwaysCounted[b] > 0) ? 1 : 0 }
        scratch.touched.removeAll(keepingCapacity: true)
        scratch.frequency.withUnsafeMutableBufferPointer { frequency in
            scratch.shared.withUnsafeMutableBufferPointer { shared in
              scratch.isTouched.withUnsafeMutableBufferPointer { isTouched in
                let frequency = frequency.baseAddress!, shared = shared.baseAddress!
                columnStart.withUnsafeBufferPointer { start in
                    entryBucket.withUnsafeBufferPointer { bucket in
                        entryCount.withUnsafeBufferPointer { entries in
                            for c in columns {
                                let g = Int(groupOfColumn[Int(c)])
                                for e in start[Int(c)]..<start[Int(c) + 1] {
                                    let b = Int(bucket[e])
                                    if !isTouched[b] { isTouched[b] = true; scratch.touched.append(bucket[e]) }
                                    let slot = b &* groups &+ g
                                    frequency[slot] &+= Int(entries[e])
                                    shared[slot] &+= 1
                                }
                            }
                        }
                    }
                }
                leastOnes.withUnsafeBufferPointer { leastOnes in
                    mostOnes.withUnsafeBufferPointer { mostOnes in
                        // Only the row's groups are read: the others count when every row of the bucket
                        // has them (alwaysCounted, less those among the row's) and add nothing.
                        for b32 in scratch.touched {
                            let b = Int(b32)
                            isTouched[b] = false
                            let size = Double(sizes[b])
                            var sum = 0.0, counted = alwaysCounted[b]
                            for g in rowGroups {
                                let slot = b &* groups &+ g
                                let a = Int(ones[g]), least = Int(leastOnes[slot])
                                if least == 0 { counted &+= 1 }
                                let most = Int(mostOnes[slot])
                                let t = min(Int(shared[slot]), most), f = frequency[slot]
                                frequency[slot] = 0; shared[slot] = 0
                                if t == 0 { continue }
                                let union = max(a, least, a &+ least &- t)
                                sum += min(Double(t), Double(f) / size) / Double(union)
                            }
                            out[b] = counted == 0 ? 0 : 1 - sum / Double(counted)
                        }
                    }
                }
              }
            }
        }
    }
}
