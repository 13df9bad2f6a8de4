/// The mean silhouette coefficient, as scikit-learn's `silhouette_score(X, labels, metric=...)`, computed
/// from the points without an n×n matrix: only per-point, per-cluster distance sums are kept. Binary
/// points go through `BitSilhouette` (over groups of identical rows), small integer counts (the
/// filtered 2016 feature space) through `IntSilhouette`, group Jaccard (the family clustering) through
/// `GroupJaccardSilhouette` (bounds leave out most pairs).
public enum Silhouette {
    /// The silhouette of a sample of the rows, as scikit-learn's `silhouette_score(X, labels,
    /// sample_size=size, random_state=seed)`: the rows numpy's `RandomState(seed).permutation(n)[:size]`
    /// draws (every row, in that order, when size ≥ n), so the value is scikit-learn's to 1e-9.
    /// Only on request: the exact score is the default everywhere.
    public static func score(points: PointSet, labels: [Int], metric: DistanceMetric, sample: SilhouetteSample,
                             control: TaskControl = .none) throws(Interrupted) -> Double? {
        let rows = sample.rows(of: labels.count)
        return try score(points: points.selectingRows(rows), labels: rows.map { labels[$0] }, metric: metric,
                         control: control)
    }

    /// The score, or nil when it is undefined: scikit-learn requires 2 ≤ distinct labels ≤ n − 1 (one
    /// cluster, or every sample alone, has no silhouette). Every distinct label is a cluster, so noise
    /// (−1) is one cluster unless the caller removed it. Singletons score 0, as in scikit-learn.
    public static func score(points: PointSet, labels: [Int], metric: DistanceMetric,
                             control: TaskControl = .none) throws(Interrupted) -> Double? {
        try score(points: points, labels: labels, metric: metric, control: control, budget: symmetricBudget)
    }

    /// `score` with the memory budget of the symmetric method, the threads and the size from which they
    /// are used given (tests force either method and the parallel paths).
    static func score(points: PointSet, labels: [Int], metric: DistanceMetric, control: TaskControl,
                      budget: Int, threads: Int = 2, parallelFrom: Int = 128) throws(Interrupted) -> Double? {
        let n = labels.count
        precondition(points.count == n, "one label per point")
        let distinct = Array(Set(labels)).sorted()
        let k = distinct.count
        guard k > 1, k < n else { return nil }
        let code = Dictionary(uniqueKeysWithValues: distinct.enumerated().map { ($1, $0) })
        let cluster = labels.map { code[$0]! }
        var sizes = [Int](repeating: 0, count: k)
        for c in cluster { sizes[c] += 1 }

        // Per-point, per-cluster distance sums, each point's distances added in ascending j whichever
        // method and however many threads, so the result never changes. When n × k fits the budget each
        // pair is computed once and added to both points; otherwise each point's full row is computed
        // (twice the distance work, O(n + k) memory per thread).
        let threadCount = n >= parallelFrom ? engineThreads(threads) : 1
        if metric == .groupjaccard {
            let total = try GroupJaccardSilhouette.total(points: points, cluster: cluster, sizes: sizes,
                                                         noise: distinct.first == -1 ? 0 : nil, threads: threadCount,
                                                         control: control)
            control.report(Progress(phase: "silhouette", done: n, total: n))
            return total / Double(n)
        }
        if BitSilhouette.applies(to: points, metric: metric) {
            let total = try BitSilhouette.total(points: points, cluster: cluster, sizes: sizes, metric: metric,
                                                threads: threadCount, control: control)
            return total / Double(n)
        }
        if IntSilhouette.applies(to: points, metric: metric) {
            let total = try IntSilhouette.total(points: points, cluster: cluster, sizes: sizes, metric: metric,
                                                threads: threadCount, control: control)
            return total / Double(n)
        }
        var workers = [RowDistances(points: points, metric: metric)]
        for _ in 1..<threadCount { workers.append(workers[0].forAnotherThread()) }
        let total: Double
        if n * k <= budget {
            total = try symmetricTotal(workers: &workers, cluster: cluster, sizes: sizes, control: control)
        } else {
            total = try rowByRowTotal(workers: &workers, cluster: cluster, sizes: sizes, control: control)
        }
        control.report(Progress(phase: "silhouette", done: n, total: n))
        return total / Double(n)
    }

    /// Each pair once. Rows are taken in strips: the strip's distances (row i to every j > i) are
    /// computed in parallel, then added in row order on the calling thread, exactly the order of a
    /// single pass (point p receives d(i, p) from every row i < p in ascending i, then its own row).
    private static func symmetricTotal(workers: inout [RowDistances], cluster: [Int], sizes: [Int],
                                       control: TaskControl) throws(Interrupted) -> Double {
        let n = cluster.count, k = sizes.count
        var sums = [Double](repeating: 0, count: n * k)
        // About 8 MB of distances per strip at most.
        let stripRows = max(1, min(64, (1 << 20) / n))
        let strip = UnsafeMutablePointer<Double>.allocate(capacity: stripRows * n)
        defer { strip.deallocate() }
        let stripShared = SharedPointer(base: strip)
        let threadCount = workers.count
        try workers.withUnsafeMutableBufferPointer { (buffer) throws(Interrupted) in
            let rowDistances = SharedPointer(base: buffer.baseAddress!)
            var first = 0
            while first < n {
                try control.checkCancellation()
                control.report(Progress(phase: "silhouette", done: first, total: n))
                let rows = first..<min(n, first + stripRows)
                // Row i's distances go to strip[(i - first) * n + j] for j > i.
                let start = first
                runTasks(rows.count, threads: threadCount) { task, thread in
                    let i = start + task
                    rowDistances.base[thread].fill(from: i, rows: (i + 1)..<n, into: stripShared.base + task * n)
                    return true
                }
                sums.withUnsafeMutableBufferPointer { sums in
                    let sums = sums.baseAddress!
                    cluster.withUnsafeBufferPointer { cluster in
                        for i in rows {
                            let row = strip + (i - first) * n
                            let ci = cluster[i]
                            let own = sums + i * k
                            for j in (i + 1)..<max(n, i + 1) {
                                let d = row[j]
                                own[cluster[j]] += d
                                sums[j * k + ci] += d
                            }
                        }
                    }
                }
                first = rows.upperBound
            }
        }
        var total = 0.0
        for i in 0..<n {
            let (a, b) = meanDistances(sums[(i * k)..<(i * k + k)], cluster[i], sizes)
            let s = (b - a) / max(a, b)
            total += s.isNaN ? 0 : s
        }
        return total
    }

    /// Every point's full row, points shared between the threads (each with its own row and sums).
    private static func rowByRowTotal(workers: inout [RowDistances], cluster: [Int], sizes: [Int],
                                      control: TaskControl) throws(Interrupted) -> Double {
        let n = cluster.count, k = sizes.count
        let threadCount = workers.count
        var scores = [Double](repeating: 0, count: n)
        let rowBuffers = UnsafeMutablePointer<Double>.allocate(capacity: threadCount * n)
        defer { rowBuffers.deallocate() }
        let sumBuffers = UnsafeMutablePointer<Double>.allocate(capacity: threadCount * k)
        defer { sumBuffers.deallocate() }
        let rowShared = SharedPointer(base: rowBuffers), sumShared = SharedPointer(base: sumBuffers)
        let ticker = PointTicker(control, phase: "silhouette", points: n)
        workers.withUnsafeMutableBufferPointer { buffer in
            let rowDistances = SharedPointer(base: buffer.baseAddress!)
            scores.withUnsafeMutableBufferPointer { scores in
                let out = SharedPointer(base: scores.baseAddress!)
                runTasks(n, threads: threadCount) { i, thread in
                    guard ticker.tick(i) else { return false }
                    let row = rowShared.base + thread * n
                    let sums = sumShared.base + thread * k
                    rowDistances.base[thread].fill(from: i, rows: 0..<n, into: row)
                    for c in 0..<k { sums[c] = 0 }
                    for j in 0..<n where j != i { sums[cluster[j]] += row[j] }
                    let (a, b) = meanDistances(UnsafeBufferPointer(start: sums, count: k), cluster[i], sizes)
                    let s = (b - a) / max(a, b)
                    out.base[i] = s.isNaN ? 0 : s
                    return true
                }
            }
        }
        try ticker.finish()
        // Summed in point order, as a single pass would.
        var total = 0.0
        for s in scores { total += s }
        return total
    }

    /// Doubles the per-point, per-cluster sums may take before the row-by-row method is used (16 MB).
    static let symmetricBudget = 2_000_000

    /// The mean distance to the point's own cluster and the smallest mean distance to another one.
    /// scikit-learn divides by (size − 1): a singleton gives 0/0 = NaN, which nan_to_num makes a 0 score.
    private static func meanDistances<C: Collection<Double>>(_ sums: C, _ own: Int, _ sizes: [Int]) -> (Double, Double)
        where C.Index == Int {
        let base = sums.startIndex
        let intra = sums[base + own] / Double(sizes[own] - 1)
        var inter = Double.infinity
        for c in sizes.indices where c != own { inter = min(inter, sums[base + c] / Double(sizes[c])) }
        return (intra, inter)
    }
}

/// scikit-learn's `sample_size` and `random_state` for a sampled silhouette (`Silhouette.score(...sample:)`).
public struct SilhouetteSample: Sendable, Equatable {
    /// Rows drawn (at least 2).
    public var size: Int
    /// numpy's legacy seed (`RandomState(seed)`).
    public var seed: UInt32

    public init(size: Int, seed: UInt32) {
        precondition(size >= 2, "a silhouette needs at least 2 rows")
        self.size = size
        self.seed = seed
    }

    /// The rows drawn from `n`, in numpy's order.
    public func rows(of n: Int) -> [Int] {
        Array(NumpyPermutation.permutation(count: n, seed: seed).prefix(size))
    }
}
