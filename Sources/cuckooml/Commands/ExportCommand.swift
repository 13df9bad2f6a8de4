import CuckooML

/// `export ...`: writes session results to files. (Minimal group on this branch; the lead merges the
/// subcommand lists.)
struct ExportCommand: ShellCommand {
    static let spec = CommandSpec(name: "export", summary: "Write results to a file")
    static let subcommands: [any ShellCommand.Type] = [ExportClusteringCommand.self]
    static let runsWithoutSubcommand = false

    static func run(_ arguments: Arguments, _ context: inout CommandContext) throws -> CommandOutput {
        throw ShellError.usage("export needs a subcommand")
    }
}
