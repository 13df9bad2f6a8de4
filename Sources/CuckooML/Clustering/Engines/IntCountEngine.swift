/// The engine for rows of small integer counts (every value an integer in 0...255, more columns than
/// the k-d tree takes), euclidean or manhattan, alpha 1: the filtered 2016 `full` feature space.
///
/// Why: those rows are neither binary nor sparse enough for the other engines, and almost all distinct,
/// so HDBSCAN is a dense O(n²) k-NN and Prim. Here both run on exact integers (`IntCountRows`): the k-NN
/// on tiles of rows against 16 slots per vector instruction (`IntNearest`), Prim on integer keys
/// (`IntPrim`) — the same core distances and tree as the double drivers, bit for bit. The kernel `K`
/// (dense or sparse doubles) answers the single distances, queries and radius searches, and runs the
/// generic Prim when the core distances come from elsewhere and are not integer distances.
final class IntCountEngine<K: DistanceKernel>: KernelEngine, PlannedEngine, @unchecked Sendable {
    let kernel: K, metric: DistanceMetric, threads: Int, tuning: EngineTuning
    let plan: EnginePlan
    /// The rows in the layout `tiles` reads: 16-bit pairs for `cik_tile` (the portable loops and the
    /// differences, which the AVX2 word dot products run as here), else bytes (VNNI
    /// `IntTileKernel.dotProducts`, or AVX2 `bitsAndBytes` with the binary columns as bits): the same
    /// integers as the 16-bit differences, several times faster.
    let rows: IntTileRows
    /// Columns of the rows (queries' columns beyond them are ignored, as the kernels' queries do).
    let columns: Int
    /// `cik_tile`'s vector path (`IntTileKernel.differences`; AVX-512BW or AVX2).
    let vector: Bool
    /// The kernel the tiles run.
    let tiles: IntTileKernel
    private let taken = Locked<EnginePlan.TreePath?>(nil)
    var spanningTreeTaken: EnginePlan.TreePath? { taken.withLock { $0 } }

    /// `points` must satisfy `IntCountRows.applies` under `metric`; `kernel` holds the same points.
    /// `tiles` (by default the fastest here) gives way to the 16-bit differences where it cannot run on
    /// these points (`IntTileKernel.runnable`).
    init(points: PointSet, kernel: K, metric: DistanceMetric, plan: EnginePlan, tuning: EngineTuning = .standard,
         tiles: IntTileKernel? = nil) {
        // The AVX2 word dot products serve the silhouette only; here they run as `cik_tile`'s AVX2
        // differences (the same integers): the portable loops made `cluster hdbscan 1 6` on 100 000
        // generated reports take over half an hour on an AVX2 CPU.
        let tiles = IntTileKernel.chosen(tiles, for: metric, points: points)
        self.tiles = tiles
        precondition(!tiles.euclideanOnly || metric == .euclidean, "the dot-product kernels are euclidean only")
        self.kernel = kernel
        self.metric = metric
        self.plan = plan
        threads = plan.threads
        self.tuning = tuning
        vector = tiles == .differences || tiles == .wordDotProducts
        columns = points.dimension
        rows = tiles.readsBytes
            ? .bytes(IntByteRows.packed(points, rows: Array(0..<points.count), bitsAndBytes: tiles == .bitsAndBytes))
            : IntCountRows.tileRows(points)
    }

    deinit { rows.deallocate() }

    func coreDistances(k: Int, control: TaskControl) throws -> [Double] {
        guard let values = try IntNearest.kthValues(rows: rows, count: count, manhattan: metric == .manhattan, k: k,
                                                    threads: threads, parallelFrom: tuning.knn, tile: tuning.tile,
                                                    vector: vector, control: control)
        else { return [Double](repeating: 0, count: count) }
        return metric == .euclidean ? values.map { Double($0).squareRoot() } : values.map { Double($0) }
    }

    /// The plan's spanning-tree path, then its fallbacks in order until one gives a tree.
    func minimumSpanningTree(coreDistances: [Double], alpha: Double, control: TaskControl) throws -> [MSTEdge] {
        precondition(coreDistances.count == count, "one core distance per point")
        return try followPlan(record: { path in taken.withLock { $0 = path } }) { path in
            try spanningTree(path, coreDistances: coreDistances, alpha: alpha, control: control)
        }
    }

    private func spanningTree(_ path: EnginePlan.TreePath, coreDistances: [Double], alpha: Double,
                              control: TaskControl) throws -> [MSTEdge]? {
        switch path {
        case .intPrim:
            guard let prim = IntPrim(rows: rows, count: count, metric: metric, coreDistances: coreDistances,
                                     alpha: alpha, vector: vector)
            else { return nil }
            return try prim.run(threads: threads, parallelFrom: tuning.prim, control: control)
        case .prim, .boruvka, .columnarPrim, .rowGroups, .bitBlockPrim, .bitPrim:
            let prim = PrimSpanningTree(kernel: kernel.copy(), coreDistances: coreDistances, alpha: alpha)
            return try prim.run(threads: threads, parallelFrom: tuning.prim, control: control)
        }
    }
}
