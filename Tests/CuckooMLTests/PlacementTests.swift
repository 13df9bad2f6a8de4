import Testing
@testable import CuckooML

/// `Placer` against the placement rules computed naively: every distance through `Distances.between`,
/// the whole list sorted, one query at a time. The batched, blocked and threaded placement must give
/// the same numbers bit for bit.
@Suite struct PlacementTests {
    /// Binary rows in four groups, drawn around a few prototypes so that clusters, ties and noise occur.
    static func features(rows: Int, seed: UInt64) -> FeatureSet {
        var state = seed
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
        let groups = ["alert", "api", "mutex", "path"]
        let names = groups.flatMap { g in (0..<(g == "api" ? 150 : 40)).map { ":\(g):t\($0)" } }.sorted()
        let prototypes = (0..<6).map { _ in (0..<names.count).filter { _ in next() % 7 == 0 } }
        var m = SparseMatrix(columnCount: names.count)
        for _ in 0..<rows {
            var set = Set(prototypes[Int(next() % 6)])
            for _ in 0..<Int(next() % 12) { let c = Int(next() % UInt64(names.count)); if set.contains(c) { set.remove(c) } else { set.insert(c) } }
            if next() % 11 == 0 { set = [] }
            if next() % 13 == 0 { set = Set((0..<30).map { _ in Int(next() % UInt64(names.count)) }) }
            m.appendRow(set.sorted().map { (Int32($0), 1.0) })
        }
        return FeatureSet(configuration: .families, names: names, matrix: m)
    }

    /// Rows of one to three features among 16 in four groups, many of them equal: equal distances,
    /// clusters tied on their farthest member, and queries equal to training rows.
    static func tiedFeatures(rows: Int, seed: UInt64) -> FeatureSet {
        var rng = EngineReference.Random(seed: seed)
        let names = ["alert", "api", "mutex", "path"].flatMap { g in (0..<4).map { ":\(g):t\($0)" } }.sorted()
        var m = SparseMatrix(columnCount: names.count)
        for _ in 0..<rows {
            let set = Set((0..<(1 + rng.below(3))).map { _ in rng.below(names.count) })
            m.appendRow(set.sorted().map { (Int32($0), 1.0) })
        }
        return FeatureSet(configuration: .families, names: names, matrix: m)
    }

    /// The first `training` rows as a feature set, the others as queries (same prototypes).
    static func split(rows: Int, training: Int, seed: UInt64) -> (FeatureSet, SparseMatrix) {
        split(features(rows: rows, seed: seed), training: training)
    }

    static func split(_ all: FeatureSet, training: Int) -> (FeatureSet, SparseMatrix) {
        let rows = all.matrix.rowCount
        var head = SparseMatrix(columnCount: all.names.count), tail = SparseMatrix(columnCount: all.names.count)
        for r in 0..<rows {
            let row = all.matrix.row(r)
            let pairs = Array(zip(row.columns, row.values))
            if r < training { head.appendRow(pairs) } else { tail.appendRow(pairs) }
        }
        return (FeatureSet(configuration: .families, names: all.names, matrix: head), tail)
    }

    /// The rule as `Placer` documents it, from scratch.
    static func naive(_ training: FeatureSet, _ linkage: LinkageResult, _ queries: SparseMatrix, row q: Int)
        -> (label: Int, strength: Double, outlier: Double, neighbour: Int, closest: Int?, farthest: Double?, nearest: [Neighbour]) {
        let points = training.points
        let query = PointSet.sparse(queries, columnGroups: points.columnGroups)
        let all = (0..<points.count).map { Neighbour(index: $0, distance: Distances.between(.groupjaccard, query, q, points, $0)) }
            .sorted { $0.distance != $1.distance ? $0.distance < $1.distance : $0.index < $1.index }
        let t = linkage.parameters.threshold
        let members = SessionClustering(linkage).members
        guard !members.isEmpty else { return (-1, 0, 1, all.first?.index ?? -1, nil, nil, Array(all.prefix(5))) }
        func stats(_ c: Int) -> (farthest: Double, mean: Double, first: Int) {
            let mine = all.filter { linkage.labels[$0.index] == c }
            return (mine.map(\.distance).max()!, mine.reduce(0.0) { $0 + $1.distance } / Double(mine.count), mine[0].index)
        }
        let best = members.indices.min { a, b in
            let (x, y) = (stats(a), stats(b))
            return x.farthest != y.farthest ? x.farthest < y.farthest : x.mean != y.mean ? x.mean < y.mean : a < b
        }!
        let s = stats(best)
        guard s.farthest <= t else { return (-1, 0, 1, all[0].index, best, s.farthest, Array(all.prefix(5))) }
        let central = members[best].map { i in
            members[best].reduce(0.0) { $1 == i ? $0 : $0 + Distances.between(.groupjaccard, points, i, points, $1) } / Double(members[best].count - 1)
        }.min()!
        return (best, LinkageResult.strength(mean: s.mean, central: central, threshold: t), min(1, s.farthest / t), s.first, best, s.farthest,
                Array(all.prefix(5)))
    }

    @Test(arguments: [1, 2])
    func linkagePlacementIsTheRuleComputedNaively(threads: Int) throws {
        try checkAgainstNaive(Self.split(rows: 790, training: 700, seed: 7), threads: threads)
    }

    @Test(arguments: [(UInt64(3), 1), (3, 2), (4, 2)])
    func linkagePlacementKeepsTies(seed: UInt64, threads: Int) throws {
        try checkAgainstNaive(Self.split(Self.tiedFeatures(rows: 500, seed: seed), training: 420), threads: threads, varied: false)
    }

    /// `Placer` against `naive` for every query; `varied`: the data has noise, and queries that join and
    /// queries that do not.
    func checkAgainstNaive(_ split: (FeatureSet, SparseMatrix), threads: Int, varied: Bool = true) throws {
        let (training, queries) = split
        let linkage = try CompleteLinkage.fit(points: training.points, parameters: .families, threads: 2)
        #expect(linkage.clusterCount > 3 && (linkage.noiseCount > 0 || !varied))
        let placer = Placer(features: training, linkage: linkage, threads: threads)
        let placed = try placer.place(queries)
        var joined = 0
        for q in 0..<queries.rowCount {
            let expected = Self.naive(training, linkage, queries, row: q)
            let p = placed[q]
            #expect(p.prediction.label == expected.label, "query \(q)")
            #expect(p.prediction.probability == expected.strength && p.prediction.outlierScore == expected.outlier, "query \(q)")
            #expect(p.prediction.neighbourRow == expected.neighbour, "query \(q)")
            #expect(p.closestCluster?.cluster == expected.closest && p.closestCluster?.farthest == expected.farthest, "query \(q)")
            #expect(p.nearest.map(\.index) == expected.nearest.map(\.index) && p.nearest.map(\.distance) == expected.nearest.map(\.distance))
            if p.prediction.label >= 0 { joined += 1 }
        }
        #expect(!varied || (joined > 10 && joined < queries.rowCount), "both outcomes occur")
    }

    /// Each cluster's central mean, found from the member the fit gave strength 1, is the minimum over all
    /// members bit for bit, also for clusters whose strengths were measured on their own columns (64+
    /// members) and on the per-component path; strengths that name no member fall back to all of them.
    @Test func centralMeansFromTheStrengthsAreTheMinimumOverAllMembers() throws {
        let training = Self.features(rows: 900, seed: 5)
        let linkage = try CompleteLinkage.fit(points: training.points, parameters: .families, threads: 2, exhaustiveLimit: 200)
        let members = linkage.members
        #expect(members.contains { $0.count >= CompleteLinkage.compactedClusterSize })
        let points = training.points
        func distance(_ a: Int, _ b: Int) -> Double { Distances.between(.groupjaccard, points, a, points, b) }
        let everyMember = members.map { rows in
            rows.map { i in rows.reduce(0.0) { $1 == i ? $0 : $0 + distance(i, $1) } / Double(rows.count - 1) }.min()!
        }
        var measured = 0
        let found = Placer.centralMeans(members: members, strengths: linkage.strengths) { measured += 1; return distance($0, $1) }
        #expect(found == everyMember)
        #expect(measured < members.reduce(0) { $0 + $1.count * $1.count } / 4, "only the members at strength 1 are measured")
        let unsaid = Placer.centralMeans(members: members, strengths: [Double](repeating: 0.5, count: linkage.labels.count), distance: distance)
        #expect(unsaid == everyMember)
    }

    /// HDBSCAN placement in batches equals the predictor's one-query answer and the engine's own search.
    @Test func hdbscanPlacementEqualsOneQueryAtATime() throws {
        let (training, queries) = Self.split(rows: 440, training: 400, seed: 3)
        let result = try HDBSCAN.fit(points: training.points, parameters: HDBSCANParameters(minSamples: 2, minClusterSize: 6))
        let placed = try Placer(features: training, result: result, threads: 2, control: .none).place(queries)
        let predictor = try HDBSCANPredictor(result: result, training: training.points)
        let points = PointSet.sparse(queries, columnGroups: training.points.columnGroups)
        for q in 0..<queries.rowCount {
            #expect(placed[q].prediction == predictor.predict(points, row: q), "query \(q)")
            let near = predictor.engine.nearest(to: points, row: q, k: 5)
            #expect(placed[q].nearest.map(\.index) == near.map { result.treePointRows[$0.index] })
            #expect(placed[q].nearest.map(\.distance) == near.map(\.distance))
        }
    }

    /// Counts in 40 columns, half of them non-zero: the int-counts engine over the dense kernel, whose
    /// eight-rows search answers the queries.
    @Test func densePlacementEqualsTheEnginesOwnSearch() throws {
        var state: UInt64 = 11
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
        var m = SparseMatrix(columnCount: 40)
        for r in 0..<530 { m.appendRow((0..<40).compactMap { c in next() % 2 == 0 ? (Int32(c), Double((next() + UInt64(r % 5)) % 6)) : nil }) }
        let (training, queries) = (FeatureSet(configuration: .full, names: (0..<40).map { ":count:c\($0)" }, matrix: m.selectingRows(Array(0..<500))),
                                   m.selectingRows(Array(500..<530)))
        let result = try HDBSCAN.fit(points: training.points, parameters: HDBSCANParameters(minSamples: 1, minClusterSize: 6))
        let predictor = try HDBSCANPredictor(result: result, training: training.points)
        #expect(predictor.engine is IntCountEngine<DenseKernel>)
        let placed = try Placer(features: training, result: result, threads: 2, control: .none).place(queries)
        let points = PointSet.sparse(queries)
        for q in 0..<queries.rowCount {
            #expect(placed[q].prediction == predictor.predict(points, row: q), "query \(q)")
            let near = predictor.engine.nearest(to: points, row: q, k: 5)
            #expect(placed[q].nearest.map(\.distance) == near.map(\.distance))
            #expect(placed[q].nearest.map(\.index) == near.map { result.treePointRows[$0.index] })
        }
    }

    /// `compare` of counts in the int-counts engine's batches (32 queries against each tile of 512
    /// training rows), a query with a count above 255 among them (the double path): every placement
    /// equals the predictor's one-query answer, and the typical features, counted once per cluster for
    /// all its queries, equal the ones counted for each query alone.
    @Test func batchedCountPlacementEqualsOneQueryAtATime() throws {
        let m = IntCountEngineTests.counts(n: 1_300, d: 60, seed: 51)
        let all = IntCountEngineTests.sparse(m)
        var queries = all.selectingRows(Array(1_200..<1_300))
        let big = queries.row(3)
        queries.appendRow(zip(big.columns, big.values).map { ($0, $0 == big.columns.first ? 300 : $1) })
        let training = FeatureSet(configuration: .full, names: (0..<60).map { ":count:c\($0)" },
                                  matrix: all.selectingRows(Array(0..<1_200)))
        let result = try HDBSCAN.fit(points: training.points, parameters: HDBSCANParameters(minSamples: 2, minClusterSize: 8))
        let predictor = try HDBSCANPredictor(result: result, training: training.points)
        #expect(predictor.engine is any BatchQueryEngine)
        let placer = try Placer(features: training, result: result, threads: 2, control: .none)
        let placed = try placer.place(queries)
        let points = PointSet.sparse(queries)
        var inClusters = 0
        for q in 0..<queries.rowCount {
            #expect(placed[q].prediction == predictor.predict(points, row: q), "query \(q)")
            let near = predictor.engine.nearest(to: points, row: q, k: 5)
            #expect(placed[q].nearest.map(\.distance) == near.map(\.distance))
            #expect(placed[q].nearest.map(\.index) == near.map { result.treePointRows[$0.index] })
            let alone = placer.typicalFeatures(Array(queries.row(q).columns), cluster: placed[q].prediction.label, limit: 8)
            #expect(placed[q].typicalFeatures == alone, "query \(q)")
            if placed[q].prediction.label >= 0 { inClusters += 1; #expect(!alone.isEmpty) }
        }
        #expect(inClusters >= 10, "enough queries land in clusters to compare their typical features")
    }
}
