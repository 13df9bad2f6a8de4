import Testing
import CuckooML
@testable import cuckooml

/// `plot map` and `export map` on the shipped sample data, through the shell.
@Suite struct MapCommandTests {
    static let reports = TestPaths.packageRoot + "/sample_data/reports"

    @Test func plotMapWritesTheSVGAndGivesCoordinatesAsJSON() throws {
        let dir = try TemporaryDirectory()
        let sink = CaptureSink()
        let shell = Shell(sink: sink)
        #expect(shell.runScript("load \(Self.reports); cluster hdbscan 1 6", origin: "test"))
        let session = shell.session
        #expect(shell.runScript("set format json; plot map \(dir.file("m.svg")); plot map \(dir.file("l.svg")) color=label; export map \(dir.file("m.csv"))", origin: "test"))
        let lines = sink.stdout.split(separator: "\n").map(String.init)
        let plot = try #require(lines.first { $0.contains(#""file":"\#(dir.file("m.svg"))""#) })
        #expect(plot.contains(#""samples":200,"algorithm":"hdbscan","metric":"euclidean","color":"cluster","neighbours":15,"exact_neighbours":true,"#))
        let first = session.samples[0]
        #expect(plot.contains(#""points":[{"sample":"\#(first.id)","x":"#))
        #expect(plot.contains(#","cluster":\#(session.hdbscan!.labels[0]),"label":"\#(session.labels[first.id]?.family ?? "(unlabelled)")","probability":"#))
        #expect(lines.contains { $0.contains(#""color":"label""#) })
        #expect(lines.last == #"{"file":"\#(dir.file("m.csv"))","rows":200,"algorithm":"hdbscan"}"#)

        let svg = try TestText.read(dir.file("m.svg"))
        #expect(svg.hasPrefix("<?xml") && svg.hasSuffix("</svg>\n"))
        #expect(svg.components(separatedBy: "<circle ").count - 1 == 200)
        let h = session.hdbscan!
        let last = h.clusterCount - 1
        #expect(svg.contains("cluster \(last) (\(h.labels.count { $0 == last }))"))
        // The CSV holds the same coordinates as the JSON, in full precision, row for row.
        let csv = try TestText.read(dir.file("m.csv")).split(separator: "\n").map(String.init)
        #expect(csv.count == 201 && csv[0] == "sample,x,y,cluster,label")
        let fields = csv[1].split(separator: ",").map(String.init)
        #expect(fields[0] == first.id && fields[3] == String(session.hdbscan!.labels[0]))
        #expect(plot.contains(#""x":\#(fields[1]),"y":\#(fields[2]),"#))
    }

    @Test func mapNeedsAClusteringAndAWritableFile() throws {
        let dir = try TemporaryDirectory()
        let sink = CaptureSink()
        let shell = Shell(sink: sink)
        #expect(shell.runScript("load \(Self.reports)", origin: "test"))
        #expect(!shell.runScript("plot map \(dir.file("m.svg"))", origin: "test"))
        #expect(sink.stderr.contains("no clustering yet: run 'cluster' first"))
        #expect(!shell.runScript("export map \(dir.file("m.csv")) algorithm=dbscan", origin: "test"))
        #expect(sink.stderr.contains("no dbscan clustering yet"))
        #expect(shell.runScript("cluster dbscan 3 4", origin: "test"))
        #expect(!shell.runScript("plot map \(dir.file("missing/dir/m.svg"))", origin: "test"))
        #expect(shell.runScript("plot map \(dir.file("d.svg"))", origin: "test"), "dbscan is used when it is the only clustering")
        #expect(sink.stdout.contains("dbscan euclidean"))
    }

    @Test func helpSaysWhichMethodAndWhy() {
        let sink = CaptureSink()
        let shell = Shell(sink: sink)
        #expect(shell.runScript("help plot map", origin: "test"))
        #expect(sink.stdout.contains("UMAP-style"))
        #expect(sink.stdout.contains("Why not t-SNE"))
        #expect(sink.stdout.contains("deterministic"))
    }
}
