import Testing
@testable import CuckooML

/// Every engine's core distances, spanning tree (the exact edge sequence, ties included), k-NN and
/// radius queries equal a naive reference written from the definitions, bit for bit.
@Suite(.serialized) struct FastEngineTests {
    typealias R = EngineReference

    static let metrics = DistanceMetric.allCases

    /// Checks one point set against the reference for min_samples 1...5 and two alphas.
    func check(_ points: PointSet, seed: UInt64, metrics: [DistanceMetric] = FastEngineTests.metrics,
               minSamples: [Int] = [1, 2, 3, 4, 5]) throws {
        for metric in metrics {
            let engines = R.engines(points, metric)
            let table = R.Table(points, metric)
            for k in minSamples {
                let core = table.coreDistances(k: k)
                for (name, engine) in engines {
                    let got = try engine.coreDistances(k: k, control: .none)
                    let firstDiff = zip(got, core).enumerated().first { $0.element.0 != $0.element.1 }
                    #expect(firstDiff == nil && got.count == core.count,
                            "seed \(seed) \(name) \(metric) k=\(k): core distances differ at \(String(describing: firstDiff))")
                }
                for alpha in (k == 1 || k == 3 ? [1.0, 0.7] : [1.0]) {
                    let mst = table.spanningTree(core: core, alpha: alpha)
                    for (name, engine) in engines {
                        let got = try engine.minimumSpanningTree(coreDistances: core, alpha: alpha, control: .none)
                        let firstDiff = zip(got, mst).enumerated().first { $0.element.0 != $0.element.1 }
                        #expect(firstDiff == nil && got.count == mst.count,
                                "seed \(seed) \(name) \(metric) k=\(k) alpha=\(alpha): edge \(String(describing: firstDiff))")
                    }
                }
            }
            for (name, engine) in engines {
                for row in stride(from: 0, to: points.count, by: max(1, points.count / 7)) {
                    let byDistance = (0..<points.count).sorted { (table.d[row][$0], $0) < (table.d[row][$1], $1) }
                    for k in [1, 3, 12] {
                        let want = byDistance.prefix(k).map { Neighbour(index: $0, distance: table.d[row][$0]) }
                        #expect(engine.nearest(to: points, row: row, k: k) == want,
                                "seed \(seed) \(name) \(metric) nearest row \(row) k=\(k)")
                    }
                    let radius = table.sorted[row][4]
                    let want = (0..<points.count).filter { $0 == row || table.d[row][$0] <= radius }
                    #expect(engine.neighbours(of: row, within: radius) == want,
                            "seed \(seed) \(name) \(metric) neighbours of \(row)")
                    #expect(engine.distance(row, 0) == table.d[row][0],
                            "seed \(seed) \(name) \(metric) distance")
                }
            }
        }
    }

    @Test(arguments: [11, 12] as [UInt64])
    func binary64(seed: UInt64) throws {
        try check(.dense(R.binary(n: 150, d: 64, seed: seed)), seed: seed)
    }

    @Test func binary512() throws {
        try check(.dense(R.binary(n: 120, d: 512, seed: 21)), seed: 21)
    }

    /// Six columns give at most 64 distinct rows, so the factory's bit engine works on row groups too.
    @Test func binaryFewDistinctRows() throws {
        let points = PointSet.dense(R.binary(n: 160, d: 6, seed: 41))
        let engine = NeighbourhoodEngines.make(points: points, metric: .euclidean, threads: 2)
        #expect((engine as? BitPackedEngine)?.groups != nil)
        try check(points, seed: 41)
    }

    /// Rows that do not repeat (no copies), as after `dedup`: the integer k-NN and Prim of the plain bit
    /// path, at the widths with their own code (one word, eight words, any other).
    @Test(arguments: [(64, 171), (512, 172), (300, 173)] as [(Int, UInt64)])
    func binaryDistinctRows(d: Int, seed: UInt64) throws {
        let points = PointSet.dense(R.binary(n: 110, d: d, seed: seed, copies: 0))
        #expect((NeighbourhoodEngines.make(points: points, metric: .euclidean) as? BitPackedEngine)?.groups == nil)
        // Jaccard and cosine take the generic drivers, tested above.
        try check(points, seed: seed, metrics: [.euclidean, .manhattan, .hamming])
    }

    /// Prim on ranks with core distances that are not distances of the data (values between and equal
    /// to the table's, repeated), and alphas that make d / alpha fall between them: the same tree as
    /// the reference's doubles.
    @Test(arguments: [8, 1, 5])
    func bitPrimArbitraryCoreDistances(words: Int) throws {
        let d = words == 1 ? 40 : words * 64 - 10
        let points = PointSet.dense(R.binary(n: 140, d: d, seed: UInt64(180 + words), copies: 0.1))
        var r = R.Random(seed: 190)
        let core = (0..<140).map { _ in
            r.chance(0.5) ? Double(r.below(2 * d)).squareRoot() : Double(r.below(400)) * 0.1
        }
        for metric in [DistanceMetric.euclidean, .manhattan, .hamming] {
            let table = R.Table(points, metric)
            for alpha in [1.0, 0.7, 1.3] {
                let want = table.spanningTree(core: core, alpha: alpha)
                for (tuning, perBlock) in [(EngineTuning.alwaysUngrouped, 1_000), (EngineTuning(groups: 0), 1_000),
                                               (.alwaysUngrouped, 5), (EngineTuning(groups: 0), 30)] {
                    let engine = BitPackedEngine(points: points, metric: metric, threads: 2, tuning: tuning,
                                                 pointsPerBlock: perBlock)
                    let got = try engine.minimumSpanningTree(coreDistances: core, alpha: alpha, control: .none)
                    let firstDiff = zip(got, want).enumerated().first { $0.element.0 != $0.element.1 }
                    #expect(firstDiff == nil && got.count == want.count,
                            "\(metric) alpha \(alpha) words \(words): \(String(describing: firstDiff))")
                }
            }
        }
    }

    /// Core distances that are not plain finite numbers send Prim back to the generic driver.
    @Test func bitPrimRefusesNegativeZero() {
        let points = PointSet.dense(R.binary(n: 20, d: 64, seed: 200, copies: 0))
        let engine = BitPackedEngine(points: points, metric: .euclidean, threads: 1, tuning: .alwaysUngrouped)
        var core = [Double](repeating: 1, count: 20)
        #expect(BitPrim(kernel: engine.kernel, width: OneWord(), coreDistances: core, alpha: 1) != nil)
        core[3] = -0.0
        #expect(BitPrim(kernel: engine.kernel, width: OneWord(), coreDistances: core, alpha: 1) == nil)
        core[3] = .nan
        #expect(BitPrim(kernel: engine.kernel, width: OneWord(), coreDistances: core, alpha: 1) == nil)
    }

    @Test func binaryOddWidthFromSparse() throws {
        let m = R.binary(n: 130, d: 100, seed: 31)
        var s = SparseMatrix(columnCount: m.columns)
        for i in 0..<m.rows { s.appendRow(m.row(i).enumerated().map { (Int32($0.offset), $0.element) }) }
        try check(.sparse(s), seed: 31)
    }

    @Test func dense8() throws {
        try check(.dense(R.dense(n: 160, d: 8, seed: 41)), seed: 41)
    }

    @Test func sparseNonBinary() throws {
        try check(.sparse(R.sparse(n: 140, d: 40, seed: 51)), seed: 51)
    }

    @Test func factoryChoosesByData() {
        let bits = NeighbourhoodEngines.make(points: .dense(R.binary(n: 10, d: 64, seed: 1)), metric: .jaccard)
        let dense = NeighbourhoodEngines.make(points: .dense(R.dense(n: 10, d: 8, seed: 1)), metric: .euclidean)
        let sparse = NeighbourhoodEngines.make(points: .sparse(R.sparse(n: 10, d: 40, seed: 1)), metric: .euclidean)
        let narrowSparse = NeighbourhoodEngines.make(points: .sparse(R.sparse(n: 10, d: 8, seed: 1)), metric: .euclidean)
        #expect(bits is BitPackedEngine)
        #expect(dense is KDTreeEngine)
        #expect(sparse is SparseEngine)
        #expect(narrowSparse is KDTreeEngine)
    }

    @Test func nonBinaryQueryOnBitEngine() {
        let points = PointSet.dense(R.binary(n: 60, d: 64, seed: 61))
        var q = DenseMatrix(rows: 1, columns: 64)
        for c in 0..<64 { q[0, c] = Double(c % 3) * 0.5 }
        for metric in Self.metrics {
            let engine = NeighbourhoodEngines.make(points: points, metric: metric)
            #expect(engine.nearest(to: .dense(q), row: 0, k: 5) == R.nearest(points, metric, query: .dense(q), row: 0, k: 5),
                    "seed 61 \(metric)")
        }
    }

    @Test func tinyInputs() throws {
        for n in 0...3 {
            let points = PointSet.dense(R.dense(n: n, d: 2, seed: 71))
            let engine = NeighbourhoodEngines.make(points: points, metric: .euclidean)
            let core = try engine.coreDistances(k: 5, control: .none)
            let table = R.Table(points, .euclidean)
            #expect(core == table.coreDistances(k: 5))
            let mst = try engine.minimumSpanningTree(coreDistances: core, alpha: 1, control: .none)
            #expect(mst == (n == 0 ? [] : table.spanningTree(core: core, alpha: 1)))
        }
    }

    @Test func cancellationStopsBothPhases() {
        let points = PointSet.dense(R.binary(n: 3_000, d: 64, seed: 81))
        let engine = NeighbourhoodEngines.make(points: points, metric: .hamming)
        let stop = TaskControl(isCancelled: { true })
        #expect(throws: Interrupted.self) { try engine.coreDistances(k: 2, control: stop) }
        let core = [Double](repeating: 0, count: 3_000)
        #expect(throws: Interrupted.self) { try engine.minimumSpanningTree(coreDistances: core, alpha: 1, control: stop) }
    }
}
