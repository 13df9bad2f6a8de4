import CuckooML

/// `export anomalies FILE.csv`: the `anomalies` list as CSV (`sample,kind,value,threshold`).
struct ExportAnomaliesCommand: ShellCommand {
    static let spec = CommandSpec(
        name: "anomalies",
        summary: "Write the anomalies as CSV: sample,kind,value,threshold",
        discussion: """
            One row per sample and kind, in the order 'anomalies' lists them; threshold is empty for
            noise (value: its outlier score). Fields holding commas or quotes are quoted, and a
            field starting with = + - @ gets a leading ' so spreadsheets do not run it as a formula.
            The file is written atomically.
            """,
        arguments: [.positional("file", .path, help: "the CSV file to write")] + AssessmentInputs.thresholdArguments,
        examples: ["export anomalies anomalies.csv", "export anomalies weak.csv probability=0.5"])

    static func run(_ arguments: Arguments, _ context: inout CommandContext) throws -> CommandOutput {
        let path = try arguments.required("file")
        let session = context.session
        let found = try AssessmentInputs.anomalies(session, AssessmentInputs.thresholds(arguments))
        var csv = "sample,kind,value,threshold\n"
        for a in found {
            csv += csvField(session.samples[a.sample].id) + "," + a.kind.rawValue + "," + JSONValue.format(a.value)
                + "," + (a.threshold.map(JSONValue.format) ?? "") + "\n"
        }
        do {
            try AtomicFileWriter.write(csv, to: path)
        } catch {
            throw ShellError.failed(error.description)
        }
        return CommandOutput(text: "wrote \(found.count) anomalies to \(escapeForTerminal(path))",
                             json: .object([("path", .string(path)), ("rows", .int(found.count))]))
    }

    /// One CSV field (RFC 4180 quoting, spreadsheet formula prefixes neutralised).
    static func csvField(_ s: String) -> String {
        var value = s
        if let first = value.first, "=+-@".contains(first) { value = "'" + value }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.split(separator: "\"", omittingEmptySubsequences: false).joined(separator: "\"\"") + "\""
    }
}
