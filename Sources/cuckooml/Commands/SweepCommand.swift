import CuckooML

/// `sweep ...`: one clustering per parameter setting, each assessed. Subcommands name the algorithm.
struct SweepCommand: ShellCommand {
    /// Whether a sweep computes the silhouette (both sweeps).
    static let silhouette = Defaulted.yesNo("silhouette", default: true, help: "compute the silhouette per row")

    static let spec = CommandSpec(name: "sweep", summary: "Cluster and assess for a range of parameter settings")

    static let subcommands: [any ShellCommand.Type] = [SweepLinkageCommand.self, SweepHDBSCANCommand.self]
    static let runsWithoutSubcommand = false

    static func run(_ arguments: Arguments, _ context: inout CommandContext) throws -> CommandOutput {
        throw ShellError.usage("sweep needs an algorithm: sweep linkage or sweep hdbscan")
    }

    static let scoreHeader = ["ARI", "AMI(max)", "AMI(arith)", "homog", "compl", "V", "FM", "silh", "prec", "recall", "F"]

    /// A row's assess metrics as table cells, in `scoreHeader` order.
    static func scoreCells(_ a: Assessment?) -> [String] {
        let s = a?.scores
        return [AssessmentInputs.cell(s?.adjustedRandIndex), AssessmentInputs.cell(s?.adjustedMutualInformationMax),
                AssessmentInputs.cell(s?.adjustedMutualInformationArithmetic), AssessmentInputs.cell(s?.homogeneity),
                AssessmentInputs.cell(s?.completeness), AssessmentInputs.cell(s?.vMeasure),
                AssessmentInputs.cell(s?.fowlkesMallows), AssessmentInputs.cell(a?.silhouette),
                AssessmentInputs.cell(s?.precision), AssessmentInputs.cell(s?.recall), AssessmentInputs.cell(s?.fMeasure)]
    }

    /// A row's metrics as JSON members, with the clustering's own cluster and noise counts.
    static func scoreMembers(_ a: Assessment?, clusters: Int, noise: Int) -> [(String, JSONValue)] {
        guard let a else { return [("clusters", .int(clusters)), ("noise", .int(noise))] }
        return AssessmentInputs.scoreMembers(a).map { key, value in
            // The clustering's own counts, not the assessed subset's.
            key == "clusters" ? (key, .int(clusters)) : key == "noise" ? (key, .int(noise)) : (key, value)
        }
    }
}

/// `sweep linkage t=A..B step=S`: the family clustering at a range of cuts.
struct SweepLinkageCommand: ShellCommand {
    static let maximumRuns = 1000

    static let cuts = Defaulted.text("t", default: "0.3..0.9", help: "cuts: a list a,b,c or a range A..B")
    static let step = Defaulted.number("step", 1e-6...1e300, default: 0.05, help: "step of a range")

    static let spec = CommandSpec(
        name: "linkage",
        summary: "Complete linkage for every cut t in a range, with the assess metrics per row",
        discussion: """
            t= is a list (0.5,0.6,0.7) or a range A..B walked in steps of step= (default 0.05). Each row
            clusters the session's features like 'cluster linkage T' (metric= as the session's last
            linkage clustering, or groupjaccard) and assesses it like 'assess'. The row with the best
            V-measure is marked '*'. The session's clustering is left unchanged.
            """,
        arguments: [
            cuts.spec,
            step.spec,
            .option("metric", .choice(DistanceMetric.allCases.map(\.rawValue)), help: "distance metric"),
            AssessmentInputs.noise.spec,
            SweepCommand.silhouette.spec,
        ],
        examples: ["sweep linkage", "sweep linkage t=0.5..0.8 step=0.1", "sweep linkage t=0.6,0.7 metric=jaccard"])

    /// The cuts of `a,b,c` or `A..B` with `step` (values rounded to 1e-9 so 0.1 steps print as typed).
    static func thresholds(_ text: String, step: Double) throws -> [Double] {
        let usage = ShellError.usage("t= takes a list a,b,c or a range A..B, not '\(text)'")
        if let dots = text.firstRange(of: "..") {
            guard let low = Double(text[..<dots.lowerBound]), let high = Double(text[dots.upperBound...]),
                  low >= 0, low <= high, low.isFinite, high.isFinite else { throw usage }
            var out: [Double] = []
            var k = 0.0
            while true {
                let t = ((low + k * step) * 1e9).rounded() / 1e9
                if t > high + 1e-12 || out.count > maximumRuns { break }
                out.append(t)
                k += 1
            }
            return out
        }
        let values = text.split(separator: ",").map { Double($0) }
        guard !values.isEmpty, values.allSatisfy({ $0 != nil && $0! >= 0 && $0!.isFinite }) else { throw usage }
        return values.map { $0! }
    }

    static func run(_ arguments: Arguments, _ context: inout CommandContext) throws -> CommandOutput {
        let session = context.session
        let cuts = try thresholds(arguments[Self.cuts], step: arguments[Self.step])
        guard cuts.count <= maximumRuns else { throw ShellError.usage("\(cuts.count) cuts is too many (at most \(maximumRuns))") }
        let truth = try AssessmentInputs.truth(session)
        guard let points = AssessmentInputs.points(session) else { throw ShellError.failed("no features: load reports first") }
        let metric = arguments.choice("metric", as: DistanceMetric.self) ?? session.linkage?.parameters.metric ?? LinkageParameters.families.metric
        let noise = arguments[AssessmentInputs.noise]
        let rows: [LinkageSweepRow]
        do {
            rows = try Sweep.linkage(points: points, truth: truth, thresholds: cuts, metric: metric, noise: noise,
                                     ignoredLabels: session.settings.ignoredLabels,
                                     silhouette: arguments[SweepCommand.silhouette],
                                     threads: session.settings.threads, control: context.control)
        } catch let error as ClusteringError {
            throw ShellError.failed(error.description)
        }
        let best = Sweep.bestVMeasure(rows.map(\.assessment))
        let header = ["", "t", "clusters", "noise"] + SweepCommand.scoreHeader
        let table = rows.enumerated().map { i, row in
            [i == best ? "*" : "", "\(row.threshold)", String(row.clusters), String(row.noise)] + SweepCommand.scoreCells(row.assessment)
        }
        var lines = TextTable.render(header: header, rows: table, rightAligned: Set(1..<header.count))
        lines.append("metric \(metric.rawValue), noise \(noise == .keep ? "kept as cluster -1" : "dropped"); * best V-measure")
        let json: JSONValue = .object([
            ("metric", .string(metric.rawValue)),
            ("rows", .array(rows.enumerated().map { i, row in
                .object([("t", .double(row.threshold)), ("best", .bool(i == best))]
                        + SweepCommand.scoreMembers(row.assessment, clusters: row.clusters, noise: row.noise))
            })),
            ("best", best.map { .object([("t", .double(rows[$0].threshold))]) } ?? .null),
        ])
        return CommandOutput(text: lines.joined(separator: "\n"), json: json)
    }
}

/// `sweep hdbscan min_samples=A..B min_cluster_size=C..D`: the 2016 project's parameter table.
struct SweepHDBSCANCommand: ShellCommand {
    static let maximumRuns = 1000

    static let minSamples = Defaulted.text("min_samples", default: "1..3", help: "range of min_samples, e.g. 1..3")
    static let minClusterSizes = Defaulted.text("min_cluster_size", default: "4..10", help: "range of min_cluster_size, e.g. 4..10")

    static let spec = CommandSpec(
        name: "hdbscan",
        summary: "HDBSCAN for every min_samples × min_cluster_size, with the assess metrics per row",
        discussion: """
            Ranges are N or A..B (inclusive). Each row clusters the session's features with those two
            parameters (every other parameter as in the session's last 'cluster hdbscan', or the
            defaults; metric= overrides the metric) and assesses the result like 'assess'. The row
            with the best V-measure is marked '*'. The session's clustering is left unchanged.
            silhouette=no skips the silhouette, which costs a pass over all pairs per row.
            """,
        arguments: [
            minSamples.spec,
            minClusterSizes.spec,
            .option("metric", .choice(DistanceMetric.allCases.map(\.rawValue)), help: "distance metric"),
            AssessmentInputs.noise.spec,
            SweepCommand.silhouette.spec,
        ],
        examples: ["sweep hdbscan min_samples=1..3 min_cluster_size=4..10",
                   "sweep hdbscan min_samples=1 min_cluster_size=2..20 metric=jaccard silhouette=no"])

    /// `N` or `A..B` with A ≤ B, both at least `minimum`.
    static func range(_ text: String, name: String, minimum: Int) throws -> ClosedRange<Int> {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        let bounds: [Int?]
        if parts.count == 1 {
            bounds = [Int(text), Int(text)]
        } else if parts.count == 3, parts[1].isEmpty {
            bounds = [Int(parts[0]), Int(parts[2])]
        } else {
            throw ShellError.usage("\(name)= takes N or A..B, not '\(text)'")
        }
        guard let low = bounds[0], let high = bounds[1] else { throw ShellError.usage("\(name)= takes N or A..B, not '\(text)'") }
        guard low >= minimum, low <= high else {
            throw ShellError.usage("\(name)= must run upwards from at least \(minimum), not '\(text)'")
        }
        return low...high
    }

    static func run(_ arguments: Arguments, _ context: inout CommandContext) throws -> CommandOutput {
        let session = context.session
        let minSamples = try range(arguments[Self.minSamples], name: "min_samples", minimum: 1)
        let sizes = try range(arguments[Self.minClusterSizes], name: "min_cluster_size", minimum: 2)
        guard minSamples.count * sizes.count <= maximumRuns else {
            throw ShellError.usage("\(minSamples.count * sizes.count) settings is too many (at most \(maximumRuns))")
        }
        let truth = try AssessmentInputs.truth(session)
        guard let points = AssessmentInputs.points(session) else { throw ShellError.failed("no features: load reports first") }
        var base = session.hdbscan?.parameters ?? HDBSCANParameters()
        if let metric = arguments.choice("metric", as: DistanceMetric.self) { base.metric = metric }
        let noise = arguments[AssessmentInputs.noise]

        let rows: [SweepRow]
        do {
            rows = try Sweep.hdbscan(points: points, truth: truth, minSamples: minSamples, minClusterSizes: sizes, base: base,
                                     noise: noise, ignoredLabels: session.settings.ignoredLabels,
                                     silhouette: arguments[SweepCommand.silhouette],
                                     threads: session.settings.threads, control: context.control)
        } catch let error as ClusteringError {
            throw ShellError.failed(error.description)
        }
        let best = Sweep.bestVMeasure(rows)

        let header = ["", "min_samples", "min_cluster_size", "clusters", "noise"] + SweepCommand.scoreHeader
        var table: [[String]] = []
        for (i, row) in rows.enumerated() {
            table.append([i == best ? "*" : "", String(row.minSamples), String(row.minClusterSize), String(row.clusters),
                          String(row.noise)] + SweepCommand.scoreCells(row.assessment))
        }
        var lines = TextTable.render(header: header, rows: table, rightAligned: Set(1..<header.count))
        lines.append("metric \(base.metric.rawValue), noise \(noise == .keep ? "kept as cluster -1" : "dropped"); * best V-measure")

        let json: JSONValue = .object([
            ("metric", .string(base.metric.rawValue)),
            ("rows", .array(rows.enumerated().map { i, row in
                .object([("min_samples", .int(row.minSamples)), ("min_cluster_size", .int(row.minClusterSize)),
                         ("best", .bool(i == best))]
                        + SweepCommand.scoreMembers(row.assessment, clusters: row.clusters, noise: row.noise))
            })),
            ("best", best.map { .object([("min_samples", .int(rows[$0].minSamples)),
                                         ("min_cluster_size", .int(rows[$0].minClusterSize))]) } ?? .null),
        ])
        return CommandOutput(text: lines.joined(separator: "\n"), json: json)
    }
}
