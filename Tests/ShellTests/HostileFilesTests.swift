#if canImport(Glibc)
import Glibc
#endif
import Dispatch
import Testing
@testable import CuckooML
@testable import cuckooml

/// Runs `work` on its own thread and waits at most `seconds`. A regression that blocks on a FIFO would
/// otherwise stall the whole test run: on timeout `unblock` is called (it opens the FIFOs for writing
/// and closes them, which ends the blocked read) and the test fails.
func finishes(within seconds: Double, unblock: () -> Void, _ work: @escaping @Sendable () -> Void) -> Bool {
    let done = DispatchSemaphore(value: 0)
    Thread.detach { work(); done.signal() }
    if done.wait(timeout: .now() + seconds) == .success { return true }
    unblock()
    _ = done.wait(timeout: .now() + 10)
    return false
}

enum Thread {
    static func detach(_ body: @escaping @Sendable () -> Void) {
        DispatchQueue.global().async(execute: body)
    }
}

/// Opens each FIFO for writing without blocking and closes it: a reader blocked in open or read returns.
func releaseFIFOs(_ paths: [String]) {
    for path in paths {
        let fd = open(path, O_RDWR | O_NONBLOCK)
        if fd >= 0 { close(fd) }
    }
}

/// Issue 13, bugs 3 and 4: FIFOs, link loops and file names that are not UTF-8.
@Suite(.serialized) struct HostileFilesTests {
    static let report = #"{"info": {"id": 1}, "target": {"file": {"name": "a.exe"}}}"#

    /// Bug 3: `save` when a loaded report has since been replaced by a FIFO.
    @Test func saveRefusesAReportThatBecameAFIFO() throws {
        let dir = try TemporaryDirectory()
        try dir.write("a.json", Self.report)
        try dir.write("b.json", Self.report)
        let sink = CaptureSink()
        let shell = Shell(sink: sink)
        #expect(shell.runScript("load \(dir.path)", origin: "test"))
        var session = shell.session
        session.fixture.hdbscan = HDBSCANResult(parameters: HDBSCANParameters(minSamples: 1, minClusterSize: 2), labels: [0, 0],
                                        probabilities: [1, 1], outlierScores: [0, 0], persistence: [1],
                                        condensedTree: [], coreDistances: [])
        let clustered = Shell(sink: sink, session: session)
        #expect(unlink(dir.file("b.json")) == 0 && mkfifo(dir.file("b.json"), 0o644) == 0)
        nonisolated(unsafe) var ok = true
        let out = dir.file("out")
        let finished = finishes(within: 20, unblock: { releaseFIFOs([dir.file("b.json")]) }) {
            ok = clustered.runScript("save \(out)", origin: "test")
        }
        #expect(finished, "save blocked on a FIFO")
        #expect(!ok, "save could not write every report: it fails")
        #expect(sink.stderr.contains("b.json: cannot open: not a regular file (a FIFO)"), "\(sink.stderr)")
        #expect(TestText.fileExists(dir.file("out/a.json")) && !TestText.fileExists(dir.file("out/b.json")))
    }

    /// Bug 3: every other command that reads a file refuses a FIFO instead of waiting on it.
    @Test func commandsThatReadFilesRefuseFIFOs() throws {
        let dir = try TemporaryDirectory()
        let fifo = dir.file("f")
        #expect(mkfifo(fifo, 0o644) == 0)
        for command in ["session open", "import matrix", "labels load", "source", "load", "compare"] {
            let sink = CaptureSink()
            var session = Session()
            session.upsert([Sample(id: "x", path: nil, reportSize: 0, record: nil)])
            let shell = Shell(sink: sink, session: session)
            nonisolated(unsafe) var ok = true
            let finished = finishes(within: 20, unblock: { releaseFIFOs([fifo]) }) {
                ok = shell.runScript("\(command) \(fifo)", origin: "test")
            }
            #expect(finished, "\(command) blocked on a FIFO")
            #expect(!ok, "\(command)")
            if command != "compare" {
                #expect(sink.stderr.contains("not a regular file"), "\(command): \(sink.stderr)")
            }
            #expect(shell.session.samples.map(\.id) == ["x"], "\(command) left the session alone")
        }
    }

    static let latin1Name: [UInt8] = Array("caf".utf8) + [0xE9] + Array(".json".utf8)

    /// Bug 4: a directory holding a report whose name is not UTF-8, a FIFO, a link loop and a dangling link.
    @Test func oddEntriesInADirectory() throws {
        let dir = try TemporaryDirectory()
        try dir.write("a.json", Self.report)
        let raw = Array(dir.path.utf8) + [0x2F] + Self.latin1Name
        let fd = open(raw.map { CChar(bitPattern: $0) } + [0], O_WRONLY | O_CREAT, 0o644)
        #expect(fd >= 0)
        _ = Self.report.withCString { write(fd, $0, strlen($0)) }
        close(fd)
        #expect(mkfifo(dir.file("pipe.json"), 0o644) == 0)
        #expect(symlink("loop2", dir.file("loop1")) == 0 && symlink("loop1", dir.file("loop2")) == 0)
        #expect(symlink("nowhere", dir.file("dangling.json")) == 0)

        let result = try ReportLoader.load(paths: [dir.path], threads: 1)
        #expect(result.samples.count == 2)
        let odd = try #require(result.samples.first { $0.id != "a" })
        #expect(FileSystemPath.bytes(odd.path ?? "") == raw, "the path keeps its raw bytes")
        #expect(escapeForTerminal(odd.id) == "caf\\xe9")
        #expect(result.failures.map(\.path) == ["dangling.json", "loop1", "loop2", "pipe.json"].map(dir.file))
        #expect(result.failures.allSatisfy { !$0.message.isEmpty })
        #expect(result.failures.last?.message == "not a regular file (a FIFO)")

        // Through the shell: the name prints escaped, and the sample can be shown and saved.
        let sink = CaptureSink()
        let shell = Shell(sink: sink)
        #expect(!shell.runScript("load \(dir.path)", origin: "test"), "4 files were skipped")
        #expect(sink.stderr.contains("pipe.json: not a regular file (a FIFO)"))
        #expect(sink.stderr.contains("loop1: symbolic link: Too many levels of symbolic links"))
        #expect(shell.runScript("samples; show caf\u{10FFE9}", origin: "test"), "\(sink.stderr)")
        #expect(sink.stdout.contains("caf\\xe9"))
        #expect(!sink.stdout.unicodeScalars.contains { FileSystemPath.isRawByte($0) })

        // save writes the copy under the same raw bytes.
        var session = shell.session
        session.fixture.dbscan = DBSCANResult(parameters: DBSCANParameters(eps: 1, minSamples: 1), labels: [0, 0], isCore: [true, true])
        let saver = Shell(sink: sink, session: session)
        #expect(saver.runScript("save \(dir.file("out"))", origin: "test"), "\(sink.stderr)")
        let copy = Array(dir.file("out").utf8) + [0x2F] + Self.latin1Name
        #expect(access(copy.map { CChar(bitPattern: $0) } + [0], F_OK) == 0)
    }

    /// Bug 4: naming the file explicitly (argument bytes that are not UTF-8) loads it too.
    @Test func namingANonUTF8FileExplicitly() throws {
        let dir = try TemporaryDirectory()
        let raw = Array(dir.path.utf8) + [0x2F] + Self.latin1Name
        let fd = open(raw.map { CChar(bitPattern: $0) } + [0], O_WRONLY | O_CREAT, 0o644)
        _ = Self.report.withCString { write(fd, $0, strlen($0)) }
        close(fd)
        let session = Array(dir.path.utf8) + Array("/s".utf8) + [0xE9] + Array(".cml".utf8)
        let script = Array("load ".utf8) + raw + Array("; session save ".utf8) + session + Array("; unload all; session open ".utf8) + session + Array("; samples".utf8)
        guard let run = ProcessRun.run([Array("-c".utf8), script]) else { return }
        #expect(run.status == 0, "\(run.err)")
        #expect(run.out.contains("caf\\xe9  "), "\(run.out)")
        #expect(access(session.map { CChar(bitPattern: $0) } + [0], F_OK) == 0, "the session file has the raw name")
        #expect(!run.stdout.contains(0xE9) && !run.stderr.contains(0xE9), "the raw byte never reaches the terminal")
    }
}

extension TestText {
    static func fileExists(_ path: String) -> Bool { access(path, F_OK) == 0 }
}
