import CuckooML

/// `unload SAMPLE...|all`: removes samples (and their labels) from the session.
struct UnloadCommand: ShellCommand {
    static let spec = CommandSpec(
        name: "unload",
        summary: "Remove samples from the session ('all' removes every one)",
        discussion: "Features and clusterings no longer match the remaining rows and are recomputed on demand.",
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
            removed = context.session.remove(ids: Set(ids))
        }
        let left = context.session.samples.count
        return CommandOutput(text: "unloaded \(removed) sample\(removed == 1 ? "" : "s"); \(left) left",
                             json: .object([("unloaded", .int(removed)), ("samples", .int(left))]))
    }
}
