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
