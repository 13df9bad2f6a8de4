import CuckooML

extension Shell {
    /// The prompt loop: reads lines with the editor, joins `\` continuations, runs each command.
    /// Errors are reported and the loop goes on; Ctrl-D or `quit` leaves and saves the history.
    func runInteractive(editor: LineEditor) {
        let completer = Completer(registry: registry)
        editor.complete = { [unowned self] before in completer.candidates(for: before, session: self.session) }
        var pending = ""
        var lineNumber = 0
        if let problem = history.takeProblem() { sink.err(escapeForTerminal(text: "note: \(problem)\n", colour: false)) }
        defer {
            history.save()
            if let problem = history.takeProblem() { sink.err(escapeForTerminal(text: "note: \(problem)\n", colour: false)) }
        }
        while !quitRequested {
            let input = editor.readLine(prompt: pending.isEmpty ? prompt : "...> ")
            switch input {
            case .endOfInput:
                sink.out("\n")
                return
            case .interrupted:
                pending = ""
                sink.out("\n")
                continue
            case .line(let line):
                lineNumber += 1
                if line.hasSuffix("\\") {
                    pending += line.dropLast() + " "
                    continue
                }
                let full = pending + line
                pending = ""
                wasInterrupted = false
                guard !full.trimmingSpaces().isEmpty else { continue }
                editor.remember(full)
                history.add(full)
                do {
                    for command in try ScriptParser.parse(full, firstLine: lineNumber) {
                        execute(command, origin: nil)
                        if quitRequested { break }
                    }
                } catch let located as LocatedError {
                    report(located.error, command: nil, origin: nil, synopsis: nil)
                } catch {
                    report(error, command: nil, origin: nil, synopsis: nil)
                }
            }
        }
    }
}
