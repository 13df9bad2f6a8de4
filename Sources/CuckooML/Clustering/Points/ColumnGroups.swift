/// The feature group of each column, for the group-weighted Jaccard distance (`groupjaccard`).
///
/// A feature named `:GROUP:TOKEN` is in group `GROUP`, the text between its first two colons (the
/// convention of every feature space: `:win:CreateFileW` is in `win`, `:file:touch:C:\x` in `file`). A
/// name without two colons is in the group named "" (so an imported matrix is one group, and group
/// Jaccard on it is plain Jaccard). Groups are numbered in ascending order of their names, which is the
/// order the distance sums them in.
public struct ColumnGroups: Sendable, Equatable, Codable {
    /// Group names, ascending (byte order); group `g` is `names[g]`.
    public let names: [String]
    /// The group number of each column.
    public let groupOfColumn: [Int32]

    public var count: Int { names.count }
    public var columnCount: Int { groupOfColumn.count }

    public init(featureNames: [String]) {
        let groupNames = featureNames.map(Self.groupName)
        let sorted = Array(Set(groupNames)).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        let number = Dictionary(uniqueKeysWithValues: sorted.enumerated().map { ($1, Int32($0)) })
        names = sorted
        groupOfColumn = groupNames.map { number[$0]! }
    }

    /// Every column in one group.
    public static func single(columnCount: Int) -> ColumnGroups {
        ColumnGroups(featureNames: [String](repeating: "", count: columnCount))
    }

    /// The group of a feature name: the text between its first two colons, or "" without two colons.
    public static func groupName(of featureName: String) -> String {
        let utf8 = featureName.utf8
        guard let first = utf8.firstIndex(of: UInt8(ascii: ":")) else { return "" }
        let rest = utf8[utf8.index(after: first)...]
        guard let second = rest.firstIndex(of: UInt8(ascii: ":")) else { return "" }
        return String(featureName[rest.startIndex..<second])
    }

    /// The columns kept, in the given order (as `SparseMatrix.selectingColumns`).
    public func selectingColumns(_ kept: [Int]) -> ColumnGroups {
        ColumnGroups(names: names, groupOfColumn: kept.map { groupOfColumn[$0] })
    }

    private init(names: [String], groupOfColumn: [Int32]) {
        self.names = names
        self.groupOfColumn = groupOfColumn
    }
}
