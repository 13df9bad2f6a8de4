import Dispatch

/// Labels for a whole session's samples: which samples the labeller reads, the 2016 rule on two
/// threads, the AVClass-style rule over the corpus. `Session.relabel` and `refreshDerived` call it.
public enum SampleLabelling {
    /// The labels of `samples` whose current labels are `labels`, worked out on up to
    /// `parts` threads (the 2016 rule; the AVClass-style rule labels the corpus as a whole, from the
    /// label evidence, which it extends when `evidence` covers the first samples, gathering it on
    /// `parts` threads, and returns).
    public static func labels(_ samples: [Sample], _ labels: [String: SampleLabel], rule: LabelRule, parts: Int,
                              evidence: CorpusLabelEvidence? = nil) -> ([String: SampleLabel], CorpusLabelEvidence?) {
        // Only samples with a record and no external label need the labeller; the rest keep theirs.
        // (Samples are read in place by index throughout: iterating `samples` would copy each one,
        // retaining every string of its record, at 100 000 samples a few % of `load`.)
        // (`record != nil` would copy each record out first: `dialect`, an enum, is read in place.)
        var pending: [Int] = []
        for i in samples.indices where samples[i].record?.dialect != nil {
            if let existing = labels[samples[i].id], existing.source == .external { continue }
            pending.append(i)
        }
        let computed: [SampleLabel]
        var kept: CorpusLabelEvidence?
        switch rule {
        case .rule2016:
            computed = labels2016(samples, pending: pending, parts: parts)
        case .avclass:
            // Alias detection learns from every report's results, also those labelled externally.
            let withRecords = samples.rowsWithRecords()
            let corpus = CorpusLabelEvidence.covering(withRecords, of: samples, from: evidence, parts: parts)
            let outcome = corpus.evidence.labels(0..<withRecords.count, canonical: corpus.evidence.aliases().canonical)
            // `pending` is an ascending part of `withRecords`: each row's outcome is found walking
            // both, where a dictionary by row (grown to 100 000 entries, 20-30 MB while it doubled)
            // sat on top of `load`'s peak when the labels finished after the features' extraction.
            var place = 0
            computed = pending.map { row in
                while withRecords[place] != row { place += 1 }
                return outcome[place]
            }
            kept = corpus
        }
        var next: [String: SampleLabel] = [:]
        next.reserveCapacity(samples.count)
        var k = 0
        for i in samples.indices {
            if k < pending.count && pending[k] == i {
                next[samples[i].id] = computed[k]
                k += 1
            } else if let existing = labels[samples[i].id] {
                next[samples[i].id] = existing
            }
        }
        return (next, kept)
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

    /// Samples from which the 2016 rule splits the work over two threads.
    static let parallelRelabelFrom = 32

    /// Each labelling thread writes only its own slots.
    private struct LabelSlots: @unchecked Sendable { let base: UnsafeMutablePointer<SampleLabel> }
    /// One family cache per labelling thread.
    private struct CachePair: @unchecked Sendable {
        let first: UnsafeMutablePointer<VirusTotalLabeller.FamilyCache>
        let second: UnsafeMutablePointer<VirusTotalLabeller.FamilyCache>
    }

    /// Labels for reports not among `samples` (`compare`), by `rule`. Under the AVClass-style rule
    /// they are labelled beside `samples`, from `evidence` when it covers them, so the corpus's
    /// aliases apply.
    public static func labels(forNew results: [VirusTotalResults?], beside samples: [Sample], rule: LabelRule,
                              evidence: CorpusLabelEvidence?) -> [SampleLabel] {
        switch rule {
        case .rule2016:
            return results.map { result in
                var label = VirusTotalLabeller.label(result)
                label.engines = VirusTotalLabeller.detectingEngines(result)
                return label
            }
        case .avclass:
            var corpus = CorpusLabelEvidence.covering(samples.rowsWithRecords(), of: samples,
                                                      from: evidence).evidence
            let before = corpus.count
            FamilyLabeller.withProcessCache { corpus.append(results, cache: &$0) }
            return corpus.labels(before..<corpus.count, canonical: corpus.aliases().canonical)
        }
    }
}
