import Testing
@testable import CuckooML

/// The fast engines at sizes where their real thresholds switch on two threads (tiled k-NN, the
/// spinning Prim worker), against the brute-force engine. Heavy: run with CUCKOOML_HEAVY=1.
@Suite(.serialized, .enabled(if: TestSupport.heavy)) struct FastEngineHeavyTests {
    typealias R = EngineReference

    func check(_ points: PointSet, metric: DistanceMetric, seed: UInt64) throws {
        let fast = NeighbourhoodEngines.make(points: points, metric: metric, threads: 2)
        let brute = BruteForceEngine(points: points, metric: metric)
        for k in [1, 5] {
            let core = try brute.coreDistances(k: k, control: .none)
            #expect(try fast.coreDistances(k: k, control: .none) == core, "seed \(seed) \(metric) k=\(k) core")
            let mst = try brute.minimumSpanningTree(coreDistances: core, alpha: 1, control: .none)
            let got = try fast.minimumSpanningTree(coreDistances: core, alpha: 1, control: .none)
            let firstDiff = zip(got, mst).enumerated().first { $0.element.0 != $0.element.1 }
            #expect(firstDiff == nil && got.count == mst.count, "seed \(seed) \(metric) k=\(k): \(String(describing: firstDiff))")
        }
    }

    @Test func binary512() throws {
        try check(.dense(R.binary(n: 4_500, d: 512, seed: 91)), metric: .euclidean, seed: 91)
    }

    /// Rows that do not repeat: the bit engine's blocked k-NN and Prim with their real thresholds.
    @Test func binary320DistinctHamming() throws {
        try check(.dense(R.binary(n: 4_500, d: 320, seed: 95, copies: 0)), metric: .hamming, seed: 95)
    }

    @Test func binary64Jaccard() throws {
        try check(.dense(R.binary(n: 4_500, d: 64, seed: 92)), metric: .jaccard, seed: 92)
    }

    /// Ten columns leave at most 1024 distinct rows: the factory's bit engine works on row groups.
    @Test(arguments: [DistanceMetric.euclidean, .cosine, .jaccard])
    func binaryRowGroups(metric: DistanceMetric) throws {
        let points = PointSet.dense(R.binary(n: 4_500, d: 10, seed: 94))
        #expect((NeighbourhoodEngines.make(points: points, metric: metric) as? BitPackedEngine)?.groups != nil)
        try check(points, metric: metric, seed: 94)
    }

    @Test func dense8() throws {
        try check(.dense(R.dense(n: 4_500, d: 8, seed: 93)), metric: .euclidean, seed: 93)
    }
}
