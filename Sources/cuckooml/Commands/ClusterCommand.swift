import CuckooML

/// `cluster`: the recommended family clustering; `cluster ALGORITHM ...` for the others.
struct ClusterCommand: ShellCommand {
    static let spec = CommandSpec(
        name: "cluster",
        summary: "Cluster the feature matrix into families (alone), or with linkage, hdbscan, dbscan",
        discussion: """
            'cluster' alone is 'cluster linkage 0.7 metric=groupjaccard': complete linkage cut at
            distance 0.7 under the group-weighted Jaccard distance. Why: families in a day's reports are
            small (2 to 10 members); a density method needs a minimum cluster size, and HDBSCAN with
            min_cluster_size 2 merges unrelated pairs while 3 or more leaves the two-member families as
            noise. A complete-linkage cluster is a set of samples every two of which are within t,
            which is what "these are the same family" means; singletons are noise. Group Jaccard gives
            each feature group (imphash, mutexes, signatures, files, ...) one vote, so thousands of file
            or registry tokens cannot drown one shared imphash or PDB path. t = 0.7 asks that two members
            agree on average on at least 30% of each group either of them has: loose enough for
            families whose members differ in files and network noise, tight enough that unrelated
            samples (who share only common system DLLs) stay apart. On the 94 real reports in
            ../shared with AVClass's labels it gives V-measure 0.867, ARI 0.631 and 4 noise, against
            V 0.780, ARI 0.224 and 11 noise for 'cluster hdbscan 1 2 metric=groupjaccard' (the README's
            "Families" says where the rest is lost).
            Each member gets a strength, 1 for its cluster's most central member (smallest mean
            distance m to the others) falling linearly to 0 at m = t, and an outlier score, (largest
            distance to another member)/t; noise gets 0 and 1. The clustering 'cluster'
            made last is the session's current one, which clusters, show cluster, assess, labels,
            anomalies, plot labels, report, export clustering and compare use unless given
            algorithm=; with no family clustering they use hdbscan, then dbscan, as before.
            Scale: the clustering is exact, and holds at most 50 000 000 pairs within t in one
            connected group of samples (see 'help cluster linkage'): on corpora like the generator's
            (5.7% of pairs within 0.7, one connected group) that is some 42 000 samples, on ones like
            the real reports (8%) some 35 000. Beyond, exact linkage refuses the corpus, and 'cluster'
            (mode=auto) clusters it sampled instead: 10 000 seeded samples linked exactly, the others
            placed as 'compare' places a report, the rest clustered apart; every two members of a
            cluster are still within 0.7, and the result line says "sampled: 10 000 of N".
            'cluster linkage 0.7 mode=exact' refuses instead; docs/family-scale.md has the figures.
            """,
        examples: ["cluster", "cluster linkage 0.6", "cluster hdbscan 1 6", "cluster dbscan 0.5 5 metric=jaccard"])

    static let subcommands: [any ShellCommand.Type] = [ClusterLinkageCommand.self, ClusterHDBSCANCommand.self,
                                                       ClusterDBSCANCommand.self]
    static let runsWithoutSubcommand = true

    static func run(_ arguments: Arguments, _ context: inout CommandContext) throws -> CommandOutput {
        try ClusterLinkageCommand.cluster(.families, &context)
    }

    /// Runs `request` on the session; a clustering's refusal of its parameters is a usage error, complete
    /// linkage's refusal of a corpus too large for it a failure.
    static func cluster(_ request: ClusteringRequest, _ context: inout CommandContext) throws -> SessionClustering {
        do {
            return try context.session.cluster(request, control: context.control)
        } catch let error as ClusteringError {
            throw ShellError.usage(error.description)
        } catch let error as LinkageTooLarge {
            // Too many pairs for this corpus: the command was right, the corpus too large for it.
            throw ShellError.failed(error.description)
        }
    }

    /// A table of cluster sizes (and persistence when given) for the text output.
    static func sizeTable(sizes: [Int], persistence: [Double]?) -> String {
        let header = ["cluster", "size"] + (persistence == nil ? [] : ["persistence"])
        let rows = sizes.enumerated().map { k, size in
            [String(k), String(size)] + (persistence.map { [fixed($0[k], 3)] } ?? [])
        }
        return TextTable.render(header: header, rows: rows, rightAligned: Set(header.indices)).joined(separator: "\n")
    }

    /// With `set explain on`: the engine plan as the first lines of the text, and as "plan" in the JSON.
    static func explained(_ output: CommandOutput, _ plan: EnginePlan?, _ use: EnginePlan.Use,
                          _ session: Session) -> CommandOutput {
        guard session.settings.explain, let plan else { return output }
        var out = output
        let lines = plan.explanation(use)
        out.text = lines + "\n" + out.text
        if case .object(let fields) = out.json { out.json = .object(fields + [("plan", .string(lines))]) }
        return out
    }

    static func sizes(_ labels: [Int], clusters: Int) -> [Int] {
        var sizes = [Int](repeating: 0, count: clusters)
        for l in labels where l >= 0 { sizes[l] += 1 }
        return sizes
    }
}

/// `cluster hdbscan [MIN_SAMPLES MIN_CLUSTER_SIZE] ...`: HDBSCAN with the hdbscan library's exact results.
struct ClusterHDBSCANCommand: ShellCommand {
    static let metric = Defaulted.choice("metric", default: HDBSCANParameters.defaults.metric, help: "distance metric")
    static let selection = Defaulted.choice("selection", default: HDBSCANParameters.defaults.selection,
                                            help: "cluster selection: excess of mass or leaves")
    static let epsilon = Defaulted.number("epsilon", 0...1e300, default: HDBSCANParameters.defaults.epsilon,
                                          help: "cluster_selection_epsilon: merge clusters split below this distance")
    static let alpha = Defaulted.number("alpha", 1e-300...1e300, default: HDBSCANParameters.defaults.alpha,
                                        help: "distance scaling in mutual reachability")

    static let spec = CommandSpec(
        name: "hdbscan",
        summary: "HDBSCAN, equal to the Python hdbscan library",
        discussion: """
            Positional order as the 2016 call cluster_hdbscan(features, 1, 6): MIN_SAMPLES first. With no
            numbers: min_cluster_size 5 and min_samples = min_cluster_size (the library's defaults).
            single-cluster allows the root as the one cluster; dedup clusters the distinct rows once and
            copies each row's result to its duplicates (departs from the library; helps when many rows repeat).
            """,
        arguments: [
            .positional("min_samples", .integer(1...1_000_000), optional: true, help: "neighbours for the core distance (the library's min_samples)"),
            .positional("min_cluster_size", .integer(2...1_000_000), optional: true, help: "smallest cluster"),
            metric.spec,
            selection.spec,
            epsilon.spec,
            alpha.spec,
            .flag("single-cluster", help: "allow a single cluster (allow_single_cluster)"),
            .flag("dedup", help: "cluster distinct rows once, weighting nothing; copies results to duplicates"),
        ],
        examples: ["cluster hdbscan", "cluster hdbscan 1 6", "cluster hdbscan 5 10 metric=jaccard selection=leaf"])

    static func parameters(_ arguments: Arguments) throws -> HDBSCANParameters {
        let ms = arguments.int("min_samples"), mcs = arguments.int("min_cluster_size")
        if ms != nil && mcs == nil {
            throw ShellError.usage("give both MIN_SAMPLES and MIN_CLUSTER_SIZE (as in cluster_hdbscan(features, 1, 6)), or neither")
        }
        return HDBSCANParameters(
            minSamples: ms, minClusterSize: mcs ?? HDBSCANParameters.defaults.minClusterSize,
            metric: arguments[metric], selection: arguments[selection],
            epsilon: arguments[epsilon], alpha: arguments[alpha],
            allowSingleCluster: arguments.has("single-cluster"), deduplicate: arguments.has("dedup"))
    }

    static func run(_ arguments: Arguments, _ context: inout CommandContext) throws -> CommandOutput {
        let parameters = try parameters(arguments)
        let result = try ClusterCommand.cluster(.hdbscan(parameters), &context).hdbscan!
        return ClusterCommand.explained(output(result, rows: result.labels.count), result.plan, .hdbscan, context.session)
    }

    static func output(_ r: HDBSCANResult, rows: Int) -> CommandOutput {
        let p = r.parameters
        let sizes = ClusterCommand.sizes(r.labels, clusters: r.clusterCount)
        var settings = "min_samples=\(p.minSamples) min_cluster_size=\(p.minClusterSize) metric=\(p.metric.rawValue) selection=\(p.selection.rawValue)"
        if p.epsilon != 0 { settings += " epsilon=\(p.epsilon)" }
        if p.alpha != 1 { settings += " alpha=\(p.alpha)" }
        if p.allowSingleCluster { settings += " single-cluster" }
        if p.deduplicate { settings += " dedup (\(r.treePointRows.count) distinct rows)" }
        let head = "hdbscan: \(r.clusterCount) cluster\(r.clusterCount == 1 ? "" : "s"), \(r.noiseCount) noise of \(rows) (\(settings))"
        let text = r.clusterCount == 0 ? head : head + "\n" + ClusterCommand.sizeTable(sizes: sizes, persistence: r.persistence)
        let json: JSONValue = [
            "algorithm": "hdbscan",
            "clusters": .int(r.clusterCount), "noise": .int(r.noiseCount), "rows": .int(rows),
            "parameters": ["min_samples": .int(p.minSamples), "min_cluster_size": .int(p.minClusterSize),
                           "metric": .string(p.metric.rawValue), "selection": .string(p.selection.rawValue),
                           "epsilon": .double(p.epsilon), "alpha": .double(p.alpha),
                           "single_cluster": .bool(p.allowSingleCluster), "dedup": .bool(p.deduplicate)],
            "sizes": .array(sizes.map { .int($0) }),
            "persistence": .array(r.persistence.map { .double($0) }),
        ]
        return CommandOutput(text: text, json: json)
    }
}

/// `cluster dbscan EPS MIN_SAMPLES [metric=...]`: DBSCAN with scikit-learn's semantics.
struct ClusterDBSCANCommand: ShellCommand {
    static let metric = Defaulted.choice("metric", default: DBSCANParameters.defaultMetric, help: "distance metric")

    static let spec = CommandSpec(
        name: "dbscan",
        summary: "DBSCAN, equal to scikit-learn's",
        discussion: "Neighbours within EPS inclusive; MIN_SAMPLES counts the point itself (scikit-learn's convention).",
        arguments: [
            .positional("eps", .number(1e-300...1e300), help: "neighbourhood radius"),
            .positional("min_samples", .integer(1...1_000_000), help: "points (itself included) a core point needs"),
            metric.spec,
        ],
        examples: ["cluster dbscan 0.5 5", "cluster dbscan 0.3 3 metric=jaccard"])

    static func run(_ arguments: Arguments, _ context: inout CommandContext) throws -> CommandOutput {
        guard let eps = arguments.double("eps"), let ms = arguments.int("min_samples") else {
            throw ShellError.usage("cluster dbscan needs EPS and MIN_SAMPLES")
        }
        let parameters = DBSCANParameters(eps: eps, minSamples: ms, metric: arguments[metric])
        let result = try ClusterCommand.cluster(.dbscan(parameters), &context).dbscan!
        let sizes = ClusterCommand.sizes(result.labels, clusters: result.clusterCount)
        let core = result.isCore.lazy.filter { $0 }.count
        let head = "dbscan: \(result.clusterCount) cluster\(result.clusterCount == 1 ? "" : "s"), \(result.noiseCount) noise, \(core) core points of \(result.labels.count) (eps=\(eps) min_samples=\(ms) metric=\(parameters.metric.rawValue))"
        let text = result.clusterCount == 0 ? head : head + "\n" + ClusterCommand.sizeTable(sizes: sizes, persistence: nil)
        let json: JSONValue = [
            "algorithm": "dbscan", "clusters": .int(result.clusterCount), "noise": .int(result.noiseCount),
            "core_points": .int(core), "rows": .int(result.labels.count),
            "parameters": ["eps": .double(eps), "min_samples": .int(ms), "metric": .string(parameters.metric.rawValue)],
            "sizes": .array(sizes.map { .int($0) }),
        ]
        return ClusterCommand.explained(CommandOutput(text: text, json: json), result.plan, .dbscan, context.session)
    }
}

/// `cluster linkage [T] [metric=...]`: complete linkage cut at T, equal to scipy's.
struct ClusterLinkageCommand: ShellCommand {
    static let threshold = Defaulted.positional("t", 0...1e300, default: LinkageParameters.families.threshold, help: "the cut distance")
    static let metric = Defaulted.choice("metric", default: LinkageParameters.families.metric, help: "distance metric")
    static let mode = Defaulted.choice("mode", default: LinkageParameters.families.mode,
                                       help: "exact, sampled, or auto: exact, sampled only when exact refuses the corpus as too large")
    static let sample = Defaulted.integer("sample", LinkageParameters.sampleSizes, default: LinkageParameters.defaultSampleSize,
                                          help: "samples the sampled mode links exactly before placing the others")

    static let spec = CommandSpec(
        name: "linkage",
        summary: "Complete linkage cut at distance T (the family clustering), equal to scipy's",
        discussion: """
            Clusters are the flat clusters of scipy's fcluster(linkage(D, method='complete'), T,
            criterion='distance') on the distance matrix D with every distance beyond T set to one
            value: every two members are at most T apart; clusters of one sample are noise (-1).
            Clusters are numbered by size, largest first, then by their first sample. Why the far
            distances are made equal: how far apart two samples beyond T are cannot matter to the cut,
            but scipy's merge order under exactly tied distances can depend on them; made equal, the
            result depends only on the pairs within T (without ties it is plain scipy's), and is the
            same computed over all pairs (up to 2048 samples) or per connected component of the
            pairs within T, found by a similarity join (prefix filtering for jaccard and
            groupjaccard) without an n x n matrix. A component of m samples is merged over its
            m(m-1)/2 distances up to 16384 samples (1 GB), over its pairs within T above that, up
            to 50 000 000 of them; beyond, the command stops with an error rather than exhaust memory.
            So that this is known before minutes of joining: 256 seeded samples are first measured
            against every sample, which estimates the pairs within T; when samples certainly connected
            to each other number more than 16384 and their estimated pairs are beyond twice the cap,
            still beyond it at four standard errors less, the command refuses at once, with the
            estimate, the pairs a lower cut would leave, and what to do (the margin: an error of the
            estimate can cost time, never refuse a run that fits). That refusal is mode=exact's.
            The default, mode=auto, then clusters the corpus sampled instead, and says so
            ("sampled: 10 000 of 100 000"); mode=sampled samples whenever the corpus is larger than
            the sample. Sampled: SAMPLE seeded samples (default 10 000, at most 16 384) are linked
            exactly at T; every other sample, in order, joins the cluster all of whose members (those
            placed before included) are within T of it, as 'compare' places a report (the nearest
            farthest member, then the smaller mean distance, then the lower number); the samples no
            cluster takes are clustered exactly among themselves (sampled again if exact refuses
            them). Every two members of a cluster are still within T; the partition depends on the
            sample, so it is not exact linkage's, and a family can split where its members fell
            beyond T of one of the sampled members. Deterministic, on any thread count. When the corpus
            fits, auto is exactly the exact clustering. Progress is shown and Ctrl-C interrupts it.
            """,
        arguments: [
            threshold.spec,
            metric.spec,
            mode.spec,
            sample.spec,
        ],
        examples: ["cluster linkage", "cluster linkage 0.6", "cluster linkage 0.3 metric=jaccard",
                   "cluster linkage 0.7 mode=sampled sample=2000"])

    static func run(_ arguments: Arguments, _ context: inout CommandContext) throws -> CommandOutput {
        let parameters = LinkageParameters(threshold: arguments[threshold], metric: arguments[metric],
                                           mode: arguments[mode], sampleSize: arguments[sample])
        return try cluster(parameters, &context)
    }

    static func cluster(_ parameters: LinkageParameters, _ context: inout CommandContext) throws -> CommandOutput {
        let clock = ContinuousClock(), start = clock.now
        let result = try ClusterCommand.cluster(.linkage(parameters), &context).linkage!
        let elapsed = (clock.now - start).components
        return ClusterCommand.explained(output(result, rows: result.labels.count,
                                               seconds: Double(elapsed.seconds) + Double(elapsed.attoseconds) / 1e18),
                                        result.plan, .linkage, context.session)
    }

    /// The text (without timing, so transcripts stay stable) and JSON (with `seconds`) of a result.
    static func output(_ r: LinkageResult, rows: Int, seconds: Double) -> CommandOutput {
        let p = r.parameters
        let sizes = ClusterCommand.sizes(r.labels, clusters: r.clusterCount)
        let head = "linkage: \(r.clusterCount) cluster\(r.clusterCount == 1 ? "" : "s"), \(r.noiseCount) noise of \(rows) (\(r.settings))"
        let text = r.clusterCount == 0 ? head : head + "\n" + ClusterCommand.sizeTable(sizes: sizes, persistence: nil)
        let sampling: JSONValue = r.sampling.map { s in
            ["sampled": .int(s.sampled), "of": .int(s.rows), "placed": .int(s.placed), "leftovers": .int(s.leftovers),
             "rounds": .int(s.rounds)]
        } ?? .null
        let json: JSONValue = [
            "algorithm": "linkage",
            "clusters": .int(r.clusterCount), "noise": .int(r.noiseCount), "rows": .int(rows),
            "parameters": ["t": .double(p.threshold), "metric": .string(p.metric.rawValue), "mode": .string(p.mode.rawValue),
                           "sample": .int(p.sampleSize)],
            "sampling": sampling,
            "sizes": .array(sizes.map { .int($0) }),
            "seconds": .double(seconds),
        ]
        return CommandOutput(text: text, json: json)
    }
}

