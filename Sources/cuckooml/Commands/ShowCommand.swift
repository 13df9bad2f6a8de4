import CuckooML

/// `show ...`: details of one thing in the session. Subcommands plug in here.
struct ShowCommand: ShellCommand {
    static let spec = CommandSpec(
        name: "show",
        summary: "Show settings, a sample, a cluster or the cluster tree",
        arguments: [.positional("sample", .sample, help: "a loaded sample id")])

    static let subcommands: [any ShellCommand.Type] = [ShowSettingsCommand.self, ShowClusterCommand.self, ShowTreeCommand.self]
    static let runsWithoutSubcommand = false

    static func run(_ arguments: Arguments, _ context: inout CommandContext) throws -> CommandOutput {
        throw ShellError.usage("show needs a subcommand")
    }
}

/// `show settings`: every setting with its value.
struct ShowSettingsCommand: ShellCommand {
    static let spec = CommandSpec(name: "settings", summary: "List the settings and their values")

    static func run(_ arguments: Arguments, _ context: inout CommandContext) throws -> CommandOutput {
        let entries = context.session.settings.entries
        let width = entries.map(\.key.count).max() ?? 0
        let text = entries.map { rightPad($0.key, width) + "  " + ($0.value.isEmpty ? "-" : $0.value) }.joined(separator: "\n")
        return CommandOutput(text: text, json: .object(entries.map { ($0.key, .string($0.value)) }))
    }
}
