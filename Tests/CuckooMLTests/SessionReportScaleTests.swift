import Testing
@testable import CuckooML

/// The report of a 100 000-sample session, with a map at its size bound, stays one page under 20 MB
/// and keeps every part.
@Suite struct SessionReportScaleTests {
    /// 100 000 samples with sha256-like ids and md5s, 500 labels, 20 tokens each out of 3 000, in
    /// 9 000 clusters of about 10 members plus 10 % noise.
    static func largeSession() -> (Session, ReportClustering, [Anomaly]) {
        let n = 100_000
        var rng = EngineReference.Random(seed: 7)
        func hex(_ count: Int) -> String {
            var s = ""
            while s.count < count { s += String(rng.next(), radix: 16) }
            return String(s.prefix(count))
        }
        var session = Session()
        session.upsert((0..<n).map { Sample(id: hex(64), path: "/reports/\($0).json", reportSize: 400_000, record: nil) })
        var labels: [String: SampleLabel] = [:]
        var assignments = [Int](repeating: -1, count: n)
        var matrix = SparseMatrix(columnCount: 3_000)
        for (i, sample) in session.samples.enumerated() {
            let cluster = i % 10 == 9 ? -1 : (i / 10) % 9_000
            assignments[i] = cluster
            labels[sample.id] = SampleLabel(family: "family\(cluster < 0 ? Int(rng.next() % 500) : cluster % 500)", votes: 6, source: .virusTotal)
            // Members share 12 tokens of their cluster; 8 more are random.
            var columns = Set<Int32>()
            if cluster >= 0 { for k in 0..<12 { columns.insert(Int32((cluster * 7 + k * 13) % 3_000)) } }
            while columns.count < 20 { columns.insert(Int32(rng.next() % 3_000)) }
            matrix.appendRow(columns.sorted().map { ($0, 1.0) })
        }
        session.fixture.labels = labels
        let names = (0..<3_000).map { ":file:C:\\Users\\<USER>\\AppData\\Roaming\\vendor\\component-\($0)\\settings.dat" }
        session.fixture.features = FeatureSet(configuration: .full, names: names, matrix: matrix)
        let probabilities = (0..<n).map { assignments[$0] < 0 ? 0 : Double(rng.next() % 1000) / 999 }
        let outliers = probabilities.map { 1 - $0 }
        let clustering = ReportClustering(algorithm: "hdbscan", parameters: [("min_cluster_size", "5")], labels: assignments,
                                          probabilities: probabilities, outlierScores: outliers)
        let anomalies = Anomalies.find(labels: assignments, probabilities: probabilities, outlierScores: outliers,
                                       truth: session.labelColumn)
        return (session, clustering, anomalies)
    }

    @Test func aHundredThousandSamplesStayUnderTwentyMegabytes() throws {
        let (session, clustering, anomalies) = Self.largeSession()
        // A stand-in for a 100 000-point map at its 10 MB bound.
        let point = "<circle cx=\"100.0\" cy=\"100.0\" r=\"2\"><title>sample 0123456789 · cluster 12</title></circle>\n"
        let map = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"800\" height=\"600\">\n"
            + String(repeating: point, count: 10_000_000 / point.utf8.count) + "</svg>"
        let report = try HTMLReport.forSession(session, clustering: clustering,
                                               metrics: [HTMLReport.Metric(name: "V-measure", value: "0.9", meaning: "m")],
                                               anomalies: anomalies, mapSVG: map)
        let html = report.render()
        let bytes = html.utf8.count
        #expect(bytes < 20_000_000, "report is \(bytes) bytes")
        #expect(report.sections.count == 1 + 1 + 1 + ReportLimits().familySections + 3)
        // Every part is there; tables that outgrew their budget say so.
        for id in ["summary", "map", "families", "family-0", "anomalies", "samples", "details"] {
            #expect(html.contains("<section id=\"\(id)\""))
        }
        #expect(html.contains("All 100000 samples"))
        // With 64-character ids and the map the sample table keeps its first rows within its budget, says how many,
        // and holds exactly that many rows.
        let samples = try #require(html.split(separator: "<section id=\"samples\"").last?.split(separator: "</section>").first)
        let note = try #require(samples.firstRange(of: "Showing the first ").map { samples[$0.upperBound...].prefix { $0 != " " } })
        let shown = try #require(Int(note))
        #expect(shown >= 5_000 && samples.contains("of 100000 samples"))
        #expect(samples.components(separatedBy: "<tr>").count - 2 == shown)
        #expect(anomalies.count > 10_000)
        #expect(html.contains(" anomalies to keep this page small"))
    }
}
