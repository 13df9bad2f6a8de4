import CBitKernels
import Synchronization

/// The exact silhouette of rows of small integers (counts 0...255) under euclidean or manhattan distance.
///
/// Why: the 2016 feature space (`features full`, filtered) mixes binary columns with small counts, so
/// its rows are neither binary nor sparse (about 40 % filled) and nearly all distinct. There a squared
/// euclidean or manhattan distance is an integer sum, exactly the double sum scikit-learn makes (every
/// partial sum is an integer far below 2^53), and 16-bit lanes hold every difference: `cik_tile`
/// computes a tile of rows against 16 slots per vector instruction (AVX-512BW where the CPU has it).
///
/// Points are ordered by cluster, so a row's sum over a cluster is one contiguous run (`cik_sum`, with
/// the square root for euclidean). Rows go in tiles of `tileRows` against chunks of `chunkSlots` slots,
/// so each chunk of the lanes is read once per tile from memory and many times from cache. Each row's
/// sums are made in a fixed order whatever the threads, so the result never depends on them; it differs
/// from scikit-learn's (and from `Silhouette`'s other paths) by the order of additions only.
enum IntSilhouette {
    static let tileRows = 128
    static let chunkSlots = 512

    /// How a tile of distances is computed; all give the same integers, so the same score to the bit.
    enum Kernel: CaseIterable, Sendable {
        /// `cik_tile`, portable.
        case plain
        /// `cik_tile` on AVX-512BW: 16-bit differences, 32 columns per three instructions.
        case differences
        /// `cid_tile` on AVX-512 VNNI (euclidean only): byte dot products, 64 columns per instruction.
        case dotProducts

        /// The kernels this CPU runs.
        static var available: [Kernel] {
            [.plain] + (IntCountRows.vectorAvailable ? [.differences] : []) + (IntByteRows.available ? [.dotProducts] : [])
        }

        /// The fastest this CPU runs for `metric`.
        static func best(for metric: DistanceMetric) -> Kernel {
            if metric == .euclidean && IntByteRows.available { return .dotProducts }
            return IntCountRows.vectorAvailable ? .differences : .plain
        }
    }

    /// Whether the kernel applies: euclidean or manhattan over integer values in 0...255, with at most
    /// 4 096 columns and lanes of at most 1 GB (wider sparse matrices keep the sparse paths).
    static func applies(to points: PointSet, metric: DistanceMetric) -> Bool {
        IntCountRows.applies(to: points, metric: metric)
    }

    /// Σ over points of their silhouette (NaN as 0); `cluster[i]` in 0..<sizes.count.
    static func total(points: PointSet, cluster: [Int], sizes: [Int], metric: DistanceMetric, threads: Int,
                      kernel: Kernel? = nil, control: TaskControl) throws(Interrupted) -> Double {
        let kernel = kernel ?? Kernel.best(for: metric)
        precondition(kernel != .dotProducts || metric == .euclidean, "the dot-product kernel is euclidean only")
        let n = cluster.count, k = sizes.count
        let pairs = (points.dimension + 1) / 2
        // Slots in cluster order (stable), so cluster c is slots start[c]..<start[c + 1].
        var start = [Int](repeating: 0, count: k + 1)
        for c in cluster { start[c + 1] += 1 }
        for c in 0..<k { start[c + 1] += start[c] }
        var fill = Array(start.dropLast())
        var slots = [Int](repeating: 0, count: n)
        for i in 0..<n { slots[fill[cluster[i]]] = i; fill[cluster[i]] += 1 }
        let order = slots

        // The dot-product kernel reads byte rows; the others 16-bit pairs (one layout is built, not both).
        let dots = kernel == .dotProducts
        let bytes = dots ? IntByteRows.packed(points, rows: order) : nil
        defer { bytes?.deallocate() }
        let packed = dots ? UnsafeMutablePointer<UInt32>.allocate(capacity: 1) : IntCountRows.packed(points, rows: order)
        defer { packed.deallocate() }
        let lanes = dots ? UnsafeMutablePointer<UInt32>.allocate(capacity: 1) : IntCountRows.lanes(of: packed, count: n, pairs: pairs)
        defer { lanes.deallocate() }

        let groups = (n + 15) / 16
        let chunkGroups = chunkSlots / 16
        let tiles = (n + tileRows - 1) / tileRows
        let threadCount = max(1, min(engineThreads(threads), tiles))
        let outs = UnsafeMutablePointer<Int32>.allocate(capacity: threadCount * tileRows * chunkSlots)
        defer { outs.deallocate() }
        let sums = UnsafeMutablePointer<Double>.allocate(capacity: threadCount * tileRows * k)
        defer { sums.deallocate() }
        let scores = UnsafeMutablePointer<Double>.allocate(capacity: max(n, 1))
        defer { scores.deallocate() }
        let shared = (packed: SharedPointer(base: packed), lanes: SharedPointer(base: lanes),
                      outs: SharedPointer(base: outs), sums: SharedPointer(base: sums),
                      scores: SharedPointer(base: scores))
        let manhattan: Int32 = metric == .manhattan ? 1 : 0
        let root: Int32 = metric == .euclidean ? 1 : 0
        let vectorFlag: Int32 = kernel == .plain ? 0 : 1
        let cancelled = Atomic<Bool>(false)
        let finished = Atomic<Int>(0)
        control.report(Progress(phase: "silhouette", done: 0, total: n))
        start.withUnsafeBufferPointer { startBuffer in
            let clusterStart = SharedPointer(base: UnsafeMutablePointer(mutating: startBuffer.baseAddress!))
            runTasks(tiles, threads: threadCount) { tile, thread in
                if control.isCancelled() { cancelled.store(true, ordering: .relaxed); return false }
                let first = tile * tileRows
                let rows = min(tileRows, n - first)
                let out = shared.outs.base + thread * tileRows * chunkSlots
                let own = shared.sums.base + thread * tileRows * k
                own.initialize(repeating: 0, count: tileRows * k)
                var c = 0   // the cluster of the chunk's first slot
                var group = 0
                while group < groups {
                    let groupEnd = min(groups, group + chunkGroups)
                    if let bytes {
                        cid_tile(bytes.rows + first * bytes.quads, bytes.rowTerms + first, Int64(rows), bytes.lanes,
                                 bytes.slotTerms, Int64(bytes.quads), Int64(group), Int64(groupEnd), out, Int64(chunkSlots))
                    } else {
                        cik_tile(shared.packed.base + first * pairs, Int64(rows), shared.lanes.base, Int64(pairs),
                                 Int64(group), Int64(groupEnd), manhattan, out, Int64(chunkSlots), vectorFlag)
                    }
                    let lo = group * 16, hi = min(n, groupEnd * 16)
                    while clusterStart.base[c + 1] <= lo { c += 1 }
                    var cc = c
                    while cc < k && clusterStart.base[cc] < hi {
                        let a = max(lo, clusterStart.base[cc]), b = min(hi, clusterStart.base[cc + 1])
                        if a < b {
                            for r in 0..<rows {
                                own[r * k + cc] += cik_sum(out + r * chunkSlots + (a - lo), Int64(b - a), root, vectorFlag)
                            }
                        }
                        cc += 1
                    }
                    group = groupEnd
                }
                for r in 0..<rows {
                    let sums = own + r * k
                    let ci = cluster[order[first + r]]
                    let a = sums[ci] / Double(sizes[ci] - 1)
                    var b = Double.infinity
                    for c in 0..<k where c != ci { b = min(b, sums[c] / Double(sizes[c])) }
                    let s = (b - a) / max(a, b)
                    shared.scores.base[first + r] = s.isNaN ? 0 : s
                }
                let done = finished.wrappingAdd(rows, ordering: .relaxed).newValue
                control.report(Progress(phase: "silhouette", done: done, total: n))
                return true
            }
        }
        if cancelled.load(ordering: .relaxed) { throw Interrupted() }
        var total = 0.0
        for slot in 0..<n { total += scores[slot] }
        return total
    }
}
