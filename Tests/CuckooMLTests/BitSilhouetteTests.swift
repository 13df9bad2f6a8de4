import Testing
@testable import CuckooML

/// The grouped bit silhouette (`BitSilhouette`) against scikit-learn on binary rows with many
/// duplicates, some copies of a row in different clusters, and widths across word boundaries.
@Suite struct BitSilhouetteTests {
    struct Case {
        var name: String
        var metric: DistanceMetric
        var points: PointSet
        var labels: [Int]
        var expected: Double?
    }

    static func cases() throws -> [Case] {
        try FixtureBlock.load("silhouette-binary.txt").map { block in
            let metric = try #require(DistanceMetric(rawValue: block.header[1]))
            let columns = Int(block.header[3])!
            let labels = block.words("labels").map { Int($0)! }
            let drop = block.words("noise") == ["drop"]
            var m = SparseMatrix(columnCount: columns)
            var kept: [Int] = []
            for (i, row) in block.all("row").enumerated() where !drop || labels[i] >= 0 {
                m.appendRow(row.enumerated().filter { $0.element == "1" }.map { (Int32($0.offset), 1.0) })
                kept.append(labels[i])
            }
            let s = block.words("silhouette")[0]
            return Case(name: block.name, metric: metric, points: .sparse(m), labels: kept,
                        expected: s == "none" ? nil : Double(s)!)
        }
    }

    @Test func equalsScikitLearn() throws {
        let cases = try Self.cases()
        #expect(cases.count == 21)
        #expect(Set(cases.map(\.metric)) == [.euclidean, .manhattan, .jaccard, .hamming, .cosine])
        for c in cases {
            #expect(BitSilhouette.applies(to: c.points, metric: c.metric))
            let got = try Silhouette.score(points: c.points, labels: c.labels, metric: c.metric)
            guard let expected = c.expected else {
                #expect(got == nil, "\(c.name)")
                continue
            }
            let value = try #require(got, "\(c.name): no silhouette")
            #expect(abs(value - expected) <= 1e-12, "\(c.name) \(c.metric): \(value) != \(expected)")
        }
    }

    /// Threads and the kernels' code paths change nothing, bit for bit.
    @Test func sameBitsOnEveryPath() throws {
        for c in try Self.cases() where c.expected != nil {
            let distinct = Array(Set(c.labels)).sorted()
            let code = Dictionary(uniqueKeysWithValues: distinct.enumerated().map { ($1, $0) })
            let cluster = c.labels.map { code[$0]! }
            var sizes = [Int](repeating: 0, count: distinct.count)
            for x in cluster { sizes[x] += 1 }
            var seen: Double?
            for kernels in [BitKernelChoice.portable, .vector] {
                for threads in [1, 2] {
                    let total = try BitSilhouette.total(points: c.points, cluster: cluster, sizes: sizes, metric: c.metric,
                                                        threads: threads, kernels: kernels, control: .none)
                    if let seen { #expect(total.bitPattern == seen.bitPattern, "\(c.name) \(kernels) \(threads)") }
                    seen = total
                }
            }
        }
    }

    /// Groups are (row, cluster) pairs: copies of one row in two clusters are two groups.
    @Test func groupsSplitCopiesByCluster() {
        var m = SparseMatrix(columnCount: 70)
        for cols in [[0, 65], [0, 65], [1], [0, 65], [1], [69]] { m.appendRow(cols.map { (Int32($0), 1.0) }) }
        let kernel = BitKernel(points: .sparse(m), metric: .euclidean)
        let groups = RowClusterGroups(kernel: kernel, cluster: [0, 0, 1, 1, 1, 0], clusterCount: 2)
        #expect(groups.count == 4)
        #expect(groups.clusterStart == [0, 2, 4])
        #expect(groups.weight == [2, 1, 2, 1])
        #expect(groups.ones == [2, 1, 1, 2])
    }

    @Test func stopsWhenCancelledAndReportsProgress() throws {
        let c = try #require(try Self.cases().first { $0.points.count > 100 })
        #expect(throws: Interrupted.self) {
            _ = try Silhouette.score(points: c.points, labels: c.labels, metric: c.metric,
                                     control: TaskControl(isCancelled: { true }))
        }
        let seen = Locked<[Progress]>([])
        _ = try Silhouette.score(points: c.points, labels: c.labels, metric: c.metric,
                                 control: TaskControl(report: { p in seen.withLock { $0.append(p) } }))
        let reports = seen.withLock { $0 }
        #expect(reports.allSatisfy { $0.phase == "silhouette" && $0.done <= $0.total })
        #expect(reports.last.map { $0.done == $0.total } == true)
    }
}
