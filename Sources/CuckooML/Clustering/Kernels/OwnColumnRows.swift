import CBitKernels

/// Rows of a `GroupJaccardKernel` packed again on their own columns (the union of their columns), group
/// by group, so that a query's group Jaccard to one of them reads a few words instead of a whole row of
/// a wide vocabulary. The distance is the kernel's, bit for bit: it runs the same C function on the
/// same integers — a column none of the rows has adds nothing to an intersection, and the unions come
/// from the kernel's per-group counts of the whole rows.
///
/// Rows can be added. A column keeps its bit within its group's words for good; a group that runs out
/// of bits for the columns newcomers bring gets twice the words, and the rows' words are moved over.
struct OwnColumnRows: Sendable {
    /// The rows, in the order they were added (their kernel rows).
    private(set) var rows: [Int] = []
    /// The columns, ascending, each one's group and its bit among its group's bits.
    private var columns: [Int32] = []
    private var groupOf: [Int32] = []
    private var bitInGroup: [Int32] = []
    /// Group g's bits are words `wordStart[g]..<wordStart[g + 1]`, the first `used[g]` of them holding columns.
    private(set) var wordStart: [Int]
    private var used: [Int]
    private(set) var words = 0
    private(set) var bits: [UInt64] = []
    private(set) var ones: [Int32] = []
    /// Per row, how many groups it has (the sparse kernel counts the groups only the row has from it).
    private(set) var groupsPresent: [Int32] = []
    /// The columns here as bits over all the columns, and before each word how many of them there are:
    /// a column's place in `columns` is one popcount away. `project` looks up every column of a query
    /// in every bucket it visits, and a binary search per column was a tenth of `compare`.
    private var present: [UInt64] = []
    private var presentBefore: [Int32] = []

    init(_ rows: [Int], of kernel: some GroupJaccardLayout, points: PointSet) {
        wordStart = [Int](repeating: 0, count: kernel.groups.count + 1)
        used = [Int](repeating: 0, count: kernel.groups.count)
        append(rows, of: kernel, points: points)
    }

    var count: Int { rows.count }

    /// From how many rows added at once `append` uses tables over all the columns.
    static let tabledRows = 64

    /// Adds `newRows` (after the rows already here).
    mutating func append(_ newRows: [Int], of kernel: some GroupJaccardLayout, points: PointSet) {
        // Many rows at once (a whole cluster) look their columns up in tables over all the columns
        // rather than by a binary search per column and row: the same bits, in a fraction of the time.
        let tabled = newRows.count >= Self.tabledRows
        var fresh: [Int32] = []
        if tabled {
            var seen = [Bool](repeating: false, count: kernel.groups.columnCount)
            for c in columns { seen[Int(c)] = true }
            for r in newRows { for c in points.nonZeroColumns(r) where !seen[Int(c)] { seen[Int(c)] = true; fresh.append(c) } }
            fresh.sort()
        } else {
            for r in newRows { for c in points.nonZeroColumns(r) where position(of: c) == nil { fresh.append(c) } }
            fresh = Array(Set(fresh)).sorted()
        }
        if !fresh.isEmpty { take(fresh, kernel.groups.groupOfColumn) }
        var bitOfColumn: [Int32] = []
        if tabled {
            bitOfColumn = [Int32](repeating: 0, count: kernel.groups.columnCount)
            for p in columns.indices { bitOfColumn[Int(columns[p])] = Int32(bit(p)) }
        }
        let groups = used.count
        bits.reserveCapacity((rows.count + newRows.count) * words)
        for r in newRows {
            let base = bits.count
            bits.append(contentsOf: repeatElement(0, count: words))
            for c in points.nonZeroColumns(r) {
                let bit = tabled ? Int(bitOfColumn[Int(c)]) : self.bit(position(of: c)!)
                bits[base + bit >> 6] |= 1 << UInt64(bit & 63)
            }
            let counts = UnsafeBufferPointer(start: kernel.ones + r * groups, count: groups)
            ones.append(contentsOf: counts)
            groupsPresent.append(Int32(counts.count { $0 != 0 }))
            rows.append(r)
        }
    }

    /// Gives bits to new columns (ascending, none here yet), widening the groups that lack room.
    private mutating func take(_ fresh: [Int32], _ groupOfColumn: [Int32]) {
        var wanted = used
        for c in fresh { wanted[Int(groupOfColumn[Int(c)])] += 1 }
        let groups = used.count
        var widths = (0..<groups).map { wordStart[$0 + 1] - wordStart[$0] }
        var widened = false
        for g in 0..<groups where wanted[g] > widths[g] * 64 {
            widths[g] = max(2 * widths[g], (wanted[g] + wanted[g] / 4 + 63) / 64)
            widened = true
        }
        if widened {
            var start = [0]
            for w in widths { start.append(start.last! + w) }
            var moved = [UInt64](repeating: 0, count: rows.count * start[groups])
            for k in rows.indices {
                for g in 0..<groups where wordStart[g + 1] > wordStart[g] {
                    let from = k * words + wordStart[g], to = k * start[groups] + start[g]
                    for w in 0..<(wordStart[g + 1] - wordStart[g]) { moved[to + w] = bits[from + w] }
                }
            }
            bits = moved
            wordStart = start
            words = start[groups]
        }
        var merged: (columns: [Int32], groupOf: [Int32], bitInGroup: [Int32]) = ([], [], [])
        var a = 0, b = 0
        while a < columns.count || b < fresh.count {
            if b == fresh.count || (a < columns.count && columns[a] < fresh[b]) {
                merged.columns.append(columns[a]); merged.groupOf.append(groupOf[a]); merged.bitInGroup.append(bitInGroup[a])
                a += 1
            } else {
                let g = groupOfColumn[Int(fresh[b])]
                merged.columns.append(fresh[b]); merged.groupOf.append(g); merged.bitInGroup.append(Int32(used[Int(g)]))
                used[Int(g)] += 1; b += 1
            }
        }
        (columns, groupOf, bitInGroup) = merged
        let wordsOfColumns = (groupOfColumn.count + 63) / 64
        present = [UInt64](repeating: 0, count: wordsOfColumns)
        for c in columns { present[Int(c) >> 6] |= 1 << UInt64(c & 63) }
        presentBefore = [Int32](repeating: 0, count: wordsOfColumns)
        var before: Int32 = 0
        for w in 0..<wordsOfColumns {
            presentBefore[w] = before
            before += Int32(present[w].nonzeroBitCount)
        }
    }

    @inline(__always)
    private func bit(_ position: Int) -> Int {
        wordStart[Int(groupOf[position])] * 64 + Int(bitInGroup[position])
    }

    @inline(__always)
    private func position(of column: Int32) -> Int? {
        let w = Int(column) >> 6
        guard w < present.count else { return nil }
        let word = present[w], mask: UInt64 = 1 << UInt64(column & 63)
        guard word & mask != 0 else { return nil }
        return Int(presentBefore[w]) + (word & (mask &- 1)).nonzeroBitCount
    }

    /// Kernel row `row` on these columns, into `out` (`words` words).
    func project(_ row: Int, of points: PointSet, into out: UnsafeMutablePointer<UInt64>) {
        project(columns: points.nonZeroColumns(row), into: out)
    }

    /// A row given by its non-zero columns on these columns, into `out` (`words` words).
    func project(columns row: ArraySlice<Int32>, into out: UnsafeMutablePointer<UInt64>) {
        out.initialize(repeating: 0, count: words)
        for c in row {
            guard let p = position(of: c) else { continue }
            let bit = self.bit(p)
            out[bit >> 6] |= 1 << UInt64(bit & 63)
        }
    }

    /// The distances from a projected query (`project`; `onesX`, its kernel per-group counts) to the rows
    /// from `first` on, appended to `distances` in row order up to the first beyond `t`: whether none
    /// was, and the largest of those appended (from `farthest` on).
    func measure(_ x: UnsafePointer<UInt64>, ones onesX: UnsafePointer<Int32>, from first: Int, within t: Double,
                 farthest: inout Double, distances: inout [Double]) -> Bool {
        let groups = used.count, words = words
        return bits.withUnsafeBufferPointer { bits in
            ones.withUnsafeBufferPointer { ones in
                wordStart.withUnsafeBufferPointer { wordStart in
                    // Empty storage (no column, or no group) is never read: any address will do.
                    let y = bits.baseAddress ?? x, onesY = ones.baseAddress ?? onesX
                    for k in first..<rows.count {
                        let d = cbk_group_jaccard(x, onesX, y + k * words, onesY + k * groups, wordStart.baseAddress!,
                                                  Int64(groups))
                        if d > t { return false }
                        distances.append(d)
                        if d > farthest { farthest = d }
                    }
                    return true
                }
            }
        }
    }

    /// The distance from a projected query to row `k`, or infinity once it is sure to exceed `limit`
    /// (`cbk_group_jaccard_below`: give `limit` a margin for that test's rounding).
    func distance(_ x: UnsafePointer<UInt64>, ones onesX: UnsafePointer<Int32>, _ k: Int, below limit: Double) -> Double {
        let groups = used.count
        return bits.withUnsafeBufferPointer { bits in
            ones.withUnsafeBufferPointer { ones in
                wordStart.withUnsafeBufferPointer { wordStart in
                    cbk_group_jaccard_below(x, onesX, (bits.baseAddress ?? x) + k * words, (ones.baseAddress ?? onesX) + k * groups,
                                            wordStart.baseAddress!, Int64(groups), limit)
                }
            }
        }
    }

    /// The distance between two of these rows, `a` and `b` (positions in `rows`): the kernel's, bit for bit.
    func distance(between a: Int, and b: Int) -> Double {
        let groups = used.count, words = words
        return bits.withUnsafeBufferPointer { bits in
            ones.withUnsafeBufferPointer { ones in
                wordStart.withUnsafeBufferPointer { wordStart in
                    // No column (or no group): every row is empty, and the kernel gives empty rows 0.
                    guard let y = bits.baseAddress, let counts = ones.baseAddress else { return 0 }
                    return cbk_group_jaccard(y + a * words, counts + a * groups, y + b * words, counts + b * groups,
                                             wordStart.baseAddress!, Int64(groups))
                }
            }
        }
    }

    /// The distance from a projected query to row `k`.
    func distance(_ x: UnsafePointer<UInt64>, ones onesX: UnsafePointer<Int32>, _ k: Int) -> Double {
        let groups = used.count
        return bits.withUnsafeBufferPointer { bits in
            ones.withUnsafeBufferPointer { ones in
                wordStart.withUnsafeBufferPointer { wordStart in
                    cbk_group_jaccard(x, onesX, (bits.baseAddress ?? x) + k * words, (ones.baseAddress ?? onesX) + k * groups,
                                      wordStart.baseAddress!, Int64(groups))
                }
            }
        }
    }
}

extension OwnColumnRows {
    /// Loads `query` with kernel row `row` projected on these columns (`x`: room for `words` words).
    func load(_ query: GroupJaccardQuery, row: Int, of points: PointSet, ones onesX: UnsafePointer<Int32>,
              x: UnsafeMutablePointer<UInt64>) {
        project(row, of: points, into: x)
        wordStart.withUnsafeBufferPointer { wordStart in
            query.load(x, ones: onesX, wordStart: wordStart.baseAddress!, groups: used.count)
        }
    }
}
