import CuckooML

/// `quit` / `exit`: leaves the shell after this command (history is saved).
struct QuitCommand: ShellCommand {
    static let spec = CommandSpec(
        name: "quit",
        aliases: ["exit"],
        summary: "Leave cuckooml (Ctrl-D does the same)")

    static func run(_ arguments: Arguments, _ context: inout CommandContext) throws -> CommandOutput {
        context.shell.quitRequested = true
        return CommandOutput(text: "", json: ["quit": true])
    }
}
