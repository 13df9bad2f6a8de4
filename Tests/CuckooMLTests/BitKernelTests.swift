import CBitKernels
import Testing
@testable import CuckooML

/// The kernels of `CBitKernels` (portable and AVX-512 paths) against the reference, on binary rows that
/// never repeat but tie everywhere: core distances and Prim's exact edge sequence, bit for bit.
@Suite struct BitKernelTests {
    typealias R = EngineReference

    /// n distinct rows of d bits: planted centres with a few flipped bits (ties on every distance), 10%
    /// random rows; a row equal to an earlier one is drawn again.
    static func distinctRows(n: Int, d: Int, seed: UInt64, flips: Double) -> DenseMatrix {
        var r = R.Random(seed: seed)
        let centres = (0..<5).map { _ in (0..<d).map { _ in r.chance(0.3) } }
        var seen = Set<[Bool]>()
        var m = DenseMatrix(rows: n, columns: d)
        var i = 0
        while i < n {
            let row: [Bool] = r.chance(0.1)
                ? (0..<d).map { _ in r.chance(0.3) }
                : centres[r.below(centres.count)].map { r.chance(flips) ? !$0 : $0 }
            guard seen.insert(row).inserted else { continue }
            for c in 0..<d where row[c] { m[i, c] = 1 }
            i += 1
        }
        return m
    }

    /// Engines on each kernel choice, one and two threads, plain and in blocks, with their parallel paths
    /// forced.
    static func engines(_ points: PointSet, _ metric: DistanceMetric) -> [(String, BitPackedEngine)] {
        var out: [(String, BitPackedEngine)] = []
        for choice in [BitKernelChoice.swift, .portable, .vector] {
            for threads in [1, 2] {
                var tuning = EngineTuning.alwaysUngrouped
                tuning.bitKernels = choice
                out.append(("\(choice)-\(threads)", BitPackedEngine(points: points, metric: metric, threads: threads,
                                                                  tuning: tuning)))
                // Blocks of about 20 points: BitBlockPrim (rows of four words or more).
                out.append(("\(choice)-blocks-\(threads)", BitPackedEngine(points: points, metric: metric,
                                                                         threads: threads, tuning: tuning,
                                                                         pointsPerBlock: 20)))
            }
        }
        return out
    }

    @Test(arguments: [(64, 0.04), (64, 0.1), (100, 0.06), (512, 0.03), (700, 0.03)])
    func distinctRowsMatchReference(d: Int, flips: Double) throws {
        // 203 rows: Prim's scans end in part-filled groups of eight and tiles end mid-group.
        let n = 203
        let points = PointSet.dense(Self.distinctRows(n: n, d: d, seed: UInt64(d) * 31 + UInt64(flips * 100), flips: flips))
        for metric in [DistanceMetric.euclidean, .hamming, .jaccard] {
            let table = R.Table(points, metric)
            let engines = Self.engines(points, metric)
            for k in 1...5 {
                let core = table.coreDistances(k: k)
                let mst = table.spanningTree(core: core, alpha: 1)
                var weights = Set<Double>()
                for e in mst { weights.insert(e.weight) }
                // The data must tie: many edges share their weight with another.
                #expect(mst.count - weights.count > mst.count / 8, "d \(d) \(metric) k \(k): \(weights.count) weights")
                for (name, engine) in engines {
                    let gotCore = try engine.coreDistances(k: k, control: .none)
                    #expect(gotCore == core, "d \(d) \(name) \(metric) k \(k): core distances")
                    let got = try engine.minimumSpanningTree(coreDistances: core, alpha: 1, control: .none)
                    let firstDiff = zip(got, mst).enumerated().first { $0.element.0 != $0.element.1 }
                    #expect(firstDiff == nil && got.count == mst.count,
                            "d \(d) \(name) \(metric) k \(k): edge \(String(describing: firstDiff))")
                }
            }
        }
    }

    /// The batch count (RowGroups' scans) equals the pair count for every row, listed or contiguous, at
    /// the one-word width (its own loop) and wider ones.
    @Test(arguments: [1, 2, 8, 11])
    func rowsDifferingManyMatchesPairs(words: Int) {
        var r = R.Random(seed: UInt64(words) * 7 + 1)
        let n = 37
        let rows = (0..<(n * words)).map { _ in r.next() }
        let which: [Int32] = [5, 0, 36, 5, 17, 2]
        for x in [0, 12, 36] {
            let pairs = (0..<n).map { y in rows.withUnsafeBufferPointer {
                cbk_rows_differing($0.baseAddress! + x * words, $0.baseAddress! + y * words, Int64(words)) } }
            var contiguous = [Int32](repeating: -1, count: n - 3)
            var listed = [Int32](repeating: -1, count: which.count)
            rows.withUnsafeBufferPointer { b in
                let base = b.baseAddress!
                cbk_rows_differing_many(base + x * words, base + 3 * words, Int64(words), nil, Int64(n - 3), &contiguous)
                cbk_rows_differing_many(base + x * words, base, Int64(words), which, Int64(which.count), &listed)
            }
            #expect(contiguous == Array(pairs[3...]), "words \(words) row \(x): contiguous")
            #expect(listed == which.map { pairs[Int($0)] }, "words \(words) row \(x): listed")
            #expect(pairs[x] == 0)
        }
    }

    /// alpha ≠ 1 puts d / alpha between the core distances: the kernels read the rank table.
    @Test func rankTableWithAlpha() throws {
        let points = PointSet.dense(Self.distinctRows(n: 150, d: 512, seed: 77, flips: 0.04))
        for metric in [DistanceMetric.euclidean, .manhattan] {
            let table = R.Table(points, metric)
            let core = table.coreDistances(k: 2)
            for alpha in [0.7, 1.3] {
                let mst = table.spanningTree(core: core, alpha: alpha)
                for (name, engine) in Self.engines(points, metric) {
                    let got = try engine.minimumSpanningTree(coreDistances: core, alpha: alpha, control: .none)
                    #expect(got == mst, "\(name) \(metric) alpha \(alpha)")
                }
            }
        }
    }

    /// The whole clustering (the factory's engine, one per core) equals the tree fitted on brute force's
    /// spanning tree.
    @Test func clusteringMatchesBruteForce() throws {
        let points = PointSet.dense(Self.distinctRows(n: 400, d: 64, seed: 5, flips: 0.08))
        for k in [1, 3] {
            let parameters = HDBSCANParameters(minSamples: k, minClusterSize: 6)
            let fast = try HDBSCAN.fit(points: points, parameters: parameters, threads: 0)
            let brute = BruteForceEngine(points: points, metric: .euclidean)
            let core = try brute.coreDistances(k: k, control: .none)
            let mst = try brute.minimumSpanningTree(coreDistances: core, alpha: 1, control: .none)
            let slow = HDBSCAN.fitTree(mst: mst, count: points.count, parameters: parameters)
            #expect(fast.labels == slow.labels && fast.probabilities == slow.probabilities
                    && fast.outlierScores == slow.outlierScores, "k \(k)")
            #expect(Set(fast.labels).count > 2, "k \(k): clusters found")
        }
    }
}
