/// What `approximate_predict` and `approximate_predict_scores` say about one new point.
public struct HDBSCANPrediction: Sendable, Equatable {
    /// Cluster label, −1 for noise.
    public var label: Int
    public var probability: Double
    public var outlierScore: Double
    /// The training row (session index) the point attached to.
    public var neighbourRow: Int
    public init(label: Int, probability: Double, outlierScore: Double, neighbourRow: Int) {
        self.label = label; self.probability = probability; self.outlierScore = outlierScore; self.neighbourRow = neighbourRow
    }
}

/// Places new points into a fitted HDBSCAN clustering without refitting: the hdbscan library's
/// `approximate_predict` (label, probability) and `approximate_predict_scores` (outlier score).
///
/// Built once per fit (it computes the prediction data's core distances, O(n²·d) with the reference
/// engine), then cheap per query: one k-nearest-neighbour search of 2·min_samples training points.
/// Definitions (`docs/hdbscan.md`, Prediction): the prediction core distances count the point
/// itself (index min_samples − 1); a query's own core distance is its neighbour at index min_samples;
/// it attaches to the neighbour with the smallest mutual reachability (first wins) at λ = 1/mr.
/// min_samples is the fit's unclipped parameter, as the library uses; neighbour counts are clipped to
/// the training size.
public struct HDBSCANPredictor: Sendable {
    public let result: HDBSCANResult
    let engine: any NeighbourhoodEngine
    let core: [Double]
    let index: CondensedTreeIndex
    let minSamples: Int
    /// Label of each cluster (by `cluster − n`): its own or its selected ancestor's, −1 if none.
    let clusterLabel: [Int]
    /// Largest λ anywhere in each cluster's subtree (the library's propagated `max_lambdas`).
    let subtreeMaxLambda: [Double]
    let subtreeMaxFiniteLambda: [Double]

    /// Prepares prediction for `result`, fitted on `training` (the same matrix, all rows).
    public init(result: HDBSCANResult, training: PointSet, threads: Int = 1, control: TaskControl = .none) throws {
        self.result = result
        let rows = result.treePointRows
        let subset = rows == Array(0..<training.count) ? training : training.selectingRows(rows)
        let n = rows.count
        engine = NeighbourhoodEngines.make(points: subset, metric: result.parameters.metric, threads: threads)
        minSamples = max(1, result.parameters.minSamples)
        core = n == 0 ? [] : try engine.coreDistances(k: min(minSamples - 1, n - 1), control: control)
        let tree = result.condensedTree
        index = CondensedTreeIndex(tree, pointCount: n)
        var labelOf = [Int](repeating: -1, count: index.clusterCount)
        for (label, c) in result.selectedClusters.enumerated() {
            for sub in index.subtree(c) { labelOf[sub - n] = label }
        }
        clusterLabel = labelOf
        var deaths = index.directMaxLambda
        var finiteDeaths = [Double](repeating: 0, count: index.clusterCount)
        for row in tree where row.lambda.isFinite { finiteDeaths[row.parent - n] = max(finiteDeaths[row.parent - n], row.lambda) }
        for row in tree.reversed() where row.child >= n {
            let c = row.child - n, p = row.parent - n
            if deaths[c] > deaths[p] { deaths[p] = deaths[c] }
            if finiteDeaths[c] > finiteDeaths[p] { finiteDeaths[p] = finiteDeaths[c] }
        }
        subtreeMaxLambda = deaths
        subtreeMaxFiniteLambda = finiteDeaths
    }

    /// Predicts every row of `queries` (same columns as the training matrix).
    public func predict(_ queries: PointSet, control: TaskControl = .none) throws -> [HDBSCANPrediction] {
        var out: [HDBSCANPrediction] = []
        out.reserveCapacity(queries.count)
        for r in 0..<queries.count {
            if r & 63 == 0 { try control.checkCancellation() }
            out.append(predict(queries, row: r))
        }
        return out
    }

    /// Predicts row `row` of `queries`.
    ///
    /// Label and probability follow `approximate_predict` exactly. The outlier score follows
    /// `approximate_predict_scores` (no climbing; not clamped, so it can be negative) except where the
    /// library leaves the finite numbers because of exact duplicates: when the query sits at distance 0
    /// from a training point that fell out at λ = ∞ the score is 0 (library: −∞ or NaN), and when the
    /// subtree's largest λ is ∞ it is replaced by the largest finite λ (library: NaN), as in the fit.
    public func predict(_ queries: PointSet, row: Int) -> HDBSCANPrediction {
        predict(queries, row: row, nearest: engine.nearest(to: queries, row: row, k: neighbourCount))
    }

    /// Training points a prediction looks at: 2·min_samples, clipped to the training size.
    var neighbourCount: Int { min(2 * minSamples, index.pointCount) }

    /// As `predict(_:row:)` given the query's nearest training points (indices into the tree's rows,
    /// sorted by distance then index), at least `neighbourCount` of them; a caller that needs more
    /// neighbours anyway searches once.
    func predict(_ queries: PointSet, row: Int, nearest: [Neighbour]) -> HDBSCANPrediction {
        let n = index.pointCount
        let tree = result.condensedTree
        guard n > 0, index.clusterCount > 1, !tree.isEmpty, queries.rowIsFinite(row) else {
            return HDBSCANPrediction(label: -1, probability: 0, outlierScore: 1, neighbourRow: -1)
        }
        let neighbours = Array(nearest.prefix(neighbourCount))
        let ownCore = neighbours[min(minSamples, neighbours.count - 1)].distance
        var best = 0
        var bestMR = Double.infinity
        for (j, nb) in neighbours.enumerated() {
            let mr = max(core[nb.index], ownCore, nb.distance)
            if mr < bestMR { bestMR = mr; best = j }
        }
        let neighbour = neighbours[best].index
        var lambda = bestMR > 0 ? 1 / bestMR : Double.greatestFiniteMagnitude
        let pointRow = tree[index.pointRow[neighbour]]

        var cluster = pointRow.parent
        if pointRow.lambda > lambda {
            while cluster > index.root && index.birth[cluster - n] >= lambda { cluster = index.parentOf[cluster - n] }
        }
        let label = clusterLabel[cluster - n]
        var probability = 0.0
        if label >= 0 {
            let maxLambda = index.directMaxLambda[result.selectedClusters[label] - n]
            probability = maxLambda > 0 ? min(maxLambda, lambda) / maxLambda : 1
        }

        let parent = pointRow.parent - n
        if neighbours.contains(where: { $0.distance == 0 }) { lambda = pointRow.lambda }
        var death = subtreeMaxLambda[parent]
        if death == .infinity && lambda.isFinite { death = subtreeMaxFiniteLambda[parent] }
        let score = death > 0 && lambda.isFinite ? (death - lambda) / death : 0
        return HDBSCANPrediction(label: label, probability: probability, outlierScore: score,
                                 neighbourRow: result.treePointRows[neighbour])
    }
}
