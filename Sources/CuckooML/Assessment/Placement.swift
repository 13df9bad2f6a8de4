/// Where a new sample falls among the clustered ones, and why: the 2016 notebook's "compare" step.
public struct Placement: Sendable {
    /// A feature the new sample shares with its cluster, with how common it is there and overall.
    public struct TypicalFeature: Sendable, Equatable {
        public var name: String
        /// Fraction of the cluster's members that have the feature.
        public var clusterShare: Double
        /// Fraction of all loaded samples that have it.
        public var overallShare: Double
    }

    public var prediction: HDBSCANPrediction
    /// For the linkage clustering: the cluster whose farthest member is nearest to the sample, with
    /// that farthest distance (the sample joins it when the distance is within the cut); nil otherwise.
    public var closestCluster: (cluster: Int, farthest: Double)?
    /// The closest loaded samples (session indices), nearest first.
    public var nearest: [Neighbour]
    /// Shared features most typical of the predicted cluster first (empty for noise).
    public var typicalFeatures: [TypicalFeature]
    /// How many of the sample's features exist in the session's feature space.
    public var knownFeatures: Int
}

/// Places new rows into the session's clustering without refitting.
public struct Placer: Sendable {
    let features: FeatureSet
    let labels: [Int]
    let model: Model
    let support: [Int]
    let columnIndex: [String: Int32]

    enum Model: Sendable {
        case hdbscan(HDBSCANResult, HDBSCANPredictor)
        /// The linkage result, an engine over every sample in its metric, and each cluster's smallest
        /// member mean distance (its most central member's, for strengths).
        case linkage(LinkageResult, any NeighbourhoodEngine, central: [Double])
    }

    /// Prepares prediction for the session's HDBSCAN clustering (O(n²) once, like the library's
    /// `prediction_data`), then each placement costs one nearest-neighbour search.
    public init(features: FeatureSet, result: HDBSCANResult, threads: Int, control: TaskControl) throws {
        self.features = features
        labels = result.labels
        model = .hdbscan(result, try HDBSCANPredictor(result: result, training: features.points, threads: threads,
                                                      control: control))
        support = features.columnSupport
        columnIndex = Dictionary(uniqueKeysWithValues: features.names.enumerated().map { ($1, Int32($0)) })
    }

    /// Prepares placement in the linkage clustering under its own rule: a sample joins cluster C when
    /// it is within the cut t of every member of C (as C's members are of each other). Among such
    /// clusters it joins the one whose farthest member is nearest (then the smaller mean distance, then
    /// the lower number); its strength and outlier score are defined as for members (`LinkageResult`),
    /// from its mean and largest distance to the members. Otherwise it is noise (strength 0, outlier
    /// score 1). Preparing costs the members' pairs once; each placement one pass over the samples.
    public init(features: FeatureSet, linkage: LinkageResult, threads: Int) {
        self.features = features
        labels = linkage.labels
        let engine = NeighbourhoodEngines.make(points: features.points, metric: linkage.parameters.metric, threads: threads)
        let central = SessionClustering(linkage).members.map { rows in
            rows.map { i in rows.reduce(0.0) { $1 == i ? $0 : $0 + engine.distance(i, $1) } / Double(rows.count - 1) }.min()!
        }
        model = .linkage(linkage, engine, central: central)
        support = features.columnSupport
        columnIndex = Dictionary(uniqueKeysWithValues: features.names.enumerated().map { ($1, Int32($0)) })
    }

    /// The row a report would have in the session's feature space.
    public func row(for record: ReportRecord) -> [(Int32, Double)] {
        features.row(for: record, index: columnIndex)
    }

    /// Places each row of `queries` (columns of the session's feature space).
    public func place(_ queries: SparseMatrix, nearest k: Int = 5, typical: Int = 8) -> [Placement] {
        let points = PointSet.sparse(queries, columnGroups: features.points.columnGroups)
        return (0..<queries.rowCount).map { q in
            let prediction: HDBSCANPrediction, neighbours: [Neighbour]
            var closest: (cluster: Int, farthest: Double)?
            switch model {
            case .hdbscan(let result, let predictor):
                prediction = predictor.predict(points, row: q)
                let rows = result.treePointRows
                neighbours = predictor.engine.nearest(to: points, row: q, k: min(k, rows.count))
                    .map { Neighbour(index: rows[$0.index], distance: $0.distance) }
            case .linkage(let result, let engine, let central):
                let all = engine.nearest(to: points, row: q, k: engine.count)
                (prediction, closest) = Self.join(result, all, central: central)
                neighbours = Array(all.prefix(k))
            }
            let columns = queries.row(q).columns
            return Placement(prediction: prediction, closestCluster: closest, nearest: neighbours,
                             typicalFeatures: typicalFeatures(Array(columns), cluster: prediction.label, limit: typical),
                             knownFeatures: columns.count)
        }
    }

    /// The linkage rule of `init(features:linkage:threads:)` from the distances to every sample.
    static func join(_ result: LinkageResult, _ distances: [Neighbour],
                     central: [Double]) -> (HDBSCANPrediction, (cluster: Int, farthest: Double)?) {
        let t = result.parameters.threshold
        let clusters = result.clusterCount
        var farthest = [Double](repeating: 0, count: clusters), sum = [Double](repeating: 0, count: clusters)
        var size = [Int](repeating: 0, count: clusters)
        var nearestRow = [Int](repeating: -1, count: clusters)
        for nb in distances {
            let c = result.labels[nb.index]
            guard c >= 0 else { continue }
            farthest[c] = max(farthest[c], nb.distance)
            sum[c] += nb.distance
            size[c] += 1
            if nearestRow[c] < 0 { nearestRow[c] = nb.index }
        }
        var best: Int?
        for c in 0..<clusters where size[c] > 0 {
            guard let b = best else { best = c; continue }
            if farthest[c] != farthest[b] ? farthest[c] < farthest[b] : sum[c] / Double(size[c]) < sum[b] / Double(size[b]) {
                best = c
            }
        }
        guard let b = best else {
            return (HDBSCANPrediction(label: -1, probability: 0, outlierScore: 1, neighbourRow: distances.first?.index ?? -1), nil)
        }
        guard farthest[b] <= t else {
            return (HDBSCANPrediction(label: -1, probability: 0, outlierScore: 1, neighbourRow: distances.first?.index ?? -1),
                    (b, farthest[b]))
        }
        let mean = sum[b] / Double(size[b])
        return (HDBSCANPrediction(label: b, probability: LinkageResult.strength(mean: mean, central: central[b], threshold: t),
                                  outlierScore: t > 0 ? min(1, farthest[b] / t) : 0, neighbourRow: nearestRow[b]),
                (b, farthest[b]))
    }

    /// The query's features ranked by how much more common they are in the cluster than overall
    /// (cluster share − overall share), so features every sample has do not crowd out the telling ones.
    func typicalFeatures(_ columns: [Int32], cluster: Int, limit: Int) -> [Placement.TypicalFeature] {
        guard cluster >= 0 else { return [] }
        let members = labels.indices.filter { labels[$0] == cluster }
        guard !members.isEmpty else { return [] }
        var inCluster = [Int32: Int]()
        let wanted = Set(columns)
        for m in members {
            for c in features.matrix.row(m).columns where wanted.contains(c) { inCluster[c, default: 0] += 1 }
        }
        let n = Double(features.matrix.rowCount)
        let ranked = columns.compactMap { c -> Placement.TypicalFeature? in
            guard let count = inCluster[c] else { return nil }
            return Placement.TypicalFeature(name: features.names[Int(c)],
                                            clusterShare: Double(count) / Double(members.count),
                                            overallShare: Double(support[Int(c)]) / n)
        }
        return ranked.sorted {
            let (a, b) = ($0.clusterShare - $0.overallShare, $1.clusterShare - $1.overallShare)
            if a != b { return a > b }
            if $0.clusterShare != $1.clusterShare { return $0.clusterShare > $1.clusterShare }
            return $0.name < $1.name
        }.prefix(limit).map { $0 }
    }
}
