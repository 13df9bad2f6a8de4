#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Keeping features and labels in step with the loaded samples (`load` calls both after `upsert`).
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
        let (derived, _) = try alongside({ SampleLabelling.labels(samples, labels, rule: rule, parts: 1, evidence: evidence) }) {
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

    /// Labels for reports not (yet) in the session (`compare`), by the session's rule. Under the
    /// AVClass-style rule they are labelled beside the session's reports, so the corpus's aliases apply.
    public func labels(forNew results: [VirusTotalResults?]) -> [SampleLabel] {
        SampleLabelling.labels(forNew: results, beside: samples, rule: settings.labelRule, evidence: labelEvidence)
    }

    /// Gathers the label evidence of the samples now (under the AVClass-style rule), so that later
    /// `labels(forNew:)` calls read only the new reports' results.
    public mutating func keepLabelEvidence() {
        guard settings.labelRule == .avclass else { return }
        labelEvidence = CorpusLabelEvidence.covering(samples.indices.filter { samples[$0].record != nil }, of: samples,
                                                     from: labelEvidence)
    }

    static let coreCount = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

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

    /// The label of a sample, `none` when it has none.
    public func label(of id: String) -> SampleLabel { labels[id] ?? .none }

    /// Every sample's family in sample order (`none` for unlabelled samples).
    public var labelColumn: [String] { samples.map { label(of: $0.id).family } }
}
