/// Sizes below which work stays on one thread, and the k-NN tile side. Tests shrink them so small
/// inputs exercise the parallel paths.
struct ParallelThresholds: Sendable {
    var knn = 512
    var prim = 2_048
    var tile = KNearest.defaultTile
    /// The bit engine works on groups of identical rows when there are at most this fraction of n groups.
    var groups = 0.5
    /// The code the bit engine's integer k-NN and Prim run; only speed depends on it.
    var bitKernels = BitKernelChoice.best
    static let standard = ParallelThresholds()
    static let always = ParallelThresholds(knn: 0, prim: 8, tile: 32, groups: 1)
}

/// A `NeighbourhoodEngine` over an exact distance kernel: symmetric tiled k-NN for core distances and
/// Prim's algorithm on the fly for the spanning tree, both on up to `threads` threads, in O(n·k) memory.
///
/// The engines are concrete classes conforming to this protocol (rather than one generic class) so the
/// optimiser specialises the drivers for each kernel and inlines its distance into the inner loops.
protocol KernelEngine: NeighbourhoodEngine {
    associatedtype Kernel: DistanceKernel
    var kernel: Kernel { get }
    var threads: Int { get }
    var thresholds: ParallelThresholds { get }
}

extension KernelEngine {
    var count: Int { kernel.count }

    func distance(_ i: Int, _ j: Int) -> Double { kernel.distance(i, j) }

    func coreDistances(k: Int, control: TaskControl) throws -> [Double] {
        try KNearest.kthDistances(kernel, k: k, threads: threads, parallelFrom: thresholds.knn,
                                  tile: thresholds.tile, control: control)
    }

    func minimumSpanningTree(coreDistances: [Double], alpha: Double, control: TaskControl) throws -> [MSTEdge] {
        precondition(coreDistances.count == count, "one core distance per point")
        let prim = PrimSpanningTree(kernel: kernel.copy(), coreDistances: coreDistances, alpha: alpha)
        return try prim.run(threads: threads, parallelFrom: thresholds.prim, control: control)
    }

    func nearest(to queries: PointSet, row: Int, k: Int) -> [Neighbour] {
        kernel.withQuery(queries, row: row) { KNearest.nearest(count: count, k: k, distance: $0) }
    }

    func neighbours(of i: Int, within radius: Double) -> [Int] {
        KNearest.within(count: count, centre: i, radius: radius) { kernel.distance(i, $0) }
    }
}

/// The engine for dense, non-binary data.
final class DenseEngine: KernelEngine, @unchecked Sendable {
    let kernel: DenseKernel, metric: DistanceMetric, threads: Int, thresholds: ParallelThresholds
    init(_ m: DenseMatrix, metric: DistanceMetric, threads: Int, thresholds: ParallelThresholds = .standard) {
        kernel = DenseKernel(m, metric: metric)
        self.metric = metric; self.threads = engineThreads(threads); self.thresholds = thresholds
    }
}

/// The engine for sparse, non-binary data.
final class SparseEngine: KernelEngine, @unchecked Sendable {
    let kernel: SparseKernel, metric: DistanceMetric, threads: Int, thresholds: ParallelThresholds
    init(_ m: SparseMatrix, metric: DistanceMetric, threads: Int, thresholds: ParallelThresholds = .standard) {
        kernel = SparseKernel(m, metric: metric)
        self.metric = metric; self.threads = engineThreads(threads); self.thresholds = thresholds
    }
}
