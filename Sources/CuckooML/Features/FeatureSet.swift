/// The feature groups, by their name prefix (`:win:CreateFileW` is in `.win`): the 2016 project's
/// (`fullGroups`), the simple features' `signature`, and the family groups (`familyGroups`, see
/// `FamilyFeatures`), whose names share no word with the 2016 ones.
public enum FeatureGroup: String, Sendable, CaseIterable, Codable {
    case meta, sign, pack, pef, simp, dimp, file, net, reg, win, count
    /// `features simple`: one binary feature per signature name.
    case signature
    // Family groups: behaviour.
    case alert, api, mutex, loaded, path, key, cmd, proc, domain, ip, http, wmi
    // Family groups: static.
    case `import`, library, imphash, section, resource, version, pdb, peid, export, target
}

/// How the feature space was built, so it can be rebuilt for new reports (`compare`) and saved.
public struct FeatureConfiguration: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable { case simple, full, families, imported }
    public var kind: Kind
    public var groups: Set<FeatureGroup>
    /// `imports=functions`: `:simp:<dll>:<func>` instead of `:simp:<dll>`.
    public var importFunctions: Bool
    /// Filters applied after extraction, in order (`features filter coverage=0.1 max=0.9`).
    public var minimumCoverage: Double?
    public var maximumCoverage: Double?

    public init(kind: Kind, groups: Set<FeatureGroup>, importFunctions: Bool = false,
                minimumCoverage: Double? = nil, maximumCoverage: Double? = nil) {
        self.kind = kind
        self.groups = groups
        self.importFunctions = importFunctions
        self.minimumCoverage = minimumCoverage
        self.maximumCoverage = maximumCoverage
    }

    public static let full = FeatureConfiguration(kind: .full, groups: Set(FeatureGroup.fullGroups))
    public static let simple = FeatureConfiguration(kind: .simple, groups: [.signature])
    /// The family feature space (`features families`), what `load` builds unless told otherwise.
    public static let families = FeatureConfiguration(kind: .families, groups: Set(FeatureGroup.familyGroups))
}

/// The session's feature matrix: one row per sample (in session order), one column per feature name.
public struct FeatureSet: Sendable, Equatable {
    public var configuration: FeatureConfiguration
    /// Column names, e.g. `:win:CreateFileW`, `:count:mutex`.
    public var names: [String]
    public var matrix: SparseMatrix

    public init(configuration: FeatureConfiguration, names: [String], matrix: SparseMatrix) {
        precondition(names.count == matrix.columnCount, "one name per column")
        self.configuration = configuration
        self.names = names
        self.matrix = matrix
    }
}

extension FeatureSet {
    /// Whether this set starts with `earlier`'s rows unchanged: the same column names in the same
    /// order and, row by row, the same columns and values (then the rows after them were appended).
    func keepsRows(of earlier: FeatureSet) -> Bool {
        guard names == earlier.names, matrix.rowCount >= earlier.matrix.rowCount else { return false }
        for i in 0..<earlier.matrix.rowCount {
            let a = matrix.row(i), b = earlier.matrix.row(i)
            guard a.columns.elementsEqual(b.columns), a.values.elementsEqual(b.values) else { return false }
        }
        return true
    }
}
