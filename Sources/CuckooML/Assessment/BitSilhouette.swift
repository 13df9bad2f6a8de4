import CBitKernels

/// The exact silhouette of binary points, over groups of identical (row, cluster) pairs.
///
/// Why: the feature matrix is binary and its rows repeat (samples of one family often share every
/// feature kept after the coverage filter), and scikit-learn's silhouette is a sum over all pairs. For
/// 0/1 rows every metric but group Jaccard is a function of the count of differing bits and the rows'
/// popcounts (see `BitKernel`), so:
/// - points with the same row and the same cluster have the same per-cluster distance sums and the same
///   score: each such group is computed once and its score counts once per member;
/// - a sum over the members of another group is that group's distance times its size;
/// - within a point's own group the other members are at d(x, x) (0 but for cosine's rounding).
///
/// Each group's row is compared with every group by `cbk_differing` (eight rows per vector instruction
/// where the CPU has AVX-512 VPOPCNTDQ), the groups ordered by cluster so each cluster's sum is one
/// contiguous run. Work is u² for u groups, memory O(u) per thread: no n × n or n × k matrix. Each
/// group's score depends only on its own row, so the result is the same for any thread count. The sums
/// are added in another order than scikit-learn's (and sizes multiply instead of repeating additions),
/// which moves the score by rounding only: the fixtures agree to 1e-12.
enum BitSilhouette {
    /// Whether `score` applies: binary points under a metric the bit kernel evaluates.
    static func applies(to points: PointSet, metric: DistanceMetric) -> Bool {
        metric != .groupjaccard && points.isBinary
    }

    /// Σ over points of their silhouette (NaN as 0); `cluster[i]` in 0..<sizes.count.
    static func total(points: PointSet, cluster: [Int], sizes: [Int], metric: DistanceMetric, threads: Int,
                      kernels: BitKernelChoice = .best, control: TaskControl) throws(Interrupted) -> Double {
        let kernel = BitKernel(points: points, metric: metric)
        let groups = RowClusterGroups(kernel: kernel, cluster: cluster, clusterCount: sizes.count)
        let u = groups.count, k = sizes.count, words = kernel.words
        let lanes = UnsafeMutablePointer<UInt64>.allocate(capacity: max(8 * words, Int(cbk_lanes_capacity(Int64(u), Int64(words)))))
        defer { lanes.deallocate() }
        cbk_interleave(groups.rows, Int64(words), Int64(u), lanes)

        let threadCount = u >= 64 ? engineThreads(threads) : 1
        let differing = UnsafeMutablePointer<Int32>.allocate(capacity: threadCount * max(u, 1))
        defer { differing.deallocate() }
        let sums = UnsafeMutablePointer<Double>.allocate(capacity: threadCount * k)
        defer { sums.deallocate() }
        let scores = UnsafeMutablePointer<Double>.allocate(capacity: max(u, 1))
        defer { scores.deallocate() }
        let table = UnsafeMutablePointer<Double>.allocate(capacity: kernel.dimension + 1)
        defer { table.deallocate() }
        table.initialize(from: kernel.table, count: kernel.dimension + 1)

        let shared = (lanes: SharedPointer(base: lanes), differing: SharedPointer(base: differing),
                      sums: SharedPointer(base: sums), scores: SharedPointer(base: scores),
                      table: SharedPointer(base: table))
        let vectorFlag = kernels.vectorFlag
        let evaluate = PairValue(metric: metric, dimension: kernel.dimension)
        let ticker = PointTicker(control, phase: "silhouette", points: u, updates: 200)
        groups.withArrays { g in
            runTasks(u, threads: threadCount) { i, thread in
                guard ticker.tick(i) else { return false }
                let diff = shared.differing.base + thread * u
                let own = shared.sums.base + thread * k
                cbk_differing(g.rows + i * words, shared.lanes.base, Int64(words), Int64(u), diff, vectorFlag)
                let onesI = g.ones[i]
                for c in 0..<k {
                    var s = 0.0
                    var h = g.clusterStart[c]
                    let end = g.clusterStart[c + 1]
                    switch evaluate.kind {
                    case .table:
                        let t = shared.table.base
                        while h < end { s += g.weight[h] * t[Int(diff[h])]; h += 1 }
                    case .jaccard, .cosine:
                        while h < end { s += g.weight[h] * evaluate.value(Int(diff[h]), onesI, g.ones[h]); h += 1 }
                    }
                    own[c] = s
                }
                // The point itself is not its own neighbour: one copy of d(x, x) comes off.
                let ci = g.clusterOf[i]
                own[ci] -= evaluate.value(0, onesI, onesI, table: shared.table.base)
                let a = own[ci] / Double(sizes[ci] - 1)
                var b = Double.infinity
                for c in 0..<k where c != ci { b = min(b, own[c] / Double(sizes[c])) }
                let score = (b - a) / max(a, b)
                shared.scores.base[i] = score.isNaN ? 0 : score
                return true
            }
        }
        try ticker.finish()
        var total = 0.0
        for i in 0..<u { total += groups.weight[i] * scores[i] }
        return total
    }
}

/// One pair's distance from its count of differing bits and the rows' popcounts, as `BitDistance`
/// and `RowDistances` compute it.
private struct PairValue: Sendable {
    enum Kind { case table, jaccard, cosine }
    let kind: Kind

    init(metric: DistanceMetric, dimension: Int) {
        switch metric {
        case .jaccard: kind = .jaccard
        case .cosine: kind = .cosine
        case .euclidean, .manhattan, .hamming, .groupjaccard: kind = .table
        }
    }

    @inline(__always)
    func value(_ differ: Int, _ onesX: Int, _ onesY: Int) -> Double {
        switch kind {
        case .table:
            preconditionFailure("table metrics read the table")
        case .jaccard:
            let union = (onesX &+ onesY &+ differ) >> 1
            return union == 0 ? 0 : Double(differ) / Double(union)
        case .cosine:
            let both = (onesX &+ onesY &- differ) >> 1
            return Distances.cosineDistance(dot: Double(both), normX: Double(onesX), normY: Double(onesY))
        }
    }

    func value(_ differ: Int, _ onesX: Int, _ onesY: Int, table: UnsafePointer<Double>) -> Double {
        kind == .table ? table[differ] : value(differ, onesX, onesY)
    }
}

/// The distinct (row, cluster) pairs of a bit kernel: one packed row, size and cluster per group,
/// groups ordered by cluster (then by first point), so cluster c's groups are
/// `clusterStart[c]..<clusterStart[c + 1]`.
final class RowClusterGroups: @unchecked Sendable {
    let count: Int
    let words: Int
    let rows: UnsafeMutablePointer<UInt64>
    let weight: [Double]
    let ones: [Int]
    let clusterOf: [Int]
    let clusterStart: [Int]

    init(kernel: BitKernel, cluster: [Int], clusterCount k: Int) {
        let n = kernel.count, words = kernel.words
        self.words = words
        // Groups numbered by first point; a hash of (cluster, row) finds candidates, words confirm.
        var firstPoint: [Int] = []
        var sizes: [Int] = []
        var byHash: [UInt64: Int32] = [:]
        var chain: [Int32] = []   // next group with the same hash, −1 at the end
        for i in 0..<n {
            let row = kernel.bits + i * words
            var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(cluster[i])
            for w in 0..<words { h = (h ^ row[w]) &* 0x0000_0100_0000_01b3; h ^= h >> 29 }
            var g = byHash[h] ?? -1
            while g >= 0 {
                let f = firstPoint[Int(g)]
                if cluster[f] == cluster[i], Self.same(kernel.bits + f * words, row, words) { break }
                g = chain[Int(g)]
            }
            if g >= 0 {
                sizes[Int(g)] += 1
            } else {
                chain.append(byHash[h] ?? -1)
                byHash[h] = Int32(sizes.count)
                firstPoint.append(i)
                sizes.append(1)
            }
        }
        let u = sizes.count
        count = u
        // Stable counting sort of the groups by cluster.
        var start = [Int](repeating: 0, count: k + 1)
        for f in firstPoint { start[cluster[f] + 1] += 1 }
        for c in 0..<k { start[c + 1] += start[c] }
        var fill = Array(start.dropLast())
        var order = [Int](repeating: 0, count: u)
        for g in 0..<u {
            let c = cluster[firstPoint[g]]
            order[fill[c]] = g; fill[c] += 1
        }
        clusterStart = start
        rows = .allocate(capacity: max(u, 1) * words)
        var weight = [Double](repeating: 0, count: u)
        var ones = [Int](repeating: 0, count: u)
        var clusterOf = [Int](repeating: 0, count: u)
        for (slot, g) in order.enumerated() {
            let f = firstPoint[g]
            (rows + slot * words).initialize(from: kernel.bits + f * words, count: words)
            weight[slot] = Double(sizes[g])
            var c = 0
            for w in 0..<words { c += (kernel.bits + f * words)[w].nonzeroBitCount }
            ones[slot] = c
            clusterOf[slot] = cluster[f]
        }
        self.weight = weight
        self.ones = ones
        self.clusterOf = clusterOf
    }

    deinit { rows.deallocate() }

    private static func same(_ x: UnsafePointer<UInt64>, _ y: UnsafePointer<UInt64>, _ words: Int) -> Bool {
        for w in 0..<words where x[w] != y[w] { return false }
        return true
    }

    /// The arrays as raw pointers, for the threads' inner loops.
    struct Arrays: @unchecked Sendable {
        let rows: UnsafePointer<UInt64>
        let weight: UnsafePointer<Double>
        let ones: UnsafePointer<Int>
        let clusterOf: UnsafePointer<Int>
        let clusterStart: UnsafePointer<Int>
    }

    func withArrays<R>(_ body: (Arrays) throws -> R) rethrows -> R {
        try weight.withUnsafeBufferPointer { w in
            try ones.withUnsafeBufferPointer { o in
                try clusterOf.withUnsafeBufferPointer { c in
                    try clusterStart.withUnsafeBufferPointer { s in
                        try body(Arrays(rows: rows, weight: w.baseAddress!, ones: o.baseAddress!,
                                        clusterOf: c.baseAddress!, clusterStart: s.baseAddress!))
                    }
                }
            }
        }
    }
}
