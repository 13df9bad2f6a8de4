/// Rows of a `GroupJaccardKernel` indexed to give one query's group Jaccard to every one of them: the
/// columns many of the rows have are packed as bits, group by group, and each other column lists the
/// rows that have it, so a query counts a rare column only against the rows that share it instead of
/// reading a whole row of a wide vocabulary for each.
///
/// The distances are the kernel's, bit for bit: each intersection is the same integer (the packed
/// columns' popcounts plus the listed columns' counts), combined by `GroupJaccard.distance` over the
/// same groups in the same order, the operations `cbk_group_jaccard` does.
struct GroupJaccardIndex: Sendable {
    let count: Int
    private let groups: Int
    /// The packed columns' bit (group by group, `wordStart`), or -1 for a listed column.
    private let bitOfColumn: [Int32]
    private let wordStart: [Int]
    let words: Int
    private let bits: [UInt64]
    private let ones: [Int32]
    /// The rows with listed column c: `listed[listStart[c]..<listStart[c + 1]]`.
    private let listStart: [Int]
    private let listed: [Int32]

    /// A column that at least one row in `packedShare` of `rows` has is packed.
    init(_ rows: [Int], of kernel: GroupJaccardKernel, points: PointSet, packedShare: Int = 32) {
        count = rows.count
        groups = kernel.groups.count
        let columnCount = kernel.groups.columnCount
        var share = [Int](repeating: 0, count: columnCount)
        for r in rows { for c in points.nonZeroColumns(r) { share[Int(c)] += 1 } }
        var perGroup = [Int](repeating: 0, count: groups)
        var bitOfColumn = [Int32](repeating: -1, count: columnCount)
        for c in 0..<columnCount where share[c] > 0 && share[c] * packedShare >= rows.count {
            let g = Int(kernel.groups.groupOfColumn[c])
            bitOfColumn[c] = Int32(perGroup[g])
            perGroup[g] += 1
        }
        var wordStart = [0]
        for g in 0..<groups { wordStart.append(wordStart[g] + (perGroup[g] + 63) / 64) }
        for c in 0..<columnCount where bitOfColumn[c] >= 0 {
            bitOfColumn[c] += Int32(wordStart[Int(kernel.groups.groupOfColumn[c])] * 64)
        }
        words = wordStart[groups]
        var listStart = [Int](repeating: 0, count: columnCount + 1)
        for c in 0..<columnCount { listStart[c + 1] = listStart[c] + (bitOfColumn[c] < 0 ? share[c] : 0) }
        var fill = Array(listStart.dropLast())
        var listed = [Int32](repeating: 0, count: listStart[columnCount])
        var bits = [UInt64](repeating: 0, count: max(1, rows.count * words))
        var ones = [Int32](repeating: 0, count: max(1, rows.count * groups))
        for (k, r) in rows.enumerated() {
            for c in points.nonZeroColumns(r) {
                let bit = Int(bitOfColumn[Int(c)])
                if bit >= 0 {
                    bits[k * words + bit >> 6] |= 1 << UInt64(bit & 63)
                } else {
                    listed[fill[Int(c)]] = Int32(k); fill[Int(c)] += 1
                }
            }
            for g in 0..<groups { ones[k * groups + g] = kernel.ones[r * groups + g] }
        }
        self.bitOfColumn = bitOfColumn; self.wordStart = wordStart
        self.bits = bits; self.ones = ones; self.listStart = listStart; self.listed = listed
    }

    /// What one thread needs for `distances` (used by one thread at a time), and its result.
    final class Scratch: @unchecked Sendable {
        /// The distances `distances` gave last.
        let out: UnsafeMutablePointer<Double>
        let query: UnsafeMutablePointer<UInt64>
        /// Per row and group, the query's listed columns the row has (zero between calls).
        let shared: UnsafeMutablePointer<Int32>
        init(_ index: GroupJaccardIndex) {
            out = .allocate(capacity: max(1, index.count))
            query = .allocate(capacity: max(1, index.words))
            shared = .allocate(capacity: max(1, index.count * index.groups))
            shared.initialize(repeating: 0, count: max(1, index.count * index.groups))
        }
        deinit { out.deallocate(); query.deallocate(); shared.deallocate() }
    }

    /// Kernel row `row`'s distance to every indexed row, into `scratch.out`.
    func distances(_ row: Int, of points: PointSet, kernel: GroupJaccardKernel, scratch: Scratch) {
        let out = scratch.out, x = scratch.query, shared = scratch.shared, groups = groups, words = words
        x.initialize(repeating: 0, count: words)
        let columns = points.nonZeroColumns(row)
        for c in columns {
            let bit = Int(bitOfColumn[Int(c)])
            if bit >= 0 {
                x[bit >> 6] |= 1 << UInt64(bit & 63)
            } else {
                let g = Int(kernel.groups.groupOfColumn[Int(c)])
                for k in listStart[Int(c)]..<listStart[Int(c) + 1] { shared[Int(listed[k]) * groups + g] += 1 }
            }
        }
        let onesX = kernel.ones + row * groups
        bits.withUnsafeBufferPointer { bits in
            ones.withUnsafeBufferPointer { ones in
                wordStart.withUnsafeBufferPointer { wordStart in
                    for k in 0..<count {
                        let y = bits.baseAddress! + k * words, onesY = ones.baseAddress! + k * groups
                        let sharedY = shared + k * groups
                        out[k] = GroupJaccard.distance { visit in
                            for g in 0..<groups {
                                let ox = Int(onesX[g]), oy = Int(onesY[g])
                                if ox | oy == 0 { continue }
                                var both = 0
                                if ox != 0 && oy != 0 {
                                    both = Int(sharedY[g])
                                    for w in wordStart[g]..<wordStart[g + 1] { both &+= (x[w] & y[w]).nonzeroBitCount }
                                }
                                visit(both, ox &+ oy &- both)
                            }
                        }
                    }
                }
            }
        }
        for c in columns where bitOfColumn[Int(c)] < 0 {
            let g = Int(kernel.groups.groupOfColumn[Int(c)])
            for k in listStart[Int(c)]..<listStart[Int(c) + 1] { shared[Int(listed[k]) * groups + g] = 0 }
        }
    }
}
