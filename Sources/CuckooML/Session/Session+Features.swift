#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch

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

    /// Features and labels after the samples changed (`load`, `unload`, `compare ... add`): as
    /// `rebuildFeatures` then `relabel`, but the labels are worked out on a thread of their own while
    /// the features build, whose serial merge would otherwise leave a core idle.
    public mutating func refreshDerived(control: TaskControl = .none) throws(Interrupted) {
        let samples = self.samples, labels = self.labels, rule = settings.labelRule, evidence = labelEvidence
        let (derived, _) = try alongside({ Session.derivedLabels(samples, labels, rule: rule, parts: 1, evidence: evidence) }) {
            () throws(Interrupted) in try rebuildFeatures(control: control)
        }
        (self.labels, labelEvidence) = derived
    }

    /// Labels every sample that has no external label from its VirusTotal results with the session's
    /// label rule (`none` when it was not scanned or has no VirusTotal block). Rows without a record
    /// (an imported matrix) keep theirs. Labels of samples no longer loaded are forgotten.
    public mutating func relabel() {
        (labels, labelEvidence) = Self.derivedLabels(samples, labels, rule: settings.labelRule, parts: min(2, Self.coreCount),
                                                     evidence: labelEvidence)
    }

    /// The labels `relabel` gives `samples` whose current labels are `labels`, worked out on up to
    /// `parts` threads (the 2016 rule; the AVClass-style rule labels the corpus as a whole, from the
    /// label evidence, which it extends when `evidence` covers the first samples, and returns).
    static func derivedLabels(_ samples: [Sample], _ labels: [String: SampleLabel], rule: LabelRule, parts: Int,
                              evidence: CorpusLabelEvidence? = nil) -> ([String: SampleLabel], CorpusLabelEvidence?) {
        // Only samples with a record and no external label need the labeller; the rest keep theirs.
        var pending: [Int] = []
        for (i, sample) in samples.enumerated() where sample.record != nil {
            if let existing = labels[sample.id], existing.source == .external { continue }
            pending.append(i)
        }
        let computed: [SampleLabel]
        var kept: CorpusLabelEvidence?
        switch rule {
        case .rule2016:
            computed = labels2016(samples, pending: pending, parts: parts)
        case .avclass:
            // Alias detection learns from every report's results, also those labelled externally.
            let withRecords = samples.indices.filter { samples[$0].record != nil }
            let corpus = CorpusLabelEvidence.covering(withRecords, of: samples, from: evidence)
            let outcome = corpus.evidence.labels(0..<withRecords.count, canonical: corpus.evidence.aliases().canonical)
            var byRow: [Int: SampleLabel] = [:]
            for (k, row) in withRecords.enumerated() { byRow[row] = outcome[k] }
            computed = pending.map { byRow[$0]! }
            kept = corpus
        }
        var next: [String: SampleLabel] = [:]
        next.reserveCapacity(samples.count)
        var k = 0
        for (i, sample) in samples.enumerated() {
            if k < pending.count && pending[k] == i {
                next[sample.id] = computed[k]
                k += 1
            } else if let existing = labels[sample.id] {
                next[sample.id] = existing
            }
        }
        return (next, kept)
    }

    /// Labels for reports not (yet) in the session (`compare`), by the session's rule. Under the
    /// AVClass-style rule they are labelled beside the session's reports, so the corpus's aliases apply.
    public func labels(forNew results: [VirusTotalResults?]) -> [SampleLabel] {
        switch settings.labelRule {
        case .rule2016:
            return results.map { result in
                var label = VirusTotalLabeller.label(result)
                label.engines = VirusTotalLabeller.detectingEngines(result)
                return label
            }
        case .avclass:
            var corpus = CorpusLabelEvidence.covering(samples.indices.filter { samples[$0].record != nil }, of: samples,
                                                      from: labelEvidence).evidence
            let before = corpus.count
            FamilyLabeller.withProcessCache { corpus.append(results, cache: &$0) }
            return corpus.labels(before..<corpus.count, canonical: corpus.aliases().canonical)
        }
    }

    /// Gathers the label evidence of the samples now (under the AVClass-style rule), so that later
    /// `labels(forNew:)` calls read only the new reports' results.
    public mutating func keepLabelEvidence() {
        guard settings.labelRule == .avclass else { return }
        labelEvidence = CorpusLabelEvidence.covering(samples.indices.filter { samples[$0].record != nil }, of: samples,
                                                     from: labelEvidence)
    }

    /// The 2016 rule's labels for the `pending` rows, with the detecting engines counted beside them.
    static func labels2016(_ samples: [Sample], pending: [Int], parts: Int) -> [SampleLabel] {
        // Every load relabels every sample, so the families of result strings seen by earlier
        // relabels are reused (the cache is taken out while in use; a concurrent relabel starts empty).
        var cache = VirusTotalLabeller.processCache.withLock { shared in
            var taken = VirusTotalLabeller.FamilyCache()
            swap(&taken, &shared)
            return taken
        }
        defer { VirusTotalLabeller.processCache.withLock { $0 = cache } }
        var computed = [SampleLabel](repeating: .none, count: pending.count)
        // Labels depend only on each sample's results, so halves labelled on two threads (the second
        // with its own cache, merged afterwards) give the same labels as one pass.
        if parts == 1 || pending.count < Self.parallelRelabelFrom {
            for (k, i) in pending.enumerated() {
                computed[k] = VirusTotalLabeller.label(samples[i].record!.virusTotal, cache: &cache)
            }
        } else {
            let middle = pending.count / 2
            let pendingRows = pending
            var second = VirusTotalLabeller.FamilyCache()
            computed.withUnsafeMutableBufferPointer { out in
                let slots = LabelSlots(base: out.baseAddress!)
                withUnsafeMutablePointer(to: &cache) { first in
                    withUnsafeMutablePointer(to: &second) { other in
                        let caches = CachePair(first: first, second: other)
                        DispatchQueue.concurrentPerform(iterations: 2) { part in
                            let range = part == 0 ? 0..<middle : middle..<pendingRows.count
                            let own = part == 0 ? caches.first : caches.second
                            for k in range {
                                slots.base[k] = VirusTotalLabeller.label(samples[pendingRows[k]].record!.virusTotal, cache: &own.pointee)
                            }
                        }
                    }
                }
            }
            cache.absorb(second)
        }
        for (k, i) in pending.enumerated() { computed[k].engines = VirusTotalLabeller.detectingEngines(samples[i].record!.virusTotal) }
        return computed
    }

    /// Samples from which `relabel` splits the work over two threads.
    static let parallelRelabelFrom = 32
    static let coreCount = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

    /// Each labelling thread writes only its own slots.
    private struct LabelSlots: @unchecked Sendable { let base: UnsafeMutablePointer<SampleLabel> }
    /// One family cache per labelling thread.
    private struct CachePair: @unchecked Sendable {
        let first: UnsafeMutablePointer<VirusTotalLabeller.FamilyCache>
        let second: UnsafeMutablePointer<VirusTotalLabeller.FamilyCache>
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
