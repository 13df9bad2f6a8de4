/// A `NeighbourhoodEngine` over an exact distance kernel: symmetric tiled k-NN for core distances and
/// Prim's algorithm on the fly for the spanning tree, both on up to `threads` threads, in O(n·k) memory.
///
/// The engines are concrete classes conforming to this protocol (rather than one generic class) so the
/// optimiser specialises the drivers for each kernel and inlines its distance into the inner loops.
protocol KernelEngine: NeighbourhoodEngine {
    associatedtype Kernel: DistanceKernel
    var kernel: Kernel { get }
    var threads: Int { get }
    var tuning: EngineTuning { get }
}

extension KernelEngine {
    var count: Int { kernel.count }

    /// Engines without a fallback always take their plan's path.
    var spanningTreeTaken: EnginePlan.TreePath? { nil }

    func distance(_ i: Int, _ j: Int) -> Double { kernel.distance(i, j) }

    func coreDistances(k: Int, control: TaskControl) throws -> [Double] {
        try KNearest.kthDistances(kernel, k: k, threads: threads, parallelFrom: tuning.knn,
                                  tile: tuning.tile, control: control)
    }

    func minimumSpanningTree(coreDistances: [Double], alpha: Double, control: TaskControl) throws -> [MSTEdge] {
        precondition(coreDistances.count == count, "one core distance per point")
        let prim = PrimSpanningTree(kernel: kernel.copy(), coreDistances: coreDistances, alpha: alpha)
        return try prim.run(threads: threads, parallelFrom: tuning.prim, control: control)
    }

    func nearest(to queries: PointSet, row: Int, k: Int) -> [Neighbour] {
        kernel.withQuery(queries, row: row) { KNearest.nearest(count: count, k: k, distance: $0) }
    }

    func neighbours(of i: Int, within radius: Double) -> [Int] {
        KNearest.within(count: count, centre: i, radius: radius) { kernel.distance(i, $0) }
    }
}

/// The engine for dense, non-binary data.
final class DenseEngine: KernelEngine, PlannedEngine, @unchecked Sendable {
    let kernel: DenseKernel, metric: DistanceMetric, threads: Int, tuning: EngineTuning
    let plan: EnginePlan
    init(_ m: DenseMatrix, metric: DistanceMetric, threads: Int, tuning: EngineTuning = .standard, plan: EnginePlan? = nil) {
        kernel = DenseKernel(m, metric: metric)
        self.plan = plan ?? EnginePlan.kernelRow(.dense, "dense matrix", metric: metric, threads: threads)
        self.metric = metric; self.threads = engineThreads(threads); self.tuning = tuning
    }
}

/// The engine for sparse, non-binary data.
final class SparseEngine: KernelEngine, PlannedEngine, @unchecked Sendable {
    let kernel: SparseKernel, metric: DistanceMetric, threads: Int, tuning: EngineTuning
    let plan: EnginePlan
    init(_ m: SparseMatrix, metric: DistanceMetric, threads: Int, tuning: EngineTuning = .standard, plan: EnginePlan? = nil) {
        kernel = SparseKernel(m, metric: metric)
        self.plan = plan ?? EnginePlan.kernelRow(.sparse, "sparse matrix", metric: metric, threads: threads)
        self.metric = metric; self.threads = engineThreads(threads); self.tuning = tuning
    }
}
