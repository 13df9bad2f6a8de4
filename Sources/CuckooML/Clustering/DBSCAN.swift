/// DBSCAN with scikit-learn's semantics (`sklearn.cluster.DBSCAN`, `_dbscan_inner.pyx`).
public enum DBSCAN {
    /// Clusters the rows of `points`.
    ///
    /// A point's neighbourhood is every point within `eps` inclusive (`d <= eps`), itself included; it
    /// is a core point when the neighbourhood holds at least `minSamples` points. Clusters grow from
    /// core points taken in index order, each grown completely (depth-first through core points)
    /// before the next starts, so clusters are numbered by their first core point and a border point
    /// reachable from two clusters belongs to the one grown first — scikit-learn's order. Rows holding
    /// NaN/inf are noise and neighbours of nothing (scikit-learn would reject the input). O(n²·d) with
    /// the reference engine, O(n) memory beyond one neighbourhood at a time.
    public static func fit(points: PointSet, parameters: DBSCANParameters, threads: Int = 1,
                           control: TaskControl = .none) throws -> DBSCANResult {
        guard parameters.eps > 0, parameters.eps.isFinite else { throw ClusteringError("eps must be a positive number") }
        guard parameters.minSamples >= 1 else { throw ClusteringError("min_samples must be at least 1") }
        let total = points.count
        let finite = (0..<total).filter { points.rowIsFinite($0) }
        let subset = finite.count == total ? points : points.selectingRows(finite)
        let n = subset.count
        let plan = EnginePlan.make(points: subset, metric: parameters.metric, threads: threads)
        let engine = NeighbourhoodEngines.make(plan: plan, points: subset, metric: parameters.metric)
        // Core flags first (one neighbourhood at a time), then growth recomputes the neighbourhoods
        // of core points it visits: O(n) memory instead of storing every neighbourhood.
        var isCore = [Bool](repeating: false, count: n)
        for i in 0..<n {
            if i & 63 == 0 {
                try control.checkCancellation()
                control.report(Progress(phase: "neighbourhoods", done: i, total: n))
            }
            isCore[i] = engine.neighbours(of: i, within: parameters.eps).count >= parameters.minSamples
        }
        var labels = [Int](repeating: -1, count: n)
        var next = 0
        var stack: [Int] = []
        for seed in 0..<n where labels[seed] == -1 && isCore[seed] {
            try control.checkCancellation()
            var i = seed
            while true {
                if labels[i] == -1 {
                    labels[i] = next
                    if isCore[i] {
                        for v in engine.neighbours(of: i, within: parameters.eps) where labels[v] == -1 { stack.append(v) }
                    }
                }
                guard let top = stack.popLast() else { break }
                i = top
            }
            next += 1
        }
        var allLabels = [Int](repeating: -1, count: total)
        var allCore = [Bool](repeating: false, count: total)
        for (k, r) in finite.enumerated() { allLabels[r] = labels[k]; allCore[r] = isCore[k] }
        var result = DBSCANResult(parameters: parameters, labels: allLabels, isCore: allCore)
        result.plan = plan
        return result
    }
}
