import CuckooML

/// `history [N]`: the last N commands entered at the prompt (saved across sessions).
struct HistoryCommand: ShellCommand {
    static let spec = CommandSpec(
        name: "history",
        summary: "List the commands entered at the prompt",
        arguments: [count.spec])

    static let count = Defaulted.positional("n", 1...Int.max, default: 20, help: "how many")

    static func run(_ arguments: Arguments, _ context: inout CommandContext) throws -> CommandOutput {
        let entries = context.shell.history.entries
        let n = min(arguments[count], entries.count)
        let first = entries.count - n
        let shown = entries[first...]
        let width = String(entries.count).count
        let text = shown.enumerated().map { leftPad(String(first + $0.offset + 1), width) + "  " + escapeForTerminal($0.element) }
            .joined(separator: "\n")
        return CommandOutput(text: text, json: .array(shown.map { .string($0) }))
    }
}
