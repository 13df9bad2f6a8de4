/// The engine for binary data: bit-packed rows and popcount distances.
///
/// When rows repeat enough, k-NN and Prim run over groups of identical rows (`RowGroups`). Otherwise,
/// for euclidean, manhattan and hamming, they run on integers: `BitNearest` finds the k-th smallest
/// count of differing bits, `BitPrim` compares ranks; jaccard and cosine use the generic drivers. Every
/// path gives the same results.
final class BitPackedEngine: KernelEngine, @unchecked Sendable {
    let kernel: BitKernel, metric: DistanceMetric, threads: Int, tuning: EngineTuning
    let groups: RowGroups?
    /// The plain path's k-NN and Prim work in blocks of about this many points (see `usesBlocks`).
    let pointsPerBlock: Int
    /// Set by the first integer k-NN or Prim (the engine's calls run one after another).
    private var cachedBlocks: BitBlocks?
    init(points: PointSet, metric: DistanceMetric, threads: Int, tuning: EngineTuning = .standard,
         pointsPerBlock: Int = 256) {
        kernel = BitKernel(points: points, metric: metric)
        self.pointsPerBlock = max(1, pointsPerBlock)
        // 0 is the session's "one per core" (`set threads 0`, the default).
        self.metric = metric; self.threads = engineThreads(threads); self.tuning = tuning
        let grouped = RowGroups(kernel)
        groups = Double(grouped.count) <= tuning.groups * Double(kernel.count) ? grouped : nil
    }

    func coreDistances(k: Int, control: TaskControl) throws -> [Double] {
        if let groups { return try groups.kthDistances(k: k, control: control) }
        if kernel.usesTable {
            let counts: [Int32] = switch kernel.words {
            case 1: try integerNearest(OneWord(), k: k, control: control)
            case 8: try integerNearest(EightWords(), k: k, control: control)
            default: try integerNearest(AnyWords(words: kernel.words), k: k, control: control)
            }
            // k clipped to 0 leaves every core distance 0, as the generic driver gives.
            return k > 0 && count > 1 ? counts.map { kernel.table[Int($0)] } : counts.map { _ in 0 }
        }
        return try KNearest.kthDistances(kernel, k: k, threads: threads, parallelFrom: tuning.knn,
                                         tile: tuning.tile, control: control)
    }

    func minimumSpanningTree(coreDistances: [Double], alpha: Double, control: TaskControl) throws -> [MSTEdge] {
        precondition(coreDistances.count == count, "one core distance per point")
        if let groups, let edges = try groups.spanningTree(coreDistances: coreDistances, alpha: alpha,
                                                           control: control) {
            return edges
        }
        let edges: [MSTEdge]? = switch kernel.words {
        case 1: try integerTree(OneWord(), coreDistances: coreDistances, alpha: alpha, control: control)
        case 8: try integerTree(EightWords(), coreDistances: coreDistances, alpha: alpha, control: control)
        default: try integerTree(AnyWords(words: kernel.words), coreDistances: coreDistances, alpha: alpha,
                                 control: control)
        }
        if let edges { return edges }
        let prim = PrimSpanningTree(kernel: kernel.copy(), coreDistances: coreDistances, alpha: alpha)
        return try prim.run(threads: threads, parallelFrom: tuning.prim, control: control)
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

    /// Whether k-NN and Prim work in blocks: from four blocks on, and on rows of at least four words
    /// (narrower rows stay in the cache anyway, and their bounds are loose: with blocks, one-word rows
    /// are slower). With the kernels of `CBitKernels` (eight pairs per vector) the k-NN sweeps every
    /// pair instead: the blocks' bookkeeping costs more than the pairs it saves. Prim keeps its blocks,
    /// whose catch-ups apply many tree points to rows held in registers, where the plain vector scan
    /// waits on memory (`scripts/bench-cluster --data binary512u` compares them).
    private var usesBlocks: Bool { count >= 4 * pointsPerBlock && kernel.words >= 4 }

    /// The k-th smallest counts of differing bits, over blocks or tiled.
    private func integerNearest<W: BitWidth>(_ width: W, k: Int, control: TaskControl) throws -> [Int32] {
        if usesBlocks {
            return try BitNearest.kthDifferences(kernel, width: width, blocks: blocks(width), k: k, threads: threads,
                                                 parallelFrom: tuning.knn, kernels: tuning.bitKernels,
                                                 control: control)
        }
        return try BitNearest.kthDifferences(kernel, k: k, threads: threads, parallelFrom: tuning.knn,
                                             tile: tuning.tile, kernels: tuning.bitKernels, control: control)
    }

    /// Prim on integer ranks (`BitBlockPrim` when blocks are used, else `BitPrim`), or nil when the
    /// metric or the core distances need the generic driver.
    private func integerTree<W: BitWidth>(_ width: W, coreDistances: [Double], alpha: Double,
                                          control: TaskControl) throws -> [MSTEdge]? {
        guard kernel.usesTable else { return nil }
        if usesBlocks {
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
