#if canImport(Glibc)
import Glibc
#endif
import CuckooML
import CEditLine
import CPlatform

/// cuckooml [--json] [--echo] [--step] [--keep-going] [FILE.cml | -c 'COMMANDS']
/// With neither a file nor -c: a prompt when stdin is a terminal, else commands read from stdin.
let usage = """
usage: cuckooml [options] [SCRIPT.cml]
       cuckooml [options] -c 'COMMAND; COMMAND ...'
options:
  -c COMMANDS     run the commands (separated by ';') and exit
  --json          print every result as one JSON document per line (JSON Lines)
  --echo          print each command (as '>>> COMMAND') before its output
  --step          show each command with its help and wait for Enter (q stops)
  --keep-going    report failing commands and continue; exit 1 at the end if any failed
  -h, --help      show this help
"""

var options = Shell.Options()
var scriptPath: String?
var oneLiner: String?
// Arguments are bytes: a report named in -c or a script path that is not UTF-8 is kept exactly.
var argv = (1..<Int(CommandLine.argc)).map { FileSystemPath.decode(cString: CommandLine.unsafeArgv[$0]!) }
while !argv.isEmpty {
    let arg = argv.removeFirst()
    switch arg {
    case "--json": options.forceJSON = true
    case "--echo": options.echo = true
    case "--step": options.step = true
    case "--keep-going", "-k": options.keepGoing = true
    case "-h", "--help": print(usage); exit(0)
    case "--reference": print(HelpRenderer.markdownReference(.standard), terminator: ""); exit(0)
    case "-c":
        guard !argv.isEmpty else { fputs("cuckooml: -c needs commands\n\(usage)\n", cml_stderr()); exit(2) }
        oneLiner = argv.removeFirst()
    default:
        if arg.hasPrefix("-") && arg != "-" {
            fputs("cuckooml: unknown option \(escapeForTerminal(arg))\n\(usage)\n", cml_stderr())
            exit(2)
        }
        guard scriptPath == nil else { fputs("cuckooml: one script at a time\n", cml_stderr()); exit(2) }
        scriptPath = arg
    }
}

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
    let ok = shell.runLines(origin: "<stdin>") {
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        guard getline(&line, &capacity, cml_stdin()) >= 0, let line else { return nil }
        var text = FileSystemPath.decode(cString: line)
        if text.hasSuffix("\n") { text.removeLast() }
        if text.hasSuffix("\r") { text.removeLast() }
        return text
    }
    exit(shell.wasInterrupted ? 130 : ok ? 0 : 1)
}
