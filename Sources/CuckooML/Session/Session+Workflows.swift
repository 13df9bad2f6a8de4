/// Why a session operation cannot run; each message says what to run first.
public enum SessionError: Error, Equatable, CustomStringConvertible {
    /// No feature matrix (or an empty one) to cluster.
    case noFeatures
    /// The named clustering was asked for but the session has none.
    case noClustering(ClusteringAlgorithm)
    /// The clustering has another number of rows than the session has samples.
    case clusteringOutOfDate
    /// The feature matrix has another number of rows than the clustering.
    case featuresOutOfDate
    /// `compare` needs a soft clustering (HDBSCAN or the family clustering) and features.
    case nothingToCompare
    /// `compare` needs features built from reports, not an imported matrix.
    case importedMatrix

    public var description: String {
        switch self {
        case .noFeatures: "no feature matrix: load reports or import a matrix first"
        case .noClustering(.dbscan): "no dbscan clustering yet: run 'cluster dbscan EPS MIN_SAMPLES'"
        case .noClustering(.hdbscan): "no hdbscan clustering yet: run 'cluster hdbscan' (or 'cluster' for families)"
        case .noClustering(.linkage): "no linkage clustering yet: run 'cluster'"
        case .clusteringOutOfDate: "the clustering no longer matches the samples; cluster again"
        case .featuresOutOfDate: "the feature matrix no longer matches the clustering; cluster again"
        case .nothingToCompare: "nothing to compare with: load reports and run 'cluster hdbscan' first (or 'cluster' for families)"
        case .importedMatrix: "the session holds an imported matrix; compare needs reports loaded with 'load'"
        }
    }
}

/// A clustering to run, with its parameters.
public enum ClusteringRequest: Sendable {
    case linkage(LinkageParameters)
    case hdbscan(HDBSCANParameters)
    case dbscan(DBSCANParameters)
}

/// Where new reports fall in the session's clustering (`compare`).
public struct Comparison: Sendable {
    /// The reports read and the files that could not be.
    public let loaded: LoadResult
    /// The clustering the reports were placed in (HDBSCAN, or the family clustering when current).
    public let clustering: SessionClustering
    /// One placement per loaded sample.
    public let placements: [Placement]
    /// Each loaded sample's label by the session's rule.
    public let labels: [SampleLabel]
    /// Each loaded sample's row in the session's feature space.
    public let queries: SparseMatrix
}

/// The workflows' reading side: which clustering a command works on, medoids, and `compare` (which
/// reads and places new reports and keeps only the label evidence). The operations that change
/// samples, features, labels and clusterings together are in Session.swift, beside the properties.
extension Session {
    /// Reads reports with the session's threads (`load` then `add`s them, after its warnings).
    public func readReports(paths: [String], recursive: Bool = false, control: TaskControl = .none) throws(Interrupted) -> LoadResult {
        try ReportLoader.load(paths: paths, recursive: recursive, threads: settings.threads, control: control)
    }

    /// The ids among `new` that are loaded already (and that `add` would replace), sorted, once each.
    public func loaded(among new: [Sample]) -> [String] {
        Set(new.map(\.id).filter { index[$0] != nil }).sorted()
    }

    /// The clustering a command works on: `algorithm`'s, else the current one (`currentClustering`),
    /// checked against the samples.
    public func activeClustering(_ algorithm: ClusteringAlgorithm? = nil) throws(SessionError) -> SessionClustering {
        let chosen: SessionClustering
        if let algorithm {
            guard let c = clustering(algorithm) else { throw .noClustering(algorithm) }
            chosen = c
        } else {
            guard let c = currentClustering else { throw .noClustering(.hdbscan) }
            chosen = c
        }
        guard chosen.labels.count == samples.count else { throw .clusteringOutOfDate }
        return chosen
    }

    /// The current clustering when it has membership probabilities and outlier scores (HDBSCAN or the
    /// family clustering; DBSCAN has none), else HDBSCAN's, if any: what `compare`, `anomalies` and
    /// `labels` read.
    public var softClustering: SessionClustering? {
        guard let c = currentClustering, c.probabilities != nil, c.outlierScores != nil else { return clustering(.hdbscan) }
        return c
    }

    /// Each cluster's medoid row (nil for an empty cluster), in the clustering's metric over the
    /// session's features (`Medoids`): for the family clustering the most central of all members,
    /// which its strengths name; otherwise over an evenly spaced subset of a large cluster.
    public func medoids(_ clustering: SessionClustering, control: TaskControl = .none) throws -> [Int?] {
        guard let features, features.matrix.rowCount == clustering.labels.count else { throw SessionError.featuresOutOfDate }
        let engine = BruteForceEngine(points: features.points, metric: clustering.metric)
        let strengths = clustering.linkage?.strengths
        var medoids: [Int?] = []
        for rows in clustering.members {
            try control.checkCancellation()
            let central = strengths.flatMap { Medoids.centralRow(of: rows, strengths: $0, engine: engine) }
            medoids.append(central ?? Medoids.row(of: rows, engine: engine))
        }
        return medoids
    }

    /// Reads reports and places them in the soft clustering without re-clustering (the hdbscan
    /// library's `approximate_predict`, or the family clustering's own rule), labelled by the
    /// session's rule beside the loaded reports. The label evidence is kept, so the next compare (or
    /// `add`) reads only its new reports' results. Nothing is placed when no report could be read.
    public mutating func compare(paths: [String], control: TaskControl = .none) throws -> Comparison {
        guard let clustering = softClustering, let features else { throw SessionError.nothingToCompare }
        guard features.configuration.kind != .imported else { throw SessionError.importedMatrix }
        let loaded = try ReportLoader.load(paths: paths, threads: settings.threads, control: control)
        var queries = SparseMatrix(columnCount: features.names.count)
        guard !loaded.samples.isEmpty else {
            return Comparison(loaded: loaded, clustering: clustering, placements: [], labels: [], queries: queries)
        }
        // The label evidence is gathered beside the placement: independent work, on the other core.
        let threads = settings.threads
        let placed = keepLabelEvidence(alongside: { () -> Result<[Placement], any Error> in
            Result {
                let placer = if let linkage = clustering.linkage {
                    Placer(features: features, linkage: linkage, threads: threads)
                } else {
                    try Placer(features: features, result: clustering.hdbscan!, threads: threads, control: control)
                }
                for sample in loaded.samples { queries.appendRow(sample.record.map(placer.row(for:)) ?? []) }
                return try placer.place(queries, control: control)
            }
        })
        let placements = try placed.get()
        let labels = labels(forNew: loaded.samples.map { $0.record?.virusTotal })
        return Comparison(loaded: loaded, clustering: clustering, placements: placements, labels: labels, queries: queries)
    }
}
