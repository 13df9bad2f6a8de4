import CuckooML

/// `set KEY VALUE`: changes a setting (see `show settings`).
struct SetCommand: ShellCommand {
    static let spec = CommandSpec(
        name: "set",
        summary: "Change a setting",
        discussion: """
            format text|json   how results print (json: one JSON document per line)
            threads N          worker threads for load and clustering (0 = one per core)
            color on|off       colour in terminal output (never when NO_COLOR is set)
            ignore-labels L,M  labels left out of assess (e.g. none)
            label-rule R       avclass or 2016: how labels are derived (relabels now; see labels)
            explain on|off     cluster prints its engine plan first (engine, k-NN and spanning-tree paths)
            """,
        arguments: [
            .positional("key", .choice(Settings.keys), help: "the setting"),
            .positional("value", help: "its new value"),
        ],
        examples: ["set format json", "set threads 1"])

    static func run(_ arguments: Arguments, _ context: inout CommandContext) throws -> CommandOutput {
        let key = try arguments.required("key")
        let value = try arguments.required("value")
        do {
            try context.session.set(key, value)
        } catch {
            throw ShellError.usage(error.description)
        }
        return CommandOutput(text: "\(key) = \(value)", json: [key: .string(value)])
    }
}
