import CBitKernels
import Synchronization

/// The exact silhouette under `groupjaccard` (the family clustering's metric), the same double as the
/// plain pass over every pair (`Silhouette`'s row-by-row method) on any thread count, measuring far
/// fewer distances, each on the few words of one cluster's own columns (`OwnColumnRows`) instead of
/// rows of the whole vocabulary.
///
/// Why it is the same double: the plain pass adds each point's distances to a cluster in ascending
/// order of the other point, then divides; here every sum that is formed is added in that same order
/// from the same distances (the kernel's bits, symmetric bit for bit), and the sums never formed are
/// of clusters that cannot give the least mean:
/// - a(i): each cluster's pairs are measured once for both points (`OwnColumnWords.addDistances`);
/// - b(i), the least mean distance to another cluster: every cluster has a lower bound of i's mean
///   distance to its members (`GroupJaccardMeanBounds`, from how many members have each column);
///   clusters are visited by ascending bound, the visit stops at the first bound beyond the least mean
///   so far, and a cluster's sum is given up as soon as it exceeds that mean times its size (distances
///   are ≥ 0). Kept noise (one cluster) is bounded run by run (32 rows, as `compare` does): its mean is
///   at least the runs' bounds weighted by their sizes.
/// A point alone in its cluster scores 0 (scikit-learn's 0/0) and measures nothing.
enum GroupJaccardSilhouette {
    /// Rows per noise run (`LinkagePlacement.Search.noiseRun`).
    static let noiseRun = 32

    /// What the bounds saved, for the README and the tests.
    struct Counts: Sendable, Equatable {
        /// Distances measured for a(i) (each pair once) and for b(i).
        var within = 0, between = 0
        /// Other clusters whose sum was started, over the points that needed b(i).
        var visited = 0, points = 0
    }

    /// Σ over points of their silhouette (NaN as 0); `cluster[i]` in 0..<sizes.count, `noise` the code
    /// of kept noise, if any.
    static func total(points: PointSet, cluster: [Int], sizes: [Int], noise: Int?, threads: Int,
                      control: TaskControl) throws(Interrupted) -> Double {
        try run(points: points, cluster: cluster, sizes: sizes, noise: noise, threads: threads, control: control).total
    }

    static func run(points: PointSet, cluster: [Int], sizes: [Int], noise: Int?, threads: Int,
                    control: TaskControl) throws(Interrupted) -> (total: Double, counts: Counts) {
        let n = cluster.count, k = sizes.count
        let kernel = GroupJaccardKernel(points: points)
        let members = { () -> [[Int]] in
            var members = [[Int]](repeating: [], count: k)
            for c in 0..<k { members[c].reserveCapacity(sizes[c]) }
            for i in 0..<n { members[cluster[i]].append(i) }
            return members
        }()

        // Buckets of bounds: each cluster one, noise in runs; cluster c's are bucketStart[c]..<[c + 1].
        var buckets: [[Int]] = [], starts = [0]
        for c in 0..<k {
            if c == noise {
                for s in stride(from: 0, to: members[c].count, by: noiseRun) {
                    buckets.append(Array(members[c][s..<min(members[c].count, s + noiseRun)]))
                }
            } else {
                buckets.append(members[c])
            }
            starts.append(buckets.count)
        }
        let bucketStart = starts
        let bounds = GroupJaccardMeanBounds(kernel, points: points, buckets: buckets)

        // Each cluster packed on its own columns (to project queries), and that copy word by word (to sum).
        var packed = [(OwnColumnRows, OwnColumnWords)?](repeating: nil, count: k)
        packed.withUnsafeMutableBufferPointer { buffer in
            let slots = SharedPointer(base: buffer.baseAddress!)
            runTasks(k, threads: threads) { c, _ in
                let rows = OwnColumnRows(members[c], of: kernel, points: points)
                slots.base[c] = (rows, OwnColumnWords(rows))
                return true
            }
        }
        let rows = packed.map { $0!.0 }, columns = packed.map { $0!.1 }

        // a(i): one task per cluster, the largest first so that the threads end together.
        let within = UnsafeMutablePointer<Double>.allocate(capacity: max(n, 1))
        defer { within.deallocate() }
        within.initialize(repeating: 0, count: max(n, 1))
        let offset = members.reduce(into: [0]) { $0.append($0.last! + $1.count) }
        let largest = (0..<k).filter { sizes[$0] > 1 }.sorted { sizes[$0] != sizes[$1] ? sizes[$0] > sizes[$1] : $0 < $1 }
        let cancelled = Atomic<Bool>(false)
        let withinShared = SharedPointer(base: within)
        let pairs = largest.reduce(0) { $0 + sizes[$1] * (sizes[$1] - 1) / 2 }
        let pairsDone = Atomic<Int>(0)
        control.report(Progress(phase: "silhouette", done: 0, total: 2 * n))
        runTasks(largest.count, threads: threads) { task, _ in
            let c = largest[task]
            let sums = withinShared.base + offset[c]
            let scratch = UnsafeMutablePointer<Double>.allocate(capacity: sizes[c])
            defer { scratch.deallocate() }
            let query = GroupJaccardQuery(groups: kernel.groups.count)
            for a in 0..<sizes[c] {
                if a % 64 == 0 && control.isCancelled() { cancelled.store(true, ordering: .relaxed); return false }
                columns[c].addDistances(fromRow: a, into: sums, scratch: scratch, query: query)
            }
            let done = pairsDone.wrappingAdd(sizes[c] * (sizes[c] - 1) / 2, ordering: .relaxed).newValue
            control.report(Progress(phase: "silhouette", done: pairs == 0 ? n : n * done / pairs, total: 2 * n))
            return true
        }
        if cancelled.load(ordering: .relaxed) { throw Interrupted() }

        // b(i) and the score, point by point.
        var scores = [Double](repeating: 0, count: n)
        let position = { () -> [Int] in
            var position = [Int](repeating: 0, count: n)
            for c in 0..<k { for (p, i) in members[c].enumerated() { position[i] = p } }
            return position
        }()
        let threadCount = max(1, threads)
        let counters = UnsafeMutablePointer<Counts>.allocate(capacity: threadCount)
        defer { counters.deallocate() }
        counters.initialize(repeating: Counts(), count: threadCount)
        let countShared = SharedPointer(base: counters)
        let scratch = UnsafeMutablePointer<Scratch>.allocate(capacity: threadCount)
        defer { scratch.deinitialize(count: threadCount); scratch.deallocate() }
        scratch.initialize(repeating: Scratch(bounds: bounds.count, clusters: k), count: threadCount)
        for t in 0..<threadCount {
            scratch[t].bounds = .init(bounds)
            scratch[t].query = GroupJaccardQuery(groups: kernel.groups.count)
        }
        let scratchShared = SharedPointer(base: scratch)
        let ticker = PointTicker(control, phase: "silhouette", points: n, offset: n, of: 2 * n)
        scores.withUnsafeMutableBufferPointer { scores in
            let out = SharedPointer(base: scores.baseAddress!)
            runTasks(n, threads: threadCount) { i, thread in
                guard ticker.tick(i) else { return false }
                let own = cluster[i]
                guard sizes[own] > 1 else { return true }
                let a = withinShared.base[offset[own] + position[i]] / Double(sizes[own] - 1)
                let b = nearestMean(i, own: own, kernel: kernel, points: points, bounds: bounds,
                                    bucketStart: bucketStart, rows: rows, columns: columns, sizes: sizes,
                                    scratch: &scratchShared.base[thread], counts: &countShared.base[thread])
                let s = (b - a) / max(a, b)
                out.base[i] = s.isNaN ? 0 : s
                return true
            }
        }
        try ticker.finish()
        var counts = Counts()
        for t in 0..<threadCount {
            counts.between += counters[t].between
            counts.visited += counters[t].visited
            counts.points += counters[t].points
        }
        counts.within = pairs
        // Summed in point order, as the plain pass does.
        var total = 0.0
        for s in scores { total += s }
        return (total, counts)
    }

    /// A thread's buffers for `nearestMean`.
    struct Scratch {
        var bounds: GroupJaccardMeanBounds.Scratch? = nil
        var query: GroupJaccardQuery? = nil
        var bucketBound: [Double]
        var bound: [Double]
        var order: [Int] = []
        var rest: [Int] = []
        var x: [UInt64] = [0]
        init(bounds: Int, clusters: Int) {
            bucketBound = [Double](repeating: 0, count: bounds)
            bound = [Double](repeating: 0, count: clusters)
        }
    }

    /// The least mean distance from point i to a cluster other than `own` (infinity when there is none).
    private static func nearestMean(_ i: Int, own: Int, kernel: GroupJaccardKernel, points: PointSet,
                                    bounds: GroupJaccardMeanBounds, bucketStart: [Int], rows: [OwnColumnRows], columns: [OwnColumnWords],
                                    sizes: [Int], scratch: inout Scratch, counts: inout Counts) -> Double {
        let k = sizes.count
        let margin = GroupJaccardBuckets.margin
        let onesX = kernel.ones + i * kernel.groups.count
        scratch.bucketBound.withUnsafeMutableBufferPointer { out in
            bounds.bounds(columns: points.nonZeroColumns(i), ones: onesX, scratch: &scratch.bounds!, into: out.baseAddress!)
        }
        for c in 0..<k where c != own {
            let first = bucketStart[c], last = bucketStart[c + 1]
            if last - first == 1 {
                scratch.bound[c] = scratch.bucketBound[first]
            } else {
                // The mean over several buckets is their means weighted by their sizes, so at least
                // their bounds weighted so (each within the margin of its mean, so this one too).
                var weighted = 0.0
                for b in first..<last { weighted += Double(bounds.sizes[b]) * scratch.bucketBound[b] }
                scratch.bound[c] = weighted / Double(sizes[c])
            }
        }
        // Clusters sharing no column with the point have bound 1 (every distance is 1): they come last,
        // in order, only while the least mean may still reach 1. The visit usually ends within a few
        // clusters: the `head` least bounds are picked out first, the rest sorted only if needed.
        let bound = scratch.bound
        func before(_ p: Int, _ q: Int) -> Bool { bound[p] != bound[q] ? bound[p] < bound[q] : p < q }
        let head = 16
        scratch.order.removeAll(keepingCapacity: true)
        scratch.rest.removeAll(keepingCapacity: true)
        for c in 0..<k where c != own && bound[c] < 1 {
            if scratch.order.count == head {
                guard before(c, scratch.order[head - 1]) else { scratch.rest.append(c); continue }
                scratch.rest.append(scratch.order.removeLast())
            }
            var at = scratch.order.count
            while at > 0 && before(c, scratch.order[at - 1]) { at -= 1 }
            scratch.order.insert(c, at: at)
        }
        counts.points += 1
        var best = Double.infinity
        func measure(_ c: Int) {
            counts.visited += 1
            let packed = rows[c]
            if scratch.x.count < packed.words { scratch.x = [UInt64](repeating: 0, count: packed.words) }
            // Given up once the sum is beyond best × size: the mean is then beyond best (the margin
            // covers the rounding of the sum and of the product).
            let limit = best.isFinite ? best * Double(sizes[c]) * (1 + margin) + margin : .infinity
            let query = scratch.query!
            scratch.x.withUnsafeMutableBufferPointer { x in
                packed.load(query, row: i, of: points, ones: onesX, x: x.baseAddress!)
            }
            let sum = columns[c].sum(query, below: limit, measured: &counts.between)
            if let sum { best = min(best, sum / Double(sizes[c])) }
        }
        // Past a sorted bound beyond the least mean, every later bound is too, the clusters sharing no
        // column included; those are all 1 but for rounding, so each of them is tested.
        var stopped = false
        for c in scratch.order {
            if bound[c] > best + margin { stopped = true; break }
            measure(c)
        }
        if !stopped && !scratch.rest.isEmpty {
            scratch.rest.sort(by: before)
            for c in scratch.rest {
                if bound[c] > best + margin { stopped = true; break }
                measure(c)
            }
        }
        if !stopped {
            for c in 0..<k where c != own && !(bound[c] < 1) && !(bound[c] > best + margin) { measure(c) }
        }
        return best
    }
}
