import Testing
@testable import CuckooML

/// One `case ... end` block of an assessment fixture: its header words and its keyed lines.
struct FixtureBlock {
    var header: [String]
    var lines: [(key: String, words: [String])]

    func words(_ key: String) -> [String] { lines.first { $0.key == key }?.words ?? [] }
    func all(_ key: String) -> [[String]] { lines.filter { $0.key == key }.map(\.words) }
    func number(_ key: String) -> Double? { words(key).first.flatMap(Double.init) }
    var name: String { header.first ?? "?" }

    static func load(_ file: String) throws -> [FixtureBlock] {
        let text = try TestSupport.readText(TestSupport.fixtures + "/assessment/" + file)
        var blocks: [FixtureBlock] = []
        var current: FixtureBlock?
        for line in text.split(separator: "\n") {
            let words = line.split(separator: " ").map(String.init)
            guard let key = words.first else { continue }
            switch key {
            case "case": current = FixtureBlock(header: Array(words.dropFirst()), lines: [])
            case "end": if let c = current { blocks.append(c) }; current = nil
            default: current?.lines.append((key, Array(words.dropFirst())))
            }
        }
        return blocks
    }
}

private func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-9) -> Bool {
    abs(a - b) <= tolerance
}

@Suite struct AssessmentTests {
    @Test func externalMetricsMatchScikitLearn() throws {
        let blocks = try FixtureBlock.load("metrics.txt")
        #expect(blocks.count > 70)
        for block in blocks {
            let truth = block.words("truth")
            let predicted = block.words("pred").map { Int($0)! }
            let s = ExternalScores(Contingency(truth: truth, predicted: predicted))
            let checks: [(String, Double)] = [
                ("ari", s.adjustedRandIndex), ("ami_max", s.adjustedMutualInformationMax),
                ("ami_arithmetic", s.adjustedMutualInformationArithmetic), ("homogeneity", s.homogeneity),
                ("completeness", s.completeness), ("v_measure", s.vMeasure), ("fowlkes_mallows", s.fowlkesMallows),
                ("precision", s.precision), ("recall", s.recall), ("f_measure", s.fMeasure),
            ]
            for (key, value) in checks {
                let expected = try #require(block.number(key), "\(block.name) lacks \(key)")
                #expect(close(value, expected), "\(block.name) \(key): \(value) != \(expected)")
            }
        }
    }

    @Test func contingencyCountsCells() {
        let t = Contingency(truth: ["b", "a", "a", "b", "c"], predicted: [0, -1, -1, 0, 0])
        #expect(t.classes == ["a", "b", "c"])
        #expect(t.clusters == [-1, 0])
        #expect(t.classSizes == [2, 2, 1])
        #expect(t.clusterSizes == [2, 3])
        #expect(t.cells.map(\.count) == [2, 2, 1])
    }

    @Test func expectedMutualInformationIsZeroForOneGroup() {
        #expect(ExternalMetrics.expectedMutualInformation(Contingency(truth: ["a", "b"], predicted: [0, 0])) == 0)
    }

    @Test func silhouetteMatchesScikitLearn() throws {
        let blocks = try FixtureBlock.load("silhouette.txt")
        #expect(blocks.count >= 30)
        for block in blocks {
            let metric = try #require(DistanceMetric(rawValue: block.header[1]))
            let rows = Int(block.header[2])!, columns = Int(block.header[3])!
            let values = block.all("row").flatMap { $0.map { Double($0)! } }
            let labels = block.words("labels").map { Int($0)! }
            let noise = try #require(NoiseHandling(rawValue: block.words("noise")[0]))
            let dense = DenseMatrix(rows: rows, columns: columns, values: values)
            var sparse = SparseMatrix(columnCount: columns)
            for i in 0..<rows {
                sparse.appendRow(dense.row(i).enumerated().map { (Int32($0.offset), $0.element) })
            }
            let expected = block.words("silhouette")[0]
            for points in [PointSet.dense(dense), .sparse(sparse)] {
                var kept = Array(0..<rows)
                if noise == .drop { kept = kept.filter { labels[$0] >= 0 } }
                let got = try Silhouette.score(points: points.selectingRows(kept), labels: kept.map { labels[$0] }, metric: metric)
                let rowByRow = try Silhouette.score(points: points.selectingRows(kept), labels: kept.map { labels[$0] },
                                                    metric: metric, control: .none, budget: 0)
                #expect(rowByRow?.bitPattern == got?.bitPattern, "\(block.name): row-by-row method differs")
                if expected == "none" {
                    #expect(got == nil, "\(block.name): expected no silhouette, got \(String(describing: got))")
                } else {
                    let value = try #require(got, "\(block.name): no silhouette")
                    #expect(close(value, Double(expected)!), "\(block.name) \(metric): \(value) != \(expected)")
                }
            }
        }
    }

    @Test func silhouetteStopsWhenCancelled() {
        let m = DenseMatrix(rows: 4, columns: 1, values: [0, 1, 5, 6])
        #expect(throws: Interrupted.self) {
            _ = try Silhouette.score(points: .dense(m), labels: [0, 0, 1, 1], metric: .euclidean,
                                     control: TaskControl(isCancelled: { true }))
        }
    }

    @Test func assessKeepsOrDropsNoiseAndIgnoresLabels() throws {
        let truth = ["a", "a", "a", "b", "b", "none", "b"]
        let predicted = [0, 0, -1, 1, 1, 1, -1]
        let m = DenseMatrix(rows: 7, columns: 1, values: [0, 1, 9, 20, 21, 22, 40])
        let keep = try #require(try Assessment.assess(truth: truth, predicted: predicted, points: .dense(m), metric: .euclidean))
        #expect(keep.samples == 7 && keep.noise == 2 && keep.clusters == 2)
        #expect(keep.scores == ExternalScores(Contingency(truth: truth, predicted: predicted)))
        let drop = try #require(try Assessment.assess(truth: truth, predicted: predicted, points: .dense(m), metric: .euclidean,
                                                      noise: .drop, ignoredLabels: ["none"]))
        #expect(drop.samples == 4 && drop.noise == 2 && drop.clusters == 2)
        #expect(drop.scores == ExternalScores(Contingency(truth: ["a", "a", "b", "b"], predicted: [0, 0, 1, 1])))
        #expect(drop.scores.adjustedRandIndex == 1)
        // Pairs within clusters at distance 1 and between them at ≥ 19: s = 1 − a/b per sample.
        let perSample: [Double] = [1 - 1 / 20.5, 1 - 1 / 19.5, 1 - 1 / 19.5, 1 - 1 / 20.5]
        let expected = perSample.reduce(0, +) / 4
        #expect(close(try #require(drop.silhouette), expected, 1e-12))
        #expect(try Assessment.assess(truth: ["none"], predicted: [0], points: nil, metric: .euclidean, ignoredLabels: ["none"]) == nil)
    }

    @Test func silhouetteUndefinedForOneCluster() throws {
        let m = DenseMatrix(rows: 3, columns: 1, values: [0, 1, 2])
        #expect(try Silhouette.score(points: .dense(m), labels: [4, 4, 4], metric: .euclidean) == nil)
        #expect(try Silhouette.score(points: .dense(m), labels: [0, 1, 2], metric: .euclidean) == nil)
    }

    @Test func quartilesAndFencesMatchPandas() throws {
        let blocks = try FixtureBlock.load("quartiles.txt")
        #expect(blocks.count >= 30)
        for block in blocks {
            let values = block.words("values").map { Double($0)! }
            let result = CountOutliers.fences(values, feature: ":count:x")
            #expect(close(result.firstQuartile, block.number("q1")!), "\(block.name) q1")
            #expect(close(result.thirdQuartile, block.number("q3")!), "\(block.name) q3")
            #expect(result.outliers == block.words("outliers").map { Int($0)! }, "\(block.name) outliers")
            #expect(result.suspects == block.words("suspects").map { Int($0)! }, "\(block.name) suspects")
        }
    }

    @Test func countOutliersReadOnlyCountColumns() {
        var m = SparseMatrix(columnCount: 3)
        let rows: [[Double]] = [[1, 0, 0], [1, 2, 0], [0, 2, 1], [1, 3, 1], [1, 2, 0], [1, 100, 7]]
        for r in rows { m.appendRow(r.enumerated().map { (Int32($0.offset), $0.element) }) }
        let features = FeatureSet(configuration: .full, names: [":win:A", ":count:file:all", ":count:mutex"], matrix: m)
        let found = CountOutliers.find(in: features)
        #expect(found.map(\.feature) == [":count:file:all", ":count:mutex"])
        // file:all sorted 0,2,2,2,3,100: Q1 = 2, Q3 = 2.75, IQR 0.75 → outlier fences −0.25 / 5, suspect 0.875 / 3.875.
        #expect(found[0].firstQuartile == 2 && found[0].thirdQuartile == 2.75)
        #expect(found[0].outliers == [5] && found[0].suspects == [0])
        #expect(found[1].outliers == [5] && found[1].suspects == [])
    }

    @Test func anomaliesFollowThe2016Rules() {
        let labels = [0, 0, 0, 0, 0, 0, -1, 1, 1]
        let probabilities = [1, 0.95, 0.9, 0.5, 1, 1, 0, 1, 1]
        let scores = [0, 0.1, 0.5, 0.6, 0, 0, 0.9, 0, 0.7]
        let truth = ["a", "a", "a", "a", "a", "b", "c", "d", "d"]
        let found = Anomalies.find(labels: labels, probabilities: probabilities, outlierScores: scores, truth: truth)
        #expect(found.filter { $0.kind == .noise }.map(\.sample) == [6])
        #expect(found.filter { $0.kind == .lowProbability }.map(\.sample) == [3])
        #expect(found.filter { $0.kind == .highOutlierScore }.map(\.sample) == [3, 8])
        // "b" is 1/6 of cluster 0 (< 0.2); "c" is the whole noise group.
        let homogeneity = found.filter { $0.kind == .homogeneity }
        #expect(homogeneity.map(\.sample) == [5])
        #expect(homogeneity[0].value == 1.0 / 6)
        let strict = Anomalies.find(labels: labels, probabilities: probabilities, outlierScores: scores, truth: truth,
                                    thresholds: AnomalyThresholds(probability: 0.96, outlierScore: 0.05, homogeneity: 0.9))
        #expect(strict.filter { $0.kind == .lowProbability }.map(\.sample) == [1, 2, 3])
        #expect(strict.filter { $0.kind == .highOutlierScore }.map(\.sample) == [1, 2, 3, 8])
        #expect(strict.filter { $0.kind == .homogeneity }.map(\.sample) == [0, 1, 2, 3, 4, 5])
    }
}

@Suite struct SweepTests {
    /// Two tight groups of five on a line and one far point.
    static let points = PointSet.dense(DenseMatrix(rows: 11, columns: 1,
                                                   values: [0, 0.1, 0.2, 0.3, 0.4, 10, 10.1, 10.2, 10.3, 10.4, 50]))
    static let truth = ["a", "a", "a", "a", "a", "b", "b", "b", "b", "b", "c"]

    @Test func everySettingIsFittedAndAssessed() throws {
        var seen: [(Int, Int)] = []
        let rows = try Sweep.hdbscan(points: Self.points, truth: Self.truth, minSamples: 1...2, minClusterSizes: 2...4) {
            seen.append(($0.minSamples, $0.minClusterSize))
        }
        #expect(rows.map { [$0.minSamples, $0.minClusterSize] } == [[1, 2], [1, 3], [1, 4], [2, 2], [2, 3], [2, 4]])
        #expect(seen.map { [$0.0, $0.1] } == rows.map { [$0.minSamples, $0.minClusterSize] })
        for row in rows {
            var parameters = HDBSCANParameters(minSamples: row.minSamples, minClusterSize: row.minClusterSize)
            parameters.metric = .euclidean
            let fit = try HDBSCAN.fit(points: Self.points, parameters: parameters)
            let direct = try Assessment.assess(truth: Self.truth, predicted: fit.labels, points: Self.points, metric: .euclidean)
            #expect(row.assessment == direct)
            #expect(row.clusters == fit.clusterCount && row.noise == fit.noiseCount)
        }
        let best = try #require(Sweep.bestVMeasure(rows))
        #expect(rows.allSatisfy { $0.assessment!.scores.vMeasure <= rows[best].assessment!.scores.vMeasure })
    }

    @Test func sweepMatchesTheHDBSCANLibraryAndScikitLearn() throws {
        let blocks = try FixtureBlock.load("sweep.txt")
        #expect(blocks.count == 2)
        for block in blocks {
            let metric = try #require(DistanceMetric(rawValue: block.header[1]))
            let points = PointSet.dense(DenseMatrix(rows: Int(block.header[2])!, columns: Int(block.header[3])!,
                                                    values: block.all("row").flatMap { $0.map { Double($0)! } }))
            let settings = block.all("setting")
            let rows = try Sweep.hdbscan(points: points, truth: block.words("truth"), minSamples: 1...3, minClusterSizes: 3...6,
                                         base: HDBSCANParameters(metric: metric))
            #expect(rows.count == settings.count)
            for (row, expected) in zip(rows, settings) {
                let a = try #require(row.assessment)
                let name = "\(block.name) \(row.minSamples)/\(row.minClusterSize)"
                #expect([row.minSamples, row.minClusterSize, row.clusters, row.noise] == expected[0..<4].map { Int($0)! }, "\(name)")
                #expect(close(a.scores.adjustedRandIndex, Double(expected[4])!), "\(name) ari")
                #expect(close(a.scores.adjustedMutualInformationMax, Double(expected[5])!), "\(name) ami")
                #expect(close(a.scores.vMeasure, Double(expected[6])!), "\(name) v")
                if expected[7] == "none" {
                    #expect(a.silhouette == nil, "\(name) silhouette")
                } else {
                    #expect(close(try #require(a.silhouette), Double(expected[7])!), "\(name) silhouette")
                }
            }
        }
    }

    @Test func sweepReportsOneStepPerSetting() throws {
        final class Log: @unchecked Sendable { var updates: [Progress] = [] }
        let log = Log()
        _ = try Sweep.hdbscan(points: Self.points, truth: Self.truth, minSamples: 1...1, minClusterSizes: 2...4,
                              control: TaskControl(report: { log.updates.append($0) }))
        #expect(log.updates.map(\.phase) == ["sweep", "sweep", "sweep", "sweep"])
        #expect(log.updates.map(\.done) == [0, 1, 2, 3])
        #expect(log.updates.allSatisfy { $0.total == 3 })
    }

    @Test func sweepStopsWhenCancelled() {
        #expect(throws: Interrupted.self) {
            _ = try Sweep.hdbscan(points: Self.points, truth: Self.truth, minSamples: 1...1, minClusterSizes: 2...3,
                                  control: TaskControl(isCancelled: { true }))
        }
    }
}

@Suite struct RowDistancesTests {
    /// A seeded matrix: `binary` gives 0/1 values, otherwise small counts and fractions.
    static func matrix(rows: Int, columns: Int, binary: Bool, seed: UInt64) -> SparseMatrix {
        var state = seed
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
        var m = SparseMatrix(columnCount: columns)
        for _ in 0..<rows {
            var entries: [(Int32, Double)] = []
            for c in 0..<columns where next() % 4 == 0 {
                entries.append((Int32(c), binary ? 1 : Double(next() % 7) * 0.37 + 1))
            }
            m.appendRow(entries)
        }
        return m
    }

    @Test(arguments: [true, false])
    func fastPathsAreBitIdenticalToDistances(binary: Bool) {
        let sparse = Self.matrix(rows: 23, columns: 17, binary: binary, seed: binary ? 1 : 2)
        for points in [PointSet.sparse(sparse), .dense(sparse.dense())] {
            for metric in DistanceMetric.allCases {
                // Non-binary sparse rows: the merge and the dense copy alike.
                for denseRows in [false, true] {
                    var kernel = RowDistances(points: points, metric: metric, denseRows: denseRows)
                    var row = [Double](repeating: -1, count: 23)
                    for i in 0..<23 {
                        kernel.fill(from: i, rows: (i + 1)..<max(23, i + 1), into: &row)
                        for j in (i + 1)..<max(23, i + 1) {
                            let expected = Distances.between(metric, points, i, points, j)
                            #expect(row[j].bitPattern == expected.bitPattern, "\(metric) binary=\(binary) dense=\(denseRows) (\(i),\(j))")
                        }
                    }
                }
            }
        }
    }
}
