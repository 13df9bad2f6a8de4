/// A row as `cbk_group_jaccard_sparse_words` reads it: the groups it has (with its counts) and its
/// non-zero words on some rows' own columns (`OwnColumnRows`), group by group. A row has a few of a
/// cluster's groups and words, and the dense kernel went through every group and word of every pair.
/// (A row has a group it has no word of here when none of its columns in the group is one of these.)
/// Loaded again for each query; one per thread.
final class GroupJaccardQuery {
    private(set) var groupCount = 0
    let group: UnsafeMutablePointer<Int32>
    let ones: UnsafeMutablePointer<Int32>
    let wordEnd: UnsafeMutablePointer<Int32>
    private(set) var wordIndex: UnsafeMutablePointer<Int32>
    private(set) var word: UnsafeMutablePointer<UInt64>
    /// The groups the row has as bits (group g is bit g % 64 of word g / 64).
    let mask: UnsafeMutablePointer<UInt64>
    let maskWords: Int
    private var capacity = 64

    init(groups: Int) {
        maskWords = (groups + 63) / 64
        mask = .allocate(capacity: max(maskWords, 1))
        group = .allocate(capacity: max(groups, 1))
        ones = .allocate(capacity: max(groups, 1))
        wordEnd = .allocate(capacity: max(groups, 1))
        wordIndex = .allocate(capacity: capacity)
        word = .allocate(capacity: capacity)
    }

    deinit {
        group.deallocate(); ones.deallocate(); wordEnd.deallocate(); wordIndex.deallocate(); word.deallocate()
        mask.deallocate()
    }

    /// The row `x` (words laid out by `wordStart`, group g at wordStart[g]..<wordStart[g + 1]) with
    /// per-group counts `onesX` over its whole row: a group the row has counts even with no word here.
    func load(_ x: UnsafePointer<UInt64>, ones onesX: UnsafePointer<Int32>, wordStart: UnsafePointer<Int>, groups: Int) {
        let words = wordStart[groups]
        if words > capacity {
            capacity = max(words, 2 * capacity)
            wordIndex.deallocate(); word.deallocate()
            wordIndex = .allocate(capacity: capacity)
            word = .allocate(capacity: capacity)
        }
        var k = 0, w = 0
        mask.update(repeating: 0, count: maskWords)
        for g in 0..<groups where onesX[g] != 0 {
            mask[g >> 6] |= 1 << UInt64(g & 63)
            group[k] = Int32(g)
            ones[k] = onesX[g]
            for i in wordStart[g]..<wordStart[g + 1] where x[i] != 0 {
                wordIndex[w] = Int32(i)
                word[w] = x[i]
                w += 1
            }
            wordEnd[k] = Int32(w)
            k += 1
        }
        groupCount = k
    }
}
