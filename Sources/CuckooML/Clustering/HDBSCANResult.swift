/// One condensed-tree row, as the hdbscan library's `condensed_tree_` (`parent, child, lambda_val,
/// child_size`): points are `0..<n`, clusters `n...`.
public struct CondensedTreeRow: Sendable, Equatable, Codable {
    public var parent: Int
    public var child: Int
    public var lambda: Double
    public var childSize: Int
    public init(parent: Int, child: Int, lambda: Double, childSize: Int) {
        self.parent = parent; self.child = child; self.lambda = lambda; self.childSize = childSize
    }
}

/// The outcome of an HDBSCAN fit: the library's `labels_`, `probabilities_`, `outlier_scores_` and
/// `cluster_persistence_`, plus what `approximate_predict` needs later.
public struct HDBSCANResult: Sendable, FlatClustering {
    public var parameters: HDBSCANParameters
    public var labels: [Int]
    public var probabilities: [Double]
    public var outlierScores: [Double]
    /// Per selected cluster (by label).
    public var persistence: [Double]
    public var condensedTree: [CondensedTreeRow]
    /// Fit-time core distances (min_samples neighbours, the point itself at index 0).
    public var coreDistances: [Double]

    public init(parameters: HDBSCANParameters, labels: [Int], probabilities: [Double], outlierScores: [Double],
                persistence: [Double], condensedTree: [CondensedTreeRow], coreDistances: [Double]) {
        self.parameters = parameters
        self.labels = labels
        self.probabilities = probabilities
        self.outlierScores = outlierScores
        self.persistence = persistence
        self.condensedTree = condensedTree
        self.coreDistances = coreDistances
    }
}

public struct DBSCANResult: Sendable, FlatClustering {
    public var parameters: DBSCANParameters
    public var labels: [Int]
    /// Whether each point is a core point.
    public var isCore: [Bool]
    public init(parameters: DBSCANParameters, labels: [Int], isCore: [Bool]) {
        self.parameters = parameters
        self.labels = labels
        self.isCore = isCore
    }
}
