import Foundation
import Testing
@testable import CuckooML

/// Complete linkage cut at t against scipy (`Fixtures/families/linkage.json`, made by
/// `scripts/oracle-families.py`): `partitions` on the plain matrix, `cut_partitions` on the matrix with
/// every distance beyond the cut set to one value (what `CompleteLinkage` computes), and every path
/// (all pairs, per component over all its pairs, per component over its pairs ≤ t) against each other.
@Suite("complete linkage")
struct CompleteLinkageTests {
    struct Case {
        var name: String
        var names: [String]?
        var rows: [[Int]]?
        var distances: [Double]
        var thresholds: [Double]
        var partitions: [String: [Int]]
        var cutPartitions: [String: [Int]]
        func plain(_ t: Double) -> [Int] { partitions[String(describing: t)] ?? partitions["\(t)"]! }
        func cut(_ t: Double) -> [Int] { cutPartitions[String(describing: t)] ?? cutPartitions["\(t)"]! }
        /// n from n(n−1)/2 pairs.
        var n: Int {
            let root = (1 + 8 * Double(distances.count)).squareRoot()
            return Int(((1 + root) / 2).rounded())
        }
    }

    static let cases: [Case] = {
        let url = URL(fileURLWithPath: TestSupport.fixtures + "/families/linkage.json")
        let json = try! JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        return (json["cases"] as! [[String: Any]]).map { c in
            Case(name: c["name"] as! String, names: c["names"] as? [String],
                 rows: (c["rows"] as? [[NSNumber]])?.map { $0.map(\.intValue) },
                 distances: (c["distances"] as! [String]).map { Double($0)! },
                 thresholds: (c["thresholds"] as! [NSNumber]).map(\.doubleValue),
                 partitions: (c["partitions"] as! [String: [NSNumber]]).mapValues { $0.map(\.intValue) },
                 cutPartitions: (c["cut_partitions"] as! [String: [NSNumber]]).mapValues { $0.map(\.intValue) })
        }
    }()

    /// A partition as sets of rows, comparable whatever the numbering (scipy numbers singletons too).
    static func blocks(_ labels: [Int], singletonsAreNoise: Bool) -> Set<Set<Int>> {
        var by: [Int: Set<Int>] = [:]
        for (i, l) in labels.enumerated() where !(singletonsAreNoise && l < 0) { by[l, default: []].insert(i) }
        var out = Set(by.values)
        if singletonsAreNoise { for (i, l) in labels.enumerated() where l < 0 { out.insert([i]) } }
        return out
    }

    static func blocks(roots: [Int]) -> Set<Set<Int>> {
        var by: [Int: Set<Int>] = [:]
        for (i, r) in roots.enumerated() { by[r, default: []].insert(i) }
        return Set(by.values)
    }

    static func condensedIndex(_ n: Int, _ a: Int, _ b: Int) -> Int {
        let (i, j) = a < b ? (a, b) : (b, a)
        return n * i - i * (i + 1) / 2 + j - i - 1
    }

    static func points(_ c: Case) -> PointSet {
        var m = SparseMatrix(columnCount: c.names!.count)
        for r in c.rows! { m.appendRow(r.map { (Int32($0), 1.0) }) }
        return .sparse(m, columnGroups: ColumnGroups(featureNames: c.names!))
    }

    static func edges(_ c: Case, threshold t: Double) -> [LinkageEdge] {
        var out: [LinkageEdge] = []
        for i in 0..<c.n { for j in (i + 1)..<c.n where c.distances[condensedIndex(c.n, i, j)] <= t {
            out.append(LinkageEdge(a: Int32(i), b: Int32(j), distance: c.distances[condensedIndex(c.n, i, j)]))
        } }
        return out
    }

    /// On grouped binary rows: the distances equal the fixture's bit for bit, and `fit` gives scipy's
    /// partition at every cut on the cut matrix and (these rows never meet the tie that separates the
    /// two) on the plain one, ties and duplicates included.
    @Test(arguments: cases.filter { $0.rows != nil }.map(\.name))
    func groupedRowsEqualScipy(name: String) throws {
        let c = Self.cases.first { $0.name == name }!
        let points = Self.points(c)
        let engine = NeighbourhoodEngines.make(points: points, metric: .groupjaccard)
        for i in 0..<c.n { for j in (i + 1)..<c.n {
            #expect(engine.distance(i, j).bitPattern == c.distances[Self.condensedIndex(c.n, i, j)].bitPattern)
        } }
        for t in c.thresholds {
            let result = try CompleteLinkage.fit(points: points, parameters: LinkageParameters(threshold: t, metric: .groupjaccard))
            let got = Self.blocks(result.labels, singletonsAreNoise: true)
            #expect(got == Self.blocks(c.cut(t), singletonsAreNoise: false), "\(name) t=\(t)")
            #expect(got == Self.blocks(c.plain(t), singletonsAreNoise: false), "\(name) t=\(t)")
        }
    }

    /// The paths used above `exhaustiveLimit` (per component, over all its pairs or over its pairs ≤ t,
    /// on 1 or 2 threads) give exactly the partition of the all-pairs path, on the same rows.
    @Test func componentPathsEqualAllPairsOnGroupedRows() throws {
        for c in Self.cases where c.rows != nil {
            for t in c.thresholds {
                let parameters = LinkageParameters(threshold: t, metric: .groupjaccard)
                let all = try CompleteLinkage.fit(points: Self.points(c), parameters: parameters)
                for (componentLimit, threads) in [(0, 1), (4_096, 2), (5, 2)] {
                    let split = try CompleteLinkage.fit(points: Self.points(c), parameters: parameters, threads: threads,
                                                        exhaustiveLimit: 0, componentLimit: componentLimit)
                    #expect(split == all, "\(c.name) t=\(t) limit \(componentLimit)")
                }
            }
        }
    }

    /// Every matrix, coarse ones with ties everywhere included: the chain over all pairs and the chain
    /// over the pairs ≤ t both equal scipy on the cut matrix.
    @Test(arguments: cases.map(\.name))
    func chainsEqualScipyOnTheCutMatrix(name: String) throws {
        let c = Self.cases.first { $0.name == name }!
        for t in c.thresholds {
            let want = Self.blocks(c.cut(t), singletonsAreNoise: false)
            let dense = try CutChain.overAllPairs(n: c.n, threshold: t, control: .none) {
                c.distances[Self.condensedIndex(c.n, $0, $1)]
            }
            #expect(Self.blocks(roots: dense) == want, "\(name) t=\(t)")
            let sparse = try CompleteLinkage.chainOverEdges(n: c.n, edges: Self.edges(c, threshold: t).shuffled(), control: .none)
            #expect(Self.blocks(roots: sparse) == want, "\(name) t=\(t)")
        }
    }

    /// Where the cut matrix departs from the plain one: in `entry` (d(a,b) = d(b,c) = 0.5, d(a,c) = 0.9,
    /// p nearest c at 0.8 > t) scipy's chain on the plain matrix enters {a, b, c} from p at c and merges
    /// {b, c}; with the far distances equal it starts at a and merges {a, b}. Both are valid cuts.
    @Test func theCutMatrixDepartsOnlyUnderTies() throws {
        let entry = Self.cases.first { $0.name == "entry" }!
        #expect(Self.blocks(entry.cut(0.7), singletonsAreNoise: false) == [[0], [1, 2], [3]])
        #expect(Self.blocks(entry.plain(0.7), singletonsAreNoise: false) == [[0], [1], [2, 3]])
        let roots = try CutChain.overAllPairs(n: 4, threshold: 0.7, control: .none) {
            entry.distances[Self.condensedIndex(4, $0, $1)]
        }
        #expect(Self.blocks(roots: roots) == [[0], [1, 2], [3]])
    }

    /// The two chains agree on random matrices, with distinct distances and with coarse (tied) ones.
    @Test(arguments: [UInt64(1), 2, 3, 4, 5, 6])
    func edgeChainEqualsMatrixChain(seed: UInt64) throws {
        var rng = EngineReference.Random(seed: seed)
        let n = 20 + rng.below(150)
        let coarse = seed % 2 == 0
        var d = [Double](repeating: 0, count: n * (n - 1) / 2)
        for k in d.indices { d[k] = coarse ? Double(1 + rng.below(10)) / 10 : Double(rng.next() >> 11) / Double(1 << 53) }
        let matrix = d
        for t in [0.05, 0.2, 0.4, 0.6] {
            let full = try CutChain.overAllPairs(n: n, threshold: t, threads: 2, control: .none, progressFrom: 0) {
                matrix[Self.condensedIndex(n, $0, $1)]
            }
            var edges: [LinkageEdge] = []
            for i in 0..<n { for j in (i + 1)..<n where d[Self.condensedIndex(n, i, j)] <= t {
                edges.append(LinkageEdge(a: Int32(i), b: Int32(j), distance: d[Self.condensedIndex(n, i, j)]))
            } }
            let sparse = try CompleteLinkage.chainOverEdges(n: n, edges: edges.shuffled(), control: .none)
            #expect(Self.blocks(roots: full) == Self.blocks(roots: sparse), "seed \(seed) t=\(t)")
        }
    }

    /// The flat-array edge chain (`EdgeChain`) on matrices made of blocks of points close together,
    /// with exact duplicates (distance 0), few distinct values (ties everywhere) and many merges per
    /// point, so its lists are overwritten and compacted many times: the same partition as the chain
    /// over the whole matrix, whatever the order the pairs arrive in.
    @Test(arguments: [UInt64(21), 22, 23, 24, 25])
    func edgeChainEqualsMatrixChainOnTiedBlocks(seed: UInt64) throws {
        var rng = EngineReference.Random(seed: seed)
        let n = 200 + rng.below(200)
        let blocks = 3 + rng.below(5)
        let block = (0..<n).map { _ in rng.below(blocks) }
        let twin = (0..<n).map { i in i > 0 && rng.chance(0.15) ? rng.below(i) : i }
        var d = [Double](repeating: 0, count: n * (n - 1) / 2)
        for i in 0..<n {
            for j in (i + 1)..<n {
                let (a, b) = (twin[i], twin[j])
                let value: Double
                if a == b { value = 0 }
                else if block[a] == block[b] { value = Double(1 + rng.below(6)) / 10 }
                else { value = rng.chance(0.05) ? Double(4 + rng.below(3)) / 10 : 0.9 }
                d[Self.condensedIndex(n, i, j)] = value
            }
        }
        // Duplicates must agree with each other: point i takes its twin's distances.
        for i in 0..<n where twin[i] != i {
            for j in 0..<n where j != i && j != twin[i] {
                d[Self.condensedIndex(n, min(i, j), max(i, j))] = d[Self.condensedIndex(n, min(twin[i], j), max(twin[i], j))]
            }
        }
        let matrix = d
        for t in [0.0, 0.3, 0.5, 0.6] {
            let full = try CutChain.overAllPairs(n: n, threshold: t, threads: 1, control: .none, progressFrom: 0) {
                matrix[Self.condensedIndex(n, $0, $1)]
            }
            var edges: [LinkageEdge] = []
            for i in 0..<n { for j in (i + 1)..<n where matrix[Self.condensedIndex(n, i, j)] <= t {
                edges.append(LinkageEdge(a: Int32(i), b: Int32(j), distance: matrix[Self.condensedIndex(n, i, j)]))
            } }
            #expect(!edges.isEmpty)
            var shuffled = edges.shuffled()
            let sparse = try CompleteLinkage.chainOverEdges(n: n, consuming: &shuffled, control: .none)
            #expect(shuffled.isEmpty)
            #expect(Self.blocks(roots: full) == Self.blocks(roots: sparse), "seed \(seed) t=\(t)")
            #expect(Set(full).count < n, "seed \(seed) t=\(t): some merges")
        }
    }

    /// Random grouped rows with many duplicates, empty rows and near-copies (ties everywhere): the
    /// component paths give exactly the all-pairs partition, strengths and outlier scores.
    @Test(arguments: [UInt64(11), 12, 13, 14])
    func componentPathsEqualAllPairsOnRandomRows(seed: UInt64) throws {
        var rng = EngineReference.Random(seed: seed)
        let columns = 60, n = 150 + rng.below(250)
        let names = (0..<columns).map { ":g\($0 % 7):c\($0)" }
        let centres = (0..<8).map { _ in (0..<columns).filter { _ in rng.chance(0.2) } }
        var rows: [[Int32]] = []
        for i in 0..<n {
            if i > 0 && rng.chance(0.2) { rows.append(rows[rng.below(i)]); continue }
            if rng.chance(0.05) { rows.append([]); continue }
            var r = Set(centres[rng.below(centres.count)])
            for _ in 0..<rng.below(4) { let c = rng.below(columns); if !r.insert(c).inserted { r.remove(c) } }
            rows.append(r.sorted().map { Int32($0) })
        }
        var m = SparseMatrix(columnCount: columns)
        for r in rows { m.appendRow(r.map { ($0, 1.0) }) }
        let points = PointSet.sparse(m, columnGroups: ColumnGroups(featureNames: names))
        for t in [0.0, 0.3, 0.5, 0.7] {
            let parameters = LinkageParameters(threshold: t, metric: .groupjaccard)
            let all = try CompleteLinkage.fit(points: points, parameters: parameters)
            for (componentLimit, threads) in [(0, 2), (4_096, 1), (40, 2)] {
                let split = try CompleteLinkage.fit(points: points, parameters: parameters, threads: threads,
                                                    exhaustiveLimit: 0, componentLimit: componentLimit)
                #expect(split == all, "seed \(seed) t=\(t) limit \(componentLimit)")
            }
        }
    }

    /// The family features of the shipped sample data and of the shared real reports (when present):
    /// the component paths give exactly the all-pairs result at the default cut and two others.
    @Test func componentPathsEqualAllPairsOnReports() throws {
        var corpora = [TestSupport.packageRoot + "/sample_data/reports"]
        if let shared = TestSupport.shared { corpora.append(shared + "/data/cuckoo-reports") }
        for path in corpora {
            let loaded = try ReportLoader.load(paths: [path])
            var session = Session()
            session.upsert(loaded.samples)
            try session.refreshDerived()
            let points = session.features!.points
            for t in [0.5, 0.7, 0.85] {
                let parameters = LinkageParameters(threshold: t, metric: .groupjaccard)
                let all = try CompleteLinkage.fit(points: points, parameters: parameters)
                let split = try CompleteLinkage.fit(points: points, parameters: parameters, exhaustiveLimit: 0)
                let edges = try CompleteLinkage.fit(points: points, parameters: parameters, exhaustiveLimit: 0, componentLimit: 0)
                #expect(split == all && edges == all, "\(path) t=\(t)")
                #expect(all.clusterCount > 0)
            }
        }
    }

    /// The similarity join finds exactly the pairs ≤ t (checked against every pair), on grouped rows.
    @Test(arguments: [0.0, 0.3, 0.5, 0.7, 0.9])
    func joinFindsEveryPairWithinTheCut(t: Double) throws {
        for c in Self.cases where c.rows != nil {
            let points = Self.points(c)
            let engine = NeighbourhoodEngines.make(points: points, metric: .groupjaccard)
            let found = try LinkageJoin.pairs(points: points, engine: engine, threshold: t, threads: 2, control: .none)
            let got = Set(found.map { [Int($0.a), Int($0.b)] })
            let want = Set(Self.edges(c, threshold: t).map { [Int($0.a), Int($0.b)] })
            #expect(got == want, "\(c.name) t=\(t) missing \(want.subtracting(got).sorted { $0[0] < $1[0] }) extra \(got.subtracting(want))")
            #expect(found.allSatisfy { $0.distance == c.distances[Self.condensedIndex(c.n, Int($0.a), Int($0.b))] })
        }
    }

    /// The cap on pairs counts every thread's pairs together: the join overflows exactly when more pairs
    /// than the cap lie within t, whatever the thread count, on both paths (prefix join; every pair at
    /// t = 1). A per-thread share of the cap used to overflow one busy thread below the total.
    @Test(arguments: [1, 2, 3, 8])
    func joinOverflowsExactlyBeyondTheCap(threads: Int) throws {
        for c in Self.cases where c.rows != nil {
            let points = Self.points(c)
            for (metric, t) in [(DistanceMetric.groupjaccard, 0.5), (.groupjaccard, 0.9), (.jaccard, 1.0)] {
                let engine = NeighbourhoodEngines.make(points: points, metric: metric)
                let pairs = t >= 1 ? c.n * (c.n - 1) / 2 : Self.edges(c, threshold: t).count
                for cap in [0, pairs - 1, pairs, pairs + 1] where cap >= 0 {
                    let context = "\(c.name) \(metric) t=\(t) threads=\(threads) cap=\(cap) pairs=\(pairs)"
                    do {
                        let found = try LinkageJoin.pairs(points: points, engine: engine, threshold: t, threads: threads,
                                                          maximumPairs: cap, control: .none)
                        #expect(pairs <= cap && found.count == pairs, "\(context)")
                    } catch let error as LinkageTooLarge {
                        #expect(pairs > cap, "\(context): \(error)")
                        #expect(error.description.hasPrefix("more than \(cap) pairs of samples lie within the cut"))
                    }
                }
            }
        }
    }

    /// Labels by size then smallest row; strengths and outlier scores from the members' distances.
    @Test func labelsStrengthsAndScores() throws {
        // rows 0,1,2 within 0.2 of each other; 3,4 at 0.1; 5 alone.
        let d: [[Double]] = [[0, 0.1, 0.2, 1, 1, 1], [0.1, 0, 0.2, 1, 1, 1], [0.2, 0.2, 0, 1, 1, 1],
                             [1, 1, 1, 0, 0.1, 1], [1, 1, 1, 0.1, 0, 1], [1, 1, 1, 1, 1, 0]]
        let roots = try CutChain.overAllPairs(n: 6, threshold: 0.5, control: .none) { d[$0][$1] }
        let r = try CompleteLinkage.finish(root: roots, threshold: 0.5, threads: 1, control: .none) { d[$0][$1] }
        #expect(r.labels == [0, 0, 0, 1, 1, -1])
        #expect(r.strengths[0] == 1 && r.strengths[1] == 1 && r.strengths[2] == (0.5 - 0.2) / (0.5 - 0.15) && r.strengths[5] == 0)
        #expect(r.strengths[3] == 1 && r.strengths[4] == 1)
        #expect(r.outlierScores[0] == 0.2 / 0.5 && r.outlierScores[3] == 0.1 / 0.5 && r.outlierScores[5] == 1)
    }
}

/// HDBSCAN with `metric=groupjaccard` against the hdbscan library on the same distances
/// (`metric='precomputed'`, stable MST sort): `Fixtures/families/hdbscan_groupjaccard.json`.
@Suite("hdbscan groupjaccard")
struct HDBSCANGroupJaccardTests {
    @Test func equalsTheLibraryOnPrecomputedDistances() throws {
        let url = URL(fileURLWithPath: TestSupport.fixtures + "/families/hdbscan_groupjaccard.json")
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as! [String: Any]
        let names = json["names"] as! [String]
        var m = SparseMatrix(columnCount: names.count)
        for r in json["rows"] as! [[NSNumber]] { m.appendRow(r.map { (Int32($0.intValue), 1.0) }) }
        let points = PointSet.sparse(m, columnGroups: ColumnGroups(featureNames: names))
        for run in json["runs"] as! [[String: Any]] {
            let ms = (run["min_samples"] as! NSNumber).intValue, mcs = (run["min_cluster_size"] as! NSNumber).intValue
            let result = try HDBSCAN.fit(points: points, parameters: HDBSCANParameters(minSamples: ms, minClusterSize: mcs,
                                                                                   metric: .groupjaccard))
            #expect(result.labels == (run["labels"] as! [NSNumber]).map(\.intValue), "ms=\(ms) mcs=\(mcs)")
            let p = (run["probabilities"] as! [NSNumber]).map(\.doubleValue)
            let o = (run["outlier_scores"] as! [NSNumber]).map(\.doubleValue)
            #expect(zip(result.probabilities, p).allSatisfy { abs($0 - $1) <= 1e-9 }, "ms=\(ms) mcs=\(mcs)")
            #expect(zip(result.outlierScores, o).allSatisfy { $1 < 0 || abs($0 - $1) <= 1e-9 }, "ms=\(ms) mcs=\(mcs)")
        }
    }
}
