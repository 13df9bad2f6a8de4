/// A clustering request the library cannot run, with a message for the analyst.
public struct ClusteringError: Error, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// HDBSCAN with the Python `hdbscan` library's exact definitions (0.8.x, Prim's path, stable tie
/// order): see `docs/hdbscan.md`. The stages are pure functions over documented
/// arrays, in order:
///
/// 1. core distances (`NeighbourhoodEngine.coreDistances`, index `min_samples`, the point itself at 0)
/// 2. MST of mutual reachability (`NeighbourhoodEngine.minimumSpanningTree`, Prim's from point 0)
/// 3. `singleLinkageTree` — linkage rows `[left, right, distance, size]`
/// 4. `condensedTree` — rows `(parent, child, λ, child_size)`, points `0..<n`, clusters `n...`
/// 5. `stability`, 6. `selectClusters` (EOM/leaf, ε, single cluster)
/// 7. `labels`, `probabilities`, `outlierScores` (GLOSH), `persistence`
public enum HDBSCAN {
    /// Clusters the rows of `points`.
    ///
    /// Rows holding NaN or ±∞ are left out, as the library does, and reported as noise with
    /// probability 0 and outlier score 1 (the library's λ = 0 row at the root; 0 when the tree has no
    /// positive λ). `minSamples` is clipped to (clustered rows − 1), and at least 1. With
    /// `deduplicate`, identical rows are clustered once (see `uniqueRows`). Fewer than two rows to
    /// cluster give all noise. Reports progress and stops with `Interrupted` through `control`.
    ///
    /// `previousCore`, when given, are the core distances of a fit with the same parameters on the
    /// first rows of `points`, unchanged (`compare ... add`): they are updated instead of searched
    /// afresh (`updatedCoreDistances`; the same values). They are ignored unless every row is clustered
    /// (no `deduplicate`, no row left out) and min_samples clips the same way.
    public static func fit(points: PointSet, parameters: HDBSCANParameters, threads: Int = 1,
                           control: TaskControl = .none, previousCore: [Double]? = nil) throws -> HDBSCANResult {
        guard parameters.minClusterSize >= 2 else { throw ClusteringError("min_cluster_size must be at least 2") }
        guard parameters.minSamples >= 1 else { throw ClusteringError("min_samples must be at least 1") }
        guard parameters.alpha > 0, parameters.alpha.isFinite else { throw ClusteringError("alpha must be a positive number") }
        guard parameters.epsilon >= 0, parameters.epsilon.isFinite else { throw ClusteringError("epsilon must be zero or positive") }
        let total = points.count
        let finite = (0..<total).filter { points.rowIsFinite($0) }
        var treeRows = finite            // session row of each clustered point
        var copies: [[Int]] = finite.map { [$0] }  // rows that take each clustered point's results
        if parameters.deduplicate {
            let groups = uniqueRows(points, rows: finite)
            treeRows = groups.map { $0[0] }
            copies = groups
        }
        let m = treeRows.count
        var labels = [Int](repeating: -1, count: total)
        var probabilities = [Double](repeating: 0, count: total)
        var scores = [Double](repeating: 0, count: total)
        guard m >= 2 else {
            return HDBSCANResult(parameters: parameters, labels: labels, probabilities: probabilities, outlierScores: scores,
                                 persistence: [], condensedTree: [], coreDistances: [Double](repeating: 0, count: m),
                                 treePointRows: treeRows, selectedClusters: [], clusterStability: [],
                                 minSamplesUsed: max(1, min(parameters.minSamples, m - 1)))
        }
        let subset = treeRows.count == total ? points : points.selectingRows(treeRows)
        let minSamples = max(1, min(parameters.minSamples, m - 1))
        let plan = EnginePlan.make(points: subset, metric: parameters.metric, alpha: parameters.alpha, threads: threads)
        let engine = NeighbourhoodEngines.make(plan: plan, points: subset, metric: parameters.metric)
        let core: [Double]
        if let previousCore, treeRows.count == total, previousCore.count >= 2, previousCore.count <= total,
           minSamples == max(1, min(parameters.minSamples, previousCore.count - 1)) {
            core = try updatedCoreDistances(engine, points: subset, previous: previousCore, k: minSamples, threads: threads,
                                            control: control)
        } else {
            core = try engine.coreDistances(k: minSamples, control: control)
        }
        let mst = try engine.minimumSpanningTree(coreDistances: core, alpha: parameters.alpha, control: control)
        try control.checkCancellation()
        let fitted = fitTree(mst: mst, count: m, parameters: parameters)

        for (p, rows) in copies.enumerated() {
            for r in rows {
                labels[r] = fitted.labels[p]
                probabilities[r] = fitted.probabilities[p]
                scores[r] = fitted.outlierScores[p]
            }
        }
        if finite.count < total {
            let lambdas = fitted.tree.map(\.lambda)
            let positive = lambdas.contains { $0 > 0 && $0.isFinite }
            let score: Double = positive ? 1 : 0
            var isFinite = [Bool](repeating: false, count: total)
            for r in finite { isFinite[r] = true }
            for r in 0..<total where !isFinite[r] { scores[r] = score }
        }
        var result = HDBSCANResult(parameters: parameters, labels: labels, probabilities: probabilities,
                                   outlierScores: scores, persistence: fitted.persistence, condensedTree: fitted.tree,
                                   coreDistances: core, treePointRows: treeRows, selectedClusters: fitted.outcome.selected,
                                   clusterStability: fitted.stability, minSamplesUsed: minSamples)
        result.plan = (engine as? any PlannedEngine)?.planAfterRun ?? plan
        if result.plan?.spanningTreeTaken == nil { result.plan?.spanningTreeTaken = plan.spanningTree }
        return result
    }

    /// Everything stages 3–7 derive from an MST of `count` points.
    public struct FittedTree: Sendable {
        public var linkage: [LinkageRow]
        public var tree: [CondensedTreeRow]
        public var stability: [Double]
        public var outcome: ClusterSelectionOutcome
        public var labels: [Int]
        public var probabilities: [Double]
        public var outlierScores: [Double]
        public var persistence: [Double]
    }

    /// Stages 3–7 on an MST (edges in Prim's emission order).
    public static func fitTree(mst: [MSTEdge], count n: Int, parameters: HDBSCANParameters) -> FittedTree {
        let linkage = singleLinkageTree(edges: mst, count: n)
        let tree = condensedTree(linkage: linkage, minClusterSize: parameters.minClusterSize)
        let index = CondensedTreeIndex(tree, pointCount: n)
        let stability = stability(tree: tree, index: index)
        let outcome = selectClusters(tree: tree, index: index, stability: stability, selection: parameters.selection,
                                     epsilon: parameters.epsilon, allowSingleCluster: parameters.allowSingleCluster)
        let labels = labels(tree: tree, index: index, selected: outcome.selected, epsilon: parameters.epsilon)
        let probabilities = probabilities(tree: tree, index: index, selected: outcome.selected, labels: labels)
        let scores = outlierScores(tree: tree, index: index)
        let persistence = persistence(tree: tree, index: index, outcome: outcome, labels: labels)
        return FittedTree(linkage: linkage, tree: tree, stability: stability, outcome: outcome, labels: labels,
                          probabilities: probabilities, outlierScores: scores, persistence: persistence)
    }

    /// Groups identical rows for `dedup`: one group per distinct row, groups ordered lexicographically
    /// by row values (as numpy's `np.unique(X, axis=0)`, which the oracle's `--dedup` uses, so cluster
    /// numbering and Prim's tie order match it), each group's rows ascending.
    ///
    /// Where this departs from the library: the unique rows are clustered unweighted, exactly as the
    /// oracle's `--dedup` does — a row's multiplicity counts neither in core distances nor towards
    /// min_cluster_size or stability — and every copy takes its unique row's label, probability and
    /// outlier score. Weights were left out on purpose: with sizes weighted, a row repeated
    /// min_cluster_size times splits off as a cluster whose copies fall out at λ = ∞ (they are at
    /// distance 0), so its stability is infinite and EOM always selects it — the hundreds of tiny
    /// duplicate clusters that dedup exists to avoid. Weighted core distances alone change nothing at
    /// min_samples = 1 (the 2016 setting) and would lose the exact oracle check.
    ///
    /// Rows are grouped through a hash of their values first, so only the distinct rows are sorted: a
    /// full sort would compare every pair of copies value by value.
    public static func uniqueRows(_ points: PointSet, rows: [Int]) -> [[Int]] {
        var groups: [[Int]] = []
        var byHash: [UInt64: [Int]] = [:]   // hash → indices into `groups`
        for r in rows.sorted() {
            let h = points.rowHash(r)
            if let candidates = byHash[h], let g = candidates.first(where: { points.compareRows(groups[$0][0], r) == 0 }) {
                groups[g].append(r)
            } else {
                byHash[h, default: []].append(groups.count)
                groups.append([r])
            }
        }
        groups.sort { points.compareRows($0[0], $1[0]) < 0 }
        return groups
    }
}

extension PointSet {
    /// Whether row `i` holds only finite values.
    public func rowIsFinite(_ i: Int) -> Bool {
        switch storage {
        case .dense(let m): m.row(i).allSatisfy(\.isFinite)
        case .sparse(let m): m.row(i).values.allSatisfy(\.isFinite)
        }
    }

    /// The rows selected, in the given order.
    public func selectingRows(_ rows: [Int]) -> PointSet {
        switch storage {
        case .dense(let m):
            var values: [Double] = []
            values.reserveCapacity(rows.count * m.columns)
            for r in rows { values.append(contentsOf: m.row(r)) }
            return .dense(DenseMatrix(rows: rows.count, columns: m.columns, values: values), columnGroups: columnGroups)
        case .sparse(let m):
            return .sparse(m.selectingRows(rows), columnGroups: columnGroups)
        }
    }

    /// A hash of row `i`'s nonzero values and their columns; rows that compare equal hash equal
    /// (−0.0 counts as zero, as it compares equal to 0).
    public func rowHash(_ i: Int) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        @inline(__always) func mix(_ column: Int, _ value: Double) {
            guard value != 0 else { return }
            h = (h ^ UInt64(truncatingIfNeeded: column)) &* 0x0000_0100_0000_01b3
            h = (h ^ value.bitPattern) &* 0x0000_0100_0000_01b3
        }
        switch storage {
        case .dense(let m):
            for (c, v) in m.row(i).enumerated() { mix(c, v) }
        case .sparse(let m):
            let r = m.row(i)
            for (c, v) in zip(r.columns, r.values) { mix(Int(c), v) }
        }
        return h
    }

    /// Lexicographic comparison of two rows by value (−1, 0, 1); a sparse row reads as its dense form.
    public func compareRows(_ a: Int, _ b: Int) -> Int {
        switch storage {
        case .dense(let m):
            for (x, y) in zip(m.row(a), m.row(b)) where x != y { return x < y ? -1 : 1 }
            return 0
        case .sparse(let m):
            let r = m.row(a), s = m.row(b)
            var i = r.columns.startIndex, j = s.columns.startIndex
            while i < r.columns.endIndex || j < s.columns.endIndex {
                let x: Double, y: Double
                if j == s.columns.endIndex || (i < r.columns.endIndex && r.columns[i] < s.columns[j]) {
                    x = r.values[i]; y = 0; i += 1
                } else if i == r.columns.endIndex || s.columns[j] < r.columns[i] {
                    x = 0; y = s.values[j]; j += 1
                } else {
                    x = r.values[i]; y = s.values[j]; i += 1; j += 1
                }
                if x != y { return x < y ? -1 : 1 }
            }
            return 0
        }
    }
}
