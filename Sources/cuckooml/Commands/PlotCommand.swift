import CuckooML

/// `plot ...`: charts written as SVG files.
struct PlotCommand: ShellCommand {
    static let spec = CommandSpec(name: "plot", summary: "Write charts as SVG files")
    static let subcommands: [any ShellCommand.Type] = [PlotLabelsCommand.self, PlotMapCommand.self]
    static let runsWithoutSubcommand = false

    static func run(_ arguments: Arguments, _ context: inout CommandContext) throws -> CommandOutput {
        throw ShellError.usage("plot needs a subcommand: labels or map")
    }
}

/// `plot labels DIR`: one label bar chart per cluster plus a clusters × labels heat map.
struct PlotLabelsCommand: ShellCommand {
    static let spec = CommandSpec(
        name: "labels",
        summary: "Write one SVG label chart per cluster and a clusters × labels heat map",
        discussion: """
            Files: overview.svg (heat map), noise.svg and cluster-N.svg (bar charts titled
            "cluster N: label counts"), written atomically into DIR (created if missing). Uses the
            current clustering (see 'help cluster'); unlabelled samples count as "(unlabelled)".
            """,
        arguments: [.positional("dir", .path, help: "directory for the SVG files")],
        examples: ["plot labels plots"])

    static func run(_ arguments: Arguments, _ context: inout CommandContext) throws -> CommandOutput {
        let dir = try arguments.required("dir")
        guard let table = ClusterLabelCounts(session: context.session) else {
            throw ShellError.failed("no clustering yet (run cluster first)")
        }
        let written: [String]
        do {
            written = try SVGCharts.writeLabelCharts(table, to: dir, control: context.control)
        } catch let error as OutputError {
            throw ShellError.failed(escapeForTerminal(error.description))
        }
        return CommandOutput(
            text: "wrote \(written.count) SVG files to \(escapeForTerminal(dir)) (\(table.clusters.count) clusters incl. noise, \(table.labels.count) labels)",
            json: ["directory": .string(dir), "written": .int(written.count), "files": JSONValue(written),
                   "clusters": .int(table.clusters.count), "labels": .int(table.labels.count)])
    }
}
