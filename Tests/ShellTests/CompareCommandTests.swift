#if canImport(Glibc)
import Glibc
#endif
import Testing
import CuckooML
@testable import cuckooml

/// `compare` on the shipped sample data: a copy of a loaded report must land where the original is.
@Suite struct CompareCommandTests {
    static let reports = TestPaths.packageRoot + "/sample_data/reports"

    func clusteredShell() -> (Shell, CaptureSink) {
        let sink = CaptureSink()
        let shell = Shell(sink: sink)
        #expect(shell.runScript("load \(Self.reports); cluster hdbscan 1 6", origin: "test"))
        return (shell, sink)
    }

    @Test func aCopyOfALoadedReportJoinsItsCluster() throws {
        let (shell, sink) = clusteredShell()
        let session = shell.session
        let clustering = try #require(session.hdbscan)
        // A clustered sample with probability 1 (a core member): its copy must attach to the same cluster.
        let row = try #require(clustering.labels.indices.first { clustering.labels[$0] >= 0 && clustering.probabilities[$0] == 1 })
        let original = session.samples[row]
        let dir = try TemporaryDirectory()
        try dir.write("copy.json", try TestText.read(original.path!))
        #expect(shell.runScript("set format json; compare \(dir.file("copy.json"))", origin: "test"))
        let line = String(sink.stdout.split(separator: "\n").last!)
        #expect(line.hasPrefix(#"{"sample":"copy","cluster":\#(clustering.labels[row]),"probability":1.0,"#))
        // Its nearest loaded samples start at distance 0 with the original (or an identical twin).
        #expect(line.contains(#""nearest":[{"sample":""#))
        #expect(line.contains(#","distance":0.0,"#))
        #expect(line.contains(#""cluster":\#(clustering.labels[row])}"#))
        #expect(shell.session.samples.count == session.samples.count, "compare alone must not add")
    }

    @Test func aDirectoryGivesOneRowPerReportAndAddReclusters() throws {
        let (shell, sink) = clusteredShell()
        let before = shell.session.samples.count
        let newReports = TestPaths.packageRoot + "/sample_data/new"
        let count = try ReportLoader.load(paths: [newReports]).samples.count
        #expect(shell.runScript("compare \(newReports)", origin: "test"))
        let table = sink.stdout.split(separator: "\n").drop { !$0.hasPrefix("sample ") }
        #expect(table.count == count + 1)
        #expect(shell.runScript("compare \(newReports)/suspicious.json add", origin: "test"))
        #expect(shell.session.samples.count == before + 1)
        #expect(shell.session.hdbscan?.labels.count == before + 1)
        #expect(sink.stdout.contains("added 1 sample and re-clustered"))
    }

    @Test func compareNeedsAClustering() {
        let sink = CaptureSink()
        let shell = Shell(sink: sink)
        #expect(!shell.runScript("compare \(Self.reports)/2.json", origin: "test"))
        #expect(sink.stderr.contains("run 'cluster hdbscan' first"))
    }
}

enum TestPaths {
    static let packageRoot: String = {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
        return path
    }()

    /// ../shared (the real reports and labels), when present.
    static let shared: String? = {
        let path = packageRoot + "/../shared"
        return access(path + "/data/cuckoo-reports", R_OK) == 0 ? path : nil
    }()
}

@Suite struct FeatureRebuildTests {
    @Test func askingForTheCurrentFeatureSpaceKeepsTheClustering() {
        let sink = CaptureSink()
        let shell = Shell(sink: sink)
        #expect(shell.runScript("load \(CompareCommandTests.reports); features full; cluster hdbscan 1 6; features full", origin: "test"))
        #expect(shell.session.hdbscan != nil, "the same configuration is not rebuilt")
        #expect(!sink.stderr.contains("clustering was dropped"))
        #expect(shell.runScript("features full groups=win,file", origin: "test"))
        #expect(shell.session.hdbscan == nil, "a new configuration rebuilds and drops the clustering")
        #expect(shell.session.features?.names.allSatisfy { $0.hasPrefix(":win:") || $0.hasPrefix(":file:") } == true)
    }
}
