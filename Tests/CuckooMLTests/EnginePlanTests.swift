import Testing
@testable import CuckooML

/// Each row of `EnginePlan`'s table: an input that selects it, the plan's engine and paths, and the
/// HDBSCAN result on that plan still equal to the hdbscan library's fixture (or, where no fixture has
/// the metric or storage, to the reference engine's spanning tree, edge for edge).
@Suite struct EnginePlanTests {
    typealias R = EngineReference
    static let directory = ClusteringFixtures.directory

    /// Runs HDBSCAN on `plan`'s engine (made with `tuning` and `pointsPerBlock`, as the plan was) and
    /// compares with the fixture `name`. Returns the plan with the path taken.
    @discardableResult
    static func fitMatchesFixture(_ name: String, points: PointSet, plan: EnginePlan, tuning: EngineTuning = .standard,
                                  pointsPerBlock: Int = BitPackedEngine.defaultPointsPerBlock) throws -> EnginePlan {
        let c = try ClusteringFixtures.json(directory + "/\(name).json")
        let parameters = HDBSCANFixtureTests.parameters(c)
        let engine: any PlannedEngine = plan.engine == .bitPacked
            ? BitPackedEngine(plan: plan, metric: parameters.metric, tuning: tuning, pointsPerBlock: pointsPerBlock)
            : NeighbourhoodEngines.make(plan: plan, points: points, metric: parameters.metric) as! any PlannedEngine
        let k = max(1, min(parameters.minSamples, points.count - 1))
        let core = try engine.coreDistances(k: k, control: .none)
        let mst = try engine.minimumSpanningTree(coreDistances: core, alpha: parameters.alpha, control: .none)
        let fitted = HDBSCAN.fitTree(mst: mst, count: points.count, parameters: parameters)
        let result = HDBSCANResult(parameters: parameters, labels: fitted.labels, probabilities: fitted.probabilities,
                                   outlierScores: fitted.outlierScores, persistence: fitted.persistence,
                                   condensedTree: fitted.tree, coreDistances: core)
        HDBSCANFixtureTests.expectParity(result, c, name)
        return engine.planAfterRun
    }

    /// The plan's engine gives the reference engine's core distances and spanning tree, edge for edge.
    @discardableResult
    static func treeMatchesReference(_ points: PointSet, _ metric: DistanceMetric, plan: EnginePlan,
                                     k: Int = 2, alpha: Double = 1) throws -> EnginePlan {
        let engine = NeighbourhoodEngines.make(plan: plan, points: points, metric: metric) as! any PlannedEngine
        let reference = BruteForceEngine(points: points, metric: metric)
        let core = try engine.coreDistances(k: k, control: .none)
        #expect(core == (try reference.coreDistances(k: k, control: .none)))
        let edges = try engine.minimumSpanningTree(coreDistances: core, alpha: alpha, control: .none)
        #expect(edges == (try reference.minimumSpanningTree(coreDistances: core, alpha: alpha, control: .none)))
        return engine.planAfterRun
    }

    static func binary200() throws -> PointSet { try ClusteringFixtures.matrix(Self.directory + "/binary200.csv") }

    @Test func groupJaccard() throws {
        let points = PointSet.dense(R.binary(n: 120, d: 70, seed: 3))
        let plan = EnginePlan.make(points: points, metric: .groupjaccard, threads: 2)
        #expect(plan.engine == .groupJaccard && plan.neighbours == .tiles && plan.spanningTree == .prim)
        #expect(plan.fallbacks.isEmpty && plan.bitKernels == nil)
        let after = try Self.treeMatchesReference(points, .groupjaccard, plan: plan)
        #expect(after.spanningTreeTaken == nil, "no fallback, nothing to report")
    }

    @Test func bitRowGroups() throws {
        let points = try Self.binary200()
        let plan = EnginePlan.make(points: points, metric: .euclidean, threads: 2, tuning: .always)
        #expect(plan.engine == .bitPacked && plan.neighbours == .rowGroups && plan.spanningTree == .rowGroups)
        #expect(plan.fallbacks == [.bitPrim, .prim])
        let after = try Self.fitMatchesFixture("binary200_ms2_mcs5_euclidean", points: points, plan: plan, tuning: .always)
        #expect(after.spanningTreeTaken == .rowGroups)
        // With the default tuning, 200 distinct rows of 200 are not worth grouping.
        #expect(EnginePlan.make(points: points, metric: .euclidean, threads: 2).neighbours == .bitTiles)
    }

    @Test func bitBlocks() throws {
        // binary200 widened to 256 columns of which 224 are zero: euclidean distances are unchanged.
        guard case .sparse(let narrow) = try Self.binary200().storage else { Issue.record("binary200 loads sparse"); return }
        var wide = SparseMatrix(columnCount: 256)
        for i in 0..<narrow.rowCount {
            let r = narrow.row(i)
            wide.appendRow(zip(r.columns, r.values).map { ($0, $1) })
        }
        let points = PointSet.sparse(wide)
        let plan = EnginePlan.make(points: points, metric: .euclidean, threads: 2, tuning: .alwaysUngrouped,
                                   pointsPerBlock: 32)
        #expect(plan.engine == .bitPacked && plan.neighbours == .bitBlocks && plan.spanningTree == .bitBlockPrim)
        #expect(plan.fallbacks == [.prim] && plan.bitKernels != nil)
        let after = try Self.fitMatchesFixture("binary200_ms2_mcs5_euclidean", points: points, plan: plan,
                                               tuning: .alwaysUngrouped, pointsPerBlock: 32)
        #expect(after.spanningTreeTaken == .bitBlockPrim)
    }

    @Test func bitTiles() throws {
        let points = try Self.binary200()
        let plan = EnginePlan.make(points: points, metric: .hamming, threads: 2)
        #expect(plan.engine == .bitPacked && plan.neighbours == .bitTiles && plan.spanningTree == .bitPrim)
        let after = try Self.fitMatchesFixture("binary200_ms3_mcs5_hamming", points: points, plan: plan)
        #expect(after.spanningTreeTaken == .bitPrim)
    }

    @Test func bitGenericForJaccard() throws {
        let points = try Self.binary200()
        let plan = EnginePlan.make(points: points, metric: .jaccard, threads: 2)
        #expect(plan.engine == .bitPacked && plan.neighbours == .tiles && plan.spanningTree == .prim)
        #expect(plan.fallbacks.isEmpty && plan.bitKernels == nil)
        try Self.fitMatchesFixture("binary200_ms1_mcs6_jaccard", points: points, plan: plan)
    }

    @Test func alphaWithoutIntegerRanks() throws {
        // 16 / 1e-308 overflows: the integer trees cannot rank it, so the plan takes Prim at once.
        let points = try Self.binary200()
        let plan = EnginePlan.make(points: points, metric: .manhattan, alpha: 1e-308, threads: 2)
        #expect(plan.neighbours == .bitTiles && plan.spanningTree == .prim && plan.fallbacks.isEmpty)
        #expect(plan.spanningTreeReason.contains("infinite"))
        // Infinite weights: the reference here is the generic Prim on the dense kernel.
        let engine = NeighbourhoodEngines.make(plan: plan, points: points, metric: .manhattan)
        guard case .sparse(let m) = points.storage else { Issue.record("binary200 loads sparse"); return }
        let reference = DenseEngine(m.dense(), metric: .manhattan, threads: 1)
        let core = try engine.coreDistances(k: 2, control: .none)
        #expect(core == (try reference.coreDistances(k: 2, control: .none)))
        #expect(try engine.minimumSpanningTree(coreDistances: core, alpha: 1e-308, control: .none)
                == (try reference.minimumSpanningTree(coreDistances: core, alpha: 1e-308, control: .none)))
    }

    /// With min_samples 1 the mutual reachabilities are the distances, untied in continuous data: Borůvka's
    /// tree stands. With more neighbours, points share core distances, and the ties send it to Prim.
    @Test(arguments: [("dense300_ms1_mcs6", EnginePlan.TreePath.boruvka), ("dense60_ms1_mcs5", .boruvka),
                      ("dense300_ms5_mcs5", .columnarPrim), ("dense60_ms2_mcs4_manhattan", .columnarPrim)])
    func kdTree(name: String, taken: EnginePlan.TreePath) throws {
        let points = try ClusteringFixtures.matrix(Self.directory + "/" + name.prefix { $0 != "_" } + ".csv")
        let metric: DistanceMetric = name.hasSuffix("manhattan") ? .manhattan : .euclidean
        let plan = EnginePlan.make(points: points, metric: metric, threads: 2)
        #expect(plan.engine == .kdTree && plan.neighbours == .kdTree && plan.spanningTree == .boruvka)
        #expect(plan.fallbacks == [.columnarPrim])
        let after = try Self.fitMatchesFixture(name, points: points, plan: plan)
        #expect(after.spanningTreeTaken == taken)
        #expect(after.description.hasSuffix("\nplan: spanning tree taken: " + taken.rawValue
                                            + (taken == .boruvka ? "" : " (fell back)")))
    }

    @Test func kdTreeFallsBackOnTies() throws {
        // A grid of small integers: many tied mutual reachabilities, so Borůvka declines while running.
        let points = PointSet.dense(R.dense(n: 300, d: 2, seed: 52))
        let plan = EnginePlan.make(points: points, metric: .manhattan, threads: 2)
        #expect(plan.engine == .kdTree && plan.spanningTree == .boruvka)
        let after = try Self.treeMatchesReference(points, .manhattan, plan: plan, k: 1)
        #expect(after.spanningTreeTaken == .columnarPrim)
        #expect(after.description.contains("spanning tree taken: columnar-prim (fell back)"))
    }

    @Test func dense() throws {
        let points = try ClusteringFixtures.matrix(Self.directory + "/dense60.csv")
        let plan = EnginePlan.make(points: points, metric: .cosine, threads: 2)
        #expect(plan.engine == .dense && plan.neighbours == .tiles && plan.spanningTree == .prim && plan.fallbacks.isEmpty)
        try Self.fitMatchesFixture("dense60_ms2_mcs5_cosine", points: points, plan: plan)
    }

    @Test func sparse() throws {
        let points = PointSet.sparse(R.sparse(n: 150, d: 40, seed: 9))
        let plan = EnginePlan.make(points: points, metric: .euclidean, threads: 2)
        #expect(plan.engine == .sparse && plan.neighbours == .tiles && plan.spanningTree == .prim)
        try Self.treeMatchesReference(points, .euclidean, plan: plan)
        // Few columns: copied dense, and under euclidean the k-d tree.
        let narrow = PointSet.sparse(R.sparse(n: 150, d: 8, seed: 9))
        #expect(EnginePlan.make(points: narrow, metric: .cosine, threads: 2).engine == .dense)
        #expect(EnginePlan.make(points: narrow, metric: .euclidean, threads: 2).engine == .kdTree)
    }

    @Test func fitReportsThePlan() throws {
        let points = try Self.binary200()
        let parameters = HDBSCANParameters(minSamples: 3, minClusterSize: 5, metric: .hamming)
        let result = try HDBSCAN.fit(points: points, parameters: parameters, threads: 1)
        let plan = try #require(result.plan)
        #expect(plan.engine == .bitPacked && plan.threads == 1 && plan.spanningTreeTaken == .bitPrim)
        #expect(plan.description.hasPrefix("plan: engine bit-packed (every value 0 or 1); k-NN bit-tiles"))
        let dbscan = try DBSCAN.fit(points: points, parameters: DBSCANParameters(eps: 0.3, minSamples: 3, metric: .jaccard))
        #expect(dbscan.plan?.explanation(.dbscan) == "plan: engine bit-packed (every value 0 or 1); radius queries scan every point; 1 thread")
    }
}
