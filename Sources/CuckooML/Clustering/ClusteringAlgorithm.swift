/// The clustering algorithms a session can hold, one result each.
public enum ClusteringAlgorithm: String, Sendable, CaseIterable, Codable {
    /// Complete linkage cut at a distance (`cluster`, `cluster linkage`): the family clustering.
    case linkage
    case hdbscan
    case dbscan
}

/// One view of whichever clustering a command works on: what listing, assessment, anomalies, charts
/// and output need, the same for every algorithm.
public struct SessionClustering: Sendable {
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
    public var clusterCount: Int { (labels.max() ?? -1) + 1 }
    public var noiseCount: Int { labels.lazy.filter { $0 < 0 }.count }

    /// Rows of each cluster, ascending.
    public var members: [[Int]] {
        var out = [[Int]](repeating: [], count: clusterCount)
        for (r, l) in labels.enumerated() where l >= 0 { out[l].append(r) }
        return out
    }

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
        settings = "t=\(l.parameters.threshold) metric=\(l.parameters.metric.rawValue)"
        hdbscan = nil; dbscan = nil; linkage = l
    }
}
