import Testing
@testable import CuckooML

/// The integer silhouette kernel (`IntSilhouette`) on count rows: equal to the plain definition, the
/// same bits on every path, and only where it applies.
@Suite struct IntSilhouetteTests {
    /// 700 rows (several tiles and chunks), 23 columns (an odd last pair), counts up to 255.
    static func counts() -> (PointSet, [Int]) {
        var r = EngineReference.Random(seed: 91)
        let n = 700, d = 23
        var values = [Double](repeating: 0, count: n * d)
        var labels = [Int](repeating: 0, count: n)
        for i in 0..<n {
            let family = r.below(6)
            labels[i] = r.below(10) == 0 ? -1 : family
            for c in 0..<d {
                let base = (family * 7 + c * 3) % 5
                values[i * d + c] = Double(r.below(3) == 0 ? 0 : base + r.below(4))
            }
        }
        values[5 * d + 3] = 255
        values[6 * d + 22] = 255
        return (.dense(DenseMatrix(rows: n, columns: d, values: values)), labels)
    }

    @Test func equalsThePlainDefinition() throws {
        let (points, labels) = Self.counts()
        for metric in [DistanceMetric.euclidean, .manhattan] {
            #expect(IntSilhouette.applies(to: points, metric: metric))
            let want = SilhouetteParallelTests.reference(points, labels, metric)
            let got = try #require(try Silhouette.score(points: points, labels: labels, metric: metric))
            #expect(abs(got - want) <= 1e-12, "\(metric): \(got) != \(want)")
        }
    }

    @Test func sameBitsOnEveryPath() throws {
        let (points, labels) = Self.counts()
        let distinct = Array(Set(labels)).sorted()
        let cluster = labels.map { distinct.firstIndex(of: $0)! }
        var sizes = [Int](repeating: 0, count: distinct.count)
        for c in cluster { sizes[c] += 1 }
        for metric in [DistanceMetric.euclidean, .manhattan] {
            var seen: Double?
            for kernel in IntSilhouette.Kernel.available where !kernel.euclideanOnly || metric == .euclidean {
                for threads in [1, 2] {
                    let total = try IntSilhouette.total(points: points, cluster: cluster, sizes: sizes, metric: metric,
                                                        threads: threads, kernel: kernel, control: .none)
                    if let seen { #expect(total.bitPattern == seen.bitPattern, "\(metric) \(kernel) threads \(threads)") }
                    seen = total
                }
            }
        }
    }

    @Test func appliesOnlyToSmallCounts() {
        let m = DenseMatrix(rows: 3, columns: 2, values: [0, 1, 2, 255, 3, 4])
        #expect(IntSilhouette.applies(to: .dense(m), metric: .euclidean))
        #expect(!IntSilhouette.applies(to: .dense(m), metric: .jaccard))
        for bad in [256.0, 0.5, -1] {
            let other = DenseMatrix(rows: 3, columns: 2, values: [0, 1, 2, bad, 3, 4])
            #expect(!IntSilhouette.applies(to: .dense(other), metric: .euclidean), "\(bad)")
        }
    }

    @Test func stopsWhenCancelled() {
        let (points, labels) = Self.counts()
        #expect(throws: Interrupted.self) {
            _ = try Silhouette.score(points: points, labels: labels, metric: .euclidean,
                                     control: TaskControl(isCancelled: { true }))
        }
    }
}
