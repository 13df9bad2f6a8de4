import CBitKernels

/// Group-weighted Jaccard (`GroupJaccard`) on bit-packed rows: each group's columns are packed into
/// their own run of whole words, and every row's per-group popcounts are computed once, so a pair costs
/// one AND-popcount per word of the groups either row uses; groups empty in both rows are skipped on
/// their precomputed counts alone. Values are read as present when non-zero.
final class GroupJaccardKernel: DistanceKernel, @unchecked Sendable {
    let count: Int
    let groups: ColumnGroups
    /// Words per row; group g occupies words `wordStart[g]..<wordStart[g + 1]` of each row.
    let words: Int
    let wordStart: UnsafeMutablePointer<Int>
    /// Bit position of each column inside a row.
    let bitOfColumn: [Int]
    let bits: UnsafeMutablePointer<UInt64>
    /// `ones[row * groups.count + g]`: how many features of group g the row has.
    let ones: UnsafeMutablePointer<Int32>

    init(points: PointSet) {
        let groups = points.groupsOrSingle
        self.groups = groups
        count = points.count
        let (bitOfColumn, wordStart) = Self.layout(groups)
        self.wordStart = .allocate(capacity: wordStart.count)
        self.wordStart.initialize(from: wordStart, count: wordStart.count)
        self.bitOfColumn = bitOfColumn
        words = max(1, wordStart.last!)
        bits = .allocate(capacity: max(count, 1) * words)
        bits.initialize(repeating: 0, count: max(count, 1) * words)
        ones = .allocate(capacity: max(count, 1) * groups.count)
        ones.initialize(repeating: 0, count: max(count, 1) * groups.count)
        for i in 0..<count {
            Self.pack(points, row: i, bitOfColumn: bitOfColumn, groups: groups,
                      into: bits + i * words, ones: ones + i * groups.count)
        }
    }

    /// Each column's bit in a row and each group's first word (the last entry: the words per row).
    static func layout(_ groups: ColumnGroups) -> (bitOfColumn: [Int], wordStart: [Int]) {
        var sizes = [Int](repeating: 0, count: groups.count)
        var bitOfColumn = [Int](repeating: 0, count: groups.columnCount)
        for (c, g) in groups.groupOfColumn.enumerated() {
            bitOfColumn[c] = sizes[Int(g)]
            sizes[Int(g)] += 1
        }
        var wordStart = [0]
        for s in sizes { wordStart.append(wordStart.last! + (s + 63) / 64) }
        for c in 0..<groups.columnCount { bitOfColumn[c] += wordStart[Int(groups.groupOfColumn[c])] * 64 }
        return (bitOfColumn, wordStart)
    }

    private init(copying other: GroupJaccardKernel) {
        count = other.count; groups = other.groups; words = other.words
        bitOfColumn = other.bitOfColumn
        wordStart = .allocate(capacity: groups.count + 1)
        wordStart.initialize(from: other.wordStart, count: groups.count + 1)
        bits = .allocate(capacity: max(count, 1) * words)
        bits.initialize(from: other.bits, count: max(count, 1) * words)
        ones = .allocate(capacity: max(count, 1) * groups.count)
        ones.initialize(from: other.ones, count: max(count, 1) * groups.count)
    }

    deinit { bits.deallocate(); ones.deallocate(); wordStart.deallocate() }

    func copy() -> Self { unsafeDowncast(GroupJaccardKernel(copying: self), to: Self.self) }

    var evaluator: GroupJaccardDistance {
        GroupJaccardDistance(bits: bits, ones: ones, wordStart: wordStart, words: words, groups: groups.count)
    }

    @inline(__always)
    func distance(_ a: Int, _ b: Int) -> Double { evaluator.distance(a, b) }

    func exchange(_ a: Int, _ b: Int) {
        let x = bits + a * words, y = bits + b * words
        for w in 0..<words { let t = x[w]; x[w] = y[w]; y[w] = t }
        let g = groups.count
        let ox = ones + a * g, oy = ones + b * g
        for k in 0..<g { let t = ox[k]; ox[k] = oy[k]; oy[k] = t }
    }

    func withQuery<R>(_ queries: PointSet, row: Int, _ body: ((Int) -> Double) -> R) -> R {
        precondition(queries.dimension == groups.columnCount, "queries have the training columns")
        let q = UnsafeMutablePointer<UInt64>.allocate(capacity: words)
        q.initialize(repeating: 0, count: words)
        let o = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, groups.count))
        o.initialize(repeating: 0, count: max(1, groups.count))
        defer { q.deallocate(); o.deallocate() }
        Self.pack(queries, row: row, bitOfColumn: bitOfColumn, groups: groups, into: q, ones: o)
        let pairs = evaluator
        return body { pairs.distance(row: q, ones: o, $0) }
    }

    private static func pack(_ points: PointSet, row: Int, bitOfColumn: [Int], groups: ColumnGroups,
                             into out: UnsafeMutablePointer<UInt64>, ones: UnsafeMutablePointer<Int32>) {
        func set(_ c: Int) {
            let bit = bitOfColumn[c]
            out[bit >> 6] |= 1 << UInt64(bit & 63)
            ones[Int(groups.groupOfColumn[c])] += 1
        }
        switch points.storage {
        case .dense(let m):
            for (c, v) in m.row(row).enumerated() where v != 0 { set(c) }
        case .sparse(let m):
            let r = m.row(row)
            for (c, v) in zip(r.columns, r.values) where v != 0 { set(Int(c)) }
        }
    }
}

/// The group Jaccard of `GroupJaccardKernel` over its raw storage.
struct GroupJaccardDistance: PairDistance, @unchecked Sendable {
    let bits: UnsafeMutablePointer<UInt64>
    let ones: UnsafeMutablePointer<Int32>
    let wordStart: UnsafeMutablePointer<Int>
    let words: Int
    let groups: Int

    @inline(__always)
    func distance(_ a: Int, _ b: Int) -> Double {
        distance(row: bits + a &* words, ones: ones + a &* groups, b)
    }

    /// The operations of `GroupJaccard.distance`, in its order, on popcounts (`cbk_group_jaccard`, which
    /// uses the popcnt instruction where the CPU has it).
    @inline(__always)
    func distance(row x: UnsafePointer<UInt64>, ones onesX: UnsafePointer<Int32>, _ b: Int) -> Double {
        cbk_group_jaccard(x, onesX, bits + b &* words, ones + b &* groups, wordStart, Int64(groups))
    }
}
