#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import CuckooML
@testable import cuckooml

/// Issue 13, bug 5: a command that could not do all it was asked fails (the script stops, `-c` exits
/// 1, `--keep-going` reports it and exits 1), and an interrupted command exits 130.
@Suite(.serialized) struct ExitStatusTests {
    static let report = #"{"info": {"id": 1}, "target": {"file": {"name": "a.exe"}}}"#

    static func reports() throws -> TemporaryDirectory {
        let dir = try TemporaryDirectory()
        try dir.write("a.json", report)
        try dir.write("b.json", report)
        try dir.write("bad.json", "{\"info\": ")
        return dir
    }

    @Test func aLoadThatSkippedFilesFailsButKeepsWhatItRead() throws {
        let dir = try Self.reports()
        let sink = CaptureSink()
        let shell = Shell(sink: sink)
        #expect(!shell.runScript("load \(dir.path); echo not reached", origin: "-c"))
        #expect(shell.session.samples.map(\.id) == ["a", "b"], "what was read is kept")
        #expect(sink.stdout.contains("loaded 2 reports"))
        #expect(sink.stderr.contains("-c:1: error: 1 of 3 files could not be loaded"))
        #expect(!sink.stdout.contains("not reached"))
    }

    @Test func keepGoingReportsThePartialFailureAndGoesOn() throws {
        let dir = try Self.reports()
        let sink = CaptureSink()
        var options = Shell.Options()
        options.keepGoing = true
        options.forceJSON = true
        let shell = Shell(sink: sink, options: options)
        #expect(!shell.runScript("load \(dir.path)\necho after", origin: "s.cml"))
        #expect(sink.stderr.contains("s.cml:1: error: 1 of 3 files could not be loaded"))
        let lines = sink.stdout.split(separator: "\n")
        #expect(lines.count == 2, "one JSON document per command")
        #expect(lines.first?.hasPrefix(#"{"ok":false,"loaded":2"#) == true)
        #expect(lines.first?.hasSuffix(#""incomplete":"1 of 3 files could not be loaded"}"#) == true)
    }

    @Test func saveThatCouldNotWriteEveryReportFails() throws {
        let dir = try Self.reports()
        var session = Session()
        session.upsert(["a", "bad"].map { Sample(id: $0, path: dir.file("\($0).json"), reportSize: 1, record: nil) })
        session.fixture.dbscan = DBSCANResult(parameters: DBSCANParameters(eps: 1, minSamples: 1), labels: [0, 0], isCore: [true, true])
        let sink = CaptureSink()
        let shell = Shell(sink: sink, session: session)
        #expect(!shell.runScript("save \(dir.path)/out", origin: "-c"))
        #expect(sink.stdout.contains("wrote 1 report to"))
        #expect(sink.stderr.contains("-c:1: error: 1 of 2 reports could not be written"))
    }

    @Test func theProcessExitsNonZero() throws {
        let dir = try Self.reports()
        guard let partial = ProcessRun.run(["-c", "load \(dir.path)"]) else { return }
        #expect(partial.status == 1, "\(partial.err)")
        guard let whole = ProcessRun.run(["-c", "load \(dir.file("a.json"))"]) else { return }
        #expect(whole.status == 0, "\(whole.err)")
        guard let kept = ProcessRun.run(["--keep-going", "-c", "load \(dir.path); echo on"]) else { return }
        #expect(kept.status == 1 && kept.out.contains("on"))
    }

    /// Ctrl-C during a long command: `interrupted`, the rest of the script is not run, exit 130.
    @Test func anInterruptedScriptExits130() throws {
        let reports = TestPaths.packageRoot + "/sample_data/reports"
        let script = "load \(reports); sweep hdbscan min_samples=1..20 min_cluster_size=2..40; echo not reached"
        guard let run = ProcessRun.run(["--keep-going", "-c", script], seconds: 120, interruptAfter: 2) else { return }
        #expect(run.status == 130, "\(run.err)")
        #expect(run.err.contains("interrupted"))
        #expect(!run.out.contains("not reached"))
    }
}
