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
    let result: HDBSCANResult
    let predictor: HDBSCANPredictor
    let support: [Int]
    let columnIndex: [String: Int32]

    /// Prepares prediction for the session's HDBSCAN clustering (O(n²) once, like the library's
    /// `prediction_data`), then each placement costs one nearest-neighbour search.
    public init(features: FeatureSet, result: HDBSCANResult, threads: Int, control: TaskControl) throws {
        self.features = features
        self.result = result
        predictor = try HDBSCANPredictor(result: result, training: .sparse(features.matrix), threads: threads, control: control)
        support = features.columnSupport
        columnIndex = Dictionary(uniqueKeysWithValues: features.names.enumerated().map { ($1, Int32($0)) })
    }

    /// The row a report would have in the session's feature space.
    public func row(for record: ReportRecord) -> [(Int32, Double)] {
        features.row(for: record, index: columnIndex)
    }

    /// Places each row of `queries` (columns of the session's feature space).
    public func place(_ queries: SparseMatrix, nearest k: Int = 5, typical: Int = 8) -> [Placement] {
        let points = PointSet.sparse(queries)
        return (0..<queries.rowCount).map { q in
            let prediction = predictor.predict(points, row: q)
            let rows = result.treePointRows
            let neighbours = predictor.engine.nearest(to: points, row: q, k: min(k, rows.count))
                .map { Neighbour(index: rows[$0.index], distance: $0.distance) }
            let columns = queries.row(q).columns
            return Placement(prediction: prediction, nearest: neighbours,
                             typicalFeatures: typicalFeatures(Array(columns), cluster: prediction.label, limit: typical),
                             knownFeatures: columns.count)
        }
    }

    /// The query's features ranked by how much more common they are in the cluster than overall
    /// (cluster share − overall share), so features every sample has do not crowd out the telling ones.
    func typicalFeatures(_ columns: [Int32], cluster: Int, limit: Int) -> [Placement.TypicalFeature] {
        guard cluster >= 0 else { return [] }
        let members = result.labels.indices.filter { result.labels[$0] == cluster }
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
