import CBitKernels
import Synchronization

/// The exact silhouette of rows of small integers (counts 0...255) under euclidean or manhattan distance.
///
/// Why: the 2016 feature space (`features full`, filtered) mixes binary columns with small counts, so
/// its rows are neither binary nor sparse (about 40 % filled) and nearly all distinct (2 % repeat on
/// generated reports: grouping them would not pay). There a squared euclidean or manhattan distance is
/// an integer sum, exactly the double sum scikit-learn makes (every partial sum is an integer far below
/// 2^53): `cid_tile` (AVX-512 VNNI byte dot products, euclidean), `cib_tile` (AVX2 bits and byte products,
/// euclidean, values up to 127), `cid_word_tile` (AVX2 16-bit dot products) or `cik_tile` (16-bit
/// differences) computes a tile of them, and the square root is taken in double as scikit-learn does.
///
/// Points are ordered by cluster and cut into blocks of `blockSlots`. Each pair of blocks P ≤ Q is
/// computed once: its tile gives the rows of P their sums over Q's cluster runs and the rows of Q their
/// sums over P's (`cik_tile_sums`), half the distance and square-root work of a full n × n pass. Blocks
/// go in strips (P = 0, 1, ...: the tiles of a strip in parallel, then P's own sums in Q order), so
/// every point receives its per-run sums in ascending slot order, whatever the threads. Clusters being
/// contiguous, a point's runs arrive cluster after cluster: each cluster's sum is closed as the next
/// begins (`RunningMeans`), so the state is O(n), not O(n × k). The result depends on the block size only;
/// it differs from scikit-learn's by the order of additions.
enum IntSilhouette {
    /// Slots per block (a multiple of 16, the kernels' groups): a tile of two blocks (64 KB of distances,
    /// 128 KB of column sums) stays in the L2 cache, and a strip has enough tiles for the threads.
    static let blockSlots = 128

    /// How a tile of distances is computed (`IntTileKernel`): all give the same integers, so the same
    /// score to the bit.
    typealias Kernel = IntTileKernel

    /// Whether the kernel applies: euclidean or manhattan over integer values in 0...255, with at most
    /// 4 096 columns and lanes of at most 1 GB (wider sparse matrices keep the sparse paths).
    static func applies(to points: PointSet, metric: DistanceMetric) -> Bool {
        IntCountRows.applies(to: points, metric: metric)
    }

    /// Σ over points of their silhouette (NaN as 0); `cluster[i]` in 0..<sizes.count.
    static func total(points: PointSet, cluster: [Int], sizes: [Int], metric: DistanceMetric, threads: Int,
                      kernel: Kernel? = nil, control: TaskControl) throws(Interrupted) -> Double {
        // The chosen kernel runs by construction: only a requested one is checked (each check scans every value).
        let kernel = kernel.map { Kernel.runnable($0, on: points) } ?? Kernel.bestForSilhouette(metric, points: points)
        precondition(!kernel.euclideanOnly || metric == .euclidean, "the dot-product kernels are euclidean only")
        let n = cluster.count, k = sizes.count
        let pairs = (points.dimension + 1) / 2
        // Slots in cluster order (stable), so cluster c is slots start[c]..<start[c + 1].
        var start = [Int](repeating: 0, count: k + 1)
        for c in cluster { start[c + 1] += 1 }
        for c in 0..<k { start[c + 1] += start[c] }
        var fill = Array(start.dropLast())
        var order = [Int](repeating: 0, count: n)
        for i in 0..<n { order[fill[cluster[i]]] = i; fill[cluster[i]] += 1 }

        // Each block's cluster runs: runs runFirst[q]..<runFirst[q + 1], run u of cluster runCluster[u]
        // over the block's local slots bounds[u + q]..<bounds[u + q + 1].
        let size = blockSlots
        let blocks = (n + size - 1) / size
        var runFirst = [Int](repeating: 0, count: blocks + 1)
        var runCluster: [Int] = []
        var bounds: [Int64] = []
        var c = 0
        for q in 0..<blocks {
            runFirst[q] = runCluster.count
            let lo = q * size, hi = min(n, lo + size)
            var slot = lo
            bounds.append(0)
            while slot < hi {
                while start[c + 1] <= slot { c += 1 }
                let end = min(hi, start[c + 1])
                runCluster.append(c)
                bounds.append(Int64(end - lo))
                slot = end
            }
        }
        runFirst[blocks] = runCluster.count
        let runFirstOf = runFirst

        // The dot-product kernel reads byte rows; the others 16-bit pairs (one layout is built, not both).
        let dots = kernel.readsBytes
        let bytes = dots ? IntByteRows.packed(points, rows: order, bitsAndBytes: kernel == .bitsAndBytes) : nil
        defer { bytes?.deallocate() }
        let packed = dots ? UnsafeMutablePointer<UInt32>.allocate(capacity: 1) : IntCountRows.packed(points, rows: order)
        defer { packed.deallocate() }
        let lanes = dots ? UnsafeMutablePointer<UInt32>.allocate(capacity: 1) : IntCountRows.lanes(of: packed, count: n, pairs: pairs)
        defer { lanes.deallocate() }
        // The 16-bit dot products' terms: each slot's |y|², whole groups.
        let words = kernel == .wordDotProducts
        let wordTerms = UnsafeMutablePointer<Int32>.allocate(capacity: words ? (n + 15) / 16 * 16 : 1)
        wordTerms.initialize(repeating: 0, count: words ? (n + 15) / 16 * 16 : 1)
        defer { wordTerms.deallocate() }
        if words { for slot in 0..<n { wordTerms[slot] = cid_word_term(packed + slot * pairs, Int64(pairs)) } }

        let threadCount = max(1, min(engineThreads(threads), blocks))
        let outs = UnsafeMutablePointer<Int32>.allocate(capacity: threadCount * size * size)
        defer { outs.deallocate() }
        let columnSums = UnsafeMutablePointer<Double>.allocate(capacity: threadCount * size * size)
        defer { columnSums.deallocate() }
        let scratch = UnsafeMutablePointer<Double>.allocate(capacity: threadCount * size)
        defer { scratch.deallocate() }
        // A strip's row sums: tile (P, Q)'s at size * runFirst[Q], row r's runs of Q in a row.
        let rowSums = UnsafeMutablePointer<Double>.allocate(capacity: max(1, size * runFirst[blocks]))
        defer { rowSums.deallocate() }
        var slotCluster = [Int](repeating: 0, count: n)
        for slot in 0..<n { slotCluster[slot] = cluster[order[slot]] }
        let means = RunningMeans(slotCluster: slotCluster, sizes: sizes)
        defer { means.deallocate() }

        let shared = (packed: SharedPointer(base: packed), lanes: SharedPointer(base: lanes),
                      outs: SharedPointer(base: outs), columnSums: SharedPointer(base: columnSums),
                      scratch: SharedPointer(base: scratch), rowSums: SharedPointer(base: rowSums),
                      wordTerms: SharedPointer(base: wordTerms))
        let manhattan: Int32 = metric == .manhattan ? 1 : 0
        let root: Int32 = metric == .euclidean ? 1 : 0
        // Two flags, as the C paths differ: `cik_tile` runs its vectors (AVX-512BW, else AVX2) for `.differences` only, and
        // the tile sums run theirs wherever the CPU has AVX-512 (the same bits either way). The AVX2 word
        // kernel serves CPUs without AVX-512, so its sums must not take the AVX-512 path (SIGILL on CI).
        let tileVectorFlag: Int32 = kernel == .differences ? 1 : 0
        let sumsVectorFlag: Int32 = IntCountRows.vectorAvailable ? 1 : 0
        let cancelled = Atomic<Bool>(false)
        let tiles = blocks * (blocks + 1) / 2
        var tilesDone = 0
        control.report(Progress(phase: "silhouette", done: 0, total: tiles))
        runCluster.withUnsafeBufferPointer { runClusterBuffer in
            bounds.withUnsafeBufferPointer { boundsBuffer in
                let runCluster = runClusterBuffer.baseAddress!, bounds = boundsBuffer.baseAddress!
                let ends = (runCluster: SharedPointer(base: UnsafeMutablePointer(mutating: runCluster)),
                            bounds: SharedPointer(base: UnsafeMutablePointer(mutating: bounds)))
                for p in 0..<blocks {
                    if control.isCancelled() { cancelled.store(true, ordering: .relaxed); return }
                    let rowFirst = p * size, rows = min(size, n - rowFirst)
                    let pRuns = runFirst[p + 1] - runFirst[p]
                    runTasks(blocks - p, threads: threadCount) { task, thread in
                        if control.isCancelled() { cancelled.store(true, ordering: .relaxed); return false }
                        let q = p + task
                        let columnFirst = q * size, columns = min(size, n - columnFirst)
                        let out = shared.outs.base + thread * size * size
                        let groupLo = Int64(columnFirst / 16), groupHi = Int64((columnFirst + columns + 15) / 16)
                        if let bytes {
                            bytes.tile(bytes.rows + rowFirst * bytes.words, bytes.rowTerms + rowFirst, rows,
                                       groups: Int(groupLo)..<Int(groupHi), out, size)
                        } else if words {
                            cid_word_tile(shared.packed.base + rowFirst * pairs, shared.wordTerms.base + rowFirst, Int64(rows),
                                          shared.lanes.base, shared.wordTerms.base, Int64(pairs), groupLo, groupHi, out,
                                          Int64(size))
                        } else {
                            cik_tile(shared.packed.base + rowFirst * pairs, Int64(rows), shared.lanes.base, Int64(pairs),
                                     groupLo, groupHi, manhattan, out, Int64(size), tileVectorFlag)
                        }
                        let qRuns = runFirstOf[q + 1] - runFirstOf[q]
                        let columnSums = q == p ? nil : shared.columnSums.base + thread * size * size
                        cik_tile_sums(out, Int64(size), Int64(rows), Int64(columns), root,
                                      ends.bounds.base + runFirstOf[p] + p, Int64(pRuns),
                                      ends.bounds.base + runFirstOf[q] + q, Int64(qRuns),
                                      shared.rowSums.base + size * runFirstOf[q], columnSums,
                                      shared.scratch.base + thread * size, sumsVectorFlag)
                        // Q's points take their sums over P's runs now: this task alone touches them.
                        if let columnSums {
                            for column in 0..<columns {
                                for v in 0..<pRuns {
                                    means.add(columnFirst + column, ends.runCluster.base[runFirstOf[p] + v],
                                              columnSums[v * columns + column])
                                }
                            }
                        }
                        return true
                    }
                    if cancelled.load(ordering: .relaxed) { return }
                    // P's points take their sums over the runs of P, P + 1, ... in that order.
                    for r in 0..<rows {
                        for q in p..<blocks {
                            let qRuns = runFirst[q + 1] - runFirst[q]
                            let sums = rowSums + size * runFirst[q] + r * qRuns
                            for u in 0..<qRuns { means.add(rowFirst + r, runCluster[runFirst[q] + u], sums[u]) }
                        }
                    }
                    tilesDone += blocks - p
                    control.report(Progress(phase: "silhouette", done: tilesDone, total: tiles))
                }
            }
        }
        if cancelled.load(ordering: .relaxed) { throw Interrupted() }
        var total = 0.0
        for slot in 0..<n { total += means.score(slot) }
        return total
    }
}

/// Each point's mean distance to its own cluster and smallest mean distance to another, from per-run
/// sums that arrive cluster after cluster (ascending): the open cluster's sum is closed into the means
/// when the next cluster's first sum arrives (or at `score`). Points are written by one thread at a time.
struct RunningMeans: @unchecked Sendable {
    private let open: UnsafeMutablePointer<Int>
    private let sum: UnsafeMutablePointer<Double>
    private let own: UnsafeMutablePointer<Double>
    private let other: UnsafeMutablePointer<Double>
    private let slotCluster: UnsafeMutablePointer<Int>
    private let sizes: UnsafeMutablePointer<Int>

    init(slotCluster clusters: [Int], sizes clusterSizes: [Int]) {
        let n = clusters.count
        open = .allocate(capacity: max(1, n)); open.initialize(repeating: -1, count: max(1, n))
        sum = .allocate(capacity: max(1, n)); sum.initialize(repeating: 0, count: max(1, n))
        own = .allocate(capacity: max(1, n)); own.initialize(repeating: 0, count: max(1, n))
        other = .allocate(capacity: max(1, n)); other.initialize(repeating: .infinity, count: max(1, n))
        slotCluster = .allocate(capacity: max(1, n)); slotCluster.initialize(repeating: 0, count: max(1, n))
        for (i, c) in clusters.enumerated() { slotCluster[i] = c }
        sizes = .allocate(capacity: max(1, clusterSizes.count)); sizes.initialize(repeating: 0, count: max(1, clusterSizes.count))
        for (c, size) in clusterSizes.enumerated() { sizes[c] = size }
    }

    func deallocate() {
        open.deallocate(); sum.deallocate(); own.deallocate(); other.deallocate(); slotCluster.deallocate()
        sizes.deallocate()
    }

    /// Adds `value`, a sum of point `slot`'s distances into cluster `c`.
    @inline(__always) func add(_ slot: Int, _ c: Int, _ value: Double) {
        if open[slot] != c {
            close(slot)
            open[slot] = c
            sum[slot] = 0
        }
        sum[slot] += value
    }

    /// scikit-learn divides by (size − 1) in the own cluster: a singleton gives 0/0 = NaN, a 0 score.
    private func close(_ slot: Int) {
        let c = open[slot]
        guard c >= 0 else { return }
        if c == slotCluster[slot] { own[slot] = sum[slot] / Double(sizes[c] - 1) } else {
            other[slot] = min(other[slot], sum[slot] / Double(sizes[c]))
        }
    }

    /// The point's silhouette (NaN as 0), once every sum has arrived.
    func score(_ slot: Int) -> Double {
        close(slot)
        open[slot] = -1
        let a = own[slot], b = other[slot]
        let s = (b - a) / max(a, b)
        return s.isNaN ? 0 : s
    }
}
