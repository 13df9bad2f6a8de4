#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import cuckooml

/// Issue 14, item 6: the top-level command line from one declaration: parsing, `--help`, `--version`
/// and completion scripts that the shells really use.
@Suite(.serialized) struct CommandLineTests {
    @Test func parsesOptionsScriptAndCommands() throws {
        let invocation = try CommandLineOptions.parse(["--json", "-k", "--echo", "s.cml"])
        #expect(invocation.script == "s.cml" && invocation.commands == nil && invocation.action == .run)
        #expect(invocation.options == Shell.Options(echo: true, step: false, keepGoing: true, forceJSON: true))
        #expect(try CommandLineOptions.parse(["-c", "echo hi; echo there"]).commands == "echo hi; echo there")
        #expect(try CommandLineOptions.parse(["--completions=zsh"]).action == .completions(.zsh))
        #expect(try CommandLineOptions.parse(["--completions", "fish"]).action == .completions(.fish))
        #expect(try CommandLineOptions.parse(["-"]).script == "-", "'-' is stdin, not an option")
        #expect(try CommandLineOptions.parse(["--version"]).action == .version)
    }

    @Test func refusesWhatItDoesNotDeclare() {
        #expect(throws: CommandLineError(description: "unknown option --jsn")) { try CommandLineOptions.parse(["--jsn"]) }
        #expect(throws: CommandLineError(description: "-c needs COMMANDS")) { try CommandLineOptions.parse(["-c"]) }
        #expect(throws: CommandLineError(description: "--completions takes bash, zsh, fish, not 'tcsh'")) {
            try CommandLineOptions.parse(["--completions", "tcsh"])
        }
        #expect(throws: CommandLineError(description: "--json takes no value")) { try CommandLineOptions.parse(["--json=yes"]) }
        #expect(throws: CommandLineError(description: "one script at a time")) { try CommandLineOptions.parse(["a.cml", "b.cml"]) }
    }

    @Test func theProcessPrintsHelpVersionAndUsageErrors() throws {
        let help = try #require(ProcessRun.run(["--help"]))
        #expect(help.status == 0 && help.out == CommandLineOptions.help)
        for option in CommandLineOptions.options {
            for spelling in option.spellings { #expect(help.out.contains(spelling), "\(spelling) missing from --help") }
        }
        let version = try #require(ProcessRun.run(["--version"]))
        #expect(version.status == 0 && version.out == "cuckooml \(CommandLineOptions.version)\n")
        let bad = try #require(ProcessRun.run(["--bogus"]))
        #expect(bad.status == 2 && bad.out.isEmpty && bad.err.hasPrefix("cuckooml: unknown option --bogus\n"))
    }

    /// bash's own completion machinery, driven as it drives a completion function.
    @Test(.enabled(if: access("/bin/bash", X_OK) == 0, "bash not installed"))
    func bashCompletesOptionsAndChoices() throws {
        let dir = try TemporaryDirectory()
        try dir.write("cuckooml.bash", CompletionScripts.script(for: .bash))
        func complete(_ words: [String]) throws -> String {
            let array = words.map { "'\($0)'" }.joined(separator: " ")
            let script = "source \(dir.file("cuckooml.bash")); COMP_WORDS=(\(array)); COMP_CWORD=\(words.count - 1); "
                + "_cuckooml; echo \"${COMPREPLY[*]}\"; complete -p cuckooml"
            let run = try #require(runShell("/bin/bash", ["--norc", "-c", script]))
            #expect(run.status == 0, "\(run.err)")
            return run.out
        }
        #expect(try complete(["cuckooml", "--ke"]) == "--keep-going\ncomplete -o default -F _cuckooml cuckooml\n")
        #expect(try complete(["cuckooml", "--completions", ""]).hasPrefix("bash zsh fish\n"))
        #expect(try complete(["cuckooml", "--completions", "f"]).hasPrefix("fish\n"))
        #expect(try complete(["cuckooml", "-c", "--"]).hasPrefix("\n"), "-c takes free text")
        #expect(try complete(["cuckooml", "scr"]).hasPrefix("\n"), "the script: bash's file names (-o default)")
    }

    /// fish answers `complete -C` with what it would offer.
    @Test(.enabled(if: access("/usr/bin/fish", X_OK) == 0, "fish not installed"))
    func fishCompletesOptionsAndChoices() throws {
        let dir = try TemporaryDirectory()
        try dir.write("cuckooml.fish", CompletionScripts.script(for: .fish))
        let script = "source \(dir.file("cuckooml.fish")); complete -C'cuckooml --ke'; echo ---; complete -C'cuckooml --completions '"
        let run = try #require(runShell("/usr/bin/fish", ["--no-config", "-c", script]))
        #expect(run.status == 0, "\(run.err)")
        let candidates = run.out.split(separator: "\n").map { String($0.split(separator: "\t").first ?? "") }
        #expect(candidates == ["--keep-going", "---", "bash", "fish", "zsh"])
    }

    /// zsh has no batch completion mode; its script must at least parse.
    @Test(.enabled(if: access("/usr/bin/zsh", X_OK) == 0, "zsh not installed"))
    func zshScriptParses() throws {
        let dir = try TemporaryDirectory()
        let script = CompletionScripts.script(for: .zsh)
        #expect(script.hasPrefix("#compdef cuckooml\n"))
        try dir.write("_cuckooml", script)
        let run = try #require(runShell("/usr/bin/zsh", ["-n", dir.file("_cuckooml")]))
        #expect(run.status == 0, "\(run.err)")
    }
}

/// Runs a shell (not cuckooml) with the same child-process machinery.
private func runShell(_ path: String, _ arguments: [String]) -> ProcessRun? {
    ProcessRun.run(arguments.map { Array($0.utf8) }, program: path)
}
