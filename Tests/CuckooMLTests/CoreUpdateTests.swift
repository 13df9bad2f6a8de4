import Testing
@testable import CuckooML

/// `compare ... add`'s core distances: updated from the previous fit's after rows were appended
/// (`HDBSCAN.updatedCoreDistances`), they equal the k-NN pass on the whole, on every engine (integer
/// counts, bits, doubles), with ties and duplicate rows; and a fit given them equals a fit from scratch.
@Suite struct CoreUpdateTests {
    static let counts = IntCountEngineTests.counts(n: 600, d: 40, seed: 61)

    /// The counts as they are, sparse, as bits (binary engine) and as fractions (double engines).
    static var pointSets: [(String, PointSet)] {
        let m = counts
        var bits = m, fractions = m
        for i in 0..<m.rows {
            for c in 0..<m.columns where m[i, c] != 0 {
                bits[i, c] = 1
                fractions[i, c] = m[i, c] * 0.5 + 0.25
            }
        }
        return [("dense counts", .dense(m)), ("sparse counts", .sparse(IntCountEngineTests.sparse(m))),
                ("bits", .dense(bits)), ("fractions", .dense(fractions))]
    }

    @Test(arguments: [1, 2, 5])
    func updatedCoreDistancesEqualTheWhole(k: Int) throws {
        for (name, points) in Self.pointSets {
            for metric in [DistanceMetric.euclidean, .manhattan] {
                let whole = NeighbourhoodEngines.make(points: points, metric: metric, threads: 2)
                let expected = try whole.coreDistances(k: k, control: .none)
                var changed = 0
                for n in [599, 563, 400] {
                    let first = NeighbourhoodEngines.make(points: points.selectingRows(Array(0..<n)), metric: metric, threads: 2)
                    let previous = try first.coreDistances(k: k, control: .none)
                    let updated = try HDBSCAN.updatedCoreDistances(whole, points: points, previous: previous, k: k,
                                                                   threads: 2, control: .none)
                    #expect(updated == expected, "\(name) \(metric) k=\(k) from \(n) rows")
                    changed += zip(previous, expected).filter { $0 != $1 }.count
                }
                #expect(changed > 0, "\(name) \(metric) k=\(k): some earlier core distances fall")
            }
        }
    }

    /// A fit given the previous fit's core distances equals the fit from scratch, tree included.
    @Test func fitWithPreviousCoreEqualsTheWhole() throws {
        for (name, points) in Self.pointSets {
            for parameters in [HDBSCANParameters(minSamples: 1, minClusterSize: 6), HDBSCANParameters(minSamples: 3, minClusterSize: 8)] {
                let whole = try HDBSCAN.fit(points: points, parameters: parameters, threads: 2)
                let earlier = try HDBSCAN.fit(points: points.selectingRows(Array(0..<550)), parameters: parameters, threads: 2)
                let refit = try HDBSCAN.fit(points: points, parameters: parameters, threads: 2, previousCore: earlier.coreDistances)
                #expect(refit.coreDistances == whole.coreDistances, "\(name)")
                #expect(refit.labels == whole.labels, "\(name)")
                #expect(refit.probabilities == whole.probabilities, "\(name)")
                #expect(refit.outlierScores == whole.outlierScores, "\(name)")
                #expect(refit.condensedTree == whole.condensedTree, "\(name)")
                #expect(refit.selectedClusters == whole.selectedClusters, "\(name)")
            }
        }
    }
}
