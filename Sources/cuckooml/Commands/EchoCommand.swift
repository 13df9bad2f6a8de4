import CuckooML

/// `echo TEXT`: prints its words, for annotating transcripts and scripts.
struct EchoCommand: ShellCommand {
    static let spec = CommandSpec(
        name: "echo",
        summary: "Print a line of text (to annotate scripts and transcripts)",
        arguments: [.positional("text", optional: true, repeating: true, help: "words to print")],
        examples: ["echo \"--- clustering ---\""])

    static func run(_ arguments: Arguments, _ context: inout CommandContext) throws -> CommandOutput {
        let text = arguments.strings("text").joined(separator: " ")
        return CommandOutput(text: escapeForTerminal(text), json: ["echo": .string(text)])
    }
}
