import Testing
@testable import CuckooML

/// The silhouette's strip-parallel and row-parallel paths equal a plain single pass bit for bit.
@Suite struct SilhouetteParallelTests {
    /// scikit-learn's definition, one point at a time, distances from `Distances` added in ascending j.
    static func reference(_ points: PointSet, _ labels: [Int], _ metric: DistanceMetric) -> Double {
        let n = labels.count
        let clusters = Array(Set(labels)).sorted()
        var total = 0.0
        for i in 0..<n {
            var sums = [Int: Double](), sizes = [Int: Int]()
            for j in 0..<n {
                sizes[labels[j], default: 0] += 1
                if j != i { sums[labels[j], default: 0] += Distances.between(metric, points, i, points, j) }
            }
            let a = (sums[labels[i]] ?? 0) / Double(sizes[labels[i]]! - 1)
            var b = Double.infinity
            for c in clusters where c != labels[i] { b = min(b, sums[c]! / Double(sizes[c]!)) }
            let s = (b - a) / max(a, b)
            total += s.isNaN ? 0 : s
        }
        return total / Double(n)
    }

    static func pointSets() -> [(String, PointSet)] {
        let fractions = FastEngineBatchTests.fractions(n: 75, d: 13, zeros: 0.5, seed: 71)
        let sparse = FastEngineBatchTests.sparse(fractions, columnCount: 13)
        let spread = FastEngineBatchTests.sparse(fractions, columnCount: 200)
        let binary = EngineReference.binary(n: 75, d: 40, seed: 72)
        return [("dense", .dense(fractions)), ("sparse-dense-copy", .sparse(sparse)),
                ("sparse-merged", .sparse(spread)), ("binary", .sparse(FastEngineBatchTests.sparse(binary, columnCount: 40)))]
    }

    @Test func parallelPathsEqualOnePass() throws {
        var r = EngineReference.Random(seed: 73)
        // Four clusters, a singleton among them (score 0 by definition).
        var labels = (0..<75).map { _ in r.below(3) }
        labels[40] = 9
        for (name, points) in Self.pointSets() {
            for metric in DistanceMetric.allCases {
                let want = Self.reference(points, labels, metric)
                // Binary points take the grouped bit path (`BitSilhouette`): sizes multiply distances there,
                // so it equals the plain pass to rounding, and itself bit for bit on any thread count.
                let grouped = BitSilhouette.applies(to: points, metric: metric)
                var first: Double?
                for budget in [Silhouette.symmetricBudget, 0] {
                    for (threads, from) in [(1, 1_000), (2, 0)] {
                        let got = try Silhouette.score(points: points, labels: labels, metric: metric, control: .none,
                                                       budget: budget, threads: threads, parallelFrom: from)
                        let value = try #require(got)
                        if grouped {
                            #expect(abs(value - want) <= 1e-13, "\(name) \(metric): \(value) != \(want)")
                            if let first { #expect(value.bitPattern == first.bitPattern, "\(name) \(metric) threads \(threads)") }
                            first = value
                        } else {
                            #expect(value.bitPattern == want.bitPattern,
                                    "\(name) \(metric) budget \(budget) threads \(threads): \(value) != \(want)")
                        }
                    }
                }
            }
        }
    }
}
