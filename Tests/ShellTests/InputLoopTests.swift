#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import cuckooml

/// Issue 14, item 5: one input loop and one continuation rule, whatever feeds the loop.
@Suite(.serialized) struct InputLoopTests {
    /// A continued command that works, then a continued command that fails on its first line (3).
    static let script = "echo \"a b\" \\\n  c\nset threads \\\n  many\necho never\n"
    static let failure = "error: threads takes a whole number from 0 (all cores) to 256\n"

    @Test func aScriptFileJoinsContinuedLines() throws {
        let dir = try TemporaryDirectory()
        try dir.write("s.cml", Self.script)
        let run = try #require(ProcessRun.run([dir.file("s.cml")]))
        #expect(run.status == 1)
        #expect(run.out == "a b c\n")
        #expect(run.err.hasPrefix(dir.file("s.cml") + ":3: " + Self.failure), "\(run.err)")
    }

    @Test func dashCJoinsContinuedLines() throws {
        let run = try #require(ProcessRun.run(["-c", Self.script]))
        #expect(run.status == 1)
        #expect(run.out == "a b c\n")
        #expect(run.err.hasPrefix("-c:3: " + Self.failure), "\(run.err)")
    }

    @Test func aPipeJoinsContinuedLines() throws {
        let run = try #require(ProcessRun.run([String](), stdin: Self.script))
        #expect(run.status == 1)
        #expect(run.out == "a b c\n")
        #expect(run.err.hasPrefix("<stdin>:3: " + Self.failure), "\(run.err)")
    }

    /// The same lines typed at the prompt: `...> ` asks for the rest, the joined command runs once and
    /// is one history entry; the failing one reports its error and the prompt goes on.
    @Test(.enabled(if: Pseudoterminal.binary != nil, "cuckooml binary not built"))
    func thePromptJoinsContinuedLines() throws {
        let home = try TemporaryDirectory()
        let term = try Pseudoterminal(binary: Pseudoterminal.binary!, home: home.path)
        try term.expect("cuckooml> ")
        term.type("echo \"a b\" \\\r")
        try term.expect("...> ")
        term.type("  c\r")
        try term.expect("\r\na b c\r\n")
        try term.expect("cuckooml> ")
        term.type("set threads \\\r")
        try term.expect("...> ")
        term.type("  many\r")
        try term.expect(Self.failure.replacing("\n", with: "\r\n"))
        try term.expect("cuckooml> ")
        term.type("echo after \\\r")
        try term.expect("...> ")
        term.type("\u{03}")               // Ctrl-C on a continuation line drops the whole command
        try term.expect("cuckooml> ")
        term.type("quit\r")
        #expect(try term.waitForExit() == 0)
        let history = try TestText.read(home.path + "/.cuckooml_history").split(separator: "\n")
        #expect(history.count == 3, "\(history)")
        #expect(history.first?.hasPrefix("echo \"a b\" ") == true && history.first?.hasSuffix(" c") == true)
        #expect(history.last == "quit")
    }

    @Test func theRuleInOnePlace() {
        func logical(_ text: String) -> [String] {
            var lines = LogicalLines.physicalLines(of: text)
            var reader = LogicalLines()
            var out: [String] = []
            while case (.line(let line), let first) = reader.next({ _ in lines.popFirst().map { .line(String($0)) } ?? .endOfInput }) {
                out.append("\(first): \(line)")
            }
            return out
        }
        #expect(logical("a \\\nb\nc") == ["1: a  b", "3: c"])
        #expect(logical("a \\\r\nb\r\nc\r\n") == ["1: a  b", "3: c"], "CRLF reads as LF")
        #expect(logical(#"echo "x\\""# + "\nb") == [#"1: echo "x\\""#, "2: b"], "an even run is escaped backslashes")
        #expect(logical("a \\\\\\\nb") == [#"1: a \\ b"#], "an odd run continues")
        #expect(logical("a \\") == ["1: a "], "end of input ends a continued command")
        #expect(logical("\n\na \\\n\\\nb") == ["1: ", "2: ", "3: a   b"])
    }

    @Test func ctrlCOnAContinuationLineDropsTheCommand() {
        var inputs: [LineInput] = [.line("echo b"), .interrupted, .line("echo a \\")]  // read from the end
        var reader = LogicalLines()
        let first = reader.next { _ in inputs.popLast() ?? .endOfInput }
        #expect(first.input == .interrupted)
        let second = reader.next { _ in inputs.popLast() ?? .endOfInput }
        #expect(second.input == .line("echo b") && second.firstLine == 2)
    }
}
