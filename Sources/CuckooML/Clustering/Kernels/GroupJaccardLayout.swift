/// Where `GroupJaccardKernel` packs each column (group by group, each group in whole words) and every
/// row's per-group counts: all that packing rows on their own columns (`OwnColumnRows`), the buckets'
/// bounds (`GroupJaccardBuckets`) and a query for them need of a kernel, without its bit rows.
protocol GroupJaccardLayout {
    var groups: ColumnGroups { get }
    /// Words per full-width row; group g occupies words `wordStart[g]..<wordStart[g + 1]`.
    var words: Int { get }
    var wordStart: UnsafeMutablePointer<Int> { get }
    /// Bit position of each column inside a full-width row.
    var bitOfColumn: [Int] { get }
    /// `ones[row * groups.count + g]`: how many features of group g the row has.
    var ones: UnsafeMutablePointer<Int32> { get }
}

extension GroupJaccardKernel: GroupJaccardLayout {}

/// A `GroupJaccardLayout` of points without the kernel's bit rows: `compare` under the family
/// clustering reads rows only on their clusters' own columns, and the full-width rows (445 words
/// each at 100 000 samples, 356 MB to zero and fill) were the largest part of what it prepared.
final class GroupJaccardCounts: GroupJaccardLayout, @unchecked Sendable {
    let count: Int
    let groups: ColumnGroups
    let words: Int
    let wordStart: UnsafeMutablePointer<Int>
    let bitOfColumn: [Int]
    let ones: UnsafeMutablePointer<Int32>

    init(points: PointSet) {
        let groups = points.groupsOrSingle
        self.groups = groups
        count = points.count
        let (bitOfColumn, wordStart) = GroupJaccardKernel.layout(groups)
        self.bitOfColumn = bitOfColumn
        self.wordStart = .allocate(capacity: wordStart.count)
        self.wordStart.initialize(from: wordStart, count: wordStart.count)
        words = max(1, wordStart.last!)
        let g = groups.count
        ones = .allocate(capacity: max(count, 1) * g)
        ones.initialize(repeating: 0, count: max(count, 1) * g)
        for i in 0..<count {
            let row = ones + i * g
            for c in points.nonZeroColumns(i) { row[Int(groups.groupOfColumn[Int(c)])] += 1 }
        }
    }

    deinit { ones.deallocate(); wordStart.deallocate() }
}
