/// The clustering algorithms a session can hold, one result each.
public enum ClusteringAlgorithm: String, Sendable, CaseIterable, Codable {
    /// Complete linkage cut at a distance (`cluster`, `cluster linkage`): the family clustering.
    case linkage
    case hdbscan
    case dbscan
}

/// One view of whichever clustering a command works on: what listing, assessment, anomalies, charts
/// and output need, the same for every algorithm.
public struct SessionClustering: FlatClustering {
    public let algorithm: ClusteringAlgorithm
    public let labels: [Int]
    public let metric: DistanceMetric
    /// Per-sample membership in [0, 1]: HDBSCAN's probability, the linkage's strength; nil for DBSCAN.
    public let probabilities: [Double]?
    /// Per-sample outlier score in [0, 1]; nil for DBSCAN.
    public let outlierScores: [Double]?
    /// Per-cluster persistence (HDBSCAN only).
    public let persistence: [Double]?
    /// The parameters as `key=value` words, e.g. `t=0.7 metric=groupjaccard`.
    public let settings: String
    public let hdbscan: HDBSCANResult?
    public let dbscan: DBSCANResult?
    public let linkage: LinkageResult?

    public var name: String { algorithm.rawValue }

    init(_ h: HDBSCANResult) {
        let p = h.parameters
        algorithm = .hdbscan; labels = h.labels; metric = p.metric
        probabilities = h.probabilities; outlierScores = h.outlierScores; persistence = h.persistence
        settings = "min_samples=\(p.minSamples) min_cluster_size=\(p.minClusterSize) metric=\(p.metric.rawValue) selection=\(p.selection.rawValue)"
        hdbscan = h; dbscan = nil; linkage = nil
    }

    init(_ d: DBSCANResult) {
        algorithm = .dbscan; labels = d.labels; metric = d.parameters.metric
        probabilities = nil; outlierScores = nil; persistence = nil
        settings = "eps=\(d.parameters.eps) min_samples=\(d.parameters.minSamples) metric=\(d.parameters.metric.rawValue)"
        hdbscan = nil; dbscan = d; linkage = nil
    }

    public init(_ l: LinkageResult) {
        algorithm = .linkage; labels = l.labels; metric = l.parameters.metric
        probabilities = l.strengths; outlierScores = l.outlierScores; persistence = nil
        settings = l.settings
        hdbscan = nil; dbscan = nil; linkage = l
    }
}


extension Session {
    /// The session's result of one algorithm, if it has one.
    public func clustering(_ algorithm: ClusteringAlgorithm) -> SessionClustering? {
        switch algorithm {
        case .hdbscan: hdbscan.map(SessionClustering.init)
        case .dbscan: dbscan.map(SessionClustering.init)
        case .linkage: linkage.map(SessionClustering.init)
        }
    }

    /// The clustering commands use unless told otherwise: the family clustering when it is the one
    /// `cluster` made last, else HDBSCAN, else DBSCAN (the order from before the family clustering, so
    /// sessions without one behave as they did), else the family clustering.
    public var currentClustering: SessionClustering? {
        if lastClustered == .linkage, let l = clustering(.linkage) { return l }
        return clustering(.hdbscan) ?? clustering(.dbscan) ?? clustering(.linkage)
    }

    /// Every clustering the session holds, in `ClusteringAlgorithm` order.
    public var clusterings: [SessionClustering] { ClusteringAlgorithm.allCases.compactMap(clustering) }
}
