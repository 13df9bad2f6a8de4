import CBitKernels

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
///
/// The counts are summed in C (`cbk_mean_bound_sums`), group by group of the row over every bucket at
/// once: a column most buckets have is a dense row of counts added in vectors, a rarer one a list of
/// its buckets. Scattering every column's list into per-bucket tallies was a quarter of `assess` at
/// 100 000 samples.
struct GroupJaccardMeanBounds: Sendable {
    let count: Int
    let groups: Int
    let sizes: [Int]
    /// Buckets rounded up to whole vectors; the padding buckets have no row and no column.
    fileprivate let padded: Int
    fileprivate let table: Table

    /// The counts and extremes per bucket, laid out for `cbk_mean_bound_sums`.
    fileprivate final class Table: @unchecked Sendable {
        let groupOfColumn: [Int32]
        /// For each column, its buckets (ascending) and how many of their rows have it: entries
        /// `entryStart[c]..<entryStart[c + 1]`; or, for a column at least an eighth of the buckets have,
        /// row `denseOfColumn[c]` of `dense` (`padded` counts), its entries unused.
        let entryStart: UnsafeMutablePointer<Int64>
        let entryBucket: UnsafeMutablePointer<Int32>
        let entryCount: UnsafeMutablePointer<Int32>
        let denseOfColumn: UnsafeMutablePointer<Int32>
        let dense: UnsafeMutablePointer<Int32>
        /// Per group and bucket (`g * padded + b`), the least and the most ones a row of the bucket has.
        let least: UnsafeMutablePointer<Int32>
        let most: UnsafeMutablePointer<Int32>
        /// Per bucket, its size (1 for an empty one, whose bound is set apart) and the groups every row of it has.
        let size: UnsafeMutablePointer<Double>
        let alwaysCounted: UnsafeMutablePointer<Int32>

        init(groupOfColumn: [Int32], entryStart: [Int64], entryBucket: [Int32], entryCount: [Int32],
             denseOfColumn: [Int32], dense: [Int32], least: [Int32], most: [Int32], size: [Double], alwaysCounted: [Int32]) {
            func copy<T>(_ a: [T]) -> UnsafeMutablePointer<T> {
                let p = UnsafeMutablePointer<T>.allocate(capacity: max(a.count, 1))
                p.initialize(from: a, count: a.count)
                return p
            }
            self.groupOfColumn = groupOfColumn
            self.entryStart = copy(entryStart); self.entryBucket = copy(entryBucket); self.entryCount = copy(entryCount)
            self.denseOfColumn = copy(denseOfColumn); self.dense = copy(dense)
            self.least = copy(least); self.most = copy(most); self.size = copy(size); self.alwaysCounted = copy(alwaysCounted)
        }

        deinit {
            for p in [entryBucket, entryCount, denseOfColumn, dense, least, most, alwaysCounted] { p.deallocate() }
            entryStart.deallocate(); size.deallocate()
        }
    }

    init(_ kernel: GroupJaccardKernel, points: PointSet, buckets: [[Int]]) {
        let groups = kernel.groups.count, columns = kernel.groups.columnCount
        count = buckets.count
        self.groups = groups
        sizes = buckets.map(\.count)
        let padded = (count + 7) / 8 * 8
        self.padded = padded
        var least = [Int32](repeating: 0, count: groups * padded), most = least
        // Entries bucket by bucket, then sorted by column (stably, so each column's buckets ascend).
        var triples: [(column: Int32, bucket: Int32, count: Int32)] = []
        var tally = [Int32](repeating: 0, count: columns)
        var touched: [Int32] = []
        for (b, rows) in buckets.enumerated() where !rows.isEmpty {
            for g in 0..<groups { least[g * padded + b] = .max }
            for r in rows {
                for c in points.nonZeroColumns(r) {
                    if tally[Int(c)] == 0 { touched.append(c) }
                    tally[Int(c)] += 1
                }
                let ones = kernel.ones + r * groups
                for g in 0..<groups {
                    least[g * padded + b] = min(least[g * padded + b], ones[g])
                    most[g * padded + b] = max(most[g * padded + b], ones[g])
                }
            }
            for c in touched { triples.append((c, Int32(b), tally[Int(c)])); tally[Int(c)] = 0 }
            touched.removeAll(keepingCapacity: true)
        }
        var start = [Int64](repeating: 0, count: columns + 1)
        for t in triples { start[Int(t.column) + 1] += 1 }
        for c in 0..<columns { start[c + 1] += start[c] }
        var fill = Array(start.dropLast())
        var bucket = [Int32](repeating: 0, count: triples.count), counts = bucket
        for t in triples {
            let at = Int(fill[Int(t.column)])
            bucket[at] = t.bucket; counts[at] = t.count
            fill[Int(t.column)] += 1
        }
        // A dense row costs padded / 8 vector steps against a scattered update per entry.
        var denseOfColumn = [Int32](repeating: -1, count: columns), dense: [Int32] = []
        for c in 0..<columns where (start[c + 1] - start[c]) * 8 >= padded {
            denseOfColumn[c] = Int32(dense.count / padded)
            let row = dense.count
            dense.append(contentsOf: repeatElement(0, count: padded))
            for e in Int(start[c])..<Int(start[c + 1]) { dense[row + Int(bucket[e])] = counts[e] }
        }
        let count = buckets.count
        let always = (0..<padded).map { b in
            Int32(b < count && !buckets[b].isEmpty ? (0..<groups).filter { least[$0 * padded + b] > 0 }.count : 0)
        }
        let size = (0..<padded).map { b in b < count && !buckets[b].isEmpty ? Double(buckets[b].count) : 1 }
        table = Table(groupOfColumn: kernel.groups.groupOfColumn, entryStart: start, entryBucket: bucket, entryCount: counts,
                      denseOfColumn: denseOfColumn, dense: dense, least: least, most: most, size: size, alwaysCounted: always)
    }

    /// Scratch for `bounds`, one per thread.
    final class Scratch {
        fileprivate let f: UnsafeMutablePointer<Int64>
        fileprivate let s: UnsafeMutablePointer<Int32>
        fileprivate let sum: UnsafeMutablePointer<Double>
        fileprivate let counted: UnsafeMutablePointer<Int32>
        /// The row's groups, their counts, where each one's columns end in `columns`, and a group's slot.
        fileprivate let rowGroup: UnsafeMutablePointer<Int32>
        fileprivate let rowOnes: UnsafeMutablePointer<Int32>
        fileprivate let columnEnd: UnsafeMutablePointer<Int32>
        fileprivate let slot: UnsafeMutablePointer<Int32>
        fileprivate var columns: [Int32] = [0]

        init(_ bounds: GroupJaccardMeanBounds) {
            let padded = max(bounds.padded, 1), groups = max(bounds.groups, 1)
            f = .allocate(capacity: padded); s = .allocate(capacity: padded)
            sum = .allocate(capacity: padded); counted = .allocate(capacity: padded)
            rowGroup = .allocate(capacity: groups); rowOnes = .allocate(capacity: groups)
            columnEnd = .allocate(capacity: groups); slot = .allocate(capacity: groups)
        }

        deinit {
            f.deallocate(); s.deallocate(); sum.deallocate(); counted.deallocate()
            rowGroup.deallocate(); rowOnes.deallocate(); columnEnd.deallocate(); slot.deallocate()
        }
    }

    /// The bound of every bucket's mean distance from the row with columns `columns` and per-group
    /// counts `ones` (the kernel's), into `out` (0 for an empty bucket). A bucket sharing no column with
    /// the row gets 1 (every distance is 1) unless no group is counted at all (then 0, as the distance).
    func bounds(columns: ArraySlice<Int32>, ones: UnsafePointer<Int32>, scratch: inout Scratch,
                into out: UnsafeMutablePointer<Double>) {
        let groups = groups, padded = padded, table = table
        let work = scratch
        // The row's columns group by group (a column's group is one the row has).
        var rowGroups = 0
        for g in 0..<groups where ones[g] != 0 {
            work.rowGroup[rowGroups] = Int32(g)
            work.rowOnes[rowGroups] = ones[g]
            work.columnEnd[rowGroups] = 0
            work.slot[g] = Int32(rowGroups)
            rowGroups += 1
        }
        for c in columns { work.columnEnd[Int(work.slot[Int(table.groupOfColumn[Int(c)])])] += 1 }
        var end: Int32 = 0
        for k in 0..<rowGroups { end += work.columnEnd[k]; work.columnEnd[k] = end }
        if work.columns.count < columns.count { work.columns = [Int32](repeating: 0, count: columns.count) }
        work.columns.withUnsafeMutableBufferPointer { sorted in
            // Placed backwards from each group's end, which leaves each end at the group's start.
            for c in columns.reversed() {
                let k = Int(work.slot[Int(table.groupOfColumn[Int(c)])])
                work.columnEnd[k] -= 1
                sorted[Int(work.columnEnd[k])] = c
            }
            for k in 0..<rowGroups { work.columnEnd[k] = k + 1 < rowGroups ? work.columnEnd[k + 1] : Int32(columns.count) }
            work.sum.initialize(repeating: 0, count: padded)
            work.counted.initialize(from: table.alwaysCounted, count: padded)
            cbk_mean_bound_sums(Int64(padded), Int64(rowGroups), work.rowGroup, work.rowOnes, work.columnEnd,
                                sorted.baseAddress!, table.denseOfColumn, table.dense, table.entryStart, table.entryBucket,
                                table.entryCount, table.least, table.most, table.size, work.f, work.s,
                                work.sum, work.counted)
        }
        for b in 0..<count {
            out[b] = sizes[b] == 0 || work.counted[b] == 0 ? 0 : 1 - work.sum[b] / Double(work.counted[b])
        }
    }
}
