import Testing
@testable import CuckooML

/// HDBSCAN against the hdbscan library (0.8.44, `--tie-break stable`) on committed fixtures.
@Suite("HDBSCAN parity with the hdbscan library")
struct HDBSCANFixtureTests {
    /// Cases with n ≥ 1000 run only with CUCKOOML_HEAVY=1 (the reference engine is O(n²·d)).
    static let cases = ClusteringFixtures.hdbscanCases.filter { TestSupport.heavy || !($0.hasPrefix("dense5000") || $0.hasPrefix("binary1500")) }

    static func parameters(_ c: [String: Any]) -> HDBSCANParameters {
        HDBSCANParameters(minSamples: c["min_samples"] as? Int, minClusterSize: c["min_cluster_size"] as! Int,
                          metric: DistanceMetric(rawValue: c["metric"] as! String)!,
                          selection: ClusterSelection(rawValue: c["selection"] as! String)!,
                          epsilon: ClusteringFixtures.number(c["epsilon"]!),
                          alpha: c["alpha"].map(ClusteringFixtures.number) ?? 1,
                          allowSingleCluster: c["allow_single_cluster"] as! Bool, deduplicate: c["dedup"] as! Bool)
    }

    @Test("labels, probabilities, outlier scores and persistence", arguments: cases)
    func fixture(_ name: String) throws {
        let c = try ClusteringFixtures.json(ClusteringFixtures.directory + "/\(name).json")
        let points = try ClusteringFixtures.matrix(ClusteringFixtures.directory + "/\(c["data"] as! String).csv")
        let result = try HDBSCAN.fit(points: points, parameters: Self.parameters(c))
        Self.expectParity(result, c, name)

        if let tree = c["condensed_tree"] as? [String: Any] {
            let parents = ClusteringFixtures.ints(tree["parent"]), children = ClusteringFixtures.ints(tree["child"])
            let lambdas = ClusteringFixtures.doubles(tree["lambda_val"]), sizes = ClusteringFixtures.ints(tree["child_size"])
            #expect(result.condensedTree.map(\.parent) == parents, "\(name): condensed-tree parents")
            #expect(result.condensedTree.map(\.child) == children, "\(name): condensed-tree children")
            #expect(result.condensedTree.map(\.childSize) == sizes, "\(name): condensed-tree sizes")
            #expect(zip(result.condensedTree.map(\.lambda), lambdas).allSatisfy { ClusteringFixtures.close($0, $1) }, "\(name): λ")
            #expect(result.selectedClusters == ClusteringFixtures.ints(c["selected_condensed_node_ids"]), "\(name): selected")
            let core = ClusteringFixtures.doubles(c["core_distances"])
            #expect(zip(result.coreDistances, core).allSatisfy { ClusteringFixtures.close($0, $1) }, "\(name): core distances")

            // The MST (the oracle dumps it sorted stably by weight) and the single-linkage tree.
            let engine = BruteForceEngine(points: points, metric: Self.parameters(c).metric)
            let mst = try engine.minimumSpanningTree(coreDistances: result.coreDistances, alpha: Self.parameters(c).alpha, control: .none)
            let sorted = HDBSCAN.stableOrder(mst).map { mst[$0] }
            let expected = (c["mst_edges_prim_order"] as! [[Any]]).map { $0.map(ClusteringFixtures.number) }
            #expect(sorted.count == expected.count)
            for (e, x) in zip(sorted, expected) {
                #expect(Int(e.from) == Int(x[0]) && Int(e.to) == Int(x[1]) && ClusteringFixtures.close(e.weight, x[2]), "\(name): MST edge \(x)")
            }
            let linkage = HDBSCAN.singleLinkageTree(edges: mst, count: points.count)
            let expectedLinkage = (c["single_linkage_tree"] as! [[Any]]).map { $0.map(ClusteringFixtures.number) }
            for (row, x) in zip(linkage, expectedLinkage) {
                #expect(row.left == Int(x[0]) && row.right == Int(x[1]) && ClusteringFixtures.close(row.distance, x[2]) && row.size == Int(x[3]),
                        "\(name): linkage row \(x)")
            }
            // Where the library's GLOSH is NaN (exact duplicates at a cluster's top), the documented
            // rule: λdeath is the largest FINITE λ in the subtree of the point's parent cluster.
            let oracleScores = ClusteringFixtures.doubles(c["outlier_scores"])
            let rule = Self.finiteDeathScores(parents: parents, children: children, lambdas: lambdas, n: points.count)
            for (p, s) in oracleScores.enumerated() where !s.isFinite {
                #expect(ClusteringFixtures.close(result.outlierScores[p], rule[p]), "\(name): duplicate rule at point \(p)")
            }
        }

        if let predict = c["predict"] as? [String: Any] {
            let queries = try ClusteringFixtures.matrix(ClusteringFixtures.directory + "/\(c["predict_data"] as! String).csv")
            let predictor = try HDBSCANPredictor(result: result, training: points)
            let got = try predictor.predict(queries)
            Self.expectPredictions(got, predict, name)
        }
    }

    /// Compares a fit with an oracle document (`labels`, `probabilities`, `outlier_scores`, `cluster_persistence`).
    static func expectParity(_ result: HDBSCANResult, _ c: [String: Any], _ name: String) {
        let labels = ClusteringFixtures.ints(c["labels"])
        #expect(result.labels == labels, "\(name): labels")
        let probabilities = ClusteringFixtures.doubles(c["probabilities"])
        let badP = zip(result.probabilities, probabilities).enumerated().filter { !ClusteringFixtures.close($1.0, $1.1) }
        #expect(badP.isEmpty, "\(name): probabilities differ at \(badP.prefix(5).map { "\($0.offset): \($0.element)" })")
        let scores = ClusteringFixtures.doubles(c["outlier_scores"])
        #expect(result.outlierScores.count == scores.count)
        let badS = zip(result.outlierScores, scores).enumerated().filter { _, pair in
            pair.1.isFinite ? !ClusteringFixtures.close(pair.0, pair.1) : !(pair.0.isFinite && pair.0 >= 0 && pair.0 <= 1)
        }
        #expect(badS.isEmpty, "\(name): outlier scores differ at \(badS.prefix(5).map { "\($0.offset): \($0.element)" })")
        let persistence = ClusteringFixtures.doubles(c["cluster_persistence"])
        #expect(result.persistence.count == persistence.count && zip(result.persistence, persistence).allSatisfy { ClusteringFixtures.close($0, $1) },
                "\(name): persistence \(result.persistence) vs \(persistence)")
    }

    static func expectPredictions(_ got: [HDBSCANPrediction], _ predict: [String: Any], _ name: String) {
        #expect(got.map(\.label) == ClusteringFixtures.ints(predict["labels"]), "\(name): predicted labels")
        let p = ClusteringFixtures.doubles(predict["probabilities"])
        #expect(zip(got.map(\.probability), p).allSatisfy { ClusteringFixtures.close($0, $1) }, "\(name): predicted probabilities")
        let s = ClusteringFixtures.doubles(predict["outlier_scores"])
        let bad = zip(got.map(\.outlierScore), s).enumerated().filter { _, pair in
            pair.1.isFinite ? !ClusteringFixtures.close(pair.0, pair.1) : !pair.0.isFinite
        }
        #expect(bad.isEmpty, "\(name): predicted scores differ at \(bad.prefix(5).map { "\($0.offset): \($0.element)" })")
    }

    /// The duplicate rule computed independently from a condensed tree: GLOSH with λdeath taken over
    /// finite λ only when the subtree's largest λ is infinite.
    static func finiteDeathScores(parents: [Int], children: [Int], lambdas: [Double], n: Int) -> [Double] {
        let top = (parents + children).max()! + 1
        var childrenOf = [[Int]](repeating: [], count: top)
        var direct = [Double](repeating: 0, count: top), finite = [Double](repeating: 0, count: top)
        for (k, p) in parents.enumerated() {
            if children[k] >= n { childrenOf[p].append(children[k]) }
            direct[p] = max(direct[p], lambdas[k])
            if lambdas[k].isFinite { finite[p] = max(finite[p], lambdas[k]) }
        }
        func deepest(_ c: Int, _ values: [Double]) -> Double { childrenOf[c].reduce(values[c]) { max($0, deepest($1, values)) } }
        var out = [Double](repeating: 0, count: n)
        for (k, p) in parents.enumerated() where children[k] < n {
            var death = deepest(p, direct)
            if death.isInfinite && lambdas[k].isFinite { death = deepest(p, finite) }
            out[children[k]] = death == 0 || !lambdas[k].isFinite ? 0 : (death - lambdas[k]) / death
        }
        return out
    }
}
