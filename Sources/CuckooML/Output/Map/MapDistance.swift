/// The distances a map is drawn from: d(i, j) over `count` points. The layout only ever asks for
/// pairs, so any metric plugs in — a clustering engine's, or a function written for a new metric.
public struct MapDistance: Sendable {
    public let count: Int
    public let distance: @Sendable (Int, Int) -> Double

    public init(count: Int, distance: @escaping @Sendable (Int, Int) -> Double) {
        self.count = count
        self.distance = distance
    }

    /// The distances of the engine a clustering of `points` in `metric` runs on: the same values,
    /// bit for bit, as the clustering saw (popcounts for binary rows, the exact loops otherwise).
    public init(points: PointSet, metric: DistanceMetric, threads: Int = 0) {
        self.init(engine: NeighbourhoodEngines.make(points: points, metric: metric, threads: threads))
    }

    /// The same distances as `init(points:metric:threads:)`, read faster where the clustering is known:
    /// under group Jaccard, pairs inside one of the clusters `labels` gives are measured on the cluster's
    /// own columns (`ClusterPackedDistances`), the same doubles on far fewer words.
    init(points: PointSet, metric: DistanceMetric, clusters labels: [Int], threads: Int = 0) {
        guard metric == .groupjaccard, labels.count == points.count else {
            self.init(points: points, metric: metric, threads: threads)
            return
        }
        let packed = ClusterPackedDistances(points: points, labels: labels, threads: threads)
        self.init(count: packed.count) { packed.distance($0, $1) }
    }

    public init(engine: any NeighbourhoodEngine) {
        self.init(count: engine.count) { engine.distance($0, $1) }
    }
}

/// Counter-based random numbers (SplitMix64's mixer over the seed and counters): a value depends only on
/// its counters, never on which thread asks or in which order, so the map is the same for any number of
/// threads.
enum MapRandom {
    @inline(__always)
    static func mix(_ x: UInt64) -> UInt64 {
        var z = x &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    @inline(__always)
    static func bits(_ seed: UInt64, _ a: Int, _ b: Int = 0, _ c: Int = 0) -> UInt64 {
        mix(mix(mix(seed ^ UInt64(truncatingIfNeeded: a)) ^ UInt64(truncatingIfNeeded: b)) ^ UInt64(truncatingIfNeeded: c))
    }

    /// A value in 0..<n (n > 0), by the multiply-high reduction.
    @inline(__always)
    static func below(_ n: Int, _ seed: UInt64, _ a: Int, _ b: Int = 0, _ c: Int = 0) -> Int {
        Int(truncatingIfNeeded: bits(seed, a, b, c).multipliedFullWidth(by: UInt64(n)).high)
    }

    /// A value in [0, 1).
    @inline(__always)
    static func unit(_ seed: UInt64, _ a: Int, _ b: Int = 0, _ c: Int = 0) -> Double {
        Double(bits(seed, a, b, c) >> 11) * 0x1p-53
    }
}

/// Runs `body(range)` over `0..<count` cut into fixed chunks of `chunk` (the cut never depends on the
/// thread count, and each chunk writes only its own rows); stops early when cancelled.
func forEachChunk(_ count: Int, chunk: Int, threads: Int, control: TaskControl,
                  _ body: @Sendable (Range<Int>) -> Void) throws {
    let chunks = (count + chunk - 1) / chunk
    let threadCount = count < 2 * chunk ? 1 : engineThreads(threads)
    runTasks(chunks, threads: threadCount) { task, _ in
        if control.isCancelled() { return false }
        body((task * chunk)..<min(count, (task + 1) * chunk))
        return true
    }
    try control.checkCancellation()
}
