/// The simple, exact neighbourhood engine: every distance computed on demand with `Distances`, in
/// O(n) memory (never an n×n matrix). O(n²·d) time for core distances and for the MST. It follows the
/// hdbscan library's definitions literally and is the reference the fast engines are tested against.
public struct BruteForceEngine: NeighbourhoodEngine {
    public let points: PointSet
    public let metric: DistanceMetric

    public init(points: PointSet, metric: DistanceMetric) {
        self.points = points
        self.metric = metric
    }

    public var count: Int { points.count }

    public func distance(_ i: Int, _ j: Int) -> Double {
        if metric == .groupjaccard { return Distances.between(metric, points, i, points, j) }
        switch points.storage {
        case .dense(let m):
            return Distances.dense(metric, m.row(i), m.row(j))
        case .sparse(let m):
            let r = m.row(i), s = m.row(j)
            return Distances.sparse(metric, r.columns, r.values, s.columns, s.values, dimension: m.columnCount)
        }
    }

    /// Distance at index `k` of each point's sorted distances, the point itself at index 0 with distance
    /// 0 (as the library's tree queries and its distance-matrix diagonal give). O(n²·d + n²·min(k, log n)).
    public func coreDistances(k: Int, control: TaskControl) throws -> [Double] {
        let n = count
        guard k > 0 else { return [Double](repeating: 0, count: n) }
        precondition(k < n, "core distance index must be below the point count")
        var result = [Double](repeating: 0, count: n)
        var smallest = [Double]()  // the k smallest distances to other points, ascending
        smallest.reserveCapacity(k + 1)
        var all = [Double]()
        for i in 0..<n {
            if i & 63 == 0 {
                try control.checkCancellation()
                control.report(Progress(phase: "core distances", done: i, total: n))
            }
            if k <= 64 {
                smallest.removeAll(keepingCapacity: true)
                for j in 0..<n where j != i {
                    let d = distance(i, j)
                    if smallest.count == k {
                        if d >= smallest[k - 1] { continue }
                        smallest.removeLast()
                    }
                    var at = smallest.count
                    while at > 0 && smallest[at - 1] > d { at -= 1 }
                    smallest.insert(d, at: at)
                }
                result[i] = smallest[k - 1]
            } else {
                all.removeAll(keepingCapacity: true)
                for j in 0..<n where j != i { all.append(distance(i, j)) }
                all.sort()
                result[i] = all[k - 1]
            }
        }
        return result
    }

    /// Prim's algorithm exactly as the library's `mst_linkage_core_vector`: start at 0; a candidate's
    /// best edge changes only on a strictly smaller mutual reachability (a tie keeps the older source);
    /// the next vertex is the lowest index holding the smallest candidate weight.
    public func minimumSpanningTree(coreDistances core: [Double], alpha: Double, control: TaskControl) throws -> [MSTEdge] {
        let n = count
        guard n > 1 else { return [] }
        var inTree = [Bool](repeating: false, count: n)
        var best = [Double](repeating: .infinity, count: n)
        var source = [Int32](repeating: 0, count: n)
        var edges: [MSTEdge] = []
        edges.reserveCapacity(n - 1)
        var current = 0
        for step in 1..<n {
            if step & 63 == 0 {
                try control.checkCancellation()
                control.report(Progress(phase: "spanning tree", done: step, total: n))
            }
            inTree[current] = true
            let coreCurrent = core[current]
            var nextWeight = Double.greatestFiniteMagnitude
            var next = 0
            for j in 0..<n where !inTree[j] {
                var d = distance(current, j)
                if alpha != 1 { d /= alpha }
                let mr = max(coreCurrent, core[j], d)
                if mr < best[j] { best[j] = mr; source[j] = Int32(current) }
                if best[j] < nextWeight { nextWeight = best[j]; next = j }
            }
            edges.append(MSTEdge(from: source[next], to: Int32(next), weight: nextWeight))
            current = next
        }
        return edges
    }

    /// The `k` nearest training points to a query row, sorted by distance, ties by index.
    public func nearest(to queries: PointSet, row: Int, k: Int) -> [Neighbour] {
        var all = (0..<count).map { Neighbour(index: $0, distance: Distances.between(metric, queries, row, points, $0)) }
        all.sort { $0.distance < $1.distance || ($0.distance == $1.distance && $0.index < $1.index) }
        return Array(all.prefix(k))
    }

    /// Every point within `radius` (inclusive, as scikit-learn's radius queries), itself included.
    public func neighbours(of i: Int, within radius: Double) -> [Int] {
        (0..<count).filter { $0 == i || distance(i, $0) <= radius }
    }
}
