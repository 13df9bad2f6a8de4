/// The 2016 project's four kinds of anomaly in a soft clustering (`ML.anomaly_detection`).
public enum AnomalyKind: String, Sendable, CaseIterable, Codable {
    /// Not in any cluster (label −1).
    case noise
    /// In a cluster, but with membership probability below the threshold.
    case lowProbability = "low_probability"
    /// In a cluster, but with GLOSH outlier score above the threshold.
    case highOutlierScore = "high_outlier_score"
    /// Its label makes up less than the threshold share of its cluster.
    case homogeneity = "homogeneity"
}

/// One flagged sample: which kind, the value that triggered it and the threshold it crossed.
public struct Anomaly: Sendable, Equatable {
    /// Row index of the sample.
    public var sample: Int
    public var kind: AnomalyKind
    /// The probability, outlier score or label share; for noise, the outlier score.
    public var value: Double
    /// nil for noise (no threshold).
    public var threshold: Double?
    public var cluster: Int
    public var label: String
}

/// The thresholds of `anomalies`, with the 2016 defaults.
public struct AnomalyThresholds: Sendable, Equatable {
    public var probability: Double
    public var outlierScore: Double
    public var homogeneity: Double
    /// The thresholds `anomalies` uses unless told otherwise.
    public static let defaults = AnomalyThresholds()

    public init(probability: Double = 0.9, outlierScore: Double = 0.5, homogeneity: Double = 0.2) {
        self.probability = probability
        self.outlierScore = outlierScore
        self.homogeneity = homogeneity
    }
}

public enum Anomalies {
    /// Every anomaly, grouped by kind (in `AnomalyKind` order) and by row within a kind. Comparisons
    /// are strict as in 2016 (`probability < t`, `score > t`, `share < t`). As in 2016 the homogeneity
    /// check runs over every predicted group, the noise group −1 included.
    public static func find(labels: [Int], probabilities: [Double], outlierScores: [Double], truth: [String],
                            thresholds: AnomalyThresholds = AnomalyThresholds()) -> [Anomaly] {
        let n = labels.count
        precondition(probabilities.count == n && outlierScores.count == n && truth.count == n, "one value per sample")
        var out: [Anomaly] = []
        for i in 0..<n where labels[i] < 0 {
            out.append(Anomaly(sample: i, kind: .noise, value: outlierScores[i], threshold: nil, cluster: labels[i], label: truth[i]))
        }
        for i in 0..<n where labels[i] >= 0 && probabilities[i] < thresholds.probability {
            out.append(Anomaly(sample: i, kind: .lowProbability, value: probabilities[i], threshold: thresholds.probability,
                               cluster: labels[i], label: truth[i]))
        }
        for i in 0..<n where labels[i] >= 0 && outlierScores[i] > thresholds.outlierScore {
            out.append(Anomaly(sample: i, kind: .highOutlierScore, value: outlierScores[i], threshold: thresholds.outlierScore,
                               cluster: labels[i], label: truth[i]))
        }
        var clusterSize: [Int: Int] = [:]
        var labelCount: [Int: [String: Int]] = [:]
        for i in 0..<n {
            clusterSize[labels[i], default: 0] += 1
            labelCount[labels[i], default: [:]][truth[i], default: 0] += 1
        }
        for i in 0..<n {
            let share = Double(labelCount[labels[i]]![truth[i]]!) / Double(clusterSize[labels[i]]!)
            if share < thresholds.homogeneity {
                out.append(Anomaly(sample: i, kind: .homogeneity, value: share, threshold: thresholds.homogeneity,
                                   cluster: labels[i], label: truth[i]))
            }
        }
        return out
    }
}
