import CuckooML

/// What a running command may touch: a draft of the session (kept only if the command succeeds), the
/// terminal facts for rendering, the interrupt/progress hooks for long work, and the shell itself for
/// the few commands that drive it (`source`, `history`, `quit`).
struct CommandContext {
    var session: Session
    let shell: Shell
    var terminal: TerminalInfo { shell.terminal }
    var registry: Registry { shell.registry }
    /// Colour for this command's text output (terminal and settings agree).
    var color: Bool { shell.terminal.color && session.settings.color }

    /// Cancellation by Ctrl-C and progress drawn on stderr.
    var control: TaskControl { shell.taskControl }

    /// A warning or note for the analyst: stderr, never the result stream.
    func note(_ message: String) { shell.sink.err(escapeForTerminal(text: message + "\n", colour: false)) }
}
