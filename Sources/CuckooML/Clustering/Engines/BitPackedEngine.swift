/// The engine for binary data: bit-packed rows and popcount distances.
///
/// It follows its `EnginePlan`: when rows repeat enough, k-NN and Prim run over groups of identical rows
/// (`RowGroups`). Otherwise, for euclidean, manhattan and hamming, they run on integers: `BitNearest`
/// finds the k-th smallest count of differing bits, `BitPrim` compares ranks; jaccard and cosine use the
/// generic drivers. Every path gives the same results.
final class BitPackedEngine: KernelEngine, PlannedEngine, @unchecked Sendable {
    let kernel: BitKernel, metric: DistanceMetric, threads: Int, tuning: EngineTuning
    let groups: RowGroups?
    let plan: EnginePlan
    /// The plain path's k-NN and Prim work in blocks of about this many points (see `usesBlocks`).
    let pointsPerBlock: Int
    static let defaultPointsPerBlock = 256
    /// Set by the first integer k-NN or Prim (the engine's calls run one after another).
    private var cachedBlocks: BitBlocks?
    private let taken = Locked<EnginePlan.TreePath?>(nil)

    convenience init(points: PointSet, metric: DistanceMetric, threads: Int, tuning: EngineTuning = .standard,
                     pointsPerBlock: Int = BitPackedEngine.defaultPointsPerBlock) {
        self.init(plan: EnginePlan.bitPacked(points: points, metric: metric, alpha: 1, threads: threads, tuning: tuning,
                                             pointsPerBlock: pointsPerBlock),
                  metric: metric, tuning: tuning, pointsPerBlock: pointsPerBlock)
    }

    /// The engine of a bit-packed plan (made by `EnginePlan.make` with the same tuning and block size).
    init(plan: EnginePlan, metric: DistanceMetric, tuning: EngineTuning = .standard,
         pointsPerBlock: Int = BitPackedEngine.defaultPointsPerBlock) {
        guard let prepared = plan.prepared else { preconditionFailure("a bit-packed plan carries its rows") }
        kernel = prepared.kernel
        groups = prepared.groups
        self.plan = plan
        self.pointsPerBlock = max(1, pointsPerBlock)
        self.metric = metric; threads = plan.threads; self.tuning = tuning
    }

    var spanningTreeTaken: EnginePlan.TreePath? { taken.withLock { $0 } }

    func coreDistances(k: Int, control: TaskControl) throws -> [Double] {
        switch plan.neighbours {
        case .rowGroups:
            guard let groups else { preconditionFailure("a row-groups plan carries its groups") }
            return try groups.kthDistances(k: k, control: control)
        case .bitBlocks, .bitTiles:
            let counts: [Int32] = switch kernel.words {
            case 1: try integerNearest(OneWord(), k: k, control: control)
            case 8: try integerNearest(EightWords(), k: k, control: control)
            default: try integerNearest(AnyWords(words: kernel.words), k: k, control: control)
            }
            // k clipped to 0 leaves every core distance 0, as the generic driver gives.
            return k > 0 && count > 1 ? counts.map { kernel.table[Int($0)] } : counts.map { _ in 0 }
        case .tiles, .kdTree, .intTiles:
            return try KNearest.kthDistances(kernel, k: k, threads: threads, parallelFrom: tuning.knn,
                                             tile: tuning.tile, control: control)
        }
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
        case .rowGroups:
            return try groups?.spanningTree(coreDistances: coreDistances, alpha: alpha, control: control)
        case .bitBlockPrim, .bitPrim:
            let blocks = path == .bitBlockPrim
            return switch kernel.words {
            case 1: try integerTree(OneWord(), blocks: blocks, coreDistances: coreDistances, alpha: alpha, control: control)
            case 8: try integerTree(EightWords(), blocks: blocks, coreDistances: coreDistances, alpha: alpha, control: control)
            default: try integerTree(AnyWords(words: kernel.words), blocks: blocks, coreDistances: coreDistances,
                                     alpha: alpha, control: control)
            }
        case .prim, .boruvka, .columnarPrim, .intPrim:
            let prim = PrimSpanningTree(kernel: kernel.copy(), coreDistances: coreDistances, alpha: alpha)
            return try prim.run(threads: threads, parallelFrom: tuning.prim, control: control)
        }
    }
}

extension BitPackedEngine {
    /// The blocks of `BitBlockPrim` and the blocked k-NN, made once per engine.
    private func blocks<W: BitWidth>(_ width: W) -> BitBlocks {
        if let cachedBlocks { return cachedBlocks }
        let made = BitBlocks(kernel: kernel, width: width, targetBlocks: min(128, count / pointsPerBlock))
        cachedBlocks = made
        return made
    }

    /// The k-th smallest counts of differing bits, over blocks or tiled.
    private func integerNearest<W: BitWidth>(_ width: W, k: Int, control: TaskControl) throws -> [Int32] {
        if plan.neighbours == .bitBlocks {
            return try BitNearest.kthDifferences(kernel, width: width, blocks: blocks(width), k: k, threads: threads,
                                                 parallelFrom: tuning.knn, kernels: tuning.bitKernels,
                                                 control: control)
        }
        return try BitNearest.kthDifferences(kernel, k: k, threads: threads, parallelFrom: tuning.knn,
                                             tile: tuning.tile, kernels: tuning.bitKernels, control: control)
    }

    /// Prim on integer ranks (`BitBlockPrim` with blocks, else `BitPrim`), or nil when the metric or
    /// the core distances need the generic driver.
    private func integerTree<W: BitWidth>(_ width: W, blocks useBlocks: Bool, coreDistances: [Double], alpha: Double,
                                          control: TaskControl) throws -> [MSTEdge]? {
        guard kernel.usesTable else { return nil }
        if useBlocks {
            guard let prim = BitBlockPrim(kernel: kernel, width: width, blocks: blocks(width), coreDistances: coreDistances,
                                          alpha: alpha, threads: threads, parallelFrom: tuning.prim * 128,
                                          kernels: tuning.bitKernels)
            else { return nil }
            return try prim.run(control: control)
        }
        guard let prim = BitPrim(kernel: kernel, width: width, coreDistances: coreDistances, alpha: alpha,
                                 kernels: tuning.bitKernels) else {
            return nil
        }
        return try prim.run(threads: threads, parallelFrom: tuning.prim, control: control)
    }
}

extension EngineTuning {
    /// `always`, but the bit engine never groups rows: tests of the plain bit path.
    static let alwaysUngrouped = EngineTuning(knn: 0, prim: 8, tile: 32, groups: 0)
}
