import Testing
@testable import CuckooML

/// Evidence that grew by appending labels exactly as the whole corpus labelled at once (what
/// `compare` and `compare ... add` rely on), including when the appended reports create an alias.
@Suite struct LabelEvidenceTests {
    static func vt(_ results: [(String, String?)]) -> VirusTotalResults {
        var v = VirusTotalResults()
        v.scans = EngineResults(results.map { EngineResult(engine: $0.0, detected: $0.1 != nil, result: $0.1) })
        return v
    }

    /// `kiwor` rides with `zorbex`; only with the later samples does it reach the alias support of 20.
    static let corpus: [VirusTotalResults?] = (0..<40).map { i in
        var results: [(String, String?)] = [("Kaspersky", "Trojan.Win32.Zorbex.a\(i)"), ("ESET-NOD32", "Win32/Zorbex.B")]
        if i % 3 != 0 { results += [("Microsoft", "Trojan:Win32/Kiwor.A"), ("Sophos", "Troj/Kiwor-A"), ("Avira", "TR/Kiwor.\(i)")] }
        if i == 7 { return nil }
        return vt(results)
    }

    @Test(arguments: [0, 1, 15, 25, 39, 40])
    func appendedEvidenceLabelsAsTheWholeCorpus(split: Int) {
        let whole = FamilyLabeller.label(Self.corpus)
        var cache = FamilyLabeller.Cache()
        var evidence = LabelEvidence()
        evidence.append(Array(Self.corpus.prefix(split)), cache: &cache)
        let before = evidence.aliases()
        evidence.append(Array(Self.corpus.dropFirst(split)), cache: &cache)
        let (canonical, detected) = evidence.aliases()
        #expect(detected == whole.detectedAliases)
        #expect(evidence.labels(0..<Self.corpus.count, canonical: canonical) == whole.labels)
        #expect(evidence.labels(split..<Self.corpus.count, canonical: canonical) == Array(whole.labels.dropFirst(split)))
        if split <= 25 { #expect(before.detected.isEmpty, "too little support before the split") }
        #expect(whole.detectedAliases.map(\.alias) == ["kiwor"])
    }

    /// Evidence gathered on several threads (`append(_:parts:cache:)`: slices with caches of their own,
    /// merged in order) equals one `append`, after a prefix or not: the same family numbers, aliases
    /// and labels. The corpus repeats 15 identical scans in a later slice, which must count once: twice,
    /// `velmo` and `qarbo` would reach the alias support of 20.
    @Test(arguments: [2, 3, 4])
    func evidenceGatheredInPartsEqualsOneAppend(parts: Int) {
        let repeated = (0..<15).map { i in
            Self.vt([("Kaspersky", "Trojan.Win32.Qarbo.a\(i)"), ("Microsoft", "Trojan:Win32/Velmo.A"),
                     ("Sophos", "Troj/Velmo-A"), ("Avira", "TR/Qarbo.\(i)")]) as VirusTotalResults?
        }
        let corpus = Self.corpus + repeated + repeated + Array(Self.corpus.prefix(12))
        let whole = FamilyLabeller.label(corpus)
        #expect(!whole.detectedAliases.contains { ["qarbo", "velmo"].contains($0.alias) })
        for prefix in [0, 5] {
            var cache = FamilyLabeller.Cache()
            var one = LabelEvidence(), split = LabelEvidence()
            one.append(Array(corpus.prefix(prefix)), cache: &cache)
            split.append(Array(corpus.prefix(prefix)), cache: &cache)
            one.append(Array(corpus.dropFirst(prefix)), cache: &cache)
            split.append(Array(corpus.dropFirst(prefix)), parts: parts, cache: &cache)
            #expect(split.count == corpus.count)
            #expect(split.familyNames == one.familyNames)
            let (canonical, detected) = split.aliases()
            #expect(detected == one.aliases().detected)
            #expect(detected == whole.detectedAliases)
            #expect(canonical == one.aliases().canonical)
            #expect(split.labels(0..<corpus.count, canonical: canonical) == whole.labels)
        }
    }

    /// A session's evidence is extended by appended samples and dropped when a sample is replaced or removed.
    @Test func sessionKeepsEvidenceOnlyWhileItCoversThePrefix() throws {
        func sample(_ i: Int) -> Sample {
            var record = ReportRecord()
            record.virusTotal = Self.corpus[i]
            return Sample(id: "s\(i)", path: nil, reportSize: 1, record: record)
        }
        var session = Session()
        session.upsert((0..<20).map(sample))
        try session.refreshDerived()
        #expect(session.labelEvidence?.ids.count == 20)
        let labelsOfNew = session.labels(forNew: (20..<40).map { Self.corpus[$0] })
        session.upsert((20..<40).map(sample))
        #expect(session.labelEvidence?.ids.count == 20, "appending keeps the prefix")
        try session.refreshDerived()
        #expect(session.labelEvidence?.ids.count == 40)
        var fresh = Session()
        fresh.upsert((0..<40).map(sample))
        try fresh.refreshDerived()
        #expect(session.labels == fresh.labels)
        #expect((20..<40).map { session.labels["s\($0)"]! } == labelsOfNew, "compare labels as add does")
        session.upsert([sample(3)])
        #expect(session.labelEvidence?.ids == nil, "a replaced sample makes it stale")
    }
}
