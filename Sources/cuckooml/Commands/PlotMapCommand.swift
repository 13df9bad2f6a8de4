import CuckooML

/// `plot map FILE.svg`: every sample as a point in 2-D, placed from the clustering's own distances.
struct PlotMapCommand: ShellCommand {
    static let colour = Defaulted.choice("color", default: MapColouring.default, help: "colour points by cluster (noise grey) or by label")

    static let spec = CommandSpec(
        name: "map",
        summary: "Draw every sample on a 2-D map of the clustering's distances, coloured by cluster or label",
        discussion: """
            Method: a UMAP-style layout. Each sample's 15 nearest neighbours in the clustering's own metric
            (exact up to 8 000 samples; above, NN-descent started from members of each sample's own
            and nearest clusters) form UMAP's fuzzy graph; the layout starts from landmark MDS of the
            real distances (so far-apart families start far apart) and is refined by
            gradient steps that pull neighbours together and push random pairs apart (Cauchy kernel, as
            UMAP with a = b = 1). Why not t-SNE: Barnes-Hut t-SNE costs O(n log n) per iteration for
            about a thousand iterations and cannot map 100 000 samples in a minute; the graph layout
            keeps what an analyst reads here — who is near whom, and which groups stand apart — and
            scales linearly. The map is deterministic: a fixed seed and counter-based random numbers
            give the same picture on every run and for any 'set threads'.
            Reading it: a tight group is a set of near-identical samples; groups far apart share little;
            the size of the gap between two distant groups is only rough. Noise is grey. Each point's
            tooltip gives sample, cluster, label and probability. Above 20 000 samples clusters of
            more than 200 are drawn as shaded hexagons (one tooltip each) and noise and small clusters
            stay points, so the file stays small. The file is written atomically.
            """,
        arguments: [
            .positional("file", .path, help: "the SVG file to write"),
            colour.spec,
            .option("algorithm", .choice(ClusteringAlgorithm.allCases.map(\.rawValue)), help: "which clustering (default: the current one, see help cluster)"),
        ],
        examples: ["plot map map.svg", "plot map labels.svg color=label", "plot map dbscan.svg algorithm=dbscan"])

    static func run(_ arguments: Arguments, _ context: inout CommandContext) throws -> CommandOutput {
        let path = try arguments.required("file")
        let colouring = arguments[colour]
        let map = try sampleMap(context, algorithm: arguments.string("algorithm"))
        let image = map.svg(colouring: colouring)
        do {
            try AtomicFileWriter.write(image.document, to: path)
        } catch {
            throw exportFailure(error)
        }
        let clusters = Set(map.points.map(\.cluster).filter { $0 >= 0 }).count
        let points: [JSONValue] = map.points.map { p in
            ["sample": .string(p.sample), "x": .double(p.x), "y": .double(p.y), "cluster": .int(p.cluster),
             "label": .string(p.label), "probability": p.probability.map { .double($0) } ?? .null]
        }
        return CommandOutput(
            text: "wrote a map of \(map.points.count) samples (\(clusters) clusters, \(map.algorithm) \(escapeForTerminal(map.metric))) to \(escapeForTerminal(path))",
            json: ["file": .string(path), "samples": .int(map.points.count), "algorithm": .string(map.algorithm),
                   "metric": .string(map.metric), "color": .string(colouring.rawValue),
                   "neighbours": .int(map.layout.neighbours), "exact_neighbours": .bool(map.layout.exactNeighbours),
                   "epochs": .int(map.layout.epochs), "bytes": .int(image.document.utf8.count), "points": .array(points)])
    }

    /// The map of the session's clustering, with library errors as one-line shell failures.
    static func sampleMap(_ context: CommandContext, algorithm: String?) throws -> SampleMap {
        do {
            return try SampleMap(session: context.session, algorithm: algorithm, control: context.control)
        } catch let error as MapError {
            throw ShellError.failed(error.description)
        }
    }
}
