#if canImport(FoundationXML)
import Foundation
import FoundationXML
#else
import Foundation
#endif
import Testing
@testable import CuckooML

/// Checks XML well-formedness with the platform's XML parser (tests only; the library writes text).
final class WellFormedness: NSObject, XMLParserDelegate {
    var elements = 0
    var text = ""
    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        elements += 1
    }
    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    static func check(_ document: String) -> (ok: Bool, elements: Int, text: String, error: String) {
        let parser = XMLParser(data: Data(document.utf8))
        let delegate = WellFormedness()
        parser.delegate = delegate
        let ok = parser.parse()
        return (ok, delegate.elements, delegate.text, parser.parserError.map { "\($0)" } ?? "")
    }
}

@Suite struct ChartAndHTMLTests {
    static let hostile = "<script>alert('x')</script> & \"q\" \u{1B}]0;t\u{07}\u{0}\u{202E}gpj"

    static func session() -> Session {
        var session = Session()
        let ids = (0..<9).map { "s\($0)" }
        session.upsert(ids.map { Sample(id: $0, path: "/r/\($0).json", reportSize: 100, record: nil) })
        session.fixture.labels = ["s0": SampleLabel(family: "zbot", votes: 9, source: .virusTotal),
                          "s1": SampleLabel(family: "zbot", votes: 9, source: .virusTotal),
                          "s2": SampleLabel(family: hostile, votes: 3, source: .virusTotal),
                          "s3": .none, "s4": SampleLabel(family: "zbot", votes: 1, source: .virusTotal)]
        session.fixture.hdbscan = HDBSCANResult(parameters: HDBSCANParameters(minSamples: 1, minClusterSize: 2),
                                        labels: [0, 0, 1, 1, -1, 0, 1, -1, 0],
                                        probabilities: [1, 0.5, 1, 1, 0, 0.25, 0.75, 0, 1],
                                        outlierScores: [Double](repeating: 0.1, count: 9),
                                        persistence: [0.4, 0.2], condensedTree: [], coreDistances: [])
        var matrix = SparseMatrix(columnCount: 3)
        for i in 0..<9 { matrix.appendRow(i % 2 == 0 ? [(0, 1.0), (2, 1.0)] : [(1, 1.0)]) }
        session.fixture.features = FeatureSet(configuration: .full, names: [":win:a", hostile, ":count:x"], matrix: matrix)
        return session
    }

    @Test func labelCountsPerCluster() {
        let table = ClusterLabelCounts(session: Self.session())!
        #expect(table.clusters == [-1, 0, 1])
        #expect(table.labels == [ClusterLabelCounts.unlabelled, "zbot", Self.hostile, "none"])
        #expect(table.counts == [[1, 1, 0, 0], [2, 2, 0, 0], [1, 0, 1, 1]])
        #expect(table.counts(forRow: 1).map(\.label) == [ClusterLabelCounts.unlabelled, "zbot"])
    }

    @Test func escapingDropsControlsAndEncodesMarkup() {
        #expect(escapeForMarkup(Self.hostile) == "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot; ]0;tgpj")
        #expect(escapeForMarkup("é ü 😀") == "é ü 😀")
    }

    @Test func chartsAreWellFormedSVGWithTitles() throws {
        let table = ClusterLabelCounts(session: Self.session())!
        let charts = SVGCharts.labelCharts(table)
        #expect(charts.map(\.fileName) == ["overview.svg", "noise.svg", "cluster-0.svg", "cluster-1.svg"])
        #expect(charts[3].image.title == "cluster 1: label counts")
        #expect(charts[1].image.title == "noise: label counts")
        for chart in charts {
            let result = WellFormedness.check(chart.image.document)
            #expect(result.ok, "\(chart.fileName): \(result.error)")
            #expect(!chart.image.document.contains("<script"))
            #expect(!chart.image.document.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
        }
        // Three bars for cluster 1, each with its count.
        let bars = charts[3].image.markup.components(separatedBy: "<rect").count - 2
        #expect(bars == 3)
        #expect(WellFormedness.check(charts[3].image.document).text.contains("cluster 1: label counts"))
        // The heat map has one cell per cluster × label.
        #expect(charts[0].image.markup.components(separatedBy: "<rect").count - 2 == 3 * 4)

        let dir = OutputFixtures.temporaryDirectory() + "/plots"
        let written = try SVGCharts.writeLabelCharts(table, to: dir)
        #expect(TestSupport.listDirectory(dir) == ["cluster-0.svg", "cluster-1.svg", "noise.svg", "overview.svg"])
        #expect(try TestSupport.readText(written[0]) == charts[0].image.document)
    }

    @Test func htmlReportIsSelfContainedAndEscaped() throws {
        let session = Self.session()
        let map = "<?xml version=\"1.0\"?>\n<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"10\" height=\"10\"><circle r=\"3\"/></svg>\n"
        var report = try HTMLReport.forSession(session, clustering: ReportClustering(session.hdbscan!),
                                               metrics: [HTMLReport.Metric(name: "ARI", value: "0.5", meaning: Self.hostile)],
                                               allMetrics: [("ari", "0.5"), (Self.hostile, "1")],
                                               anomalies: [Anomaly(sample: 4, kind: .noise, value: 0.1, threshold: nil, cluster: -1, label: "zbot")],
                                               mapSVG: map)
        let hostileName = escapeForMarkup(Self.hostile)
        #expect(report.sections.map(\.heading) == ["Summary", "Map", "Families", "Cluster 0: zbot 50%",
                                                   "Cluster 1: \(Self.hostile) 33%", "Anomalies", "Samples", "Details"])
        report.sections.append(.table("Extra", HTMLReport.Table(header: ["a"], rows: [["<b>"]])))
        let html = report.render()
        let result = WellFormedness.check(html)
        #expect(result.ok, "\(result.error)")
        #expect(html.contains("&lt;b&gt;"))
        #expect(html.contains(hostileName) && !html.contains("<script>alert"))
        // One inline script (tables sort and filter), nothing loaded from elsewhere.
        #expect(html.components(separatedBy: "<script").count == 2 && html.contains("<script>//<![CDATA["))
        #expect(!html.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "").contains("http"), "no external resources")
        #expect(!html.contains("src=") && !html.contains("<link") && !html.contains("@import") && !html.contains("url("))
        // The map's SVG element without its XML prolog, and the heat map.
        #expect(html.components(separatedBy: "<svg ").count == 3 && !html.contains("<?xml"))
        #expect(result.text.contains("clusters × labels: label counts"))
        #expect(!html.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n") || $0.value == 0x202E })
        // Sections in reading order, the family rows linked to their sections, details collapsed.
        let order = ["summary", "map", "families", "family-0", "family-1", "anomalies", "samples", "details"].map { id in
            html.range(of: "<section id=\"\(id)\"")?.lowerBound
        }
        #expect(order.allSatisfy { $0 != nil } && zip(order, order.dropFirst()).allSatisfy { $0! < $1! })
        #expect(html.contains("<td><a href=\"#family-0\">0</a></td><td>4</td><td>zbot 50%</td><td>0.33</td><td>0.69</td>"))
        #expect(html.contains("<details>\n<summary>All 9 samples</summary>"))
        // Cluster 0 shares the hostile token: held by 2 of its 4 members and by 2 of the 5 others.
        #expect(html.contains("<td>-</td><td>\(hostileName)</td><td>2/4</td><td>50% of 4</td>"))
        #expect(result.text.contains("None at the default thresholds."))
    }

    @Test func aHardClusteringHasFamiliesButNoAnomalies() throws {
        let session = Self.session()
        let dbscan = DBSCANResult(parameters: DBSCANParameters(eps: 1, minSamples: 2, metric: .jaccard),
                                  labels: session.hdbscan!.labels, isCore: [Bool](repeating: true, count: 9))
        let report = try HTMLReport.forSession(session, clustering: ReportClustering(dbscan))
        #expect(report.sections.map(\.heading) == ["Summary", "Families", "Cluster 0: zbot 50%",
                                                   "Cluster 1: \(Self.hostile) 33%", "Samples", "Details"])
        let html = report.render()
        #expect(WellFormedness.check(html).ok)
        #expect(!html.contains("Anomalies inside") && !html.contains("mean probability"))
        #expect(html.contains("dbscan eps=1.0 min_samples=2 metric=jaccard: 2 clusters, 2 noise"))
    }

    @Test func noClusteringStillGivesASummaryAndTheSamples() throws {
        var session = Self.session()
        session.fixture.hdbscan = nil
        let report = try HTMLReport.forSession(session, clustering: nil)
        #expect(report.sections.map(\.heading) == ["Summary", "Samples", "Details"])
        let html = report.render()
        #expect(WellFormedness.check(html).ok)
        #expect(html.contains("No clustering yet"))
    }
}
