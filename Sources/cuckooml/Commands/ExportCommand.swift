import CuckooML

/// `export ...`: results written to files. Subcommands plug in here.
struct ExportCommand: ShellCommand {
    static let spec = CommandSpec(name: "export", summary: "Write results to files")

    static let subcommands: [any ShellCommand.Type] = [ExportClusteringCommand.self, ExportAnomaliesCommand.self]
    static let runsWithoutSubcommand = false

    static func run(_ arguments: Arguments, _ context: inout CommandContext) throws -> CommandOutput {
        throw ShellError.usage("export needs a subcommand")
    }
}
