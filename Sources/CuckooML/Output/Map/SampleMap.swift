/// Why a map could not be made from a session.
public struct MapError: Error, Equatable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Every sample placed in 2-D by `MapLayout` over the distances its clustering used, with what the map
/// shows of it: cluster, label and membership probability.
public struct SampleMap: Sendable, Equatable {
    public struct Point: Sendable, Equatable {
        public var sample: String
        public var x: Double
        public var y: Double
        /// −1 = noise.
        public var cluster: Int
        /// The ground-truth family, `ClusterLabelCounts.unlabelled` when there is none.
        public var label: String
        /// HDBSCAN membership probability; nil for DBSCAN.
        public var probability: Double?
        public init(sample: String, x: Double, y: Double, cluster: Int, label: String, probability: Double?) {
            self.sample = sample; self.x = x; self.y = y; self.cluster = cluster; self.label = label
            self.probability = probability
        }
    }

    public var points: [Point]
    /// "linkage", "hdbscan" or "dbscan".
    public var algorithm: String
    /// The metric the clustering (and so the map) used.
    public var metric: String
    public var layout: MapLayoutSummary

    public init(points: [Point], algorithm: String, metric: String, layout: MapLayoutSummary) {
        self.points = points; self.algorithm = algorithm; self.metric = metric; self.layout = layout
    }

    /// The map of the session's clustering (`algorithm` "linkage", "hdbscan" or "dbscan"; nil: the
    /// session's current clustering), laid out in the clustering's metric over the session's features.
    public init(session: Session, algorithm: String? = nil, parameters: MapLayoutParameters = MapLayoutParameters(),
                control: TaskControl = .none) throws {
        let clustering: SessionClustering
        if let algorithm {
            guard let named = ClusteringAlgorithm(rawValue: algorithm) else {
                throw MapError("unknown clustering '\(algorithm)' (linkage, hdbscan or dbscan)")
            }
            guard let found = session.clustering(named) else { throw MapError("no \(algorithm) clustering yet: run 'cluster \(algorithm)'") }
            clustering = found
        } else {
            guard let current = session.currentClustering else { throw MapError("no clustering yet: run 'cluster' first") }
            clustering = current
        }
        let chosen = clustering.name
        let (labels, probabilities, metric) = (clustering.labels, clustering.probabilities, clustering.metric)
        guard labels.count == session.samples.count, let features = session.features,
              features.matrix.rowCount == labels.count else {
            throw MapError("the clustering no longer matches the samples: cluster again")
        }
        let threads = session.settings.threads
        let distance = MapDistance(points: features.points, metric: metric, clusters: labels, threads: threads)
        let (positions, summary) = try MapLayout.layout(distance, parameters: parameters, clusters: labels, strengths: probabilities,
                                                        threads: threads, control: control)
        points = session.samples.indices.map { r in
            let id = session.samples[r].id
            return Point(sample: id, x: positions[r].x, y: positions[r].y, cluster: max(labels[r], -1),
                         label: session.labels[id]?.family ?? ClusterLabelCounts.unlabelled, probability: probabilities?[r])
        }
        self.algorithm = chosen
        self.metric = metric.rawValue
        layout = summary
    }

    /// `sample,x,y,cluster,label`, one row per sample, fields quoted as the other exports quote them.
    public var csv: String {
        var text = "sample,x,y,cluster,label\n"
        for p in points {
            text += FeatureExport.csvField(p.sample) + ",\(p.x),\(p.y),\(p.cluster)," + FeatureExport.csvField(p.label) + "\n"
        }
        return text
    }

    /// Writes `csv` atomically.
    public func writeCSV(to path: String) throws(OutputError) {
        try AtomicFileWriter.write(csv, to: path)
    }
}
