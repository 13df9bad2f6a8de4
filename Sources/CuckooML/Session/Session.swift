/// Everything the analyst has loaded and computed. A value type: a command works on a copy and the
/// shell keeps it only when the command succeeds, so a failed or interrupted command changes nothing.
/// Samples, features, labels and clusterings change only through the session's operations (`add`,
/// `cluster`, `buildFeatures`, `importMatrix`, ...), which keep them describing the same rows; they
/// are settable inside the library only, where a session file is restored (`SessionStore`).
public struct Session: Sendable {
    /// Loaded samples in load order; row `i` of `features` and index `i` of every clustering is sample `i`.
    public internal(set) var samples: [Sample] = []
    /// Sample id → index into `samples`.
    public private(set) var index: [String: Int] = [:]
    /// The current feature matrix; nil until samples are loaded (or a matrix imported).
    public internal(set) var features: FeatureSet?
    /// The configuration `load` uses to build features (changed by `features simple|full|families`).
    public internal(set) var featureConfiguration: FeatureConfiguration = .families
    /// Ground-truth labels by sample id (VirusTotal-derived, or loaded from a file).
    public internal(set) var labels: [String: SampleLabel] = [:]
    public internal(set) var hdbscan: HDBSCANResult?
    public internal(set) var dbscan: DBSCANResult?
    /// The family clustering (complete linkage cut at a distance).
    public internal(set) var linkage: LinkageResult?
    /// The algorithm `cluster` ran last (see `currentClustering`).
    public internal(set) var lastClustered: ClusteringAlgorithm?
    public var settings = Settings()
    /// What the AVClass-style labeller learnt from the samples (`CorpusLabelEvidence`), kept so that
    /// `compare` and appended samples are labelled without reading every report's results again.
    public internal(set) var labelEvidence: CorpusLabelEvidence?

    public init() {}

    public var isEmpty: Bool { samples.isEmpty }

    /// Adds or replaces samples by id; returns the ids that replaced earlier ones. Clusterings and the
    /// feature matrix no longer match the rows, so they are dropped and must be recomputed.
    @discardableResult
    public mutating func upsert(_ new: [Sample]) -> [String] {
        var replaced: [String] = []
        for sample in new {
            if let i = index[sample.id] {
                samples[i] = sample
                replaced.append(sample.id)
            } else {
                index[sample.id] = samples.count
                samples.append(sample)
            }
        }
        invalidateDerived()
        if !replaced.isEmpty { labelEvidence = nil }
        return replaced
    }

    /// Removes samples by id (unknown ids are ignored); returns how many were removed.
    @discardableResult
    public mutating func remove(ids: Set<String>) -> Int {
        let before = samples.count
        samples.removeAll { ids.contains($0.id) }
        for id in ids { labels[id] = nil }
        rebuildIndex()
        invalidateDerived()
        labelEvidence = nil
        return before - samples.count
    }

    public mutating func removeAll() {
        samples = []
        labels = [:]
        rebuildIndex()
        invalidateDerived()
        labelEvidence = nil
    }

    public func sample(id: String) -> Sample? { index[id].map { samples[$0] } }

    /// One-line state shown in the prompt, e.g. `190 reports · hdbscan 12 clusters`.
    public var summary: String {
        var parts: [String] = []
        if !samples.isEmpty {
            let imported = samples.allSatisfy { $0.path == nil }
            parts.append("\(samples.count) \(imported ? "rows" : samples.count == 1 ? "report" : "reports")")
        }
        if let l = linkage { parts.append("linkage \(l.clusterCount) cluster\(l.clusterCount == 1 ? "" : "s")") }
        if let h = hdbscan { parts.append("hdbscan \(h.clusterCount) cluster\(h.clusterCount == 1 ? "" : "s")") }
        if let d = dbscan { parts.append("dbscan \(d.clusterCount) cluster\(d.clusterCount == 1 ? "" : "s")") }
        return parts.joined(separator: " · ")
    }

    private mutating func rebuildIndex() {
        index = Dictionary(uniqueKeysWithValues: samples.enumerated().map { ($1.id, $0) })
    }

    private mutating func invalidateDerived() {
        features = nil
        dropClusterings()
    }
}
