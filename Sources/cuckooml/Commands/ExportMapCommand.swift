import CuckooML

/// `export map FILE.csv`: the map's coordinates, `sample,x,y,cluster,label`, for other tools.
struct ExportMapCommand: ShellCommand {
    static let spec = CommandSpec(
        name: "map",
        summary: "Write the map's coordinates as CSV: sample,x,y,cluster,label (cluster -1 = noise)",
        discussion: """
            The same deterministic layout 'plot map' draws (see 'help plot map'). Coordinates are in
            full precision; sample ids and labels are quoted when they hold a comma, quote or line
            break. The file is written atomically.
            """,
        arguments: [
            .positional("file", .path, help: "the CSV file to write"),
            .option("algorithm", .choice(ClusteringAlgorithm.allCases.map(\.rawValue)), help: "which clustering (default: the current one, see help cluster)"),
        ],
        examples: ["export map map.csv", "export map map.csv algorithm=dbscan"])

    static func run(_ arguments: Arguments, _ context: inout CommandContext) throws -> CommandOutput {
        let path = try arguments.required("file")
        let map = try PlotMapCommand.sampleMap(context, algorithm: arguments.string("algorithm"))
        do {
            try map.writeCSV(to: path)
        } catch {
            throw exportFailure(error)
        }
        return CommandOutput(text: "wrote \(map.points.count) rows to \(escapeForTerminal(path))",
                             json: ["file": .string(path), "rows": .int(map.points.count), "algorithm": .string(map.algorithm)])
    }
}
