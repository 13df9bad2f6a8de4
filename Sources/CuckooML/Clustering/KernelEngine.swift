/// A `NeighbourhoodEngine` over any exact distance kernel: symmetric tiled k-NN for core distances and
/// Prim's algorithm on the fly for the spanning tree, both on up to `threads` threads, in O(n·k) memory.
final class KernelEngine<K: DistanceKernel>: NeighbourhoodEngine, @unchecked Sendable {
    let metric: DistanceMetric
    let threads: Int
    private let kernel: K
    /// Sizes below which work stays on one thread, and the k-NN tile side; tests shrink them so small
    /// inputs exercise the parallel paths.
    private let parallelFrom: (knn: Int, prim: Int, tile: Int)

    init(kernel: K, metric: DistanceMetric, threads: Int,
         parallelFrom: (knn: Int, prim: Int, tile: Int) = (512, 2_048, KNearest.defaultTile)) {
        self.kernel = kernel
        self.parallelFrom = parallelFrom
        self.metric = metric
        self.threads = engineThreads(threads)
    }

    var count: Int { kernel.count }

    func distance(_ i: Int, _ j: Int) -> Double { kernel.distance(i, j) }

    func coreDistances(k: Int, control: TaskControl) throws -> [Double] {
        try KNearest.kthDistances(kernel, k: k, threads: threads, parallelFrom: parallelFrom.knn,
                                  tile: parallelFrom.tile, control: control)
    }

    func minimumSpanningTree(coreDistances: [Double], alpha: Double, control: TaskControl) throws -> [MSTEdge] {
        precondition(coreDistances.count == count, "one core distance per point")
        let prim = PrimSpanningTree(kernel: kernel.copy(), coreDistances: coreDistances, alpha: alpha)
        return try prim.run(threads: threads, parallelFrom: parallelFrom.prim, control: control)
    }

    func nearest(to queries: PointSet, row: Int, k: Int) -> [Neighbour] {
        kernel.withQuery(queries, row: row) { KNearest.nearest(count: count, k: k, distance: $0) }
    }

    func neighbours(of i: Int, within radius: Double) -> [Int] {
        KNearest.within(count: count, radius: radius) { kernel.distance(i, $0) }
    }
}

/// The engine for binary data: bit-packed rows and popcount distances.
typealias BitPackedEngine = KernelEngine<BitKernel>
