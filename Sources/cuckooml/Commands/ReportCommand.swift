import CuckooML

/// `report FILE.html`: the session as one self-contained HTML page.
struct ReportCommand: ShellCommand {
    static let spec = CommandSpec(
        name: "report",
        summary: "Write the session as one self-contained HTML page",
        discussion: """
            In the order an analyst reads it: a summary (what was loaded, the clustering, the key
            metrics with what each means), the map when there is one, the families (one row per
            cluster: size, name = top label and its share, cohesion = mean Jaccard similarity of two
            members, the features its members share), a section for each of the 40 largest families
            (label bars, members with probability and outlier score, shared features by group with
            recall and precision, anomalies inside), the anomalies, then every sample and the
            feature-space and clustering details, collapsed. Tables sort, filter and page with a small
            inline script; with scripts off every row still shows. No network, fonts or external files;
            large tables keep their first rows so 100 000 samples stay under 20 MB. Above 20 000 samples
            the silhouette (a pass over all pairs) is left to 'assess'.
            """,
        arguments: [.positional("file", .path, help: "the HTML file to write")],
        examples: ["report session.html"])

    static func run(_ arguments: Arguments, _ context: inout CommandContext) throws -> CommandOutput {
        let path = try arguments.required("file")
        guard !context.session.isEmpty else { throw ShellError.failed("nothing to report: no samples are loaded") }
        let session = context.session
        let clustering = session.currentClustering.map(ReportClustering.init)
        let assessment = try assess(session, clustering, control: context.control)
        let report = try HTMLReport.forSession(
            session, clustering: clustering,
            metrics: assessment.map { HTMLReport.keyMetrics($0.0, metric: $0.1) } ?? [],
            allMetrics: assessment.map { a, metric in
                AssessmentInputs.scoreRows(a, metric: metric)
                    + [("clusters", String(a.clusters)), ("noise", String(a.noise)), ("samples", String(a.samples))]
            } ?? [],
            anomalies: try anomalies(session),
            mapSVG: try mapSVG(session, control: context.control),
            control: context.control)
        let html = report.render()
        do { try AtomicFileWriter.write(html, to: path) } catch { throw ShellError.failed(escapeForTerminal(error.description)) }
        return CommandOutput(
            text: "wrote \(escapeForTerminal(path)) (\(report.sections.count) sections, \(html.utf8.count) bytes)",
            json: ["file": .string(path), "sections": JSONValue(report.sections.map(\.heading)), "bytes": .int(html.utf8.count)])
    }

    /// The map slot: the `<svg>` element of the samples' map of the reported clustering, or nil (no
    /// Map section) when there is no clustering to map.
    static func mapSVG(_ session: Session, control: TaskControl) throws -> String? {
        try SampleMap.embeddableSVG(session: session, control: control)
    }

    /// Most samples for which the report computes the silhouette.
    static let silhouetteLimit = 20_000

    /// The `assess` scores of the reported clustering, when there are labels to assess against.
    static func assess(_ session: Session, _ clustering: ReportClustering?,
                       control: TaskControl) throws -> (Assessment, DistanceMetric)? {
        guard let clustering, clustering.labels.count == session.samples.count, !session.labels.isEmpty else { return nil }
        let metric = session.currentClustering?.metric ?? .euclidean
        // The silhouette costs a pass over all pairs: minutes at 100 000 samples, so the page leaves it
        // to 'assess' there.
        let points = session.samples.count <= silhouetteLimit ? AssessmentInputs.points(session) : nil
        guard let a = try Assessment.assess(truth: session.labelColumn, predicted: clustering.labels,
                                            points: points, metric: metric,
                                            ignoredLabels: session.settings.ignoredLabels, control: control)
        else { return nil }
        return (a, metric)
    }

    /// The page's view of the session's current clustering (see 'help cluster').
    /// The four kinds of anomaly with the default thresholds (they need a soft clustering).
    static func anomalies(_ session: Session) throws -> [Anomaly] {
        guard let c = session.softClustering, c.labels.count == session.samples.count else { return [] }
        return try AssessmentInputs.anomalies(session, AnomalyThresholds())
    }
}
