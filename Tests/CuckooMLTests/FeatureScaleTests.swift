import Testing
@testable import CuckooML

/// The checks of `scripts/bench features` and `scripts/bench normaliser` at a size a test run affords:
/// many samples over a large vocabulary give an exact matrix, and the normaliser finds the family in
/// the names it should. The timings live in the benchmark harness (`scripts/benchmarks/Harness`).
@Suite struct FeatureScaleTests {
    @Test func largeFeatureVocabulary() throws {
        let samples = 2_000, perSample = 40, vocabulary = 1_000_000
        var rng: UInt64 = 0x9E3779B97F4A7C15
        func next() -> Int { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return Int(rng % UInt64(vocabulary)) }
        var list: [Sample] = []
        for i in 0..<samples {
            var r = ReportRecord()
            for _ in 0..<perSample { r.apiCounts["A\(next())"] = 1 }
            list.append(Sample(id: String(i), path: nil, reportSize: 0, record: r))
        }
        let set = try FeatureBuilder.build(list, configuration: FeatureConfiguration(kind: .full, groups: [.win]))
        let nnz = list.reduce(0) { $0 + $1.record!.apiCounts.count }
        let distinct = Set(list.flatMap { $0.record!.apiCounts.keys })
        #expect(set.matrix.nonZeroCount == nnz)
        #expect(set.matrix.rowCount == samples)
        #expect(set.names.count == distinct.count)
        #expect(distinct.count > 76_000, "80 000 draws from a million mostly differ: \(distinct.count)")
    }

    @Test func normaliserFindsTheFamilies() {
        let names = ["Trojan.Win32.Zorbex.a (v)", "Gen:Variant.Zorbex.27", "W32/Zorbex.BN!tr", "BKDR_ZORBEX.SMC",
                     "Trojan:Win32/Zorbex", "a variant of Win64/Zorbex.A", "TR/Crypt.ZPACK.Gen2", "Backdoor/Win32.Escad"]
        let families = names.map { VirusTotalNormaliser.normalise($0).family }
        #expect(families.reduce(0) { $0 + $1.count } == 7, "\(families)")
    }
}
