import CuckooML

/// `export ...`: writes session data for other tools. Subcommands plug in here.
struct ExportCommand: ShellCommand {
    static let spec = CommandSpec(
        name: "export",
        summary: "Write features, labels, clusterings or anomalies to a file for other tools",
        examples: ["export features features.csv", "export features features.svmlight", "export labels labels.csv",
                   "export clustering clustering.csv", "export anomalies anomalies.csv", "export map map.csv"])

    static let subcommands: [any ShellCommand.Type] = [
        ExportFeaturesCommand.self, ExportLabelsCommand.self, ExportClusteringCommand.self, ExportAnomaliesCommand.self,
        ExportMapCommand.self,
    ]
    static let runsWithoutSubcommand = false

    static func run(_ arguments: Arguments, _ context: inout CommandContext) throws -> CommandOutput {
        throw ShellError.usage("export needs a subcommand")
    }
}

/// Turns a library write error into a one-line shell failure.
func exportFailure(_ error: any Error) -> Error {
    if error is Interrupted { return error }
    return ShellError.failed(escapeForTerminal("\(error)"))
}
