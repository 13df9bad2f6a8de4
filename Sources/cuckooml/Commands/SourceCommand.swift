import CuckooML

/// `source FILE`: runs a script's commands through the same loop as the prompt.
struct SourceCommand: ShellCommand {
    static let spec = CommandSpec(
        name: "source",
        summary: "Run the commands of a script file",
        discussion: "Each command is reported as FILE:LINE on error; the script stops at its first failing command unless the shell was started with --keep-going. Scripts may source other scripts (up to 16 deep).",
        arguments: [.positional("file", .path, help: "a .cml script")],
        examples: ["source scripts/showcase.cml"])

    static func run(_ arguments: Arguments, _ context: inout CommandContext) throws -> CommandOutput {
        let path = try arguments.required("file")
        let ok = try context.shell.runScriptFile(path)
        // The nested commands committed their own drafts: continue from the shell's session.
        context.session = context.shell.session
        guard ok else { throw ShellError.failed("\(path) stopped at a failing command") }
        return CommandOutput(text: "", json: ["sourced": .string(path)])
    }
}
