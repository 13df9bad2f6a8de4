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
        let report = HTMLReport.forSession(context.session)
        let html = report.render()
        do { try AtomicFileWriter.write(html, to: path) } catch { throw ShellError.failed(escapeForTerminal(error.description)) }
        return CommandOutput(
            text: "wrote \(escapeForTerminal(path)) (\(report.sections.count) sections, \(html.utf8.count) bytes)",
            json: ["file": .string(path), "sections": JSONValue(report.sections.map(\.heading)), "bytes": .int(html.utf8.count)])
    }
}
