import CuckooML

/// `unload SAMPLE...|all`: removes samples (and their labels) from the session.
struct UnloadCommand: ShellCommand {
    static let spec = CommandSpec(
        name: "unload",
        summary: "Remove samples from the session ('all' removes every one)",
        discussion: "The feature matrix and labels are rebuilt for the remaining samples; clusterings no longer match the rows and are dropped (run cluster again).",
        arguments: [.positional("sample", .sample, repeating: true, help: "sample ids, or all")],
        examples: ["unload 10 12", "unload all"])

    static func run(_ arguments: Arguments, _ context: inout CommandContext) throws -> CommandOutput {
        let ids = arguments.strings("sample")
        guard !ids.isEmpty else { throw ShellError.usage("missing SAMPLE") }
        let removed: Int
        if ids == ["all"] && context.session.index["all"] == nil {
            removed = context.session.samples.count
            context.session.removeAll()
        } else {
            let unknown = ids.filter { context.session.index[$0] == nil }
            guard unknown.count < Set(ids).count else {
                throw ShellError.failed("no such sample: \(unknown.map(escapeForTerminal).joined(separator: ", "))")
            }
            for id in unknown { context.note("warning: no sample \(escapeForTerminal(id))") }
            removed = try context.session.unload(ids: Set(ids), control: context.control)
        }
        let left = context.session.samples.count
        guard left > 0 else {
            return CommandOutput(text: "unloaded \(removed) sample\(removed == 1 ? "" : "s"); none left",
                                 json: .object([("unloaded", .int(removed)), ("samples", .int(0))]))
        }
        let derived = LoadCommand.derivedSummary(context.session)
        return CommandOutput(text: "unloaded \(removed) sample\(removed == 1 ? "" : "s"); \(left) left\n" + derived.text,
                             json: .object([("unloaded", .int(removed)), ("samples", .int(left))] + derived.json))
    }
}
