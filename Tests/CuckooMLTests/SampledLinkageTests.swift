import Foundation
import Synchronization
import Testing
@testable import CuckooML

/// Complete linkage's sampled mode (`SampledLinkage`, `cluster linkage ... mode=auto|exact|sampled
/// sample=N`): the exact result when the sample holds the corpus or the corpus fits, every cluster
/// within the cut, every sample placed once, the same on any thread count, and auto's fallback when
/// exact refuses.
@Suite("sampled linkage")
struct SampledLinkageTests {
    /// `count` families of `size` rows that share nothing across families (distance 1) and are well
    /// within 0.7 inside one (the family's imphash, and 8 of its 10 file tokens: distance at most 0.2).
    static func separated(_ count: Int, size: Int, seed: UInt64) -> PointSet {
        var rng = EngineReference.Random(seed: seed)
        var names: [String] = []
        var rows: [[Int32]] = []
        for f in 0..<count {
            let imphash = Int32(names.count); names.append(":imphash:f\(f)")
            let files = (0..<10).map { c -> Int32 in names.append(":files:f\(f)c\(c)"); return Int32(names.count - 1) }
            for _ in 0..<size {
                var r = Set(files)
                while r.count > 8 { r.remove(files[rng.below(files.count)]) }
                rows.append(([imphash] + r).sorted())
            }
        }
        // Interleave the families so that the sample and the order of placing mix them.
        var order = Array(rows.indices)
        for i in stride(from: order.count - 1, to: 0, by: -1) { order.swapAt(i, rng.below(i + 1)) }
        var m = SparseMatrix(columnCount: names.count)
        for i in order { m.appendRow(rows[i].map { ($0, 1.0) }) }
        return .sparse(m, columnGroups: ColumnGroups(featureNames: names))
    }

    /// Random grouped rows around a few centres with duplicates and empty rows (as the component path
    /// tests use): clusters that touch, so placing has real choices to make.
    static func random(seed: UInt64, n: Int) -> PointSet {
        var rng = EngineReference.Random(seed: seed)
        let columns = 60
        let names = (0..<columns).map { ":g\($0 % 7):c\($0)" }
        let centres = (0..<8).map { _ in (0..<columns).filter { _ in rng.chance(0.2) } }
        var rows: [[Int32]] = []
        for i in 0..<n {
            if i > 0 && rng.chance(0.1) { rows.append(rows[rng.below(i)]); continue }
            if rng.chance(0.03) { rows.append([]); continue }
            var r = Set(centres[rng.below(centres.count)])
            for _ in 0..<rng.below(6) { let c = rng.below(columns); if !r.insert(c).inserted { r.remove(c) } }
            rows.append(r.sorted().map { Int32($0) })
        }
        var m = SparseMatrix(columnCount: columns)
        for r in rows { m.appendRow(r.map { ($0, 1.0) }) }
        return .sparse(m, columnGroups: ColumnGroups(featureNames: names))
    }

    /// Every two members of every cluster within t (by the distance measured directly), clusters of
    /// two or more, every row once, labels numbered 0..<k; returns the largest in-cluster distance.
    @discardableResult
    static func checkDiameters(_ r: LinkageResult, _ points: PointSet, _ t: Double) -> Double {
        let engine = NeighbourhoodEngines.make(points: points, metric: .groupjaccard, threads: 1)
        #expect(r.labels.count == points.count)
        #expect(r.labels.allSatisfy { $0 >= -1 })
        var widest = 0.0
        for (c, rows) in r.members.enumerated() {
            #expect(rows.count >= 2, "cluster \(c) has \(rows.count) member")
            for a in rows.indices {
                for b in rows.indices where b > a {
                    let d = GroupJaccard.distance(ArraySlice(points.nonZeroColumns(rows[a])),
                                                  ArraySlice(points.nonZeroColumns(rows[b])), groups: points.groupsOrSingle)
                    #expect(d == engine.distance(rows[a], rows[b]))
                    #expect(d <= t, "cluster \(c): rows \(rows[a]), \(rows[b]) at \(d)")
                    widest = max(widest, d)
                }
            }
        }
        // Noise: strength 0, outlier score 1; members in [0, 1].
        for i in r.labels.indices where r.labels[i] < 0 { #expect(r.strengths[i] == 0 && r.outlierScores[i] == 1) }
        return widest
    }

    static func sameClustering(_ a: LinkageResult, _ b: LinkageResult) -> Bool {
        a.labels == b.labels && a.strengths == b.strengths && a.outlierScores == b.outlierScores
    }

    @Test func aSampleHoldingTheCorpusGivesTheExactResult() throws {
        let points = Self.random(seed: 3, n: 300)
        let exact = try CompleteLinkage.fit(points: points, parameters: LinkageParameters(threshold: 0.7, metric: .groupjaccard, mode: .exact))
        for size in [300, 301, 16_384] {
            let sampled = try CompleteLinkage.fit(points: points, parameters: LinkageParameters(
                threshold: 0.7, metric: .groupjaccard, mode: .sampled, sampleSize: size))
            #expect(Self.sameClustering(sampled, exact), "sample \(size)")
            #expect(sampled.sampling == nil && sampled.parameters.mode == .sampled && sampled.parameters.sampleSize == size)
        }
        #expect(exact.clusterCount > 5)
    }

    /// Families beyond the cut of each other: a small sample still finds every one of them whole, so the
    /// sampled clustering is the exact one, labels and strengths alike.
    @Test(arguments: [UInt64(1), 2, 3])
    func separatedFamiliesComeOutWhole(seed: UInt64) throws {
        let points = Self.separated(12, size: 50, seed: seed)
        let exact = try CompleteLinkage.fit(points: points, parameters: LinkageParameters(threshold: 0.7, metric: .groupjaccard, mode: .exact))
        #expect(exact.clusterCount == 12 && exact.noiseCount == 0)
        let sampled = try CompleteLinkage.fit(points: points, parameters: LinkageParameters(
            threshold: 0.7, metric: .groupjaccard, mode: .sampled, sampleSize: 60))
        #expect(Self.sameClustering(sampled, exact))
        #expect(sampled.sampling == LinkageSampling(sampled: 60, rows: 600, placed: 540, leftovers: 0, rounds: 1))
        #expect(Self.checkDiameters(sampled, points, 0.7) <= 0.2 + 1e-12)
    }

    /// Touching clusters, small samples: every cluster within t, every row in one cluster or noise, the
    /// counts adding up, and the same on one and two threads.
    @Test(arguments: [UInt64(11), 12, 13, 14])
    func clustersStayWithinTheCutOnAnyThreadCount(seed: UInt64) throws {
        let n = 700
        let points = Self.random(seed: seed, n: n)
        for (t, size) in [(0.7, 40), (0.5, 100), (0.3, 2)] {
            let parameters = LinkageParameters(threshold: t, metric: .groupjaccard, mode: .sampled, sampleSize: size)
            let one = try CompleteLinkage.fit(points: points, parameters: parameters, threads: 1)
            let two = try CompleteLinkage.fit(points: points, parameters: parameters, threads: 2)
            #expect(one == two, "seed \(seed) t=\(t) sample \(size)")
            let s = try #require(one.sampling)
            #expect(s.sampled == size && s.rows == n && s.placed + s.leftovers == n - size && s.rounds >= 1)
            #expect(one.labels.filter { $0 >= 0 }.count + one.noiseCount == n)
            Self.checkDiameters(one, points, t)
            // Placed rows joined something: the sample's clusters grew beyond the sample.
            #expect(s.placed > 0)
        }
    }

    /// Auto on the shipped sample data: the corpus fits, so exactly the exact clustering, no sampling.
    @Test func autoOnTheSampleDataIsExact() throws {
        let loaded = try ReportLoader.load(paths: [TestSupport.packageRoot + "/sample_data/reports"])
        var session = Session()
        session.upsert(loaded.samples)
        try session.refreshDerived()
        let points = session.features!.points
        let auto = try CompleteLinkage.fit(points: points, parameters: .families)
        let exact = try CompleteLinkage.fit(points: points, parameters: LinkageParameters(threshold: 0.7, metric: .groupjaccard, mode: .exact))
        #expect(LinkageParameters.families.mode == .auto)
        #expect(Self.sameClustering(auto, exact) && auto.sampling == nil)
        #expect(auto.clusterCount == 32 && auto.noiseCount == 3)
    }

    /// When exact refuses (here the join's cap, made small), exact mode throws and auto clusters the
    /// corpus sampled, with the leftovers refused too and so sampled again.
    @Test func autoFallsBackWhenExactRefuses() throws {
        let points = LinkagePairEstimateTests.families(10, size: 300, seed: 5)
        let limits = (component: 100, pairs: 20_000)
        #expect(throws: LinkageTooLarge.self) {
            try CompleteLinkage.fit(points: points, parameters: LinkageParameters(threshold: 0.7, metric: .groupjaccard, mode: .exact),
                                    componentLimit: limits.component, maximumPairs: limits.pairs)
        }
        let parameters = LinkageParameters(threshold: 0.7, metric: .groupjaccard, sampleSize: 500)
        let auto = try CompleteLinkage.fit(points: points, parameters: parameters, componentLimit: limits.component,
                                           maximumPairs: limits.pairs)
        let s = try #require(auto.sampling)
        #expect(s.sampled == 500 && s.rows == 3_000 && s.placed + s.leftovers == 2_500)
        Self.checkDiameters(auto, points, 0.7)
        #expect(auto.clusterCount >= 10)
        let again = try CompleteLinkage.fit(points: points, parameters: parameters, threads: 1, componentLimit: limits.component,
                                            maximumPairs: limits.pairs)
        #expect(again == auto)
    }

    /// Strengths and outlier scores of large clusters are measured on the clusters' own columns: the
    /// same values, bit for bit, as over the whole rows.
    @Test func strengthsOnOwnColumnsEqualThoseOnWholeRows() throws {
        for points in [Self.separated(4, size: 120, seed: 9), Self.random(seed: 4, n: 900)] {
            let fitted = try CompleteLinkage.fit(points: points, parameters: LinkageParameters(threshold: 0.7, metric: .groupjaccard, mode: .exact))
            #expect(fitted.members.contains { $0.count >= CompleteLinkage.compactedClusterSize })
            let members = fitted.members
            let root = fitted.labels.indices.map { fitted.labels[$0] < 0 ? $0 : members[fitted.labels[$0]][0] }
            let engine = NeighbourhoodEngines.make(points: points, metric: .groupjaccard, threads: 1)
            let whole = try CompleteLinkage.finish(root: root, threshold: 0.7, threads: 1, control: .none) { engine.distance($0, $1) }
            #expect(Self.sameClustering(whole, fitted))
        }
    }

    @Test func sampleSizesOutsideTheRangeAreRefused() {
        for size in [0, 1, 16_385] {
            #expect(throws: ClusteringError.self) {
                try CompleteLinkage.fit(points: Self.random(seed: 1, n: 20), parameters: LinkageParameters(
                    threshold: 0.7, metric: .groupjaccard, mode: .sampled, sampleSize: size))
            }
        }
    }

    /// Ctrl-C while placing stops the clustering.
    @Test func placingIsCancellable() throws {
        let points = Self.random(seed: 2, n: 2_000)
        final class Flag: Sendable { let raised = Atomic<Bool>(false) }
        let placing = Flag()
        let control = TaskControl(isCancelled: { placing.raised.load(ordering: .relaxed) }, report: { p in
            if p.phase == SampledLinkage.phase && p.done > 0 { placing.raised.store(true, ordering: .relaxed) }
        })
        #expect(throws: Interrupted.self) {
            try CompleteLinkage.fit(points: points, parameters: LinkageParameters(
                threshold: 0.7, metric: .groupjaccard, mode: .sampled, sampleSize: 100), control: control)
        }
    }
}
