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
    /// Fit-time core distances of the tree's points (min_samples neighbours, the point itself at index 0).
    public var coreDistances: [Double]
    /// The session row of each condensed-tree point `p` (points are `0..<treePointRows.count`; rows with
    /// NaN/inf are left out, and with `dedup` one row stands for each group of identical rows).
    public var treePointRows: [Int]
    /// Selected condensed-tree cluster ids, ascending: label `k` is cluster `selectedClusters[k]`.
    public var selectedClusters: [Int]
    /// Each condensed-tree cluster's stability S(C) before selection, by `cluster − treePointRows.count`.
    public var clusterStability: [Double]
    /// min_samples after clipping to (clustered rows − 1).
    public var minSamplesUsed: Int
    /// How the fit ran (engine, k-NN and spanning-tree paths, the path taken); nil when no tree was built
    /// or the result was read back from a saved session.
    public var plan: EnginePlan?

    public init(parameters: HDBSCANParameters, labels: [Int], probabilities: [Double], outlierScores: [Double],
                persistence: [Double], condensedTree: [CondensedTreeRow], coreDistances: [Double],
                treePointRows: [Int]? = nil, selectedClusters: [Int] = [], clusterStability: [Double] = [],
                minSamplesUsed: Int? = nil) {
        self.treePointRows = treePointRows ?? Array(0..<labels.count)
        self.selectedClusters = selectedClusters
        self.clusterStability = clusterStability
        self.minSamplesUsed = minSamplesUsed ?? parameters.minSamples
        self.parameters = parameters
        self.labels = labels
        self.probabilities = probabilities
        self.outlierScores = outlierScores
        self.persistence = persistence
        self.condensedTree = condensedTree
        self.coreDistances = coreDistances
    }
}
