/// The engine for dense data in few dimensions under euclidean or manhattan distance: a k-d tree gives
/// the core distances (exact k-NN) and DBSCAN's radius queries, and the spanning tree by Borůvka's
/// algorithm when it is provably unique (`BoruvkaSpanningTree`); otherwise Prim scans column-major
/// coordinates four points at a time (`ColumnarPrim`). Results are bit-identical to the other engines'.
///
/// Tried and dropped (slower here in 8 dimensions, 10 000–50 000 points): Prim steps that skip k-d nodes
/// no update can reach, and a per-tree-point nearest-outside search with lazy refresh; the noise points
/// keep most nodes within reach.
final class KDTreeEngine: KernelEngine, PlannedEngine, @unchecked Sendable {
    let kernel: DenseKernel, metric: DistanceMetric, threads: Int, tuning: EngineTuning
    let tree: KDTree
    let plan: EnginePlan
    private let taken = Locked<EnginePlan.TreePath?>(nil)
    var spanningTreeTaken: EnginePlan.TreePath? { taken.withLock { $0 } }

    /// The most columns for which the tree pays off (bounds lose their grip as dimensions grow).
    static let maximumDimension = 16

    static func suits(columns: Int, metric: DistanceMetric) -> Bool {
        columns <= maximumDimension && (metric == .euclidean || metric == .manhattan)
    }

    init(_ m: DenseMatrix, metric: DistanceMetric, threads: Int, tuning: EngineTuning = .standard, plan: EnginePlan? = nil) {
        kernel = DenseKernel(m, metric: metric)
        self.plan = plan ?? EnginePlan.kdTree(columns: m.columns, metric: metric, threads: threads)
        self.metric = metric; self.threads = engineThreads(threads); self.tuning = tuning
        tree = m.values.withUnsafeBufferPointer { values in
            // An empty buffer (no rows or no columns) is never read.
            let none = [0.0]
            return none.withUnsafeBufferPointer { fallback in
                KDTree(values: values.baseAddress ?? fallback.baseAddress!, rows: m.rows, columns: m.columns,
                       metric: metric)
            }
        }
    }

    /// The neighbour lists of the last core-distance search, which settle most points' nearest outside
    /// points in Borůvka's early rounds.
    private let lists = Locked<NeighbourLists?>(nil)

    /// The fewest neighbours listed per point (two at least, to tell a nearest from a tie). Six settle
    /// most points' nearest outside points while components are small (measured: 4 and 8 were slower).
    static let listWidth = 6

    func coreDistances(k: Int, control: TaskControl) throws -> [Double] {
        let found = try tree.neighbourLists(width: max(k, Self.listWidth), threads: threads, control: control)
        lists.withLock { $0 = found }
        return tree.kthDistances(k: k, from: found)
    }

    func minimumSpanningTree(coreDistances: [Double], alpha: Double, control: TaskControl) throws -> [MSTEdge] {
        precondition(coreDistances.count == count, "one core distance per point")
        return try followPlan(record: { path in taken.withLock { $0 = path } }) { path in
            try spanningTree(path, coreDistances: coreDistances, alpha: alpha, control: control)
        }
    }

    /// Borůvka gives nil when ties make the tree not provably unique.
    private func spanningTree(_ path: EnginePlan.TreePath, coreDistances: [Double], alpha: Double,
                              control: TaskControl) throws -> [MSTEdge]? {
        switch path {
        case .boruvka:
            let boruvka = BoruvkaSpanningTree(tree: tree, coreDistances: coreDistances, alpha: alpha, threads: threads,
                                              neighbours: lists.withLock { $0 })
            return try boruvka.run(control: control)
        case .columnarPrim, .prim, .rowGroups, .bitBlockPrim, .bitPrim, .intPrim:
            return try ColumnarPrim(values: kernel.evaluator.values, rows: count, columns: kernel.dimension,
                                    metric: metric, coreDistances: coreDistances, alpha: alpha)
                .run(threads: threads, parallelFrom: tuning.prim, control: control)
        }
    }

    func neighbours(of i: Int, within radius: Double) -> [Int] {
        tree.rows(within: radius, of: i)
    }
}
