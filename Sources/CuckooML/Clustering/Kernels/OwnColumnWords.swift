import CBitKernels

/// The rows of an `OwnColumnRows` stored word by word (word w of every row, then word w + 1 …) and
/// their counts group by group, for the silhouette's sums: a query (`GroupJaccardQuery`) reads only its
/// own few words, each a run of consecutive rows the kernel takes in vectors
/// (`cbk_group_jaccard_sparse_words`), where rows one after another made it read most of every row.
/// The distances are the kernel's, bit for bit. A copy of the rows as they were: rows added later to
/// the `OwnColumnRows` are not here.
struct OwnColumnWords: Sendable {
    let count: Int
    let words: Int
    let groups: Int
    /// Group g's words are `wordStart[g]..<wordStart[g + 1]` (the `OwnColumnRows`' layout).
    let wordStart: [Int]
    /// Word w of row r at w * count + r; group g's count of row r at g * count + r; word m of the mask
    /// of the groups row r has at m * count + r.
    private let bits: [UInt64]
    private let ones: [Int32]
    private let masks: [UInt64]
    private let groupsPresent: [Int32]

    init(_ rows: OwnColumnRows) {
        let count = rows.count, words = rows.words, groups = rows.wordStart.count - 1
        self.count = count
        self.words = words
        self.groups = groups
        wordStart = rows.wordStart
        var bits = [UInt64](repeating: 0, count: count * words)
        var ones = [Int32](repeating: 0, count: count * groups)
        bits.withUnsafeMutableBufferPointer { out in
            rows.bits.withUnsafeBufferPointer { row in
                for r in 0..<count { for w in 0..<words { out[w * count + r] = row[r * words + w] } }
            }
        }
        var masks = [UInt64](repeating: 0, count: count * ((groups + 63) / 64))
        ones.withUnsafeMutableBufferPointer { out in
            rows.ones.withUnsafeBufferPointer { row in
                for r in 0..<count {
                    for g in 0..<groups {
                        out[g * count + r] = row[r * groups + g]
                        if row[r * groups + g] != 0 { masks[(g >> 6) * count + r] |= 1 << UInt64(g & 63) }
                    }
                }
            }
        }
        self.bits = bits
        self.ones = ones
        self.masks = masks
        groupsPresent = rows.groupsPresent
    }

    /// The distances from a loaded query to rows `first..<first + rowCount`, into `out`.
    private func distances(_ query: GroupJaccardQuery, from first: Int, count rowCount: Int,
                           into out: UnsafeMutablePointer<Double>) {
        bits.withUnsafeBufferPointer { bits in
            ones.withUnsafeBufferPointer { ones in
                masks.withUnsafeBufferPointer { masks in
                    groupsPresent.withUnsafeBufferPointer { present in
                        // A query with no word (or no group) reads no word (or count): any address will do.
                        cbk_group_jaccard_sparse_words(
                            query.group, query.ones, query.wordEnd, Int64(query.groupCount), query.wordIndex, query.word,
                            query.mask, Int64(query.maskWords), bits.baseAddress ?? UnsafePointer(query.word),
                            ones.baseAddress ?? UnsafePointer(query.ones), masks.baseAddress ?? UnsafePointer(query.mask),
                            present.baseAddress!, Int64(count), Int64(first), Int64(rowCount), out)
                    }
                }
            }
        }
    }

    /// Adds row `a`'s distance to every later row `b` to both `sums[a]` and `sums[b]`, in ascending b
    /// (`scratch`: room for a distance per row). Called for a = 0, 1, 2, … in turn, each row's sum
    /// receives its distances in ascending order of the other row (the earlier rows' calls, then its
    /// own), as a pass over its whole row would add them, while each pair is measured once: the
    /// distance is symmetric bit for bit.
    func addDistances(fromRow a: Int, into sums: UnsafeMutablePointer<Double>, scratch: UnsafeMutablePointer<Double>,
                      query: GroupJaccardQuery) {
        let later = count - a - 1
        guard later > 0 else { return }
        withUnsafeTemporaryAllocation(of: UInt64.self, capacity: max(words, 1)) { x in
            withUnsafeTemporaryAllocation(of: Int32.self, capacity: max(groups, 1)) { onesX in
                for w in 0..<words { x[w] = bits[w * count + a] }
                for g in 0..<groups { onesX[g] = ones[g * count + a] }
                wordStart.withUnsafeBufferPointer { wordStart in
                    query.load(x.baseAddress!, ones: onesX.baseAddress!, wordStart: wordStart.baseAddress!, groups: groups)
                }
            }
        }
        distances(query, from: a + 1, count: later, into: scratch)
        var own = sums[a]
        for r in 0..<later {
            own += scratch[r]
            sums[a + 1 + r] += scratch[r]
        }
        sums[a] = own
    }

    /// The sum of the distances from a query (loaded on these columns: `OwnColumnRows.load`) to every
    /// row, added in row order, or nil once the sum so far exceeds `limit` (distances are never
    /// negative, so the whole sum would too); `measured` counts the distances computed.
    func sum(_ query: GroupJaccardQuery, below limit: Double, measured: inout Int) -> Double? {
        let chunk = 64
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: chunk) { buffer in
            let out = buffer.baseAddress!
            var sum = 0.0
            for first in stride(from: 0, to: count, by: chunk) {
                let rows = min(chunk, count - first)
                distances(query, from: first, count: rows, into: out)
                measured += rows
                for r in 0..<rows { sum += out[r] }
                if sum > limit { return nil }
            }
            return sum
        }
    }
}
