/// What happens to noise samples (label −1) when a clustering is assessed.
public enum NoiseHandling: String, Sendable, CaseIterable, Codable {
    /// What `assess` and `sweep` do unless told otherwise.
    public static let `default` = NoiseHandling.keep

    /// Noise stays in as one cluster labelled −1, as the 2016 project assessed.
    case keep
    /// Noise samples are left out of every metric.
    case drop
}

/// A clustering judged against ground-truth labels: the external scores, the silhouette, and what
/// they were computed on.
public struct Assessment: Sendable, Equatable {
    public var scores: ExternalScores
    /// nil when undefined (fewer than 2 clusters, or every assessed sample alone; see `Silhouette`) or
    /// when no points were given.
    public var silhouette: Double?
    /// The sample the silhouette was computed on, when one was asked for (nil: every assessed sample).
    public var silhouetteSample: SilhouetteSample? = nil
    /// Distinct non-noise clusters among the assessed samples.
    public var clusters: Int
    /// Noise samples among the samples whose labels are not ignored (counted whether kept or dropped).
    public var noise: Int
    /// Samples the metrics were computed on (after ignored labels and, with `.drop`, noise are removed).
    public var samples: Int
    public var noiseHandling: NoiseHandling

    /// Assesses `predicted` (−1 = noise) against `truth`, row by row. Samples whose true label is in
    /// `ignoredLabels` are left out of everything; `points` (same rows) gives the silhouette in `metric`.
    /// Returns nil when no sample remains to assess.
    public static func assess(truth: [String], predicted: [Int], points: PointSet?, metric: DistanceMetric,
                              noise: NoiseHandling = .keep, ignoredLabels: Set<String> = [],
                              silhouetteSample: SilhouetteSample? = nil,
                              control: TaskControl = .none) throws(Interrupted) -> Assessment? {
        precondition(truth.count == predicted.count, "one true label per predicted label")
        var kept: [Int] = []
        var noiseCount = 0
        for i in truth.indices where !ignoredLabels.contains(truth[i]) {
            if predicted[i] < 0 {
                noiseCount += 1
                if noise == .drop { continue }
            }
            kept.append(i)
        }
        guard !kept.isEmpty else { return nil }
        let allRows = kept.count == truth.count
        let keptTruth = allRows ? truth : kept.map { truth[$0] }
        let keptPredicted = allRows ? predicted : kept.map { predicted[$0] }
        let table = Contingency(truth: keptTruth, predicted: keptPredicted)
        var silhouette: Double?
        if let points {
            let subset = allRows ? points : points.selectingRows(kept)
            if let silhouetteSample {
                silhouette = try Silhouette.score(points: subset, labels: keptPredicted, metric: metric,
                                                  sample: silhouetteSample, control: control)
            } else {
                silhouette = try Silhouette.score(points: subset, labels: keptPredicted, metric: metric, control: control)
            }
        }
        return Assessment(scores: ExternalScores(table), silhouette: silhouette, silhouetteSample: silhouetteSample,
                          clusters: table.clusters.filter { $0 >= 0 }.count, noise: noiseCount,
                          samples: kept.count, noiseHandling: noise)
    }
}
