/// Which engine computes a clustering's distances, and which paths its k-NN (core distances) and its
/// spanning tree take, with the reason for each choice. `EnginePlan.make` is the one place that decides;
/// the engines follow the plan, and `set explain on` prints it before a clustering's result.
///
/// Every row gives identical results (the engines are tested against each other and the fixtures):
/// the choice is only about speed and memory.
///
/// | engine | chosen when | k-NN path | spanning-tree path | may fall back to (decided while running) |
/// |---|---|---|---|---|
/// | group-jaccard | metric groupjaccard | tiles | prim | — |
/// | bit-packed | every value 0 or 1, distinct rows ≤ `EngineTuning.groups` × n | row-groups | row-groups | integer Prim, then prim: core distances differ within a group |
/// | bit-packed | 0/1, euclidean, manhattan or hamming, ≥ 4 blocks of `pointsPerBlock` and rows of ≥ 4 words | bit-blocks | bit-block-prim | prim: the mutual reachabilities cannot be ranked as integers |
/// | bit-packed | 0/1, euclidean, manhattan or hamming, otherwise | bit-tiles | bit-prim | prim: as above |
/// | bit-packed | 0/1, jaccard or cosine | tiles | prim | — |
/// | k-d tree | not 0/1, ≤ 16 columns, euclidean or manhattan | k-d tree | boruvka | columnar-prim: ties make the tree not provably unique |
/// | int-counts | not 0/1, every value an integer 0...255, 17...4 096 columns, euclidean or manhattan, alpha 1 | int-tiles | int-prim | prim: core distances (given from outside) that are not integer distances |
/// | dense | not 0/1, dense; or sparse with ≤ 16 columns or a quarter filled, ≤ 2·10⁸ cells | tiles | prim | — |
/// | sparse | otherwise | tiles | prim | — |
///
/// The int-counts engine computes squared euclidean (or manhattan) distances as exact integers (16 slots
/// per AVX-512BW instruction where the CPU has it, else on AVX2 binary columns as bits and the others
/// as bytes when every value is at most 127, else 8 slots per AVX2 instruction, else portable loops;
/// the same integers either way).
/// The integer paths of the bit engine run `BitKernelChoice.best` (the C kernels' AVX-512 path, their
/// popcnt path, or the Swift loops), recorded in `bitKernels`. A fallback is taken only when the path
/// before it returns nil at run time; `HDBSCANResult.plan.spanningTreeTaken` says which path ran.
public struct EnginePlan: Sendable, Equatable, CustomStringConvertible {
    public enum Engine: String, Sendable, CaseIterable {
        case groupJaccard = "group-jaccard", bitPacked = "bit-packed", kdTree = "k-d-tree", intCounts = "int-counts"
        case dense, sparse
    }

    /// How the core distances (the k-th nearest neighbours) are found.
    public enum NeighbourPath: String, Sendable, CaseIterable {
        /// `RowGroups.kthDistances`: one scan over distinct rows, weighted by group size.
        case rowGroups = "row-groups"
        /// `BitNearest` over blocks with popcount bounds, on integer counts of differing bits.
        case bitBlocks = "bit-blocks"
        /// `BitNearest` over tiles, on integer counts of differing bits.
        case bitTiles = "bit-tiles"
        /// `KDTree.neighbourLists`.
        case kdTree = "k-d-tree"
        /// `IntNearest`: tiles of exact integer distances over count rows.
        case intTiles = "int-tiles"
        /// `KNearest.kthDistances`: symmetric tiles over the kernel's distance.
        case tiles
    }

    /// How the minimum spanning tree of mutual reachability is built.
    public enum TreePath: String, Sendable, CaseIterable {
        /// `RowGroups.spanningTree`: Prim over groups of identical rows.
        case rowGroups = "row-groups"
        /// `BitBlockPrim`: Prim on integer ranks with block bounds.
        case bitBlockPrim = "bit-block-prim"
        /// `BitPrim`: Prim on integer ranks.
        case bitPrim = "bit-prim"
        /// `BoruvkaSpanningTree` on the k-d tree (only when the tree is provably unique).
        case boruvka
        /// `IntPrim`: Prim on exact integer distances over count rows.
        case intPrim = "int-prim"
        /// `ColumnarPrim`: Prim over column-major coordinates, four points at a time.
        case columnarPrim = "columnar-prim"
        /// `PrimSpanningTree`: Prim over the kernel's distance.
        case prim
    }

    public var engine: Engine
    public var engineReason: String
    public var neighbours: NeighbourPath
    public var neighboursReason: String
    public var spanningTree: TreePath
    public var spanningTreeReason: String
    /// Tried in order when the path before returns nil while running.
    public var fallbacks: [TreePath]
    /// Why a fallback may be needed ("" without fallbacks).
    public var fallbackReason: String
    /// The bit engine's integer kernels ("swift", "portable" or "vector", with why), nil on other paths.
    public var bitKernels: String?
    /// Worker threads the engine runs on.
    public var threads: Int
    /// The spanning-tree path that ran, set after the run (nil before, or when no tree was built).
    public var spanningTreeTaken: TreePath?

    /// What a clustering asks of the engine: HDBSCAN runs the k-NN and the spanning tree, DBSCAN radius
    /// queries, linkage pair distances.
    public enum Use: Sendable { case hdbscan, dbscan, linkage }

    /// The HDBSCAN explanation (`explanation(.hdbscan)`).
    public var description: String { explanation(.hdbscan) }

    /// One or two lines for `set explain on`: the plan, then the spanning-tree path taken when a
    /// fallback was possible.
    public func explanation(_ use: Use) -> String {
        var line = "plan: engine \(engine.rawValue) (\(engineReason))"
        switch use {
        case .hdbscan:
            line += "; k-NN \(neighbours.rawValue) (\(neighboursReason))"
            line += "; spanning tree \(spanningTree.rawValue) (\(spanningTreeReason))"
            if !fallbacks.isEmpty {
                line += ", may fall back to \(fallbacks.map(\.rawValue).joined(separator: " then ")) (\(fallbackReason))"
            }
            if let bitKernels { line += "; bit kernels \(bitKernels)" }
        case .dbscan:
            line += engine == .kdTree ? "; radius queries on the k-d tree" : "; radius queries scan every point"
        case .linkage:
            line += "; pair distances only"
        }
        line += "; \(threads) thread\(threads == 1 ? "" : "s")"
        if use == .hdbscan, let taken = spanningTreeTaken, !fallbacks.isEmpty {
            line += "\nplan: spanning tree taken: \(taken.rawValue)" + (taken == spanningTree ? "" : " (fell back)")
        }
        return line
    }

    /// The bit rows and their groups, made once while planning and handed to `BitPackedEngine`.
    /// Not part of the plan's value.
    let prepared: PreparedBits?
    final class PreparedBits: @unchecked Sendable {
        let kernel: BitKernel
        let groups: RowGroups?
        init(kernel: BitKernel, groups: RowGroups?) { self.kernel = kernel; self.groups = groups }
    }

    public static func == (a: EnginePlan, b: EnginePlan) -> Bool {
        a.engine == b.engine && a.engineReason == b.engineReason && a.neighbours == b.neighbours
            && a.neighboursReason == b.neighboursReason && a.spanningTree == b.spanningTree
            && a.spanningTreeReason == b.spanningTreeReason && a.fallbacks == b.fallbacks
            && a.fallbackReason == b.fallbackReason && a.bitKernels == b.bitKernels && a.threads == b.threads
            && a.spanningTreeTaken == b.spanningTreeTaken
    }
}

extension EnginePlan {
    /// The plan for `points` under `metric` on `threads` threads (0 = one per core). `alpha` is HDBSCAN's
    /// distance scaling: the integer spanning trees need every distance / alpha finite.
    public static func make(points: PointSet, metric: DistanceMetric, alpha: Double = 1, threads: Int) -> EnginePlan {
        make(points: points, metric: metric, alpha: alpha, threads: threads, tuning: .standard)
    }

    /// The one function that decides (see the table above); tests pass a `tuning` and block size that
    /// force the paths small inputs would not take.
    static func make(points: PointSet, metric: DistanceMetric, alpha: Double = 1, threads: Int, tuning: EngineTuning,
                     pointsPerBlock: Int = BitPackedEngine.defaultPointsPerBlock) -> EnginePlan {
        if metric == .groupjaccard {
            return kernelRow(.groupJaccard, "metric groupjaccard", metric: metric, threads: threads)
        }
        if points.isBinary {
            return bitPacked(points: points, metric: metric, alpha: alpha, threads: threads, tuning: tuning,
                             pointsPerBlock: pointsPerBlock)
        }
        if let plan = intCounts(points: points, metric: metric, alpha: alpha, threads: threads) { return plan }
        switch points.storage {
        case .dense(let m):
            if KDTreeEngine.suits(columns: m.columns, metric: metric) {
                return kdTree(columns: m.columns, metric: metric, threads: threads)
            }
            return kernelRow(.dense, "dense matrix, not 0/1", metric: metric, threads: threads)
        case .sparse(let m):
            if KDTreeEngine.suits(columns: m.columnCount, metric: metric) {
                return kdTree(columns: m.columnCount, metric: metric, threads: threads)
            }
            // Imported CSV matrices arrive as CSR: copy them dense when that costs little memory. The
            // dense loop adds the zero terms the sparse merge skips, which never changes a float sum.
            let cells = m.rowCount * m.columnCount
            let narrow = m.columnCount <= 16, filled = m.nonZeroCount * 4 >= cells
            if copiesDense(m) {
                return kernelRow(.dense, narrow ? "sparse matrix of at most 16 columns, copied dense"
                                                : "sparse matrix at least a quarter filled, copied dense",
                                 metric: metric, threads: threads)
            }
            return kernelRow(.sparse, narrow || filled ? "more than 2·10⁸ cells to copy dense"
                                                       : "sparse matrix less than a quarter filled",
                             metric: metric, threads: threads)
        }
    }

    /// Whether a sparse matrix is copied dense for its kernel: imported CSV matrices arrive as CSR, and
    /// a dense copy costs little memory when the matrix is narrow or a quarter filled.
    static func copiesDense(_ m: SparseMatrix) -> Bool {
        let cells = m.rowCount * m.columnCount
        return (m.columnCount <= 16 || m.nonZeroCount * 4 >= cells) && cells <= 200_000_000
    }

    /// An engine over an exact kernel: tiled k-NN and Prim, nothing to fall back on.
    static func kernelRow(_ engine: Engine, _ reason: String, metric: DistanceMetric, threads: Int) -> EnginePlan {
        EnginePlan(engine: engine, engineReason: reason,
                   neighbours: .tiles, neighboursReason: "every pair of the \(metric.rawValue) kernel, in tiles",
                   spanningTree: .prim, spanningTreeReason: "Prim over the kernel's distance",
                   fallbacks: [], fallbackReason: "", bitKernels: nil, threads: engineThreads(threads),
                   spanningTreeTaken: nil, prepared: nil)
    }

    /// The k-d tree's row (dense coordinates, few columns, euclidean or manhattan).
    static func kdTree(columns: Int, metric: DistanceMetric, threads: Int) -> EnginePlan {
        EnginePlan(engine: .kdTree,
                   engineReason: "\(columns) column\(columns == 1 ? "" : "s") (at most \(KDTreeEngine.maximumDimension)) under \(metric.rawValue)",
                   neighbours: .kdTree, neighboursReason: "exact neighbour lists from the tree",
                   spanningTree: .boruvka, spanningTreeReason: "Borůvka on the tree when the spanning tree is unique",
                   fallbacks: [.columnarPrim],
                   fallbackReason: "tied mutual reachabilities, found while running, need Prim's tie order",
                   bitKernels: nil, threads: engineThreads(threads), spanningTreeTaken: nil, prepared: nil)
    }

    /// The int-counts row, or nil when it does not apply: the k-d tree is faster in few columns, other
    /// metrics are not integer sums, and alpha ≠ 1 takes distances out of the integers.
    static func intCounts(points: PointSet, metric: DistanceMetric, alpha: Double, threads: Int) -> EnginePlan? {
        let columns = points.dimension
        guard alpha == 1, columns > KDTreeEngine.maximumDimension, IntCountRows.applies(to: points, metric: metric)
        else { return nil }
        let kernels = IntTileKernel.best(for: metric, points: points) == .bitsAndBytes
            ? "AVX2 bits and bytes: binary columns as bits, the others as bytes (every value at most 127)"
            : IntCountRows.vectorAvailable ? "16 slots per AVX-512BW instruction"
            : IntCountRows.tileVectorAvailable ? "8 slots per AVX2 instruction" : "portable loops"
        return EnginePlan(engine: .intCounts,
                          engineReason: "every value an integer 0...255, \(columns) columns, under \(metric.rawValue)",
                          neighbours: .intTiles,
                          neighboursReason: "exact integer distances in tiles, \(kernels)",
                          spanningTree: .intPrim, spanningTreeReason: "Prim on exact integer distances",
                          fallbacks: [.prim],
                          fallbackReason: "core distances that are not integer distances need the doubles",
                          bitKernels: nil, threads: engineThreads(threads), spanningTreeTaken: nil, prepared: nil)
    }

    /// The bit engine's rows: groups of identical rows when they are few enough, else integer popcount
    /// paths for the metrics that are a function of the differing bits alone, else the generic drivers.
    static func bitPacked(points: PointSet, metric: DistanceMetric, alpha: Double, threads: Int, tuning: EngineTuning,
                          pointsPerBlock: Int) -> EnginePlan {
        let kernel = BitKernel(points: points, metric: metric)
        let n = kernel.count
        let grouped = RowGroups(kernel)
        let groups = Double(grouped.count) <= tuning.groups * Double(n) ? grouped : nil
        // k-NN and Prim work in blocks from four blocks on, and on rows of at least four words
        // (narrower rows stay in the cache anyway, and their bounds are loose: with blocks, one-word rows
        // are slower). With the kernels of `CBitKernels` (eight pairs per vector) the k-NN sweeps every
        // pair instead: the blocks' bookkeeping costs more than the pairs it saves. Prim keeps its blocks,
        // whose catch-ups apply many tree points to rows held in registers, where the plain vector scan
        // waits on memory (`scripts/bench cluster --data binary512u` compares them).
        let blocks = n >= 4 * max(1, pointsPerBlock) && kernel.words >= 4
        let integerTree: TreePath = blocks ? .bitBlockPrim : .bitPrim
        let shape = "\(n) rows of \(kernel.words) word\(kernel.words == 1 ? "" : "s")"
        let ranked = !kernel.usesTable ? false
            : (0...kernel.dimension).allSatisfy { alpha == 1 || (kernel.table[$0] / alpha).isFinite }
        let rankFallback = "a core distance that is not a finite number ≥ +0 cannot be ranked"
        var plan = EnginePlan(engine: .bitPacked, engineReason: "every value 0 or 1",
                              neighbours: .tiles, neighboursReason: "", spanningTree: .prim, spanningTreeReason: "",
                              fallbacks: [], fallbackReason: "",
                              bitKernels: kernel.usesTable ? "\(tuning.bitKernels) (\(tuning.bitKernels.reason))" : nil,
                              threads: engineThreads(threads), spanningTreeTaken: nil,
                              prepared: PreparedBits(kernel: kernel, groups: groups))
        if let groups {
            plan.neighbours = .rowGroups
            plan.neighboursReason = "\(groups.count) distinct rows of \(n)"
            plan.spanningTree = .rowGroups
            plan.spanningTreeReason = "Prim over the distinct rows"
            plan.fallbacks = kernel.usesTable && ranked ? [integerTree, .prim] : [.prim]
            plan.fallbackReason = "core distances that differ within a group (given from outside) need the points"
            return plan
        }
        if kernel.usesTable {
            plan.neighbours = blocks ? .bitBlocks : .bitTiles
            plan.neighboursReason = "\(metric.rawValue) is a function of the differing bits; " + shape
                + (blocks ? ", in \(min(128, n / max(1, pointsPerBlock))) blocks" : "")
        } else {
            plan.neighboursReason = "\(metric.rawValue) needs the rows' popcounts too, not only the differing bits"
        }
        if kernel.usesTable && ranked {
            plan.spanningTree = integerTree
            plan.spanningTreeReason = "Prim on integer ranks of the mutual reachabilities"
            plan.fallbacks = [.prim]
            plan.fallbackReason = rankFallback
        } else {
            plan.spanningTreeReason = kernel.usesTable ? "alpha \(alpha) makes a distance infinite: no integer ranks"
                                                       : "Prim over the kernel's distance"
        }
        return plan
    }
}

/// An engine that follows an `EnginePlan` and says which spanning-tree path it took.
protocol PlannedEngine: NeighbourhoodEngine {
    var plan: EnginePlan { get }
    /// The path of the last spanning tree built (nil before the first).
    var spanningTreeTaken: EnginePlan.TreePath? { get }
}

extension PlannedEngine {
    /// The plan's spanning-tree path, then its fallbacks in order until `build` gives a tree (nil: the
    /// path declines), handing the path that gave it to `record`. Every plan ends with a path that
    /// always gives one (Prim or ColumnarPrim).
    func followPlan(record: (EnginePlan.TreePath) -> Void,
                    _ build: (EnginePlan.TreePath) throws -> [MSTEdge]?) throws -> [MSTEdge] {
        for path in [plan.spanningTree] + plan.fallbacks {
            if let edges = try build(path) {
                record(path)
                return edges
            }
        }
        preconditionFailure("\(plan.engine.rawValue): a plan ends with a path that always gives a tree")
    }

    /// The plan with the path taken filled in.
    var planAfterRun: EnginePlan {
        var p = plan
        p.spanningTreeTaken = spanningTreeTaken
        return p
    }
}
