import Testing
@testable import CuckooML

/// The k-d tree engine gives the naive reference's core distances, spanning tree (every edge, ties and
/// sources included) and radius queries bit for bit, on data full of ties and duplicates and on
/// continuous data, in 0 to 16 dimensions.
@Suite struct KDTreeEngineTests {
    typealias R = EngineReference

    /// Continuous rows: a few Gaussian-ish blobs (sums of uniforms) plus uniform noise.
    static func continuous(n: Int, d: Int, seed: UInt64) -> DenseMatrix {
        var r = R.Random(seed: seed)
        func uniform() -> Double { Double(r.next() >> 11) / Double(1 << 53) }
        let centres = (0..<4).map { _ in (0..<d).map { _ in uniform() * 20 } }
        var m = DenseMatrix(rows: n, columns: d)
        for i in 0..<n {
            let noise = r.chance(0.1)
            let centre = centres[r.below(centres.count)]
            for c in 0..<d {
                m[i, c] = noise ? uniform() * 20 : centre[c] + (uniform() + uniform() + uniform() - 1.5)
            }
        }
        return m
    }

    func check(_ m: DenseMatrix, label: String, minSamples: [Int] = [1, 2, 3, 5]) throws {
        let points = PointSet.dense(m)
        for metric in [DistanceMetric.euclidean, .manhattan] {
            let engine = KDTreeEngine(m, metric: metric, threads: 2)
            let table = R.Table(points, metric)
            for k in minSamples {
                let core = table.coreDistances(k: k)
                let got = try engine.coreDistances(k: k, control: .none)
                #expect(got == core, "\(label) \(metric) k=\(k): core distances")
                for alpha in [1.0, 0.7] {
                    let want = table.spanningTree(core: core, alpha: alpha)
                    let edges = try engine.minimumSpanningTree(coreDistances: core, alpha: alpha, control: .none)
                    let firstDiff = zip(edges, want).enumerated().first { $0.element.0 != $0.element.1 }
                    #expect(firstDiff == nil && edges.count == want.count,
                            "\(label) \(metric) k=\(k) alpha=\(alpha): edge \(String(describing: firstDiff))")
                }
            }
            for row in stride(from: 0, to: m.rows, by: max(1, m.rows / 9)) {
                for radius in [table.sorted[row][min(4, m.rows - 1)], 0] {
                    let want = (0..<m.rows).filter { $0 == row || table.d[row][$0] <= radius }
                    #expect(engine.neighbours(of: row, within: radius) == want, "\(label) \(metric) within \(row)")
                }
            }
        }
    }

    @Test(arguments: [1, 2, 3, 8] as [Int])
    func gridWithTiesAndDuplicates(dimension: Int) throws {
        try check(R.dense(n: 400, d: dimension, seed: UInt64(50 + dimension)), label: "grid d=\(dimension)")
    }

    @Test(arguments: [2, 8, 16] as [Int])
    func continuousBlobs(dimension: Int) throws {
        try check(Self.continuous(n: 500, d: dimension, seed: UInt64(70 + dimension)), label: "blobs d=\(dimension)")
    }

    @Test func degenerateShapes() throws {
        try check(DenseMatrix(rows: 40, columns: 3, values: [Double](repeating: 1.5, count: 120)), label: "identical")
        try check(DenseMatrix(rows: 30, columns: 0), label: "no columns")
        try check(DenseMatrix(rows: 2, columns: 2, values: [0, 0, 3, 4]), label: "two points")
        try check(DenseMatrix(rows: 1, columns: 2, values: [1, 2]), label: "one point", minSamples: [1])
    }

    /// Large enough for the tree to have many levels and the core distances to run on two threads.
    @Test func thousandsOfPoints() throws {
        let m = Self.continuous(n: 3_000, d: 8, seed: 91)
        let engine = KDTreeEngine(m, metric: .euclidean, threads: 2)
        let reference = DenseEngine(m, metric: .euclidean, threads: 2)
        for k in [1, 4] {
            let core = try reference.coreDistances(k: k, control: .none)
            #expect(try engine.coreDistances(k: k, control: .none) == core)
            #expect(try engine.minimumSpanningTree(coreDistances: core, alpha: 1, control: .none)
                    == reference.minimumSpanningTree(coreDistances: core, alpha: 1, control: .none))
        }
    }

    @Test func factoryChoosesTheTreeForFewColumns() {
        let few = PointSet.dense(R.dense(n: 50, d: 8, seed: 1))
        #expect(NeighbourhoodEngines.make(points: few, metric: .euclidean) is KDTreeEngine)
        #expect(NeighbourhoodEngines.make(points: few, metric: .manhattan) is KDTreeEngine)
        #expect(!(NeighbourhoodEngines.make(points: few, metric: .cosine) is KDTreeEngine))
        let many = PointSet.dense(R.dense(n: 50, d: 40, seed: 1))
        #expect(!(NeighbourhoodEngines.make(points: many, metric: .euclidean) is KDTreeEngine))
    }
}

/// Borůvka's path answers only when the minimum tree is provably unique, and then with Prim's edges.
@Suite struct BoruvkaSpanningTreeTests {
    typealias R = EngineReference

    /// Runs Borůvka without and with neighbour lists settling nearest outside points; both must agree.
    func boruvka(_ m: DenseMatrix, metric: DistanceMetric, core: [Double], alpha: Double) throws -> [MSTEdge]? {
        let tree = m.values.withUnsafeBufferPointer {
            KDTree(values: $0.baseAddress!, rows: m.rows, columns: m.columns, metric: metric)
        }
        let plain = try BoruvkaSpanningTree(tree: tree, coreDistances: core, alpha: alpha, threads: 2).run(control: .none)
        let lists = try tree.neighbourLists(width: KDTreeEngine.listWidth, threads: 2, control: .none)
        let seeded = try BoruvkaSpanningTree(tree: tree, coreDistances: core, alpha: alpha, threads: 2, neighbours: lists)
            .run(control: .none)
        #expect(plain == seeded, "seeding from neighbour lists changed the result")
        return plain
    }

    @Test(arguments: [2, 5, 8] as [Int])
    func continuousDataTakesTheFastPath(dimension: Int) throws {
        let m = KDTreeEngineTests.continuous(n: 700, d: dimension, seed: UInt64(300 + dimension))
        for metric in [DistanceMetric.euclidean, .manhattan] {
            let table = R.Table(.dense(m), metric)
            for alpha in [1.0, 0.7] {
                let core = table.coreDistances(k: 1)
                let edges = try boruvka(m, metric: metric, core: core, alpha: alpha)
                #expect(edges != nil, "d=\(dimension) \(metric) alpha=\(alpha): no tie expected")
                #expect(edges == table.spanningTree(core: core, alpha: alpha), "d=\(dimension) \(metric) alpha=\(alpha)")
            }
        }
    }

    /// Groups of very different sizes and spreads, one holding most points (it becomes the giant
    /// component), some stretched along one axis, with a little uniform noise: subtrees of one component
    /// are searched from the points outside them, and the giant's least is found from outside it.
    @Test(arguments: [1, 2, 3] as [Int])
    func groupsAroundAGiant(dimension: Int) throws {
        for seed in 0..<4 {
            var r = R.Random(seed: UInt64(900 + 10 * dimension + seed))
            func uniform() -> Double { Double(r.next() >> 11) / Double(1 << 53) }
            let n = 500 + 100 * seed
            let centres = (0..<6).map { _ in (0..<dimension).map { _ in uniform() * 40 } }
            let spreads = (0..<6).map { g in g == 0 ? 1.0 : 0.2 + uniform() * 3 }
            let stretch = (0..<6).map { _ in 1 + uniform() * 8 }
            var m = DenseMatrix(rows: n, columns: dimension)
            for i in 0..<n {
                let noise = r.chance(0.05)
                let g = r.chance(0.6) ? 0 : 1 + r.below(5)
                for c in 0..<dimension {
                    m[i, c] = noise ? uniform() * 40
                        : centres[g][c] + (uniform() - 0.5) * spreads[g] * (c == 0 ? stretch[g] : 1)
                }
            }
            for metric in [DistanceMetric.euclidean, .manhattan] {
                let table = R.Table(.dense(m), metric)
                for alpha in [1.0, 0.7] {
                    let core = table.coreDistances(k: 1)
                    let edges = try boruvka(m, metric: metric, core: core, alpha: alpha)
                    #expect(edges != nil, "d=\(dimension) seed \(seed) \(metric) alpha=\(alpha): no tie expected")
                    #expect(edges == table.spanningTree(core: core, alpha: alpha),
                            "d=\(dimension) seed \(seed) \(metric) alpha=\(alpha)")
                }
            }
        }
    }

    @Test func tiesFallBackToPrim() throws {
        let m = R.dense(n: 300, d: 3, seed: 7)
        let table = R.Table(.dense(m), .euclidean)
        #expect(try boruvka(m, metric: .euclidean, core: table.coreDistances(k: 1), alpha: 1) == nil)
        // With min_samples > 1 many weights equal a core distance.
        let blobs = KDTreeEngineTests.continuous(n: 300, d: 4, seed: 8)
        let blobTable = R.Table(.dense(blobs), .euclidean)
        #expect(try boruvka(blobs, metric: .euclidean, core: blobTable.coreDistances(k: 4), alpha: 1) == nil)
    }

    @Test func overflowingDistancesFallBackToPrim() throws {
        let m = DenseMatrix(rows: 3, columns: 1, values: [-1e308, 0, 1e308])
        let edges = try boruvka(m, metric: .euclidean, core: [Double.infinity, .infinity, .infinity], alpha: 1)
        #expect(edges == nil)
    }
}
