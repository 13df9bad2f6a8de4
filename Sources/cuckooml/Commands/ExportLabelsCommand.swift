import CuckooML

/// `export labels FILE.csv`: `sample,label,votes,engines,runner_up,runner_up_votes` per sample.
struct ExportLabelsCommand: ShellCommand {
    static let spec = CommandSpec(
        name: "labels",
        summary: "Write the labels as CSV: sample,label,votes,engines,runner_up,runner_up_votes",
        discussion: """
            votes: independent engines naming the family (rule avclass: after leaving out engines
            that copy another's result; rule 2016: every engine naming the token); 0 for none and
            external labels. engines: engines that detected the sample, copies included (0 when
            unknown). runner_up, runner_up_votes: the family with the next most votes (rule avclass;
            empty and 0 otherwise); equal votes mean a tie, broken by name.
            """,
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
