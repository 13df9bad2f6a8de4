import CuckooML

/// `export labels FILE.csv`: `sample,label,votes` per sample.
struct ExportLabelsCommand: ShellCommand {
    static let spec = CommandSpec(
        name: "labels",
        summary: "Write the labels as CSV: sample,label,votes",
        discussion: "votes is how many VirusTotal engines named the family (0 for none and external labels).",
        arguments: [.positional("file", .path, help: "the CSV file to write")],
        examples: ["export labels labels.csv"])

    static func run(_ arguments: Arguments, _ context: inout CommandContext) throws -> CommandOutput {
        let path = try arguments.required("file")
        let session = context.session
        guard !session.isEmpty else { throw ShellError.failed("no samples loaded; use 'load' first") }
        let ids = session.samples.map(\.id)
        do {
            try FeatureExport.writeLabelsCSV(samples: ids, labels: ids.map(session.label(of:)), to: path)
        } catch {
            throw exportFailure(error)
        }
        return CommandOutput(text: "wrote \(escapeForTerminal(path)) (\(ids.count) labels)",
                             json: ["file": .string(path), "samples": .int(ids.count)])
    }
}
