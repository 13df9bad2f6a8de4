#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import CuckooML
@testable import cuckooml
import TestScratch

/// `save`, `session save|open`, `plot labels` and `report` driven through the shell.
@Suite struct OutputCommandTests {
    static func temporaryDirectory() -> String { TestScratch.directory() }

    static func read(_ path: String) -> String? {
        guard let f = fopen(path, "rb") else { return nil }
        defer { fclose(f) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&buf, 1, buf.count, f)
            out.append(contentsOf: buf[0..<n])
            if n < buf.count { break }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Three reports on disk (one malformed), clustered and labelled by hand.
    static func clusteredShell(json: Bool = true) throws -> (Shell, CaptureSink, String) {
        let dir = temporaryDirectory()
        try AtomicFileWriter.write(#"{"info": {"id": 1}, "target": {"file": {"name": "a.exe"}}}"#, to: dir + "/a.json")
        try AtomicFileWriter.write(#"{"behavior": {}}"#, to: dir + "/b.json")
        try AtomicFileWriter.write(#"{"info": {"id": 3"#, to: dir + "/c.json")
        var session = Session()
        session.upsert(["a", "b", "c"].map { Sample(id: $0, path: dir + "/\($0).json", reportSize: 40, record: nil) })
        session.fixture.labels = ["a": SampleLabel(family: "zbot", votes: 4, source: .virusTotal)]
        session.fixture.hdbscan = HDBSCANResult(parameters: HDBSCANParameters(minSamples: 1, minClusterSize: 2),
                                        labels: [0, 0, -1], probabilities: [1, 0.5, 0], outlierScores: [0, 0.25, 1],
                                        persistence: [0.3], condensedTree: (0..<3).map { CondensedTreeRow(parent: 3, child: $0, lambda: 2, childSize: 1) },
                                        coreDistances: [0.5, 0.5, 1])
        let sink = CaptureSink()
        var options = Shell.Options()
        options.forceJSON = json
        return (Shell(sink: sink, options: options, session: session), sink, dir)
    }

    @Test func saveWritesCopiesAndWarnsAboutTheMalformedReport() throws {
        let (shell, sink, dir) = try Self.clusteredShell()
        #expect(!shell.runScript("save \(dir)/out", origin: "test"), "c.json could not be copied")
        #expect(sink.stdout.contains(#""written":2"#))
        #expect(sink.stdout.contains(#""failed":[{"sample":"c","error":"#))
        #expect(sink.stderr.contains("truncated"))
        #expect(Self.read(dir + "/out/b.json") == #"{"behavior": {},"info":{"clustering":{"hdbscan":{"clusterID":0,"clusterProbability":0.5,"outlierScore":0.25,"min_samples":1,"min_cluster_size":2}}}}"#)
        #expect(sink.stdout.contains(#""unchanged":0"#))
        // The same save again finds both copies in place.
        #expect(!shell.runScript("save \(dir)/out", origin: "test"))
        #expect(sink.stdout.contains(#""unchanged":2"#))
        // Saving over the sources needs in-place.
        #expect(!shell.runScript("save \(dir)", origin: "test"))
        #expect(sink.stderr.contains("in-place"))
        #expect(Self.read(dir + "/a.json") == #"{"info": {"id": 1}, "target": {"file": {"name": "a.exe"}}}"#)
        #expect(!shell.runScript("save \(dir) in-place", origin: "test"), "c.json could not be copied")
        #expect(Self.read(dir + "/a.json")?.contains(#""clusterID":0"#) == true)
    }

    @Test func sessionSaveAndOpenRestoreTheSession() throws {
        let (shell, sink, dir) = try Self.clusteredShell()
        #expect(shell.runScript("session save \(dir)/s.cml", origin: "test"))
        #expect(sink.stdout.contains(#""samples":3"#))
        let (other, otherSink, _) = try Self.clusteredShell()
        #expect(other.runScript("set threads 7", origin: "test"))
        #expect(other.runScript("session open \(dir)/s.cml", origin: "test"))
        #expect(otherSink.stdout.contains(#""hdbscan_clusters":1"#))
        #expect(other.session.settings.threads == 0)
        #expect(other.session.samples == shell.session.samples)
        #expect(other.session.hdbscan?.condensedTree == shell.session.hdbscan?.condensedTree)
        #expect(other.session.settings.format == .json, "the output format of the running shell is kept")

        // A file that is not a session leaves the session as it was.
        try AtomicFileWriter.write("not a database at all", to: dir + "/junk.cml")
        #expect(other.runScript("set threads 5", origin: "test"))
        #expect(!other.runScript("session open \(dir)/junk.cml", origin: "test"))
        #expect(otherSink.stderr.contains("not a SQLite database"))
        #expect(other.session.settings.threads == 5)
        #expect(other.session.samples.count == 3)
    }

    @Test func plotLabelsAndReportWriteFiles() throws {
        let (shell, sink, dir) = try Self.clusteredShell()
        #expect(shell.runScript("plot labels \(dir)/plots", origin: "test"))
        #expect(sink.stdout.contains(#""written":3"#))
        #expect(Self.read(dir + "/plots/cluster-0.svg")?.contains("cluster 0: label counts") == true)
        #expect(Self.read(dir + "/plots/noise.svg")?.contains("noise: label counts") == true)
        #expect(Self.read(dir + "/plots/overview.svg")?.hasPrefix("<?xml") == true)
        #expect(shell.runScript("report \(dir)/r.html", origin: "test"))
        let html = Self.read(dir + "/r.html") ?? ""
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(sink.stdout.contains(#""sections":["Summary","Families","Cluster 0: zbot 50%","Anomalies","Samples","Details"]"#))
        #expect(html.contains("adjusted Rand index") && html.contains("low probability 1"))
    }

    @Test func commandsRefuseAnEmptyOrUnclusteredSession() {
        let sink = CaptureSink()
        let shell = Shell(sink: sink)
        #expect(!shell.runScript("save /tmp/never-written-by-cuckooml", origin: "test"))
        #expect(!shell.runScript("plot labels /tmp/never-written-by-cuckooml", origin: "test"))
        #expect(!shell.runScript("report /tmp/never-written-by-cuckooml.html", origin: "test"))
        #expect(access("/tmp/never-written-by-cuckooml", F_OK) != 0)
        #expect(!shell.runScript("session", origin: "test"))
    }
}
