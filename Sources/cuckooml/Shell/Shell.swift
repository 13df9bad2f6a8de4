#if canImport(Glibc)
import Glibc
#endif
import CuckooML

/// The one loop every input goes through: the prompt, a script file, `-c`, a pipe and `source` differ
/// only in where lines come from. Each command runs against a draft of the session that is kept only
/// when the command succeeds, so errors and Ctrl-C leave the session exactly as it was.
final class Shell: @unchecked Sendable {
    struct Options: Sendable, Equatable {
        var echo = false
        var step = false
        var keepGoing = false
        var forceJSON = false
    }

    private(set) var session: Session
    let registry: Registry
    let sink: any OutputSink
    let terminal: TerminalInfo
    var options: Options
    let history: HistoryStore
    private let progress: ProgressRenderer
    /// Set by `quit`; the loops stop reading after the current command.
    var quitRequested = false
    /// Set when Ctrl-C interrupted a command or a script; scripts stop and the process exits 130.
    var wasInterrupted = false
    private var sourceDepth = 0
    /// Where `--step` reads the analyst's answer (the terminal; tests substitute their own).
    var readStepAnswer: () -> String? = readAnswerFromTerminal
    static let maxSourceDepth = 16

    init(registry: Registry = .standard, sink: any OutputSink = StandardSink(), terminal: TerminalInfo = .plain,
         options: Options = Options(), history: HistoryStore = HistoryStore(path: nil), session: Session = Session()) {
        self.registry = registry
        self.sink = sink
        self.terminal = terminal
        self.options = options
        self.history = history
        self.session = session
        self.progress = ProgressRenderer(sink: sink, enabled: terminal.stderrIsTTY)
        if options.forceJSON { self.session.settings.format = .json }
    }

    var jsonMode: Bool { session.settings.format == .json }

    var taskControl: TaskControl {
        let progress = self.progress
        return TaskControl(isCancelled: { InterruptHandling.isRequested }, report: { progress.update($0) })
    }

    /// The prompt: `cuckooml[190 reports · hdbscan 12 clusters]> `.
    var prompt: String {
        let summary = session.summary
        return summary.isEmpty ? "cuckooml> " : "cuckooml[\(summary)]> "
    }

    // MARK: Running commands

    /// Runs one parsed command; prints its result or its error. Returns whether it succeeded.
    @discardableResult
    func execute(_ command: ScriptCommand, origin: String?) -> Bool {
        InterruptHandling.reset()
        do {
            let resolution = try registry.resolve(command.words)
            let arguments: Arguments
            do {
                arguments = try ArgumentParser.parse(resolution.rest, commandPath: resolution.path, spec: resolution.command.spec)
            } catch let error as ShellError {
                report(error, command: command, origin: origin, synopsis: Registry.synopsis(path: resolution.path, of: resolution.command))
                return false
            }
            var context = CommandContext(session: session, shell: self)
            let output: CommandOutput
            do {
                output = try resolution.command.run(arguments, &context)
            } catch {
                progress.finish()
                if error is Interrupted {
                    wasInterrupted = true
                    sink.err("interrupted\n")
                    if jsonMode { sink.out(JSONValue.object([("ok", false), ("error", "interrupted")]).serialized + "\n") }
                    return false
                }
                let synopsis = (error as? ShellError).flatMap { if case .usage = $0 { return Registry.synopsis(path: resolution.path, of: resolution.command) } else { return nil } }
                report(error, command: command, origin: origin, synopsis: synopsis)
                return false
            }
            progress.finish()
            session = context.session
            render(output)
            if let incomplete = output.incomplete {
                report(ShellError.failed(incomplete), command: command, origin: origin, synopsis: nil, json: false)
                return false
            }
            return true
        } catch {
            report(error, command: command, origin: origin, synopsis: nil)
            return false
        }
    }

    private func render(_ output: CommandOutput) {
        if jsonMode {
            var json = output.json
            // One document per command: an incomplete one says so inside it.
            if let incomplete = output.incomplete, case .object(var members) = json {
                members.removeAll { $0.0 == "ok" }
                members.insert(("ok", false), at: 0)
                members.append(("incomplete", .string(incomplete)))
                json = .object(members)
            }
            sink.out(json.serialized + "\n")
        } else if !output.text.isEmpty {
            let text = escapeForTerminal(text: output.text, colour: terminal.color && session.settings.color)
            sink.out(text.hasSuffix("\n") ? text : text + "\n")
        }
    }

    func report(_ error: any Error, command: ScriptCommand?, origin: String?, synopsis: String?, json: Bool = true) {
        let message = "\(error)"
        let location = origin.map { "\($0):\(command?.line ?? 0): " } ?? ""
        // Messages quote what was typed (an unknown command, a bad value): escaped like report strings.
        sink.err(escapeForTerminal(text: "\(location)error: \(message)\n", colour: false))
        if let synopsis { sink.err("usage: \(synopsis)\n") }
        if jsonMode && json {
            var members: [(String, JSONValue)] = [("ok", false), ("error", .string(message))]
            if let command { members.append(("command", .string(command.text))) }
            if origin != nil, let line = command?.line { members.append(("line", .int(line))) }
            sink.out(JSONValue.object(members).serialized + "\n")
        }
    }

    /// Runs every command of a script. Stops at the first failure unless `--keep-going`; returns
    /// whether every command succeeded.
    @discardableResult
    func runScript(_ text: String, origin: String) -> Bool {
        var source = TextLines(text)
        return run(&source, origin: origin)
    }

    /// The input loop. `origin` names a script (`FILE`, `-c`, `<stdin>`) for error locations; nil is
    /// the prompt, where a failing command does not end the loop, Ctrl-C cancels the line being typed
    /// or stops the commands left on it, and `--echo`/`--step` do not apply. Lines are run as they
    /// arrive, so a notebook can converse with the shell through a pipe. Returns whether every
    /// command succeeded.
    func run(_ source: inout some LineSource, origin: String?) -> Bool {
        let atPrompt = origin == nil
        var allSucceeded = true
        var lines = LogicalLines()
        while !quitRequested {
            let (input, firstLine) = lines.next { source.next(continuing: $0) }
            let logical: String
            switch input {
            case .endOfInput: return allSucceeded
            case .interrupted: continue
            case .line(let text): logical = text
            }
            if atPrompt {
                wasInterrupted = false
                guard !logical.trimmingSpaces().isEmpty else { continue }
            }
            source.accepted(logical)
            let commands: [ScriptCommand]
            do {
                commands = try ScriptParser.parse(logicalLine: logical, line: firstLine)
            } catch let located as LocatedError {
                let command = atPrompt ? nil : ScriptCommand(words: [], line: located.line, text: "")
                report(located.error, command: command, origin: origin, synopsis: nil)
                allSucceeded = false
                if options.keepGoing || atPrompt { continue } else { return false }
            } catch {
                report(error, command: nil, origin: origin, synopsis: nil)
                return false
            }
            for command in commands {
                if quitRequested { break }
                // Ctrl-C between two commands stops the script (at the prompt, the line) as well, as in a shell.
                if wasInterrupted || InterruptHandling.takeRequest() {
                    if !wasInterrupted { sink.err("interrupted\n") }
                    wasInterrupted = true
                    if atPrompt { break } else { return false }
                }
                if !atPrompt && options.step {
                    if stepPrompt(for: command) == .quit { quitRequested = true; return allSucceeded }
                } else if !atPrompt && options.echo {
                    let echoed = escapeForTerminal(text: ">>> " + command.text + "\n", colour: false)
                    if jsonMode { sink.err(echoed) } else { sink.out(echoed) }
                }
                if !execute(command, origin: origin) {
                    allSucceeded = false
                    if atPrompt { continue }
                    if !options.keepGoing || wasInterrupted { return false }
                }
            }
        }
        return allSucceeded
    }

    /// Runs a script file through the same loop (`source FILE`, `cuckooml FILE.cml`).
    func runScriptFile(_ path: String) throws -> Bool {
        guard sourceDepth < Shell.maxSourceDepth else {
            throw ShellError.failed("scripts nested deeper than \(Shell.maxSourceDepth) levels (does \(path) source itself?)")
        }
        let text = try readTextFile(path)
        sourceDepth += 1
        defer { sourceDepth -= 1 }
        return runScript(text, origin: path)
    }

    // MARK: Teaching mode

    enum StepAnswer { case run, quit }

    /// Shows the command with its one-line help and waits for Enter (run) or `q` (stop).
    private func stepPrompt(for command: ScriptCommand) -> StepAnswer {
        var text = ">>> " + command.text + "\n"
        if let resolution = try? registry.resolve(command.words) {
            text += "    " + resolution.command.spec.summary + "\n"
        }
        sink.out(escapeForTerminal(text: text, colour: false))
        sink.err("[Enter] run  [q] quit ")
        let answer = readStepAnswer()
        return answer?.trimmingSpaces().lowercased().hasPrefix("q") == true ? .quit : (answer == nil ? .quit : .run)
    }
}

/// Reads a whole text file (a script, a label file, the history), with a one-line error naming the
/// file. Only a regular file is read (a FIFO is refused, not waited on); bytes that are not UTF-8 are
/// kept as `FileSystemPath` stand-ins, so a script can name a report whose file name is not UTF-8.
func readTextFile(_ path: String) throws -> String {
    do { return FileSystemPath.decode(try RegularFile.read(path, limit: 64 << 20)) } catch {
        throw ShellError.failed(error.description)
    }
}

/// One line from the controlling terminal (for `--step`), falling back to stdin.
func readAnswerFromTerminal() -> String? {
    let tty = fopen("/dev/tty", "r")
    let stream = tty ?? fdopen(dup(0), "r")
    guard let stream else { return nil }
    defer { fclose(stream) }
    var line: UnsafeMutablePointer<CChar>?
    var capacity = 0
    defer { free(line) }
    guard getline(&line, &capacity, stream) >= 0, let line else { return nil }
    return String(cString: line)
}
