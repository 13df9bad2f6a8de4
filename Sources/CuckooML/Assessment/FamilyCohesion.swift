/// How alike a cluster's members are, whatever clustering made it: the mean Jaccard similarity of the
/// members' token sets (non-zero columns) over all pairs of members, so 0.8 reads "two members share
/// 80 % of their tokens". Large clusters use an evenly spaced subset of members, as the medoid does.
public enum FamilyCohesion {
    /// Mean pairwise Jaccard similarity of `rows` (nil with fewer than two rows). Two empty rows count
    /// as identical (similarity 1). At most `limit` members are used (every k-th row, k = ⌈count/limit⌉).
    public static func meanJaccard(matrix: SparseMatrix, rows: [Int], limit: Int = 200) -> Double? {
        guard rows.count >= 2 else { return nil }
        let step = (rows.count + limit - 1) / max(1, limit)
        let chosen = stride(from: 0, to: rows.count, by: max(1, step)).map { rows[$0] }
        guard chosen.count >= 2 else { return nil }
        var sum = 0.0
        for i in 0..<chosen.count {
            let a = matrix.row(chosen[i]).columns
            for j in (i + 1)..<chosen.count {
                let b = matrix.row(chosen[j]).columns
                let common = intersectionCount(a, b)
                let union = a.count + b.count - common
                sum += union == 0 ? 1 : Double(common) / Double(union)
            }
        }
        return sum / Double(chosen.count * (chosen.count - 1) / 2)
    }

    /// Size of the intersection of two strictly ascending column lists.
    static func intersectionCount(_ a: ArraySlice<Int32>, _ b: ArraySlice<Int32>) -> Int {
        var i = a.startIndex, j = b.startIndex, n = 0
        while i < a.endIndex && j < b.endIndex {
            if a[i] == b[j] { n += 1; i += 1; j += 1 } else if a[i] < b[j] { i += 1 } else { j += 1 }
        }
        return n
    }
}
