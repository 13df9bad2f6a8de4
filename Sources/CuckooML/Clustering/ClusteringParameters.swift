/// Distance metrics the clustering engines support: the hdbscan library's definitions, and
/// `groupjaccard`, the group-weighted Jaccard of `GroupJaccard`, which weighs the feature groups a
/// `PointSet` carries (`columnGroups`).
public enum DistanceMetric: String, Sendable, CaseIterable, Codable {
    case euclidean, manhattan, cosine, jaccard, hamming, groupjaccard
}

public enum ClusterSelection: String, Sendable, CaseIterable, Codable {
    case eom, leaf
}

/// The parameters of one HDBSCAN run, named as in the hdbscan library.
public struct HDBSCANParameters: Sendable, Equatable, Codable {
    public var minSamples: Int
    public var minClusterSize: Int
    public var metric: DistanceMetric
    public var selection: ClusterSelection
    public var epsilon: Double
    public var alpha: Double
    public var allowSingleCluster: Bool
    /// Cluster the unique rows (weighted by multiplicity) and map labels back; departs from the library.
    public var deduplicate: Bool

    public init(minSamples: Int? = nil, minClusterSize: Int = 5, metric: DistanceMetric = .euclidean,
                selection: ClusterSelection = .eom, epsilon: Double = 0, alpha: Double = 1,
                allowSingleCluster: Bool = false, deduplicate: Bool = false) {
        self.minSamples = minSamples ?? minClusterSize
        self.minClusterSize = minClusterSize
        self.metric = metric
        self.selection = selection
        self.epsilon = epsilon
        self.alpha = alpha
        self.allowSingleCluster = allowSingleCluster
        self.deduplicate = deduplicate
    }

    /// The hdbscan library's defaults (min_cluster_size 5, min_samples equal to it, Euclidean, EOM).
    public static let defaults = HDBSCANParameters()
}

public struct DBSCANParameters: Sendable, Equatable, Codable {
    public var eps: Double
    public var minSamples: Int
    public var metric: DistanceMetric
    /// scikit-learn's default metric.
    public static let defaultMetric = DistanceMetric.euclidean

    public init(eps: Double, minSamples: Int, metric: DistanceMetric = defaultMetric) {
        self.eps = eps
        self.minSamples = minSamples
        self.metric = metric
    }
}

/// A flat clustering of n points: label −1 is noise; clusters are numbered 0..<clusterCount.
public protocol FlatClustering: Sendable {
    var labels: [Int] { get }
}

extension FlatClustering {
    public var clusterCount: Int { (labels.max() ?? -1) + 1 }
    public var noiseCount: Int { labels.lazy.filter { $0 < 0 }.count }

    /// Rows of each cluster, ascending.
    public var members: [[Int]] {
        var out = [[Int]](repeating: [], count: clusterCount)
        for (r, l) in labels.enumerated() where l >= 0 { out[l].append(r) }
        return out
    }
}
