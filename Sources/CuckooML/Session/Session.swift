import CPlatform

/// Everything the analyst has loaded and computed. A value type: a command works on a copy and the
/// shell keeps it only when the command succeeds, so a failed or interrupted command changes nothing.
///
/// Samples, features, labels and clusterings are `private(set)`: they change only through the
/// operations in this file (`add`, `unload`, `cluster`, `buildFeatures`, `importMatrix`, ...), each of
/// which keeps them describing the same rows, or all at once through `init(restoring:)`, which checks
/// them first (`SessionValidation`). Every write is in this file, so that is where to look for one; the
/// other `Session` files read (`Session+Workflows`, `Session+Features`, `SessionClustering`).
public struct Session: Sendable {
    /// Loaded samples in load order; row `i` of `features` and index `i` of every clustering is sample `i`.
    public private(set) var samples: [Sample] = []
    /// Sample id → index into `samples`.
    public private(set) var index: [String: Int] = [:]
    /// The current feature matrix; nil until samples are loaded (or a matrix imported).
    public private(set) var features: FeatureSet?
    /// The configuration `load` uses to build features (changed by `features simple|full|families`).
    public private(set) var featureConfiguration: FeatureConfiguration = .families
    /// Ground-truth labels by sample id (VirusTotal-derived, or loaded from a file).
    public private(set) var labels: [String: SampleLabel] = [:]
    public private(set) var hdbscan: HDBSCANResult?
    public private(set) var dbscan: DBSCANResult?
    /// The family clustering (complete linkage cut at a distance).
    public private(set) var linkage: LinkageResult?
    /// The algorithm `cluster` ran last (see `currentClustering`).
    public private(set) var lastClustered: ClusteringAlgorithm?
    /// Preferences (output format, threads, ...). The label rule is read by the labelling: change it
    /// with `setLabelRule` or `set(_:_:)`, which relabel.
    public var settings = Settings()
    /// What the AVClass-style labeller learnt from the samples (`CorpusLabelEvidence`), kept so that
    /// `compare` and appended samples are labelled without reading every report's results again.
    public private(set) var labelEvidence: CorpusLabelEvidence?

    public init() {}

    /// A session holding `contents`, checked first (`SessionValidation`): how a saved session comes
    /// back (`SessionStore.open`). The sample index is rebuilt; nothing is recomputed.
    public init(restoring contents: SessionContents) throws(SessionValidationError) {
        try SessionValidation.validate(contents)
        samples = contents.samples
        featureConfiguration = contents.featureConfiguration
        features = contents.features
        labels = contents.labels
        hdbscan = contents.hdbscan
        dbscan = contents.dbscan
        linkage = contents.linkage
        lastClustered = contents.lastClustered
        settings = contents.settings
        labelEvidence = contents.labelEvidence
        rebuildIndex()
    }

    /// The session's data as a whole (`init(restoring:)` takes it back).
    public var contents: SessionContents {
        var c = SessionContents()
        c.samples = samples
        c.featureConfiguration = featureConfiguration
        c.features = features
        c.labels = labels
        c.hdbscan = hdbscan
        c.dbscan = dbscan
        c.linkage = linkage
        c.lastClustered = lastClustered
        c.settings = settings
        c.labelEvidence = labelEvidence
        return c
    }

    public var isEmpty: Bool { samples.isEmpty }

    /// Adds or replaces samples by id; returns the ids that replaced earlier ones. Clusterings and the
    /// feature matrix no longer match the rows, so they are dropped and must be recomputed.
    @discardableResult
    public mutating func upsert(_ new: [Sample]) -> [String] {
        // The first load of a session: the session takes the loaded array itself instead of copying
        // every sample into a new one (a `Sample` holds its record inline, ~500 bytes, and the loader's
        // array stays alive while the features build, when memory peaks).
        if samples.isEmpty, let fresh = Self.uniqueIndex(new) {
            samples = new
            index = fresh
            invalidateDerived()
            return []
        }
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

    /// Row by sample id, or nil when an id appears twice.
    private static func uniqueIndex(_ samples: [Sample]) -> [String: Int]? {
        var index: [String: Int] = [:]
        index.reserveCapacity(samples.count)
        for i in samples.indices where index.updateValue(i, forKey: samples[i].id) != nil { return nil }
        return index
    }

    private mutating func rebuildIndex() {
        index = Dictionary(uniqueKeysWithValues: samples.enumerated().map { ($1.id, $0) })
    }

    private mutating func invalidateDerived() {
        features = nil
        dropClusterings()
    }
}

/// The workflows that change samples, features, labels and clusterings together (the reading side is
/// in Session+Workflows.swift and Session+Features.swift).
extension Session {
    /// Replaces everything with an imported matrix (`import matrix`): one sample without a report per
    /// row, the matrix as the features (kind `.imported`) and, when given, each row's label as an
    /// external label (an empty label is `none`).
    public mutating func importMatrix(ids: [String], names: [String], matrix: SparseMatrix, labels rowLabels: [String]?) {
        removeAll()
        upsert(ids.map { Sample(id: $0, path: nil, reportSize: 0, record: nil) })
        features = FeatureSet(configuration: FeatureConfiguration(kind: .imported, groups: []), names: names, matrix: matrix)
        if let rowLabels {
            for (id, family) in zip(ids, rowLabels) {
                labels[id] = SampleLabel(family: family.isEmpty ? SampleLabel.noneFamily : family, votes: 0, source: .external)
            }
        }
    }


    /// Adds or replaces samples by id, then rebuilds the features and labels. The clusterings no
    /// longer describe the rows and are dropped, except `refitting`'s, which is fitted again with the
    /// same parameters (the current clustering stays the current one): the result is what loading
    /// every report and clustering gives. Returns the ids that replaced earlier ones.
    @discardableResult
    public mutating func add(_ new: [Sample], refitting algorithm: ClusteringAlgorithm? = nil,
                             control: TaskControl = .none) throws -> [String] {
        let kept = algorithm.flatMap(clustering)
        let last = lastClustered
        let before = features, count = samples.count
        let replaced = upsert(new)
        try refreshDerived(control: control)
        if let kept {
            guard let features else { throw SessionError.noFeatures }
            let points = features.points
            if let l = kept.linkage {
                linkage = try CompleteLinkage.fit(points: points, parameters: l.parameters, threads: settings.threads, control: control)
            } else if let h = kept.hdbscan {
                // The loaded samples' core distances are updated rather than searched again when their
                // rows did not change (the new reports were appended, and the feature space stayed).
                let appended = replaced.isEmpty && h.treePointRows.count == count && h.coreDistances.count == count
                    && before.map { features.keepsRows(of: $0) } == true
                hdbscan = try HDBSCAN.fit(points: points, parameters: h.parameters, threads: settings.threads, control: control,
                                          previousCore: appended ? h.coreDistances : nil)
            } else if let d = kept.dbscan {
                dbscan = try DBSCAN.fit(points: points, parameters: d.parameters, threads: settings.threads, control: control)
            }
            lastClustered = last
        }
        return replaced
    }


    /// Clusters the feature matrix, keeps the result (replacing the algorithm's earlier one) and
    /// returns it; it is what `currentClustering` gives unless HDBSCAN's result outranks DBSCAN's.
    @discardableResult
    public mutating func cluster(_ request: ClusteringRequest, control: TaskControl = .none) throws -> SessionClustering {
        guard let features, features.matrix.rowCount > 0 else { throw SessionError.noFeatures }
        let points = features.points
        switch request {
        case .linkage(let parameters):
            linkage = try CompleteLinkage.fit(points: points, parameters: parameters, threads: settings.threads, control: control)
            lastClustered = .linkage
        case .hdbscan(let parameters):
            hdbscan = try HDBSCAN.fit(points: points, parameters: parameters, threads: settings.threads, control: control)
            lastClustered = .hdbscan
        case .dbscan(let parameters):
            dbscan = try DBSCAN.fit(points: points, parameters: parameters, threads: settings.threads, control: control)
            lastClustered = .dbscan
        }
        return clustering(lastClustered!)!
    }

    /// Unloads samples by id (`unload`): removes them, then rebuilds the features and labels of the
    /// samples left (none when none are left). Returns how many were removed.
    @discardableResult
    public mutating func unload(ids: Set<String>, control: TaskControl = .none) throws(Interrupted) -> Int {
        let removed = remove(ids: ids)
        if !samples.isEmpty { try refreshDerived(control: control) }
        return removed
    }
}

/// Keeping features and labels in step with the loaded samples.
extension Session {
    /// Rebuilds the feature matrix from the samples' records with `featureConfiguration`. The old
    /// clusterings no longer describe the new matrix, so they are dropped. An imported matrix (kind
    /// `.imported`) has no records to rebuild from and is left as it is.
    public mutating func rebuildFeatures(control: TaskControl = .none) throws(Interrupted) {
        guard featureConfiguration.kind != .imported else { return }
        let built = try FeatureBuilder.build(samples, configuration: featureConfiguration, threads: settings.threads, control: control)
        features = built
        featureConfiguration = built.configuration
        dropClusterings()
    }


    /// Builds the features with a new configuration (`features full|simple|families`); the
    /// clusterings are dropped.
    public mutating func buildFeatures(_ configuration: FeatureConfiguration, control: TaskControl = .none) throws(Interrupted) {
        featureConfiguration = configuration
        try rebuildFeatures(control: control)
    }


    /// Keeps the features non-zero in at least `minimumCoverage` and at most `maximumCoverage` of the
    /// samples (`features filter`); the clusterings are dropped when a column goes. Returns the
    /// features before and after.
    @discardableResult
    public mutating func filterFeatures(minimumCoverage: Double?, maximumCoverage: Double?) -> (before: FeatureSet, after: FeatureSet)? {
        guard let before = features else { return nil }
        let after = before.filtered(minimumCoverage: minimumCoverage, maximumCoverage: maximumCoverage)
        features = after
        featureConfiguration = after.configuration
        if after.names.count != before.names.count { dropClusterings() }
        return (before, after)
    }


    /// Features and labels after the samples changed (`load`, `unload`, `compare ... add`): as
    /// `rebuildFeatures` then `relabel`, but the labels are worked out on a thread of their own while
    /// the features build, whose serial merge would otherwise leave a core idle.
    public mutating func refreshDerived(control: TaskControl = .none) throws(Interrupted) {
        let samples = self.samples, labels = self.labels, rule = settings.labelRule, evidence = labelEvidence
        let (derived, _) = try alongside({
            let labelled = SampleLabelling.labels(samples, labels, rule: rule, parts: 1, evidence: evidence)
            // The labeller's caches are done with, usually well before the features: their pages go
            // back instead of sitting under the feature build's peak (another arena's).
            cml_release_free_memory()
            return labelled
        }) {
            () throws(Interrupted) in try rebuildFeatures(control: control)
        }
        (self.labels, labelEvidence) = derived
    }


    /// Labels every sample that has no external label from its VirusTotal results with the session's
    /// label rule (`none` when it was not scanned or has no VirusTotal block). Rows without a record
    /// (an imported matrix) keep theirs. Labels of samples no longer loaded are forgotten.
    public mutating func relabel() {
        (labels, labelEvidence) = SampleLabelling.labels(samples, labels, rule: settings.labelRule, parts: min(2, Self.coreCount),
                                                     evidence: labelEvidence)
    }


    /// Gathers the label evidence of the samples now (under the AVClass-style rule), so that later
    /// `labels(forNew:)` calls read only the new reports' results.
    public mutating func keepLabelEvidence() {
        keepLabelEvidence(alongside: {})
    }

    /// `keepLabelEvidence` on threads of its own while `body` runs and returns its result: `compare`
    /// places the new reports meanwhile (the first `compare` after `session open` gathers every loaded
    /// report's evidence, 2.5 CPU-seconds at 100 000).
    mutating func keepLabelEvidence<R>(alongside body: () -> R) -> R {
        guard settings.labelRule == .avclass else { return body() }
        let samples = self.samples, prior = labelEvidence
        // `body` cannot throw, so neither can `alongside`.
        let (evidence, result) = try! alongside({
            CorpusLabelEvidence.covering(samples.indices.filter { samples[$0].record != nil }, of: samples,
                                         from: prior, parts: min(2, Self.coreCount))
        }) { body() }
        labelEvidence = evidence
        return result
    }


    /// Applies external labels (by sample id); returns how many samples were labelled.
    @discardableResult
    public mutating func applyExternalLabels(_ external: [String: SampleLabel]) -> Int {
        var applied = 0
        for (id, label) in external where index[id] != nil {
            labels[id] = label
            applied += 1
        }
        return applied
    }

    /// Sets the label rule and relabels every sample with it (`labels rule=R`).
    public mutating func setLabelRule(_ rule: LabelRule) {
        settings.labelRule = rule
        relabel()
    }

    /// Sets a setting by its `set` name (`Settings.set`); a new label rule relabels every sample.
    public mutating func set(_ key: String, _ value: String) throws(SettingsError) {
        let rule = settings.labelRule
        try settings.set(key, value)
        if settings.labelRule != rule { relabel() }
    }

    /// Drops every clustering (they no longer match new rows or columns).
    public mutating func dropClusterings() {
        hdbscan = nil
        dbscan = nil
        linkage = nil
        lastClustered = nil
    }
}
