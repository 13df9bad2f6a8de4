import CuckooML

/// `assess`: the clustering judged against the ground-truth labels.
struct AssessCommand: ShellCommand {
    static let spec = CommandSpec(
        name: "assess",
        summary: "Score the clustering against the labels (ARI, AMI, V-measure, silhouette, Malheur F)",
        discussion: """
            Every value equals scikit-learn 1.9.1's on the same labels. AMI is given with both
            normalisations: max (what the 2016 project's scikit-learn 0.17 computed) and arithmetic
            (today's default). Samples without a label count as 'none'; labels listed in the
            ignore-labels setting are left out entirely.
            noise=keep counts noise as one cluster (-1), as the 2016 project did; noise=drop leaves
            noise samples out. The 'noise' value counts noise among the non-ignored samples either way.
            Silhouette is in the clustering's metric over the feature matrix; it is '-' (null) when it
            is undefined: fewer than 2 clusters, or every assessed sample in a cluster of its own.
            Precision, recall and F-measure are Malheur's (Rieck et al. 2011): precision sums each
            cluster's most common label count, recall each label's largest count in one cluster, both
            over the assessed samples; kept noise is one cluster there too.
            The silhouette is exact (every pair) unless sample=N asks for scikit-learn's sampled
            one, silhouette_score(..., sample_size=N, random_state=SEED): the N assessed samples
            numpy's RandomState(SEED).permutation draws, so the same value; table and JSON say so.
            """,
        arguments: [
            AssessmentInputs.noise.spec,
            AssessmentInputs.algorithmArgument,
            .option("sample", .integer(2...Int(UInt32.max)), help: "silhouette of this many samples drawn as scikit-learn's sample_size (default: exact, all)"),
            seed.spec,
        ],
        examples: ["assess", "assess noise=drop", "assess algorithm=dbscan", "assess sample=10000 seed=0"])

    static let seed = Defaulted.integer("seed", 0...Int(UInt32.max), default: 0,
                                        help: "random_state of the silhouette's sample (numpy's legacy seed)")

    static func run(_ arguments: Arguments, _ context: inout CommandContext) throws -> CommandOutput {
        let session = context.session
        let noise = arguments[AssessmentInputs.noise]
        let truth = try AssessmentInputs.truth(session)
        let clustering = try AssessmentInputs.clustering(session, arguments)
        let (algorithm, labels, metric) = (clustering.name, clustering.labels, clustering.metric)
        let points = AssessmentInputs.points(session)
        if points == nil { context.note("note: no feature matrix matching the samples; silhouette left out") }
        let sample = arguments.options["sample"].flatMap { Int($0) }.map {
            SilhouetteSample(size: $0, seed: UInt32(arguments[Self.seed]))
        }
        if sample == nil && arguments.options["seed"] != nil {
            throw ShellError.usage("seed= applies to a sampled silhouette: give sample=N too")
        }
        guard let a = try Assessment.assess(truth: truth, predicted: labels, points: points, metric: metric, noise: noise,
                                            ignoredLabels: session.settings.ignoredLabels, silhouetteSample: sample,
                                            control: context.control) else {
            throw ShellError.failed("no sample left to assess (every label is ignored\(noise == .drop ? " or noise" : ""))")
        }
        let rows = AssessmentInputs.scoreRows(a, metric: metric)
        let width = rows.map(\.0.count).max()!
        var lines = ["\(algorithm): \(a.samples) samples assessed, \(a.clusters) clusters, \(a.noise) noise "
                     + (noise == .keep ? "(kept as cluster -1)" : "(dropped)")]
        lines += rows.map { rightPad($0.0, width) + "  " + leftPad($0.1, 7) }
        return CommandOutput(text: lines.joined(separator: "\n"), json: .object(AssessmentInputs.scoreMembers(a)))
    }
}
