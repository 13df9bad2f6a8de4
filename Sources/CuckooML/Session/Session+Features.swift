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
        hdbscan = nil
        dbscan = nil
    }

    /// Labels every sample that has no external label from its VirusTotal results (`none` when it was
    /// not scanned or has no VirusTotal block). Rows without a record (an imported matrix) keep theirs.
    /// Labels of samples no longer loaded are forgotten.
    public mutating func relabel() {
        var next: [String: SampleLabel] = [:]
        // Every load relabels every sample, so the families of result strings seen by earlier
        // relabels are reused (the cache is taken out while in use; a concurrent relabel starts empty).
        var cache = VirusTotalLabeller.processCache.withLock { shared in
            var taken = VirusTotalLabeller.FamilyCache()
            swap(&taken, &shared)
            return taken
        }
        defer { VirusTotalLabeller.processCache.withLock { $0 = cache } }
        for sample in samples {
            if let existing = labels[sample.id], existing.source == .external {
                next[sample.id] = existing
            } else if let record = sample.record {
                next[sample.id] = VirusTotalLabeller.label(record.virusTotal, cache: &cache)
            } else if let existing = labels[sample.id] {
                next[sample.id] = existing
            }
        }
        labels = next
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

    /// The label of a sample, `none` when it has none.
    public func label(of id: String) -> SampleLabel { labels[id] ?? .none }

    /// Every sample's family in sample order (`none` for unlabelled samples).
    public var labelColumn: [String] { samples.map { label(of: $0.id).family } }
}
