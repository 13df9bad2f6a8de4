import Synchronization

/// Exact k-nearest-neighbour work shared by the engines.
enum KNearest {
    /// Rows per tile side in the pairwise sweep: two tiles of bit-packed or low-dimensional rows stay in
    /// the first-level caches while every pair between them is visited once.
    static let defaultTile = 256

    /// For each point, the distance at index `k` of its sorted distances to all points (itself at index
    /// 0): the k-th smallest distance to another point. `k` is clipped to n − 1, as the library does.
    ///
    /// Every pair is evaluated once (symmetry) and offered to both points' lists; each thread keeps its
    /// own sorted k-lists for all points (O(n·k) memory), merged at the end.
    static func kthDistances<K: DistanceKernel>(_ kernel: K, k requested: Int, threads: Int,
                                                parallelFrom: Int = 512, tile: Int = defaultTile,
                                                control: TaskControl) throws -> [Double] {
        let n = kernel.count
        let k = min(requested, n - 1)
        guard k > 0 else { return [Double](repeating: 0, count: n) }
        let evaluator = kernel.evaluator
        return try tiledKth(count: n, k: k, tile: tile, threads: n < parallelFrom ? 1 : engineThreads(threads),
                            empty: .infinity, control: control) { aRange, bRange, _, own in
            for a in aRange {
                let listA = own + a * k
                var limitA = listA[k - 1]
                // Each list keeps the k smallest values offered, whatever their order, so pairs may be
                // evaluated in batches of eight and four.
                @inline(__always) func offer(_ b: Int, _ d: Double) {
                    if d < limitA { insertSorted(listA, k, d); limitA = listA[k - 1] }
                    let listB = own + b * k
                    if d < listB[k - 1] { insertSorted(listB, k, d) }
                }
                var b = aRange == bRange ? a + 1 : bRange.lowerBound
                let bEnd = bRange.upperBound
                if K.Evaluator.prefersBatches {
                    let lanes = SIMD8<Int>(0, 1, 2, 3, 4, 5, 6, 7)
                    while b + 8 <= bEnd {
                        let d = evaluator.distances(a, lanes &+ b)
                        for l in 0..<8 { offer(b + l, d[l]) }
                        b += 8
                    }
                    if b + 4 <= bEnd {
                        let d = evaluator.distances(a, b, b + 1, b + 2, b + 3)
                        offer(b, d[0]); offer(b + 1, d[1]); offer(b + 2, d[2]); offer(b + 3, d[3])
                        b += 4
                    }
                }
                while b < bEnd {
                    offer(b, evaluator.distance(a, b))
                    b += 1
                }
            }
        }
    }

    /// The tiled pairwise sweep behind the k-th value searches. `visit(aRows, bRows, thread, lists)` is
    /// called once for each pair of row tiles (every tile with itself, where it must visit each pair
    /// once, and every pair of different tiles) and offers the values it finds to `lists`: the n
    /// ascending k-lists of `thread` (0..<threads), filled with `empty` at the start, so threads never
    /// share a list. Returns each
    /// point's k-th value over all threads' lists. `k` must be 1...n − 1. Reports progress; throws
    /// `Interrupted` when cancelled.
    static func tiledKth<T: Comparable & Sendable>(count n: Int, k: Int, tile: Int, threads threadCount: Int, empty: T,
                                        control: TaskControl,
                                        visit: @Sendable (_ aRows: Range<Int>, _ bRows: Range<Int>, _ thread: Int,
                                                          _ lists: UnsafeMutablePointer<T>) -> Void) throws -> [T] {
        let tile = max(1, tile)
        let tiles = (n + tile - 1) / tile
        var pairs: [(Int32, Int32)] = []
        pairs.reserveCapacity(tiles * (tiles + 1) / 2)
        for i in 0..<tiles { for j in i..<tiles { pairs.append((Int32(i), Int32(j))) } }
        let tilePairs = pairs
        let lists = UnsafeMutablePointer<T>.allocate(capacity: threadCount * n * k)
        defer { lists.deallocate() }
        lists.initialize(repeating: empty, count: threadCount * n * k)
        let shared = SharedPointer(base: lists)
        let finished = Atomic<Int>(0)
        let cancelled = Atomic<Bool>(false)
        let total = tilePairs.count
        control.report(Progress(phase: "core distances", done: 0, total: total))
        runTasks(total, threads: threadCount) { task, thread in
            if control.isCancelled() { cancelled.store(true, ordering: .relaxed); return false }
            let (ti, tj) = tilePairs[task]
            let aStart = Int(ti) * tile, bStart = Int(tj) * tile
            visit(aStart..<min(n, aStart + tile), bStart..<min(n, bStart + tile), thread, shared.base + thread * n * k)
            let done = finished.wrappingAdd(1, ordering: .relaxed).newValue
            if done & 63 == 0 { control.report(Progress(phase: "core distances", done: done, total: total)) }
            return true
        }
        if cancelled.load(ordering: .relaxed) { throw Interrupted() }
        control.report(Progress(phase: "core distances", done: total, total: total))
        return kthAcrossThreads(lists, count: n, k: k, threads: threadCount)
    }

    /// Each point's k-th smallest value over the threads' own ascending k-lists: `lists` holds
    /// `threads` blocks of `count` lists of `k` values each (a thread's block covers every point).
    static func kthAcrossThreads<T: Comparable>(_ lists: UnsafePointer<T>, count n: Int, k: Int, threads: Int) -> [T] {
        guard threads > 1 else { return (0..<n).map { lists[$0 &* k &+ k &- 1] } }
        var merged: [T] = []
        merged.reserveCapacity(threads * k)
        return (0..<n).map { i in
            merged.removeAll(keepingCapacity: true)
            for t in 0..<threads { merged.append(contentsOf: UnsafeBufferPointer(start: lists + (t * n + i) * k, count: k)) }
            merged.sort()
            return merged[k - 1]
        }
    }

    /// Inserts `value` into the ascending list of length `k` whose last entry is greater than it.
    @inline(__always)
    static func insertSorted(_ list: UnsafeMutablePointer<Double>, _ k: Int, _ value: Double) {
        var i = k - 1
        while i > 0 && list[i - 1] > value { list[i] = list[i - 1]; i -= 1 }
        list[i] = value
    }

    /// The `k` nearest of `count` candidates by `distance`, sorted by distance then index.
    static func nearest(count: Int, k: Int, distance: (Int) -> Double) -> [Neighbour] {
        let k = min(k, count)
        guard k > 0 else { return [] }
        var out: [Neighbour] = []
        out.reserveCapacity(k + 1)
        var limit = Double.infinity
        for j in 0..<count {
            let d = distance(j)
            // Candidates arrive by ascending index, so inserting after equal distances keeps index order.
            if out.count < k || d < limit {
                var at = out.count
                while at > 0 && out[at - 1].distance > d { at -= 1 }
                out.insert(Neighbour(index: j, distance: d), at: at)
                if out.count > k { out.removeLast() }
                if out.count == k { limit = out[k - 1].distance }
            }
        }
        return out
    }

    /// Indices `j` (ascending) with `distance(j) <= radius`, and `centre` itself whatever its formula gives
    /// (cosine can give a point a tiny nonzero distance to itself).
    static func within(count: Int, centre: Int, radius: Double, distance: (Int) -> Double) -> [Int] {
        var out: [Int] = []
        for j in 0..<count where j == centre || distance(j) <= radius { out.append(j) }
        return out
    }
}
