import CuckooML

/// What `assess`, `anomalies`, `export anomalies` and `sweep` read from the session, checked once with
/// errors that say what to run first.
enum AssessmentInputs {
    /// Each sample's ground-truth family in session order; samples without a label count as `none`.
    static func truth(_ session: Session) throws -> [String] {
        guard !session.labels.isEmpty else {
            throw ShellError.failed("no ground-truth labels in the session (labels come with the reports' VirusTotal results or from a labels file)")
        }
        return session.samples.map { session.labels[$0.id]?.family ?? SampleLabel.noneFamily }
    }

    /// The `algorithm=` option of every command that reads a clustering (`Session.activeClustering`).
    static let algorithmArgument = ArgumentSpec.option("algorithm", .choice(ClusteringAlgorithm.allCases.map(\.rawValue)),
                                                       help: "which clustering (default: the one 'cluster' made last; hdbscan before dbscan)")

    /// The clustering `algorithm=` names, else the session's current one, checked against the samples.
    static func clustering(_ session: Session, _ arguments: Arguments) throws -> SessionClustering {
        try session.activeClustering(arguments.choice("algorithm", as: ClusteringAlgorithm.self))
    }

    /// The feature matrix as points, when it matches the samples row for row.
    static func points(_ session: Session) -> PointSet? {
        guard let f = session.features, f.matrix.rowCount == session.samples.count else { return nil }
        return f.points
    }

    /// The metric values under the JSON keys `assess` documents (silhouette null when undefined).
    static func scoreMembers(_ a: Assessment) -> [(String, JSONValue)] {
        let s = a.scores
        return [
            ("ari", .double(s.adjustedRandIndex)),
            ("ami_max", .double(s.adjustedMutualInformationMax)),
            ("ami_arithmetic", .double(s.adjustedMutualInformationArithmetic)),
            ("homogeneity", .double(s.homogeneity)),
            ("completeness", .double(s.completeness)),
            ("v_measure", .double(s.vMeasure)),
            ("fowlkes_mallows", .double(s.fowlkesMallows)),
            ("silhouette", a.silhouette.map { .double($0) } ?? .null),
        ] + (a.silhouetteSample.map { sample in
            [("silhouette_sample", JSONValue.object([("size", .int(sample.size)), ("seed", .int(Int(sample.seed)))]))]
        } ?? []) + [
            ("precision", .double(s.precision)),
            ("recall", .double(s.recall)),
            ("f_measure", .double(s.fMeasure)),
            ("clusters", .int(a.clusters)),
            ("noise", .int(a.noise)),
            ("samples", .int(a.samples)),
        ]
    }

    /// The metrics as (name, value) rows, for the `assess` table and the HTML report.
    static func scoreRows(_ a: Assessment, metric: DistanceMetric) -> [(String, String)] {
        let s = a.scores
        return [
            ("adjusted Rand index", cell(s.adjustedRandIndex)),
            ("adjusted mutual information (max)", cell(s.adjustedMutualInformationMax)),
            ("adjusted mutual information (arithmetic)", cell(s.adjustedMutualInformationArithmetic)),
            ("homogeneity", cell(s.homogeneity)),
            ("completeness", cell(s.completeness)),
            ("V-measure", cell(s.vMeasure)),
            ("Fowlkes-Mallows", cell(s.fowlkesMallows)),
            ("silhouette (\(metric.rawValue)" + (a.silhouetteSample.map { ", sample of \($0.size), seed \($0.seed)" } ?? "") + ")",
             cell(a.silhouette)),
            ("precision (Malheur)", cell(s.precision)),
            ("recall (Malheur)", cell(s.recall)),
            ("F-measure (Malheur)", cell(s.fMeasure)),
        ]
    }

    /// A score for a table cell: four decimals, `-` when undefined.
    static func cell(_ x: Double?) -> String { x.map { fixed($0, 4) } ?? "-" }

    /// The thresholds shared by `anomalies` and `export anomalies`, defaulting to the library's.
    static let probability = Defaulted.number("probability", 0...1, default: AnomalyThresholds.defaults.probability,
                                              help: "clustered samples with membership probability below this")
    static let outlier = Defaulted.number("outlier", 0...1, default: AnomalyThresholds.defaults.outlierScore,
                                          help: "clustered samples with outlier score above this")
    static let homogeneity = Defaulted.number("homogeneity", 0...1, default: AnomalyThresholds.defaults.homogeneity,
                                              help: "samples whose label is less than this share of their cluster")
    static let thresholdArguments = [probability.spec, outlier.spec, homogeneity.spec]

    static func thresholds(_ arguments: Arguments) -> AnomalyThresholds {
        AnomalyThresholds(probability: arguments[probability], outlierScore: arguments[outlier], homogeneity: arguments[homogeneity])
    }

    /// How `assess` and `sweep` treat noise.
    static let noise = Defaulted.choice("noise", default: NoiseHandling.default, help: "keep noise as cluster -1, or drop it")

    /// The anomalies of the session's soft clustering: HDBSCAN's (as in 2016), or the linkage's when it
    /// is current, with its membership strengths as probabilities.
    static func anomalies(_ session: Session, _ thresholds: AnomalyThresholds) throws -> [Anomaly] {
        guard let c = session.softClustering, let probabilities = c.probabilities, let scores = c.outlierScores else {
            throw ShellError.failed("anomalies need the soft clustering: run 'cluster hdbscan' first (or 'cluster' for families)")
        }
        guard c.labels.count == session.samples.count else {
            throw ShellError.failed("the \(c.name) clustering has \(c.labels.count) rows but the session has \(session.samples.count) samples: cluster again")
        }
        let truth = session.samples.map { session.labels[$0.id]?.family ?? SampleLabel.noneFamily }
        return Anomalies.find(labels: c.labels, probabilities: probabilities, outlierScores: scores,
                              truth: truth, thresholds: thresholds)
    }
}
