/// The group-weighted Jaccard distance (`metric=groupjaccard`): every feature group counts the same,
/// however many features it has, so a large group (files, registry keys) cannot drown a small telling
/// one (imphash, mutexes, PDB path).
///
/// For rows x, y (a feature is present when its value is non-zero) and the groups g non-empty in x or
/// y, with s_g = |x_g ∩ y_g| / |x_g ∪ y_g| the Jaccard similarity within group g:
///
///     d(x, y) = 1 − (Σ_g s_g) / (number of such groups)
///
/// Groups empty in both rows are left out (absence shared is not similarity). Two rows with no feature
/// at all are at distance 0 (as `jaccard`); a row with none and one with some are at distance 1.
/// Exactness: the counts are integers; each s_g is one double division, the sum runs in ascending group
/// number (`ColumnGroups`), then one division and one subtraction — every implementation (bit-packed,
/// sparse, the tests' direct one) does these same operations in this order, so they agree bit for bit.
/// With a single group this is 1 − |x ∩ y| / |x ∪ y|, Jaccard up to the last bit.
public enum GroupJaccard {
    /// The distance from per-group intersection and union sizes, visited in ascending group order by
    /// `forEachGroup` (which calls its argument once per group non-empty in either row).
    @inline(__always)
    static func distance(_ forEachGroup: ((_ intersection: Int, _ union: Int) -> Void) -> Void) -> Double {
        var sum = 0.0, groups = 0
        forEachGroup { intersection, union in
            sum += Double(intersection) / Double(union)
            groups &+= 1
        }
        return groups == 0 ? 0 : 1 - sum / Double(groups)
    }

    /// The distance between two sparse rows (ascending columns; values non-zero) under `groups`.
    public static func distance(_ x: ArraySlice<Int32>, _ y: ArraySlice<Int32>, groups: ColumnGroups) -> Double {
        var both = [Int](repeating: 0, count: groups.count)
        var either = [Int](repeating: 0, count: groups.count)
        var i = x.startIndex, j = y.startIndex
        while i < x.endIndex || j < y.endIndex {
            let column: Int32
            if j == y.endIndex || (i < x.endIndex && x[i] < y[j]) {
                column = x[i]; i += 1
            } else if i == x.endIndex || y[j] < x[i] {
                column = y[j]; j += 1
            } else {
                column = x[i]; both[Int(groups.groupOfColumn[Int(column)])] += 1; i += 1; j += 1
            }
            either[Int(groups.groupOfColumn[Int(column)])] += 1
        }
        return distance { visit in
            for g in 0..<groups.count where either[g] > 0 { visit(both[g], either[g]) }
        }
    }

    /// The distance between two dense rows under `groups`.
    public static func distance(_ x: ArraySlice<Double>, _ y: ArraySlice<Double>, groups: ColumnGroups) -> Double {
        distance(nonZeroColumns(x), nonZeroColumns(y), groups: groups)
    }

    static func nonZeroColumns(_ row: ArraySlice<Double>) -> ArraySlice<Int32> {
        ArraySlice(row.indices.filter { row[$0] != 0 }.map { Int32($0 - row.startIndex) })
    }
}
