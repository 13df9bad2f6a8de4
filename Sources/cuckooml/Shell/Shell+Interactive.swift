import CuckooML

extension Shell {
    /// The prompt: the input loop fed by the line editor, with Tab completion. Errors are reported and
    /// the loop goes on; Ctrl-D or `quit` leaves and saves the history.
    func runInteractive(editor: LineEditor) {
        let completer = Completer(registry: registry)
        editor.complete = { [unowned self] before in completer.candidates(for: before, session: self.session) }
        if let problem = history.takeProblem() { sink.err(escapeForTerminal(text: "note: \(problem)\n", colour: false)) }
        defer {
            history.save()
            if let problem = history.takeProblem() { sink.err(escapeForTerminal(text: "note: \(problem)\n", colour: false)) }
        }
        var source = EditorLines(editor: editor, history: history, sink: sink, prompt: { [unowned self] in self.prompt })
        _ = run(&source, origin: nil)
    }
}
