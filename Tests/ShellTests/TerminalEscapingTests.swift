#if canImport(Glibc)
import Glibc
#endif
import Testing
import CuckooML
@testable import cuckooml

/// Bytes a terminal would act on: C0 controls but newline, DEL, C1 controls in UTF-8 (U+0080–U+009F
/// are C2 80–C2 9F) and the raw-byte stand-ins of non-UTF-8 file names (F4 8F BE/BF xx).
func terminalControls(in bytes: [UInt8], allowColour: Bool = false) -> [Int] {
    var found: [Int] = []
    var i = 0
    while i < bytes.count {
        let b = bytes[i]
        if b == 0x1B, allowColour, i + 1 < bytes.count, bytes[i + 1] == 0x5B {
            var j = i + 2
            while j < bytes.count, (0x30...0x3B).contains(bytes[j]) { j += 1 }
            if j < bytes.count, bytes[j] == 0x6D { i = j + 1; continue }
        }
        if (b < 0x20 && b != 0x0A) || b == 0x7F { found.append(i) }
        if b == 0xC2, i + 1 < bytes.count, (0x80...0x9F).contains(bytes[i + 1]) { found.append(i) }
        if b == 0xF4, i + 2 < bytes.count, bytes[i + 1] == 0x8F, bytes[i + 2] >= 0xBE { found.append(i) }
        i += 1
    }
    return found
}

/// Issue 13, bugs 6 and 7: nothing typed or read reaches the terminal as a control sequence, and very
/// long strings are shortened on the terminal but kept whole in `--json`.
@Suite(.serialized) struct TerminalEscapingTests {
    /// ESC (a clear-screen sequence), BEL, C1 CSI as UTF-8, NUL, NEL, and a raw 0x9B byte.
    static let hostile = "\u{1B}[2J\u{07}\u{9B}31m\u{0}\u{85}\u{10FF9B}"

    static func session(_ dir: TemporaryDirectory) throws -> Session {
        try dir.write("r\u{1B}]0;title\u{07}.json", #"{"target": {"file": {"name": "x\u001b[31m.exe"}}, "signatures": [{"name": "evil\u001b[2J"}]}"#)
        try dir.write("plain.json", #"{"target": {"file": {"name": "y.exe"}}}"#)
        let shell = Shell(sink: CaptureSink())
        #expect(shell.runScript("load \(TestPaths.packageRoot)/sample_data/reports/[a-f]*.json \(dir.path); cluster hdbscan 1 2; cluster dbscan 0.5 1", origin: "t"))
        return shell.session
    }

    /// Every command path, each with hostile words as its positionals, its option values and extra
    /// words; output files go into the scratch directory.
    static func invocations(_ dir: String) -> [String] {
        let word = quoteWord(dir + "/x" + hostile)
        var lines = ["nosuch\(quoteWord(hostile))", quoteWord(hostile), "help \(word)", "set \(word) 1", "set format \(word)"]
        for (path, command) in Registry.standard.allPaths where path != ["quit"] {
            let name = path.joined(separator: " ")
            lines.append("\(name) \(word)")
            lines.append("\(name) \(word) \(word) \(word)")
            lines.append("\(name) \(quoteWord("x" + hostile + "=1"))")
            for argument in command.spec.arguments where argument.kind == .option {
                lines.append("\(name) \(argument.name)=\(word)")
            }
        }
        return lines
    }

    @Test func hostileArgumentsNeverReachTheTerminalRaw() throws {
        let dir = try TemporaryDirectory()
        let session = try Self.session(dir)
        for json in [false, true] {
            for line in Self.invocations(dir.path) {
                let sink = CaptureSink()
                var options = Shell.Options()
                options.forceJSON = json
                options.echo = true
                let shell = Shell(sink: sink, options: options, session: session)
                shell.runScript(line, origin: "t\(Self.hostile)")
                let out = terminalControls(in: Array(sink.stdout.utf8)), err = terminalControls(in: Array(sink.stderr.utf8))
                #expect(out.isEmpty && err.isEmpty, "\(json ? "--json " : "")\(escapeForTerminal(line)): \(escapeForTerminal(sink.stdout + sink.stderr))")
            }
        }
        // The report strings in the session are shown too (samples, show, clusters).
        let sink = CaptureSink()
        let shell = Shell(sink: sink, session: session)
        #expect(shell.runScript("samples; show \(quoteWord("r\u{1B}]0;title\u{07}")); clusters; anomalies", origin: "t"), "\(sink.stderr)")
        #expect(sink.stdout.contains("r\\e]0;title\\x07") && sink.stdout.contains("evil\\e[2J"))
        #expect(terminalControls(in: Array(sink.stdout.utf8)).isEmpty)
    }

    /// Colour: only the shell's own SGR sequences are let through.
    @Test func colourKeepsOnlyOurSequences() {
        let text = "a\u{1B}[36m███\u{1B}[0m b\u{1B}]0;x\u{07} c\u{1B}[2J"
        let safe = escapeForTerminal(text: text, colour: true)
        #expect(safe == "a\u{1B}[36m███\u{1B}[0m b\\e]0;x\\x07 c\\e[2J")
        #expect(escapeForTerminal(text: text, colour: false) == "a\\e[36m███\\e[0m b\\e]0;x\\x07 c\\e[2J")
        #expect(escapeForTerminal(text: safe, colour: true) == safe, "escaping twice changes nothing")
        #expect(escapeForTerminal(text: "two\nlines", colour: false) == "two\nlines")
    }

    /// The process itself: an unknown option and a script name with control bytes.
    @Test func theProcessEscapesItsOwnMessages() throws {
        guard let run = ProcessRun.run([Array("--x\u{1B}[2J".utf8), [0x9B]]) else { return }
        #expect(run.status == 2)
        #expect(terminalControls(in: run.stderr).isEmpty, "\(escapeForTerminal(run.err))")
        guard let script = ProcessRun.run([Array("/nonexistent/\u{1B}[2J".utf8) + [0x9B, 0x07]]) else { return }
        #expect(script.status == 1 && script.err.contains("\\e[2J\\x9b\\x07"), "\(escapeForTerminal(script.err))")
        #expect(terminalControls(in: script.stderr).isEmpty)
    }

    /// Bug 7: a 2 MB target file name prints shortened, with its length; `--json` keeps it whole.
    @Test func hugeStringsAreShortenedOnTheTerminalOnly() throws {
        let dir = try TemporaryDirectory()
        let name = String(repeating: "A", count: 2_000_000) + ".exe"
        try dir.write("big.json", #"{"target": {"file": {"name": "\#(name)"}}}"#)
        let sink = CaptureSink()
        let shell = Shell(sink: sink)
        #expect(shell.runScript("load \(dir.path); show big", origin: "t"))
        let line = try #require(sink.stdout.split(separator: "\n").first { $0.contains("AAAA") })
        #expect(line.utf8.count < 1200, "\(line.utf8.count) bytes")
        #expect(line.hasSuffix("…[2000004 bytes]"))
        let json = CaptureSink()
        var options = Shell.Options()
        options.forceJSON = true
        #expect(Shell(sink: json, options: options, session: shell.session).runScript("show big", origin: "t"))
        #expect(json.stdout.contains("\"" + name + "\""))
        #expect(escapeForTerminal(String(repeating: "é", count: 600)).hasSuffix("…[1200 bytes]"))
        #expect(escapeForTerminal(String(repeating: "é", count: 512)) == String(repeating: "é", count: 512))
    }
}
