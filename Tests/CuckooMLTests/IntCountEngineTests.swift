import Testing
@testable import CuckooML

/// The int-counts engine (integer counts 0...255, euclidean or manhattan, alpha 1): the plan picks it
/// only where it applies, its core distances and spanning tree equal the reference engine's bit for bit
/// (ties, duplicate rows, every kernel path, one and two threads, dense and sparse storage), and HDBSCAN
/// on it equals the hdbscan library's fixtures (`scripts/make-count-fixtures.py`; the fixture suite also
/// runs them through `HDBSCAN.fit`, condensed trees included).
@Suite(.serialized) struct IntCountEngineTests {
    typealias R = EngineReference
    static let directory = ClusteringFixtures.directory

    /// Counts like the filtered 2016 features: binary columns and small counts around planted rows, a
    /// few large values up to `cap` (255, or 127 for the AVX2 byte products, which then take the value
    /// itself), noise rows and a quarter of the rows exact copies (ties everywhere).
    static func counts(n: Int, d: Int, seed: UInt64, cap: Int = 255) -> DenseMatrix {
        var r = R.Random(seed: seed)
        let centres = (0..<4).map { _ in (0..<d).map { c in c % 2 == 0 ? Double(r.below(2)) : Double(r.below(6)) } }
        var m = DenseMatrix(rows: n, columns: d)
        for i in 0..<n {
            if i > 0 && r.chance(0.25) {
                let j = r.below(i)
                for c in 0..<d { m[i, c] = m[j, c] }
            } else if r.chance(0.1) {
                for c in 0..<d { m[i, c] = Double(r.below(c % 2 == 0 ? 2 : 9)) }
            } else {
                let centre = centres[r.below(centres.count)]
                for c in 0..<d {
                    var v = centre[c]
                    if c % 2 == 0 { if r.chance(0.05) { v = 1 - v } } else if r.chance(0.2) { v = max(0, v + Double(r.below(5) - 2)) }
                    if r.chance(0.004) { v = Double(min(cap, 200 + r.below(56))) }
                    m[i, c] = v
                }
            }
        }
        return m
    }

    static func sparse(_ m: DenseMatrix) -> SparseMatrix {
        var s = SparseMatrix(columnCount: m.columns)
        for i in 0..<m.rows { s.appendRow(m.row(i).enumerated().filter { $0.element != 0 }.map { (Int32($0.offset), $0.element) }) }
        return s
    }

    /// Int-counts engines on `points` under every tuning worth telling apart.
    static func engines(_ points: PointSet, _ metric: DistanceMetric) -> [(String, any PlannedEngine)] {
        guard let plan = EnginePlan.intCounts(points: points, metric: metric, alpha: 1, threads: 2) else { return [] }
        var one = plan
        one.threads = 1
        var out: [(String, any PlannedEngine)] = []
        // The portable loops, the 16-bit differences (AVX-512BW, else AVX2) and (euclidean) the byte dot
        // products on a VNNI CPU and the byte products on AVX2 (values up to 127, else the differences).
        for tiles in IntTileKernel.available where tiles != .wordDotProducts && (!tiles.euclideanOnly || metric == .euclidean) {
            let tag = "\(tiles)"
            switch points.storage {
            case .dense(let m):
                out.append(("dense-\(tag)", IntCountEngine(points: points, kernel: DenseKernel(m, metric: metric), metric: metric,
                                                           plan: plan, tuning: .always, tiles: tiles)))
                out.append(("dense-\(tag)-1", IntCountEngine(points: points, kernel: DenseKernel(m, metric: metric), metric: metric,
                                                             plan: one, tuning: EngineTuning(tile: 48), tiles: tiles)))
            case .sparse(let m):
                out.append(("sparse-\(tag)", IntCountEngine(points: points, kernel: SparseKernel(m, metric: metric), metric: metric,
                                                            plan: plan, tuning: .always, tiles: tiles)))
            }
        }
        out.append(("factory", NeighbourhoodEngines.make(plan: plan, points: points, metric: metric) as! any PlannedEngine))
        return out
    }

    /// The tile kernel an engine of `engines` runs (dense ones).
    static func tiles(_ engine: any PlannedEngine) -> IntTileKernel? {
        (engine as? IntCountEngine<DenseKernel>)?.tiles ?? (engine as? IntCountEngine<SparseKernel>)?.tiles
    }

    // Capped at 127, the AVX2 byte products run on the value 127 itself, one and two threads.
    @Test(arguments: [(150, 40, 31, 255), (97, 17, 32, 255), (130, 301, 33, 255), (150, 40, 34, 127), (131, 339, 35, 127)]
            as [(Int, Int, UInt64, Int)])
    func equalsReference(n: Int, d: Int, seed: UInt64, cap: Int) throws {
        let m = Self.counts(n: n, d: d, seed: seed, cap: cap)
        #expect(cap == 255 || m.values.max() == Double(cap), "the cap value itself is in the rows")
        for points in [PointSet.dense(m), .sparse(Self.sparse(m))] {
            for metric in [DistanceMetric.euclidean, .manhattan] {
                let reference = BruteForceEngine(points: points, metric: metric)
                let engines = Self.engines(points, metric)
                #expect(engines.count >= 2, "the plan picks int-counts for \(n)×\(d) counts under \(metric)")
                let small = engines.filter { Self.tiles($0.1) == .bitsAndBytes }.count
                let expected = IntTileKernel.bitsAndBytesAvailable && cap <= 127 && metric == .euclidean
                #expect((small > 0) == expected, "\(metric) cap \(cap): the AVX2 byte products run where they apply")
                for k in [1, 2, 5, n - 1] {
                    let core = try reference.coreDistances(k: k, control: .none)
                    let mst = try reference.minimumSpanningTree(coreDistances: core, alpha: 1, control: .none)
                    for (name, engine) in engines {
                        #expect(try engine.coreDistances(k: k, control: .none) == core, "\(name) \(metric) k=\(k): core distances")
                        let got = try engine.minimumSpanningTree(coreDistances: core, alpha: 1, control: .none)
                        let first = zip(got, mst).enumerated().first { $0.element.0 != $0.element.1 }
                        #expect(first == nil && got.count == mst.count, "\(name) \(metric) k=\(k): edge \(String(describing: first))")
                        #expect(engine.spanningTreeTaken == .intPrim, "\(name): the integer tree ran")
                    }
                }
                let last = try reference.coreDistances(k: n - 1, control: .none)
                for (name, engine) in engines {
                    #expect(try engine.coreDistances(k: n + 3, control: .none) == last, "\(name): k clipped to n − 1")
                    #expect(try engine.coreDistances(k: 0, control: .none) == [Double](repeating: 0, count: n), "\(name): k 0")
                    #expect(engine.distance(3, 7) == reference.distance(3, 7), "\(name) distance")
                    #expect(engine.nearest(to: points, row: 5, k: 4) == reference.nearest(to: points, row: 5, k: 4), "\(name) nearest")
                }
            }
        }
    }

    /// Core distances given from outside that are not integer distances (or alpha ≠ 1): the generic
    /// Prim runs, with the same result as the reference.
    @Test func fallsBackToPrim() throws {
        let points = PointSet.dense(Self.counts(n: 120, d: 30, seed: 41))
        for metric in [DistanceMetric.euclidean, .manhattan] {
            let reference = BruteForceEngine(points: points, metric: metric)
            var core = try reference.coreDistances(k: 3, control: .none)
            core[7] += 0.25
            core[9] = -0.0
            for (alpha, given) in [(1.0, core), (0.7, try reference.coreDistances(k: 3, control: .none))] {
                let mst = try reference.minimumSpanningTree(coreDistances: given, alpha: alpha, control: .none)
                for (name, engine) in Self.engines(points, metric) {
                    let got = try engine.minimumSpanningTree(coreDistances: given, alpha: alpha, control: .none)
                    #expect(got == mst, "\(name) \(metric) alpha \(alpha)")
                    #expect(engine.spanningTreeTaken == .prim, "\(name): fell back")
                    #expect(engine.planAfterRun.description.contains("spanning tree taken: prim (fell back)"))
                }
            }
        }
    }

    @Test func integerOfADistance() {
        #expect(IntPrim.integer(Double(12).squareRoot(), euclidean: true) == 12)
        #expect(IntPrim.integer(0, euclidean: true) == 0)
        #expect(IntPrim.integer(-0.0, euclidean: true) == nil)
        #expect(IntPrim.integer(1.5, euclidean: true) == nil)
        #expect(IntPrim.integer(1.5, euclidean: false) == nil)
        #expect(IntPrim.integer(7, euclidean: false) == 7)
        #expect(IntPrim.integer(.infinity, euclidean: false) == nil)
        #expect(IntPrim.integer(.nan, euclidean: true) == nil)
    }

    @Test func planPicksIt() throws {
        let points = try ClusteringFixtures.matrix(Self.directory + "/counts300.csv")
        for metric in [DistanceMetric.euclidean, .manhattan] {
            let plan = EnginePlan.make(points: points, metric: metric, threads: 2)
            #expect(plan.engine == .intCounts && plan.neighbours == .intTiles && plan.spanningTree == .intPrim)
            #expect(plan.fallbacks == [.prim] && plan.bitKernels == nil)
            #expect(plan.description.hasPrefix(
                "plan: engine int-counts (every value an integer 0...255, 40 columns, under \(metric.rawValue)); k-NN int-tiles (exact integer distances in tiles, "))
            #expect(plan.description.contains("spanning tree int-prim (Prim on exact integer distances), may fall back to prim"))
        }
        let sparse = PointSet.sparse(Self.sparse(Self.counts(n: 60, d: 20, seed: 5)))
        #expect(EnginePlan.make(points: sparse, metric: .euclidean, threads: 2).engine == .intCounts)
    }

    @Test func planDoesNotPickIt() throws {
        let m = Self.counts(n: 60, d: 20, seed: 6)
        func engine(_ change: (inout DenseMatrix) -> Void, _ metric: DistanceMetric = .euclidean, alpha: Double = 1) -> EnginePlan.Engine {
            var copy = m
            change(&copy)
            return EnginePlan.make(points: .dense(copy), metric: metric, alpha: alpha, threads: 2).engine
        }
        #expect(engine({ _ in }) == .intCounts)
        #expect(engine({ $0[3, 4] = 2.5 }) == .dense, "a fraction")
        #expect(engine({ $0[3, 4] = 256 }) == .dense, "above 255")
        #expect(engine({ $0[3, 4] = -1 }) == .dense, "negative")
        #expect(engine({ _ in }, .cosine) == .dense, "not an integer sum")
        #expect(engine({ _ in }, alpha: 0.7) == .dense, "alpha 0.7")
        #expect(engine({ m in for i in 0..<m.rows { for c in 0..<m.columns where m[i, c] > 1 { m[i, c] = 1 } } }) == .bitPacked)
        let narrow = PointSet.dense(Self.counts(n: 60, d: 16, seed: 7))
        #expect(EnginePlan.make(points: narrow, metric: .euclidean, threads: 2).engine == .kdTree, "16 columns: the k-d tree")
    }

    @Test(arguments: ["counts300_ms1_mcs6", "counts300_ms4_mcs5", "counts300_ms2_mcs4_manhattan",
                      "counts300_ms3_mcs5_manhattan_leaf", "counts1200_ms1_mcs6", "counts1200_ms5_mcs10_manhattan"])
    func matchesTheLibrary(name: String) throws {
        let c = try ClusteringFixtures.json(Self.directory + "/\(name).json")
        let points = try ClusteringFixtures.matrix(Self.directory + "/\(c["data"] as! String).csv")
        let metric = HDBSCANFixtureTests.parameters(c).metric
        let plan = EnginePlan.make(points: points, metric: metric, threads: 2)
        #expect(plan.engine == .intCounts)
        let after = try EnginePlanTests.fitMatchesFixture(name, points: points, plan: plan)
        #expect(after.spanningTreeTaken == .intPrim)
        let fitted = try HDBSCAN.fit(points: points, parameters: HDBSCANFixtureTests.parameters(c))
        #expect(fitted.plan?.engine == .intCounts && fitted.plan?.spanningTreeTaken == .intPrim)
    }
}
