import Foundation
import Testing
@testable import CuckooML

/// Complete linkage cut at t against scipy (`Fixtures/families/linkage.json`, made by
/// `scripts/oracle-families.py`), and the chain over the pairs ≤ t against the chain over all pairs.
@Suite("complete linkage")
struct CompleteLinkageTests {
    struct Case {
        var name: String
        var names: [String]?
        var rows: [[Int]]?
        var distances: [Double]
        var thresholds: [Double]
        var partitions: [String: [Int]]
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
                 partitions: (c["partitions"] as! [String: [NSNumber]]).mapValues { $0.map(\.intValue) })
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

    /// On grouped binary rows: the distances equal the fixture's bit for bit, and `fit` (the chain over
    /// all pairs) gives scipy's partition at every cut, ties and duplicates included.
    @Test(arguments: cases.filter { $0.rows != nil }.map(\.name))
    func groupedRowsEqualScipy(name: String) throws {
        let c = Self.cases.first { $0.name == name }!
        let points = Self.points(c)
        let engine = NeighbourhoodEngines.make(points: points, metric: .groupjaccard)
        for i in 0..<c.n { for j in (i + 1)..<c.n {
            #expect(engine.distance(i, j).bitPattern == c.distances[Self.condensedIndex(c.n, i, j)].bitPattern)
        } }
        for t in c.thresholds {
            let scipy = c.partitions[String(describing: t)] ?? c.partitions["\(t)"]!
            let result = try CompleteLinkage.fit(points: points, parameters: LinkageParameters(threshold: t, metric: .groupjaccard))
            #expect(Self.blocks(result.labels, singletonsAreNoise: true) == Self.blocks(scipy, singletonsAreNoise: false),
                    "\(name) t=\(t)")
        }
    }

    /// The paths used above `exhaustiveLimit` (per component, over all its pairs or over its pairs ≤ t)
    /// on the same rows: equal to scipy except where a tie meets scipy's chain entering a component
    /// from farther than t, which these fixtures never hit.
    @Test func edgeChainOnGroupedRows() throws {
        var compared = 0, differing: [String] = []
        for c in Self.cases where c.rows != nil {
            for t in c.thresholds { for componentLimit in [0, 4_096] {
                let scipy = c.partitions[String(describing: t)] ?? c.partitions["\(t)"]!
                let result = try CompleteLinkage.fit(points: Self.points(c), parameters: LinkageParameters(threshold: t, metric: .groupjaccard),
                                                     exhaustiveLimit: 0, componentLimit: componentLimit)
                compared += 1
                if Self.blocks(result.labels, singletonsAreNoise: true) != Self.blocks(scipy, singletonsAreNoise: false) {
                    differing.append("\(c.name) t=\(t)")
                }
                // Whatever the tie order, every cluster is a valid cut: all pairs within t.
                for l in Set(result.labels) where l >= 0 {
                    let rows = result.labels.indices.filter { result.labels[$0] == l }
                    for a in rows { for b in rows where a < b { #expect(c.distances[Self.condensedIndex(c.n, a, b)] <= t) } }
                }
            } }
        }
        print("edge chain vs scipy: \(differing.count) of \(compared) differ: \(differing)")
        #expect(differing.isEmpty)
    }

    /// Explicit matrices of coarse values (many ties): the chain over all pairs equals scipy.
    @Test(arguments: cases.map(\.name))
    func chainOverAllPairsEqualsScipy(name: String) throws {
        let c = Self.cases.first { $0.name == name }!
        for t in c.thresholds {
            let scipy = c.partitions[String(describing: t)] ?? c.partitions["\(t)"]!
            let roots = try CompleteLinkage.chainOverAllPairs(n: c.n, threshold: t, control: .none) {
                c.distances[Self.condensedIndex(c.n, $0, $1)]
            }
            #expect(Self.blocks(roots: roots) == Self.blocks(scipy, singletonsAreNoise: false), "\(name) t=\(t)")
        }
    }

    /// The chain over the pairs ≤ t enters a component at its lowest cluster; scipy's can enter from a
    /// cluster farther than t. In `entry` (d(a,b) = d(b,c) = 0.5, d(a,c) = 0.9, p nearest c at 0.8)
    /// scipy merges {b, c}, the edge chain {a, b}: both valid cuts, the documented departure under ties.
    @Test func edgeChainDepartsOnlyUnderTies() throws {
        let entry = Self.cases.first { $0.name == "entry" }!
        let roots = try CompleteLinkage.chainOverEdges(n: 4, edges: Self.edges(entry, threshold: 0.7), control: .none)
        #expect(Self.blocks(roots: roots) == [[0], [1, 2], [3]])
        #expect(Self.blocks(entry.partitions["0.7"]!, singletonsAreNoise: false) == [[0], [1], [2, 3]])
    }

    /// Without ties the two chains agree: random distinct distances.
    @Test(arguments: [UInt64(1), 2, 3, 4, 5, 6])
    func edgeChainEqualsFullChainWithoutTies(seed: UInt64) throws {
        var rng = EngineReference.Random(seed: seed)
        let n = 20 + rng.below(150)
        var d = [Double](repeating: 0, count: n * (n - 1) / 2)
        for k in d.indices { d[k] = Double(rng.next() >> 11) / Double(1 << 53) }
        for t in [0.05, 0.2, 0.4, 0.6] {
            let full = try CompleteLinkage.chainOverAllPairs(n: n, threshold: t, control: .none) { d[Self.condensedIndex(n, $0, $1)] }
            var edges: [LinkageEdge] = []
            for i in 0..<n { for j in (i + 1)..<n where d[Self.condensedIndex(n, i, j)] <= t {
                edges.append(LinkageEdge(a: Int32(i), b: Int32(j), distance: d[Self.condensedIndex(n, i, j)]))
            } }
            let sparse = try CompleteLinkage.chainOverEdges(n: n, edges: edges.shuffled(), control: .none)
            #expect(Self.blocks(roots: full) == Self.blocks(roots: sparse), "seed \(seed) t=\(t)")
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

    /// Labels by size then smallest row; strengths and outlier scores from the members' distances.
    @Test func labelsStrengthsAndScores() throws {
        // rows 0,1,2 within 0.2 of each other; 3,4 at 0.1; 5 alone.
        let d: [[Double]] = [[0, 0.1, 0.2, 1, 1, 1], [0.1, 0, 0.2, 1, 1, 1], [0.2, 0.2, 0, 1, 1, 1],
                             [1, 1, 1, 0, 0.1, 1], [1, 1, 1, 0.1, 0, 1], [1, 1, 1, 1, 1, 0]]
        let roots = try CompleteLinkage.chainOverAllPairs(n: 6, threshold: 0.5, control: .none) { d[$0][$1] }
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
