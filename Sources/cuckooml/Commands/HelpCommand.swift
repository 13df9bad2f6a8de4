import CuckooML

/// `help [COMMAND [SUBCOMMAND]]`: the command list, or one command's usage, arguments and examples.
struct HelpCommand: ShellCommand {
    static let spec = CommandSpec(
        name: "help",
        aliases: ["?"],
        summary: "List commands, or explain one",
        arguments: [.positional("command", optional: true, repeating: true, help: "a command (and subcommand)")],
        examples: ["help", "help cluster hdbscan"])

    static func run(_ arguments: Arguments, _ context: inout CommandContext) throws -> CommandOutput {
        let words = arguments.strings("command")
        let registry = context.registry
        guard !words.isEmpty else {
            return CommandOutput(text: HelpRenderer.overview(registry),
                                 json: .array(registry.commands.map { ["command": .string($0.spec.name), "summary": .string($0.spec.summary)] }))
        }
        let resolution: Registry.Resolution
        do {
            resolution = try registry.resolve(words)
        } catch ShellError.usage {
            // A group without its subcommand still has help.
            guard let group = registry.lookup(words[0]) else { throw ShellError.unknownCommand(words[0], suggestion: nil) }
            return CommandOutput(text: HelpRenderer.detail(path: [group.spec.name], command: group),
                                 json: HelpRenderer.json(path: [group.spec.name], command: group))
        }
        return CommandOutput(text: HelpRenderer.detail(path: resolution.path, command: resolution.command),
                             json: HelpRenderer.json(path: resolution.path, command: resolution.command))
    }
}
