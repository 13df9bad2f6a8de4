#if canImport(Glibc)
import Glibc
#endif
import CuckooML
import CEditLine
import CPlatform

// Arguments are bytes: a report named in -c or a script path that is not UTF-8 is kept exactly.
let arguments = (1..<Int(CommandLine.argc)).map { FileSystemPath.decode(cString: CommandLine.unsafeArgv[$0]!) }
let invocation: Invocation
do {
    invocation = try CommandLineOptions.parse(arguments)
} catch {
    fputs(escapeForTerminal(text: "cuckooml: \(error)\n", colour: false) + "(cuckooml --help lists the options)\n", cml_stderr())
    exit(2)
}
switch invocation.action {
case .run: break
case .help: print(CommandLineOptions.help, terminator: ""); exit(0)
case .version: print("cuckooml \(CommandLineOptions.version)"); exit(0)
case .reference: print(HelpRenderer.markdownReference(.standard), terminator: ""); exit(0)
case .completions(let shell): print(CompletionScripts.script(for: shell), terminator: ""); exit(0)
}
let options = invocation.options
let scriptPath = invocation.script
let oneLiner = invocation.commands

cml_tune_allocator()
InterruptHandling.install()
let interactive = scriptPath == nil && oneLiner == nil && isatty(0) == 1
let terminal = TerminalInfo.detect()
let history = HistoryStore(path: interactive ? HistoryStore.defaultPath() : nil)
let shell = Shell(registry: .standard, sink: StandardSink(), terminal: terminal, options: options, history: history)

if let oneLiner {
    let ok = shell.runScript(oneLiner, origin: "-c")
    exit(shell.wasInterrupted ? 130 : ok ? 0 : 1)
} else if let scriptPath, scriptPath != "-" {
    do {
        let ok = try shell.runScriptFile(scriptPath)
        exit(shell.wasInterrupted ? 130 : ok ? 0 : 1)
    } catch {
        fputs(escapeForTerminal(text: "cuckooml: \(error)\n", colour: false), cml_stderr())
        exit(1)
    }
} else if interactive {
    shell.runInteractive(editor: LineEditor(history: history))
    exit(0)
} else {
    // Piped commands run as they arrive, without prompts or escape codes.
    var source = StreamLines(stream: cml_stdin())
    let ok = shell.run(&source, origin: "<stdin>")
    exit(shell.wasInterrupted ? 130 : ok ? 0 : 1)
}
