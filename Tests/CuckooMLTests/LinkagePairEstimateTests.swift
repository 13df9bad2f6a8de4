import Foundation
import Testing
@testable import CuckooML

/// The early estimate of the pairs within the cut (`LinkagePairEstimate`) and complete linkage's
/// refusal from it: exact when every row is measured, close on generated families whose true count
/// the join gives, a quick refusal on a large dense case, none on the sample data or the real reports.
@Suite("linkage pair estimate")
struct LinkagePairEstimateTests {
    /// Families of `size` rows: each row has its family's telling tokens in two small groups, most of a
    /// family-wide set of common tokens and a few tokens of its own, plus tokens every family shares (a
    /// large noisy group), so members are well within 0.7 of each other and families touch sometimes.
    static func families(_ count: Int, size: Int, seed: UInt64) -> PointSet {
        var rng = EngineReference.Random(seed: seed)
        var names: [String] = []
        func column(_ name: String) -> Int32 { names.append(name); return Int32(names.count - 1) }
        let shared = (0..<30).map { column(":files:shared\($0)") }
        var rows: [[Int32]] = []
        for f in 0..<count {
            let telling = [column(":imphash:f\(f)"), column(":mutex:f\(f)")]
            let common = (0..<12).map { column(":files:f\(f)c\($0)") }
            let own = (0..<40).map { column(":registry:f\(f)o\($0)") }
            for _ in 0..<size {
                var r = Set(telling.filter { _ in rng.chance(0.9) })
                for c in common where rng.chance(0.8) { r.insert(c) }
                for _ in 0..<3 { r.insert(own[rng.below(own.count)]) }
                for c in shared where rng.chance(0.3) { r.insert(c) }
                rows.append(r.sorted())
            }
        }
        var m = SparseMatrix(columnCount: names.count)
        for r in rows { m.appendRow(r.map { ($0, 1.0) }) }
        return .sparse(m, columnGroups: ColumnGroups(featureNames: names))
    }

    /// The pairs within t by the join (checked against every pair by `CompleteLinkageTests`), and the
    /// components' sizes and pairs.
    static func exact(_ points: PointSet, _ t: Double) throws -> (pairs: Int, components: [(size: Int, pairs: Int)]) {
        let engine = NeighbourhoodEngines.make(points: points, metric: .groupjaccard)
        let edges = try LinkageJoin.pairs(points: points, engine: engine, threshold: t, threads: 2, control: .none)
        var sets = DisjointSets(points.count)
        for e in edges { sets.union(Int(e.a), Int(e.b)) }
        var size: [Int: Int] = [:], pairs: [Int: Int] = [:]
        for i in 0..<points.count { size[sets.find(i), default: 0] += 1 }
        for e in edges { pairs[sets.find(Int(e.a)), default: 0] += 1 }
        return (edges.count, size.keys.map { (size[$0]!, pairs[$0] ?? 0) })
    }

    static func estimate(_ points: PointSet, _ t: Double, threads: Int = 2, sampleSize: Int = LinkagePairEstimate.sampleSize) throws -> LinkagePairEstimate {
        let engine = NeighbourhoodEngines.make(points: points, metric: .groupjaccard)
        return try LinkagePairEstimate.measure(engine: engine, threshold: t, threads: threads, sampleSize: sampleSize, control: .none)
    }

    /// With every row measured the counts are exact: all pairs, and the component with the most pairs
    /// (the proven groups are then the components themselves), with no sampling error.
    @Test(arguments: [0.3, 0.5, 0.7])
    func exactWhenEveryRowIsMeasured(t: Double) throws {
        let points = Self.families(6, size: 30, seed: 3)
        let e = try Self.estimate(points, t)
        let truth = try Self.exact(points, t)
        #expect(e.sampled == points.count && e.rows == points.count)
        #expect(e.pairs == Double(truth.pairs) && e.pairsError == 0 && e.componentError == 0, "\(e.pairs) \(truth.pairs) \(e.pairsError)")
        let most = truth.components.max { $0.pairs != $1.pairs ? $0.pairs < $1.pairs : $0.size < $1.size }!
        #expect(e.componentPairs == Double(most.pairs) && e.provenSize == most.size, "t=\(t)")
        // The lower cuts' counts are the exact counts at those cuts.
        for cut in e.lowerCuts.prefix(3) {
            #expect(cut.pairs == Double(try Self.exact(points, cut.threshold).pairs), "t=\(t) cut \(cut.threshold)")
        }
    }

    /// 3 000 rows in 20 families (the generator's shape at 4 000 reports): 256 sampled rows estimate the
    /// true count within 10 % and within four standard errors, on one thread as on two, every time.
    @Test func closeOnGeneratedFamilies() throws {
        let points = Self.families(20, size: 150, seed: 7)
        let truth = try Self.exact(points, 0.7)
        let e = try Self.estimate(points, 0.7)
        #expect(e.sampled == 256)
        #expect(abs(e.pairs - Double(truth.pairs)) <= 0.1 * Double(truth.pairs), "estimate \(e.pairs) truth \(truth.pairs)")
        #expect(abs(e.pairs - Double(truth.pairs)) <= LinkagePairEstimate.standardErrors * e.pairsError)
        // Families whose sampled rows share neighbours are one proven group; its size never exceeds the
        // component it lies in.
        let largest = truth.components.map(\.size).max()!
        #expect(e.provenSize <= largest && e.provenSize >= 100)
        #expect(try Self.estimate(points, 0.7, threads: 1) == e)
        #expect(try Self.estimate(points, 0.7) == e)
    }

    /// `n` rows all within the cut of each other: the whole imphash group shared, 3 of 40 file tokens.
    static func denseCase(_ n: Int) -> PointSet {
        var rng = EngineReference.Random(seed: 11)
        let names = (0..<10).map { ":imphash:x\($0)" } + (0..<40).map { ":files:f\($0)" }
        var m = SparseMatrix(columnCount: names.count)
        for _ in 0..<n {
            var r = Set<Int32>((0..<10).map { Int32($0) })
            for _ in 0..<3 { r.insert(Int32(10 + rng.below(40))) }
            m.appendRow(r.sorted().map { ($0, 1.0) })
        }
        return PointSet.sparse(m, columnGroups: ColumnGroups(featureNames: names))
    }

    /// A dense corpus far beyond the cap: 20 000 rows all within the cut of each other (200 million
    /// pairs, four times the cap) are refused by `fit` before any join, saying why and what to do.
    @Test func refusesALargeDenseCaseAtOnce() throws {
        let n = 20_000
        let points = Self.denseCase(n)
        do {
            _ = try CompleteLinkage.fit(points: points, parameters: LinkageParameters(threshold: 0.7, metric: .groupjaccard, mode: .exact))
            Issue.record("no refusal")
        } catch let error as LinkageTooLarge {
            let text = error.description
            #expect(text.contains("estimated from 256 samples"), "\(text)")
            #expect(text.contains("of at least 20 000 of the 20 000 samples"), "\(text)")
            #expect(text.contains("beyond the 50 000 000 pairs") && text.contains("hdbscan") && text.contains("cut lower"), "\(text)")
            #expect(!text.contains("\n"))
        }
    }

    /// The same dense case under auto (the default): refused by exact, then clustered sampled. Every
    /// row is within 0.5 of every other (they share the whole imphash group), so it is one cluster of
    /// all 20 000, with every row placed. Heavy (some 4·10⁸ distances): CUCKOOML_HEAVY=1.
    @Test(.enabled(if: TestSupport.heavy)) func autoClustersTheLargeDenseCaseSampled() throws {
        let n = 20_000
        let points = Self.denseCase(n)
        let r = try CompleteLinkage.fit(points: points, parameters: LinkageParameters(threshold: 0.7, metric: .groupjaccard, sampleSize: 1_000))
        #expect(r.sampling == LinkageSampling(sampled: 1_000, rows: n, placed: n - 1_000, leftovers: 0, rounds: 1))
        #expect(r.clusterCount == 1 && r.noiseCount == 0)
        #expect(r.outlierScores.allSatisfy { $0 <= 0.5 / 0.7 })
    }

    /// The margin: refuse only past twice the cap, with four standard errors to spare, and only for a
    /// group larger than the components merged over all their distances.
    @Test func refusesOnlyWellBeyondTheCap() {
        func estimate(_ pairs: Double, error: Double, size: Int) -> LinkagePairEstimate {
            LinkagePairEstimate(rows: 100_000, threshold: 0.7, sampled: 256, pairs: pairs, pairsError: error,
                                componentPairs: pairs, componentError: error, provenSize: size,
                                lowerCuts: [(0.65, 200_000_000), (0.6, 20_000_000)])
        }
        let cap = 50_000_000, limit = 16_384
        #expect(estimate(99_000_000, error: 1_000, size: 90_000).refusal(maximumPairs: cap, componentLimit: limit) == nil)
        #expect(estimate(300_000_000, error: 70_000_000, size: 90_000).refusal(maximumPairs: cap, componentLimit: limit) == nil)
        #expect(estimate(300_000_000, error: 1_000_000, size: limit).refusal(maximumPairs: cap, componentLimit: limit) == nil)
        let refusal = estimate(300_000_000, error: 1_000_000, size: 90_000).refusal(maximumPairs: cap, componentLimit: limit)
        #expect(refusal?.description == "about 300 000 000 pairs of samples lie within the cut 0.7 of each other in one connected group of at least 90 000 of the 100 000 samples (estimated from 256 samples; at least 296 000 000 at four standard errors), beyond the 50 000 000 pairs exact complete linkage may hold: cut lower (cluster linkage 0.6: about 20 000 000 pairs in all), cluster with hdbscan (cluster hdbscan 1 2 metric=groupjaccard), or cluster fewer samples")
    }

    /// The shipped sample data and the shared real reports: every row measured, the exact count, and
    /// no refusal even with every component sent to the edge path.
    @Test func noRefusalOnSampleDataAndRealReports() throws {
        var corpora = [TestSupport.packageRoot + "/sample_data/reports"]
        if let shared = TestSupport.shared { corpora.append(shared + "/data/cuckoo-reports") }
        for path in corpora {
            let loaded = try ReportLoader.load(paths: [path])
            var session = Session()
            session.upsert(loaded.samples)
            try session.refreshDerived()
            let points = session.features!.points
            let e = try Self.estimate(points, 0.7)
            #expect(e.pairs == Double(try Self.exact(points, 0.7).pairs), "\(path)")
            #expect(e.refusal(maximumPairs: LinkageComponents.maximumPairs, componentLimit: 0) == nil)
            // The early check itself, run (it is skipped this small) with a cap of a tenth of the pairs.
            let engine = NeighbourhoodEngines.make(points: points, metric: .groupjaccard)
            try LinkageComponents.refuseEarly(engine: engine, threshold: 0.7, threads: 2, componentLimit: points.count,
                                              maximumPairs: max(1, Int(e.pairs) / 10), control: .none)
        }
    }

    @Test func sampleIsSeededDistinctAndCancellable() throws {
        let rows = LinkagePairEstimate.sampledRows(n: 100_000, count: 256)
        #expect(rows.count == 256 && Set(rows).count == 256 && rows == rows.sorted() && rows.last! < 100_000)
        #expect(rows == LinkagePairEstimate.sampledRows(n: 100_000, count: 256))
        #expect(LinkagePairEstimate.sampledRows(n: 10, count: 256) == Array(0..<10))
        let points = Self.families(4, size: 100, seed: 5)
        let engine = NeighbourhoodEngines.make(points: points, metric: .groupjaccard)
        #expect(throws: Interrupted.self) {
            try LinkagePairEstimate.measure(engine: engine, threshold: 0.7, threads: 2, control: TaskControl(isCancelled: { true }))
        }
    }

    /// On a generated corpus (CUCKOOML_ESTIMATE_CORPUS=DIR, e.g. `scripts/generate-sample-data --scale
    /// 20 DIR`): the estimate, printed, and against the join's exact count unless
    /// CUCKOOML_ESTIMATE_EXACT=0 (the join is slow in a debug build beyond some 10 000 reports).
    @Test func againstTheJoinOnACorpus() throws {
        let environment = ProcessInfo.processInfo.environment
        guard let dir = environment["CUCKOOML_ESTIMATE_CORPUS"] else { return }
        let loaded = try ReportLoader.load(paths: [dir])
        var session = Session()
        session.upsert(loaded.samples)
        try session.refreshDerived()
        let points = session.features!.points
        let e = try Self.estimate(points, 0.7)
        print("corpus \(dir): n \(points.count) estimate \(Int(e.pairs)) ± \(Int(e.pairsError)); proven group \(e.provenSize) rows, \(Int(e.componentPairs)) ± \(Int(e.componentError)) pairs; lower cuts \(e.lowerCuts.prefix(8).map { "\($0.threshold):\(Int($0.pairs))" })")
        guard environment["CUCKOOML_ESTIMATE_EXACT"] != "0" else { return }
        let truth = try Self.exact(points, 0.7)
        let largest = truth.components.max { $0.size < $1.size }!
        print("corpus \(dir): truth \(truth.pairs) pairs; largest component \(largest.size) rows, \(largest.pairs) pairs; components of 2+: \(truth.components.filter { $0.size > 1 }.count)")
        #expect(abs(e.pairs - Double(truth.pairs)) <= LinkagePairEstimate.standardErrors * e.pairsError + 1)
    }
}
