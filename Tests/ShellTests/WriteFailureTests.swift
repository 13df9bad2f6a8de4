#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import CuckooML
@testable import cuckooml

/// Issue 13, fault injection: a write that fails part-way (a full disk) in `save`, `session save`,
/// `export`, `report` and `plot` leaves no file looking complete (a file that was there before is
/// intact, no temporary file is left), names the path, fails the command (exit status 1) and leaves
/// the session as it was.
@Suite(.serialized) struct WriteFailureTests {
    static let reports = TestPaths.packageRoot + "/sample_data/reports"

    /// Every writing command, with the path its error must name, whether it writes a directory, and
    /// whether its output is smaller than a page (then the full filesystem is left with no room at all).
    static func commands(_ out: String) -> [(command: String, target: String, isDirectory: Bool, small: Bool)] {
        [
            ("save \(out)/copies", "\(out)/copies", true, false),
            ("session save \(out)/s.cml", "\(out)/s.cml", false, false),
            ("export clustering \(out)/clustering.csv", "\(out)/clustering.csv", false, true),
            ("export features \(out)/features.csv", "\(out)/features.csv", false, false),
            ("export labels \(out)/labels.csv", "\(out)/labels.csv", false, true),
            ("export anomalies \(out)/anomalies.csv", "\(out)/anomalies.csv", false, true),
            ("report \(out)/report.html", "\(out)/report.html", false, false),
            ("plot labels \(out)/plots", "\(out)/plots", true, false),
        ]
    }

    static func clusteredSession() -> Session {
        let shell = Shell(sink: CaptureSink())
        #expect(shell.runScript("load \(reports)/[a-f]*.json \(reports)/1*.json; cluster hdbscan 1 3", origin: "t"))
        return shell.session
    }

    /// What the session holds, as the commands that read it answer.
    static func fingerprint(_ shell: Shell) -> String {
        let sink = CaptureSink()
        var options = Shell.Options()
        options.forceJSON = true
        let probe = Shell(sink: sink, options: options, session: shell.session)
        probe.runScript("status; samples; clusters; labels; show tree; features", origin: "t")
        return sink.stdout
    }

    /// Entries of `dir` and below that are temporary files.
    static func partialFiles(_ dir: String) -> [String] {
        var found: [String] = []
        guard let d = opendir(dir) else { return [] }
        defer { closedir(d) }
        while let e = readdir(d) {
            let name = withUnsafePointer(to: e.pointee.d_name) { $0.withMemoryRebound(to: CChar.self, capacity: 256) { FileSystemPath.decode(cString: $0) } }
            if name == "." || name == ".." { continue }
            if name.hasPrefix(".cuckooml") { found.append(dir + "/" + name) }
            var st = stat()
            if stat(dir + "/" + name, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR { found += partialFiles(dir + "/" + name) }
        }
        return found
    }

    /// Every file in a directory written by `save`/`plot` is complete: a whole JSON report or a whole SVG.
    static func expectOnlyCompleteFiles(in dir: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        guard let d = opendir(dir) else { return }
        defer { closedir(d) }
        while let e = readdir(d) {
            let name = withUnsafePointer(to: e.pointee.d_name) { $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(decoding: UnsafeRawBufferPointer(start: $0, count: strlen($0)), as: UTF8.self) } }
            guard name != ".", name != ".." else { continue }
            let text = try TestText.read(dir + "/" + name)
            if name.hasSuffix(".json") {
                #expect(throws: Never.self, "\(name) is a whole report", sourceLocation: sourceLocation) { try ReportReader.validate(bytes: Array(text.utf8), path: name) }
            } else if name.hasSuffix(".svg") {
                #expect(text.hasSuffix("</svg>\n") || text.hasSuffix("</svg>"), "\(name) is a whole SVG", sourceLocation: sourceLocation)
            }
        }
    }

    /// The injected failing writer: every file under the directory fails after 200 bytes.
    @Test func injectedFailingWrites() throws {
        let session = Self.clusteredSession()
        let dir = try TemporaryDirectory()
        defer { WriteFaults.clear() }
        for (command, target, isDirectory, _) in Self.commands(dir.path) {
            if !isDirectory { try dir.write(String(target.dropFirst(dir.path.count + 1)), "previous version\n") }
            let sink = CaptureSink()
            let shell = Shell(sink: sink, session: session)
            let before = Self.fingerprint(shell)
            WriteFaults.failWrites(under: dir.path, after: 200)
            let ok = shell.runScript(command, origin: "t")
            WriteFaults.clear()
            #expect(!ok, "\(command) fails")
            #expect(sink.stderr.contains(target), "\(command): the error names the path: \(sink.stderr)")
            #expect(sink.stderr.contains("No space left on device") || sink.stderr.contains("disk is full"), "\(command): \(sink.stderr)")
            if isDirectory {
                try Self.expectOnlyCompleteFiles(in: target)
            } else {
                #expect(try TestText.read(target) == "previous version\n", "\(command): the earlier file is intact")
            }
            #expect(Self.partialFiles(dir.path).isEmpty, "\(command): \(Self.partialFiles(dir.path))")
            #expect(Self.fingerprint(shell) == before, "\(command): the session is unchanged")
        }
    }

    /// A real full filesystem: a small tmpfs, when running as root and mounting is allowed.
    @Test func fullTmpfs() throws {
        guard geteuid() == 0, Pseudoterminal.binary != nil else { return }
        let dir = try TemporaryDirectory()
        let mountPoint = dir.file("full")
        #expect(mkdir(mountPoint, 0o755) == 0)
        guard mount("tmpfs", mountPoint, "tmpfs", 0, "size=384k") == 0 else { return }  // not allowed here: skip
        defer { umount2(mountPoint, Int32(MNT_DETACH)) }
        let load = "load \(Self.reports)/[a-f]*.json \(Self.reports)/1*.json; cluster hdbscan 1 3"
        for (command, target, isDirectory, small) in Self.commands(mountPoint) {
            // Leave one page free (none for outputs smaller than a page), so the write fails part-way.
            _ = system("rm -rf '\(mountPoint)'/* '\(mountPoint)'/.c* 2>/dev/null; dd if=/dev/zero of='\(mountPoint)/filler' bs=4096 count=\(small ? 96 : 95) 2>/dev/null")
            guard let run = ProcessRun.run(["-c", "\(load); \(command)"], seconds: 120) else { return }
            #expect(run.status == 1, "\(command): exit \(run.status): \(run.err)")
            #expect(run.err.contains(target), "\(command): the error names the path: \(run.err)")
            if isDirectory {
                try Self.expectOnlyCompleteFiles(in: target)
            } else {
                #expect(access(target, F_OK) != 0, "\(command): no file left at \(target)")
            }
            #expect(Self.partialFiles(mountPoint).isEmpty, "\(command): \(Self.partialFiles(mountPoint))")
        }
    }
}
