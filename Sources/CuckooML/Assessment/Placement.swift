import Synchronization

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
///
/// Everything that does not depend on the query is prepared once (the prediction data, each
/// cluster's members and most central member, the training rows packed for the distance), so a batch
/// of reports costs one scan of the training rows per report, the reports shared among the threads.
public struct Placer: Sendable {
    let features: FeatureSet
    let labels: [Int]
    let model: Model
    let support: [Int]
    let columnIndex: [String: Int32]
    /// Each cluster's rows, ascending.
    let members: [[Int]]
    let threads: Int

    enum Model: Sendable {
        case hdbscan(HDBSCANResult, HDBSCANPredictor)
        /// The linkage result, how its distances are measured, and each cluster's smallest member mean
        /// distance (its most central member's, for strengths).
        case linkage(LinkageResult, LinkagePlacement.Measure, central: [Double])
    }

    /// Prepares prediction for the session's HDBSCAN clustering (O(n²) once, like the library's
    /// `prediction_data`), then each placement costs one nearest-neighbour search.
    public init(features: FeatureSet, result: HDBSCANResult, threads: Int, control: TaskControl) throws {
        self.features = features
        labels = result.labels
        model = .hdbscan(result, try HDBSCANPredictor(result: result, training: features.points, threads: threads,
                                                      control: control))
        support = features.columnSupport
        columnIndex = features.columnIndex()
        members = result.members
        self.threads = engineThreads(threads)
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
        let members = linkage.members
        if linkage.parameters.metric == .groupjaccard {
            // Group Jaccard's search reads rows only on their buckets' own columns: the engine's
            // full-width rows are never packed.
            let points = features.points
            let search = LinkagePlacement.Search(GroupJaccardCounts(points: points), points: points, members: members,
                                                 labels: linkage.labels, threads: engineThreads(threads))
            model = .linkage(linkage, .search(search),
                             central: search.centralMeans(strengths: linkage.strengths, threads: engineThreads(threads)))
        } else {
            let engine = NeighbourhoodEngines.make(points: features.points, metric: linkage.parameters.metric, threads: threads)
            model = .linkage(linkage, .engine(engine),
                             central: Self.centralMeans(members: members, strengths: linkage.strengths) { engine.distance($0, $1) })
        }
        support = features.columnSupport
        columnIndex = features.columnIndex()
        self.members = members
        self.threads = engineThreads(threads)
    }

    /// Each cluster's smallest member mean distance to the other members (its most central member's),
    /// as `CompleteLinkage.finish` found it. That member has strength exactly 1 ((t − m) / (t − m)), and
    /// another member can be at 1 only by rounding, so only the members at 1 are measured: one row of
    /// distances per cluster instead of all its pairs (at 100 000 samples 10⁵ distances instead of some
    /// 10⁹, minutes of `compare`). Each mean is summed over the other members in ascending order, as
    /// `finish` sums it, so it is the same double. A cluster none of whose members is at 1 (a result
    /// whose cut equals every distance, or strengths read from an edited file) has every member measured.
    static func centralMeans(members: [[Int]], strengths: [Double], distance: (Int, Int) -> Double) -> [Double] {
        members.map { rows in
            let atOne = Medoids.atStrengthOne(rows, strengths)
            // Dividing by the same count keeps the order of the sums, so the least sum gives the least mean.
            return Medoids.leastSum(of: rows, among: atOne.isEmpty ? rows : atOne, distance: distance)!.sum / Double(rows.count - 1)
        }
    }

    /// The row a report would have in the session's feature space.
    public func row(for record: ReportRecord) -> [(Int32, Double)] {
        features.row(for: record, index: columnIndex)
    }

    /// Places each row of `queries` (columns of the session's feature space), the rows spread over the
    /// threads in batches; each placement is what placing that row alone gives.
    public func place(_ queries: SparseMatrix, nearest k: Int = 5, typical: Int = 8,
                      control: TaskControl = .none) throws(Interrupted) -> [Placement] {
        let points = PointSet.sparse(queries, columnGroups: features.points.columnGroups)
        let batch = if case .linkage = model { LinkagePlacement.batchQueries } else { Self.searchBatch }
        let batches = stride(from: 0, to: queries.rowCount, by: batch).map { Array($0..<min(queries.rowCount, $0 + batch)) }
        var out = [Placement?](repeating: nil, count: queries.rowCount)
        let done = Atomic<Int>(0)
        out.withUnsafeMutableBufferPointer { buffer in
            let slots = SharedPointer(base: buffer.baseAddress!)
            runTasks(batches.count, threads: threads) { b, _ in
                let rows = batches[b]
                for (q, placement) in zip(rows, place(points, queries, rows: rows, nearest: k)) {
                    slots.base[q] = placement
                }
                let placed = done.add(rows.count, ordering: .relaxed).newValue
                control.report(Progress(phase: "compare", done: placed, total: queries.rowCount))
                return !control.isCancelled()
            }
        }
        try control.checkCancellation()
        var placements = out.map { $0! }
        let typicalFeatures = typicalFeatures(queries, clusters: placements.map(\.prediction.label), limit: typical)
        for q in placements.indices { placements[q].typicalFeatures = typicalFeatures[q] }
        return placements
    }

    /// Queries per batch under HDBSCAN: the integer engine's search (`BatchQueryEngine`) goes through
    /// each tile of training rows once for the whole batch while it is in the cache.
    static let searchBatch = 32

    /// The placements of `rows` without their typical features (`typicalFeatures(_:clusters:limit:)`).
    private func place(_ points: PointSet, _ queries: SparseMatrix, rows: [Int], nearest k: Int) -> [Placement] {
        var found: [(HDBSCANPrediction, (cluster: Int, farthest: Double)?, [Neighbour])] = []
        switch model {
        case .hdbscan(let result, let predictor):
            let training = result.treePointRows
            // One search serves the prediction (its 2·min_samples) and the listing (k): both are
            // prefixes of the same order (distance, then index).
            let searched = QueryNearest.nearest(predictor.engine, to: points, rows: rows,
                                                k: min(max(k, predictor.neighbourCount), training.count))
            for (q, near) in zip(rows, searched) {
                found.append((predictor.predict(points, row: q, nearest: near), nil,
                              near.prefix(min(k, training.count)).map { Neighbour(index: training[$0.index], distance: $0.distance) }))
            }
        case .linkage(let result, let measure, let central):
            let passes = LinkagePlacement.passes(measure, queries: points, rows: rows, labels: result.labels,
                                                 clusters: result.clusterCount, nearest: k)
            for pass in passes {
                let (prediction, closest) = LinkagePlacement.join(result, pass, members: members, central: central)
                found.append((prediction, closest, pass.nearest))
            }
        }
        return zip(rows, found).map { q, f in
            Placement(prediction: f.0, closestCluster: f.1, nearest: f.2, typicalFeatures: [],
                      knownFeatures: queries.row(q).columns.count)
        }
    }

    /// `typicalFeatures(_:cluster:limit:)` of every query (row q of `queries` in cluster `clusters[q]`),
    /// each cluster's members read once for all the queries placed in it instead of once per query: the
    /// member count of a column does not depend on which queries ask for it. Clusters are shared among
    /// the threads.
    func typicalFeatures(_ queries: SparseMatrix, clusters: [Int], limit: Int) -> [[Placement.TypicalFeature]] {
        var byCluster = [Int: [Int]]()
        for (q, c) in clusters.enumerated() where c >= 0 && c < members.count && !members[c].isEmpty {
            byCluster[c, default: []].append(q)
        }
        let groups = byCluster.sorted { $0.key < $1.key }
        var out = [[Placement.TypicalFeature]](repeating: [], count: clusters.count)
        guard !groups.isEmpty else { return out }
        let columnCount = features.matrix.columnCount
        out.withUnsafeMutableBufferPointer { buffer in
            let slots = SharedPointer(base: buffer.baseAddress!)
            runTasks(groups.count, threads: threads) { g, _ in
                let (cluster, asking) = groups[g]
                // Dense per-column marks and counts for the columns the cluster's queries have.
                var wanted = [Bool](repeating: false, count: columnCount)
                for q in asking { for c in queries.row(q).columns where Int(c) < columnCount { wanted[Int(c)] = true } }
                var inCluster = [Int32](repeating: 0, count: columnCount)
                for m in members[cluster] {
                    for c in features.matrix.row(m).columns where wanted[Int(c)] { inCluster[Int(c)] += 1 }
                }
                for q in asking {
                    slots.base[q] = ranked(Array(queries.row(q).columns), cluster: cluster, limit: limit) { c in
                        Int(c) < columnCount && inCluster[Int(c)] > 0 ? Int(inCluster[Int(c)]) : nil
                    }
                }
                return true
            }
        }
        return out
    }

    /// The query's features ranked by how much more common they are in the cluster than overall
    /// (cluster share − overall share), so features every sample has do not crowd out the telling ones.
    func typicalFeatures(_ columns: [Int32], cluster: Int, limit: Int) -> [Placement.TypicalFeature] {
        guard cluster >= 0, cluster < members.count, !members[cluster].isEmpty else { return [] }
        var inCluster = [Int32: Int]()
        let wanted = Set(columns)
        for m in members[cluster] {
            for c in features.matrix.row(m).columns where wanted.contains(c) { inCluster[c, default: 0] += 1 }
        }
        return ranked(columns, cluster: cluster, limit: limit) { inCluster[$0] }
    }

    /// The ranking of `typicalFeatures(_:cluster:limit:)` given each column's count among the cluster's
    /// members (nil for none).
    private func ranked(_ columns: [Int32], cluster: Int, limit: Int,
                        memberCount: (Int32) -> Int?) -> [Placement.TypicalFeature] {
        let size = Double(members[cluster].count)
        let n = Double(features.matrix.rowCount)
        let ranked = columns.compactMap { c -> Placement.TypicalFeature? in
            guard let count = memberCount(c) else { return nil }
            return Placement.TypicalFeature(name: features.names[Int(c)],
                                            clusterShare: Double(count) / size,
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
