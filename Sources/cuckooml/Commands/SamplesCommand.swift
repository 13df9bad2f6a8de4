#if canImport(Glibc)
import Glibc
#endif
import CuckooML

/// `samples [PATTERN]`: the loaded samples (id, label, report size, signature count), optionally those
/// whose id matches a shell-style pattern.
struct SamplesCommand: ShellCommand {
    static let spec = CommandSpec(
        name: "samples",
        summary: "List loaded samples: id, label, report size, signatures",
        arguments: [.positional("pattern", optional: true, help: "only ids matching this pattern (*, ?, [...])")],
        examples: ["samples", "samples 1*"])

    static func run(_ arguments: Arguments, _ context: inout CommandContext) throws -> CommandOutput {
        let pattern = arguments.string("pattern")
        let session = context.session
        let shown = session.samples.filter { sample in pattern.map { fnmatch($0, sample.id, 0) == 0 } ?? true }
        if shown.isEmpty {
            let text = session.samples.isEmpty ? "no samples loaded (try 'load PATH')" : "no sample matches '\(escapeForTerminal(pattern ?? ""))'"
            return CommandOutput(text: text, json: .array([]))
        }
        let rows = shown.map { s -> [String] in
            [escapeForTerminal(s.id), escapeForTerminal(session.labels[s.id]?.family ?? "-"),
             formatSize(s.reportSize), s.record.map { String($0.signatures.count) } ?? "-"]
        }
        var lines = TextTable.render(header: ["sample", "label", "size", "signatures"], rows: rows, rightAligned: [2, 3])
        if shown.count != session.samples.count { lines.append("\(shown.count) of \(session.samples.count) samples") }
        let json = JSONValue.array(shown.map { s in
            .object([
                ("sample", .string(s.id)),
                ("label", session.labels[s.id].map { .string($0.family) } ?? .null),
                ("size", .int(s.reportSize)),
                ("signatures", s.record.map { .int($0.signatures.count) } ?? .null),
                ("path", s.path.map { .string($0) } ?? .null),
            ])
        })
        return CommandOutput(text: lines.joined(separator: "\n"), json: json)
    }
}

/// A byte count for people: `812 B`, `64.2 KB`, `3.1 MB`, `2.0 GB`.
func formatSize(_ bytes: Int) -> String {
    let b = Double(bytes)
    if bytes < 1024 { return "\(bytes) B" }
    if b < 1_048_576 { return fixed(b / 1024, 1) + " KB" }
    if b < 1_073_741_824 { return fixed(b / 1_048_576, 1) + " MB" }
    return fixed(b / 1_073_741_824, 1) + " GB"
}
