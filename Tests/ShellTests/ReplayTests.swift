import Testing
import CuckooML
@testable import cuckooml

/// Script replay through the shell loop, captured in memory.
@Suite struct ReplayTests {
    func shell(_ options: Shell.Options = Shell.Options()) -> (Shell, CaptureSink) {
        let sink = CaptureSink()
        return (Shell(sink: sink, options: options), sink)
    }

    @Test func stopsAtTheFirstFailureWithItsLine() {
        let (shell, sink) = shell()
        let ok = shell.runScript("echo one\n\nset threads many\necho never", origin: "demo.cml")
        #expect(!ok)
        #expect(sink.stdout == "one\n")
        #expect(sink.stderr == "demo.cml:3: error: threads takes a whole number from 0 (all cores) to 256\nusage: set KEY VALUE\n")
    }

    @Test func keepGoingReportsEveryFailureAndStillFails() {
        let (shell, sink) = shell(Shell.Options(keepGoing: true))
        let ok = shell.runScript("echo one; bogus\nset format xml\necho two", origin: "-c")
        #expect(!ok)
        #expect(sink.stdout == "one\ntwo\n")
        #expect(sink.stderr.contains("-c:1: error: unknown command 'bogus'"))
        #expect(sink.stderr.contains("-c:2: error: format takes text or json"))
    }

    @Test func aFailedCommandLeavesTheSessionAlone() {
        let (shell, _) = shell()
        shell.runScript("set threads 2", origin: "-c")
        shell.runScript("set threads -1", origin: "-c")
        #expect(shell.session.settings.threads == 2)
    }

    @Test func echoModeReadsAsATranscript() {
        let (shell, sink) = shell(Shell.Options(echo: true))
        #expect(shell.runScript("echo \"hello world\"  # greet\nset threads 1", origin: "t.cml"))
        #expect(sink.stdout == ">>> echo \"hello world\"\nhello world\n>>> set threads 1\nthreads = 1\n")
    }

    @Test func jsonModePrintsOneDocumentPerCommand() {
        let (shell, sink) = shell(Shell.Options(forceJSON: true))
        #expect(!shell.runScript("echo hi\nshow settings\nnope", origin: "-c"))
        let lines = sink.stdout.split(separator: "\n").map(String.init)
        #expect(lines == [
            #"{"echo":"hi"}"#,
            #"{"format":"json","threads":"0","color":"on","ignore-labels":"","label-rule":"avclass","explain":"off"}"#,
            #"{"ok":false,"error":"unknown command 'nope' (type 'help' for the list)","command":"nope","line":3}"#,
        ])
    }

    @Test func reportStringsAreEscapedInText() {
        let (shell, sink) = shell()
        shell.runScript("echo \"\u{1B}]0;pwned\u{07}\"", origin: "-c")
        #expect(sink.stdout == "\\e]0;pwned\\x07\n")
    }

    @Test func sourceRunsNestedScriptsAndCapsDepth() throws {
        let dir = try TemporaryDirectory()
        try dir.write("inner.cml", "set threads 3\necho inner")
        try dir.write("loop.cml", "source \(dir.path)/loop.cml")
        let (shell, sink) = shell()
        #expect(shell.runScript("source \(dir.path)/inner.cml\necho outer", origin: "-c"))
        #expect(shell.session.settings.threads == 3)
        #expect(sink.stdout == "threads = 3\ninner\nouter\n")
        #expect(!shell.runScript("source \(dir.path)/loop.cml", origin: "-c"))
        #expect(sink.stderr.contains("nested deeper than 16 levels"))
    }

    @Test func quitStopsTheScript() {
        let (shell, sink) = shell()
        #expect(shell.runScript("echo a\nquit\necho b", origin: "-c"))
        #expect(sink.stdout == "a\n")
    }
}

@Suite struct StepModeTests {
    @Test func showsEachCommandWithItsHelpAndWaits() {
        let sink = CaptureSink()
        let shell = Shell(sink: sink, options: Shell.Options(step: true))
        var answers = ["\n", "\n", "q\n"]
        shell.readStepAnswer = { answers.isEmpty ? nil : answers.removeFirst() }
        #expect(shell.runScript("echo one\nset threads 2\necho never", origin: "lesson.cml"))
        #expect(sink.stdout == """
            >>> echo one
                Print a line of text (to annotate scripts and transcripts)
            one
            >>> set threads 2
                Change a setting
            threads = 2
            >>> echo never
                Print a line of text (to annotate scripts and transcripts)

            """)
        #expect(answers.isEmpty)
    }
}
