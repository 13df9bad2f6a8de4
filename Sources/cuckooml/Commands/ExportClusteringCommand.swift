import CuckooML

/// `export clustering FILE.csv`: `sample,label,probability,outlier_score`, one row per sample.
struct ExportClusteringCommand: ShellCommand {
    static let spec = CommandSpec(
        name: "clustering",
        summary: "Write sample,label,probability,outlier_score as CSV (label -1 = noise)",
        discussion: """
            Writes the current clustering (see 'help cluster'): HDBSCAN's probabilities and outlier
            scores, the linkage's membership strengths and outlier scores, or for DBSCAN probability 1
            for members, 0 for noise, and an empty outlier score. Numbers are written in full precision. The file is
            written atomically.
            """,
        arguments: [
            .positional("file", .path, help: "the CSV file to write"),
            AssessmentInputs.algorithmArgument,
        ],
        examples: ["export clustering clusters.csv"])

    static func run(_ arguments: Arguments, _ context: inout CommandContext) throws -> CommandOutput {
        let path = try arguments.required("file")
        let s = context.session
        let clustering = try AssessmentInputs.clustering(s, arguments)
        var text = "sample,label,probability,outlier_score\n"
        for (r, sample) in s.samples.enumerated() {
            text += csvField(sample.id) + "," + String(clustering.labels[r]) + ","
            if let probabilities = clustering.probabilities, let scores = clustering.outlierScores {
                text += "\(probabilities[r]),\(scores[r])\n"
            } else {
                text += (clustering.labels[r] >= 0 ? "1" : "0") + ",\n"
            }
        }
        do {
            try AtomicFileWriter.write(text, to: path)
        } catch {
            throw ShellError.failed(error.description)
        }
        return CommandOutput(text: "wrote \(s.samples.count) rows to \(escapeForTerminal(path))",
                             json: ["file": .string(path), "rows": .int(s.samples.count), "algorithm": .string(clustering.name)])
    }

    /// A CSV field, quoted when it holds a comma, quote or line break.
    static func csvField(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.map { $0 == "\"" ? "\"\"" : String($0) }.joined() + "\""
    }
}
