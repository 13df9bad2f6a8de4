import Testing
@testable import CuckooML

/// HDBSCAN behaviour beyond the fixture cases: the shared reference set, the duplicate rule, NaN rows,
/// clipping, cancellation, and DBSCAN against scikit-learn.
@Suite("HDBSCAN behaviour and DBSCAN")
struct HDBSCANBehaviourTests {
    static let reference = (TestSupport.shared ?? "") + "/reference"

    /// The shared reference results whose tie order is deterministic: dense blobs (no ties) and the
    /// `_stable` binary run. (The other binary results used numpy's CPU-dependent unstable sort.)
    @Test("shared reference results", .enabled(if: TestSupport.hasShared),
          arguments: [("blobs_n1000_d8", "blobs_n1000_d8_mcs6_ms1", 1, 6, "euclidean"),
                      ("tiny_dups", "tiny_dups_mcs3_ms1", 1, 3, "euclidean")]
              + (TestSupport.heavy ? [("blobs_n1000_d8", "blobs_n1000_d8_defaults", 5, 5, "euclidean"),
                                      ("binary_n1000_d64", "binary_n1000_d64_mcs6_ms1_stable", 1, 6, "euclidean")] : []))
    func sharedReference(_ data: String, _ name: String, _ ms: Int, _ mcs: Int, _ metric: String) throws {
        let c = try ClusteringFixtures.json(Self.reference + "/\(name).json")
        let points = try Self.sharedMatrix(data)
        let result = try HDBSCAN.fit(points: points, parameters: HDBSCANParameters(
            minSamples: ms, minClusterSize: mcs, metric: DistanceMetric(rawValue: metric)!))
        HDBSCANFixtureTests.expectParity(result, c, name)
        if let predict = c["predict"] as? [String: Any] {
            let queries = try Self.sharedMatrix(data + "_new")
            let got = try HDBSCANPredictor(result: result, training: points).predict(queries)
            HDBSCANFixtureTests.expectPredictions(got, predict, name)
        }
    }

    static func sharedMatrix(_ name: String) throws -> PointSet {
        let path = reference + "/\(name).csv"
        let text = try TestSupport.readText(path)
        if text.hasPrefix("f0") || text.first.map({ !$0.isNumber && $0 != "-" }) == true { return try ClusteringFixtures.matrix(path) }
        // Headerless CSV (tiny_dups.csv): every line is a row.
        let rows = text.split(separator: "\n").map { $0.split(separator: ",").map { Double(String($0))! } }
        return .dense(DenseMatrix(rows: rows.count, columns: rows[0].count, values: rows.flatMap { $0 }))
    }

    /// Exact duplicates with min_samples = 1: two groups whose densest members are three identical
    /// rows (as many as min_cluster_size), so those fall out at λ = +∞ and the library's GLOSH divides
    /// ∞ by ∞: NaN for the other members (points 3, 4, 8, 9) and for the far points 10, 11 (checked
    /// with the oracle). Ours is finite: λdeath falls back to the largest finite λ of the subtree
    /// (documented in `outlierScores`); every other value equals the library's.
    @Test func duplicateRuleGivesFiniteScores() throws {
        let rows: [[Double]] = [[0, 0], [0, 0], [0, 0], [0, 1], [1, 1],
                                [10, 10], [10, 10], [10, 10], [10, 12], [12, 12], [30, 0], [0, 30]]
        let points = PointSet.dense(DenseMatrix(rows: rows.count, columns: 2, values: rows.flatMap { $0 }))
        let result = try HDBSCAN.fit(points: points, parameters: HDBSCANParameters(minSamples: 1, minClusterSize: 3))
        // Library values where it is finite (oracle, --tie-break stable).
        #expect(result.labels == [0, 0, 0, 0, 0, 1, 1, 1, 1, 1, -1, -1])
        #expect(result.probabilities == [1, 1, 1, 0, 0, 1, 1, 1, 0, 0, 0, 0])
        for p in [0, 1, 2, 5, 6, 7] { #expect(result.outlierScores[p] == 0, "point \(p)") }
        // The rule: in A the largest finite λ is 1 (points 3, 4 fall out at λ = 1) → (1 − 1)/1 = 0; in B
        // it is 0.5 → 0; at the root it is 1, so the far points score 1 − λ with λ = 0.046225…, 0.048564….
        for p in [3, 4, 8, 9] { #expect(result.outlierScores[p] == 0, "point \(p)") }
        #expect(abs(result.outlierScores[10] - (1 - 0.046225016352102424)) < 1e-12)
        #expect(abs(result.outlierScores[11] - (1 - 0.04856429311786321)) < 1e-12)
        #expect(result.outlierScores.allSatisfy { $0.isFinite && $0 >= 0 && $0 <= 1 })
    }

    /// Prediction on the same duplicate-heavy data. The library's scores are NaN for all four queries
    /// (checked with the oracle); labels and probabilities equal the library's. Ours: a query at
    /// distance 0 from points that fell out at λ = ∞ scores 0; otherwise the cluster's largest finite λ
    /// stands in for ∞, and scores stay unclamped (denser than the cluster's finite top → negative).
    @Test func predictionDuplicateRule() throws {
        let rows: [[Double]] = [[0, 0], [0, 0], [0, 0], [0, 1], [1, 1],
                                [10, 10], [10, 10], [10, 10], [10, 12], [12, 12], [30, 0], [0, 30]]
        let points = PointSet.dense(DenseMatrix(rows: rows.count, columns: 2, values: rows.flatMap { $0 }))
        let result = try HDBSCAN.fit(points: points, parameters: HDBSCANParameters(minSamples: 1, minClusterSize: 3))
        let queries = PointSet.dense(DenseMatrix(rows: 4, columns: 2, values: [0, 0, 0, 0.9, 11, 11, 20, 20]))
        let got = try HDBSCANPredictor(result: result, training: points).predict(queries)
        #expect(got.map(\.label) == [0, 0, 1, -1])
        #expect(got.map(\.probability) == [0, 0, 0, 0])
        #expect(got[0].outlierScore == 0)
        // (0, 0.9) attaches to (0, 1) at mr 0.9; cluster A's largest finite λ is 1.
        #expect(abs(got[1].outlierScore - (1 - 1 / 0.9)) < 1e-12)
        // (11, 11) attaches to (10, 10) at mr √2; cluster B's largest finite λ is 0.5.
        #expect(abs(got[2].outlierScore - (0.5 - 1 / 2.0.squareRoot()) / 0.5) < 1e-12)
        // (20, 20): own core = distance to its second neighbour (10, 12); attaches to (12, 12) in B.
        let lambda = 1 / (100.0 + 64).squareRoot()
        #expect(abs(got[3].outlierScore - (0.5 - lambda) / 0.5) < 1e-12)
        #expect(got[3].neighbourRow == 9)
    }

    /// Rows holding NaN or ±∞ are left out and reported as noise (probability 0, outlier score 1); the
    /// other rows cluster exactly as without them.
    @Test func nonFiniteRowsAreNoise() throws {
        let points = try ClusteringFixtures.matrix(ClusteringFixtures.directory + "/dense60.csv")
        guard case .dense(let m) = points.storage else { Issue.record("dense expected"); return }
        var values = m.values
        let bad = [3, 17, 40]
        var withBad: [Double] = []
        var rowOf: [Int] = []
        for r in 0..<m.rows {
            if bad.contains(r) { withBad.append(contentsOf: [Double.nan] + Array(repeating: 1, count: m.columns - 1)); rowOf.append(-1) }
            withBad.append(contentsOf: m.row(r)); rowOf.append(r)
        }
        values = withBad
        let mixed = PointSet.dense(DenseMatrix(rows: rowOf.count, columns: m.columns, values: values))
        let parameters = HDBSCANParameters(minSamples: 2, minClusterSize: 5)
        let plain = try HDBSCAN.fit(points: points, parameters: parameters)
        let result = try HDBSCAN.fit(points: mixed, parameters: parameters)
        for (i, r) in rowOf.enumerated() {
            if r < 0 {
                #expect(result.labels[i] == -1 && result.probabilities[i] == 0 && result.outlierScores[i] == 1)
            } else {
                #expect(result.labels[i] == plain.labels[r] && result.probabilities[i] == plain.probabilities[r]
                        && result.outlierScores[i] == plain.outlierScores[r], "row \(r)")
            }
        }
    }

    @Test func minSamplesIsClippedAndTinyInputsAreNoise() throws {
        let rows: [Double] = [0, 0, 1, 0, 0, 1, 5, 5]
        let points = PointSet.dense(DenseMatrix(rows: 4, columns: 2, values: rows))
        let result = try HDBSCAN.fit(points: points, parameters: HDBSCANParameters(minSamples: 10, minClusterSize: 2))
        #expect(result.minSamplesUsed == 3)
        let one = try HDBSCAN.fit(points: .dense(DenseMatrix(rows: 1, columns: 2, values: [1, 2])), parameters: HDBSCANParameters())
        #expect(one.labels == [-1] && one.probabilities == [0])
        #expect(throws: ClusteringError.self) { try HDBSCAN.fit(points: points, parameters: HDBSCANParameters(minClusterSize: 1)) }
    }

    @Test func cancellationStopsTheFit() throws {
        let points = try ClusteringFixtures.matrix(ClusteringFixtures.directory + "/dense300.csv")
        let control = TaskControl(isCancelled: { true })
        #expect(throws: Interrupted.self) { try HDBSCAN.fit(points: points, parameters: HDBSCANParameters(), control: control) }
    }

    /// Sparse and dense storage of the same binary matrix give identical results.
    @Test func sparseAndDenseAgree() throws {
        let sparse = try ClusteringFixtures.matrix(ClusteringFixtures.directory + "/binary200.csv")
        guard case .sparse(let m) = sparse.storage else { Issue.record("sparse expected"); return }
        for metric in [DistanceMetric.jaccard, .hamming, .euclidean] {
            let p = HDBSCANParameters(minSamples: 2, minClusterSize: 5, metric: metric)
            let a = try HDBSCAN.fit(points: sparse, parameters: p), b = try HDBSCAN.fit(points: .dense(m.dense()), parameters: p)
            #expect(a.labels == b.labels && a.probabilities == b.probabilities && a.condensedTree == b.condensedTree, "\(metric)")
        }
    }

    @Test("DBSCAN equals scikit-learn", arguments: ClusteringFixtures.dbscanCases)
    func dbscan(_ name: String) throws {
        let c = try ClusteringFixtures.json(ClusteringFixtures.directory + "/\(name).json")
        let points = try ClusteringFixtures.matrix(ClusteringFixtures.directory + "/\(c["data"] as! String).csv")
        let result = try DBSCAN.fit(points: points, parameters: DBSCANParameters(
            eps: ClusteringFixtures.number(c["eps"]!), minSamples: c["min_samples"] as! Int,
            metric: DistanceMetric(rawValue: c["metric"] as! String)!))
        #expect(result.labels == ClusteringFixtures.ints(c["labels"]), "\(name): labels")
        #expect(result.isCore == ClusteringFixtures.bools(c["is_core"]), "\(name): core flags")
    }

    /// eps is inclusive and min_samples counts the point itself: three points at distance exactly 1.
    @Test func dbscanBoundaries() throws {
        let points = PointSet.dense(DenseMatrix(rows: 4, columns: 1, values: [0, 1, 2, 10]))
        let r = try DBSCAN.fit(points: points, parameters: DBSCANParameters(eps: 1, minSamples: 3))
        #expect(r.labels == [0, 0, 0, -1] && r.isCore == [false, true, false, false])
        let strict = try DBSCAN.fit(points: points, parameters: DBSCANParameters(eps: 0.999, minSamples: 2))
        #expect(strict.labels == [-1, -1, -1, -1])
    }
}
