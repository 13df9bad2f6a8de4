import CuckooML

/// `report FILE.html`: the session as one self-contained HTML page.
struct ReportCommand: ShellCommand {
    static let spec = CommandSpec(
        name: "report",
        summary: "Write the session as one self-contained HTML page",
        discussion: """
            Inputs, feature space, clustering parameters, per-cluster label charts (inline SVG) and
            the tables of the analysis, in one file with no external resources, to share in place of
            the 2016 notebook.
            """,
        arguments: [.positional("file", .path, help: "the HTML file to write")],
        examples: ["report session.html"])

    static func run(_ arguments: Arguments, _ context: inout CommandContext) throws -> CommandOutput {
        let path = try arguments.required("file")
        guard !context.session.isEmpty else { throw ShellError.failed("nothing to report: no samples are loaded") }
        let session = context.session
        let report = HTMLReport.forSession(session, metrics: try metricsTable(session, control: context.control),
                                           anomalies: try anomaliesTable(session))
        let html = report.render()
        do { try AtomicFileWriter.write(html, to: path) } catch { throw ShellError.failed(escapeForTerminal(error.description)) }
        return CommandOutput(
            text: "wrote \(escapeForTerminal(path)) (\(report.sections.count) sections, \(html.utf8.count) bytes)",
            json: ["file": .string(path), "sections": JSONValue(report.sections.map(\.heading)), "bytes": .int(html.utf8.count)])
    }

    /// The `assess` metrics of the current soft clustering (HDBSCAN or linkage), when there are one and labels.
    static func metricsTable(_ session: Session, control: TaskControl) throws -> HTMLReport.Table? {
        guard let c = AssessmentInputs.softClustering(session), c.labels.count == session.samples.count, !session.labels.isEmpty,
              let a = try Assessment.assess(truth: session.labelColumn, predicted: c.labels,
                                            points: AssessmentInputs.points(session), metric: c.metric,
                                            ignoredLabels: session.settings.ignoredLabels, control: control)
        else { return nil }
        let rows = AssessmentInputs.scoreRows(a, metric: c.metric).map { [$0.0, $0.1] }
            + [["clusters", String(a.clusters)], ["noise", String(a.noise)], ["samples", String(a.samples)]]
        return HTMLReport.Table(header: ["metric", "value"], rows: rows, numericColumns: [1])
    }

    /// The four kinds of anomaly with the default thresholds.
    static func anomaliesTable(_ session: Session) throws -> HTMLReport.Table? {
        guard let c = AssessmentInputs.softClustering(session), c.labels.count == session.samples.count else { return nil }
        let found = try AssessmentInputs.anomalies(session, AnomalyThresholds())
        let rows = found.map { a in
            [session.samples[a.sample].id, a.kind.rawValue, a.cluster < 0 ? "noise" : String(a.cluster), a.label,
             fixed(a.value, 3), a.threshold.map { fixed($0, 2) } ?? ""]
        }
        return HTMLReport.Table(header: ["sample", "kind", "cluster", "label", "value", "threshold"], rows: rows, numericColumns: [2, 4, 5])
    }
}
