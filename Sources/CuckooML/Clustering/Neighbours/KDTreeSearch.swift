import Synchronization

/// The `width` nearest other points of every point of a `KDTree`, by position: sums (see
/// `KDTree.pairSum`) ascending, with the positions they belong to. Ties at the last place may have been
/// broken either way, so only the sums up to and including the last one are exact, not which point is last.
struct NeighbourLists: Sendable {
    let width: Int
    let sums: [Double]
    let positions: [Int32]
}

/// Exact neighbour queries on a `KDTree`: nearest-neighbour lists (core distances, Prim's candidates)
/// and the points within a radius (DBSCAN).
extension KDTree {
    /// For each row, the distance at index `k` of its sorted distances to all points, itself at index 0
    /// (`k` clipped to n − 1), bit-identical to a full scan.
    func kthDistances(k requested: Int, from lists: NeighbourLists) -> [Double] {
        let k = min(requested, count - 1)
        var result = [Double](repeating: 0, count: count)
        guard k > 0 else { return result }
        precondition(k <= lists.width, "neighbour lists too short")
        for p in 0..<count { result[Int(rowOf[p])] = finish(lists.sums[p * lists.width + k - 1]) }
        return result
    }

    /// The `width` (clipped to n − 1) nearest other points of every point, split over `threads` threads.
    func neighbourLists(width requested: Int, threads: Int, control: TaskControl) throws -> NeighbourLists {
        let n = count
        let width = max(0, min(requested, n - 1))
        guard width > 0 else { return NeighbourLists(width: 0, sums: [], positions: []) }
        var sums = [Double](repeating: .infinity, count: n * width)
        var positions = [Int32](repeating: -1, count: n * width)
        let batch = 256
        let tasks = (n + batch - 1) / batch
        let cancelled = Atomic<Bool>(false)
        let finished = Atomic<Int>(0)
        control.report(Progress(phase: "core distances", done: 0, total: n))
        sums.withUnsafeMutableBufferPointer { sumBuffer in
            positions.withUnsafeMutableBufferPointer { positionBuffer in
                let sumBase = SharedPointer(base: sumBuffer.baseAddress!)
                let positionBase = SharedPointer(base: positionBuffer.baseAddress!)
                runTasks(tasks, threads: n < 2_048 ? 1 : engineThreads(threads)) { task, _ in
                    if control.isCancelled() { cancelled.store(true, ordering: .relaxed); return false }
                    let stack = UnsafeMutablePointer<(node: Int32, bound: Double)>.allocate(capacity: 2 * self.nodeCount + 2)
                    defer { stack.deallocate() }
                    for p in (task * batch)..<min(n, (task + 1) * batch) {
                        self.nearest(p, width: width, sums: sumBase.base + p * width,
                                     positions: positionBase.base + p * width, stack: stack)
                    }
                    let done = finished.wrappingAdd(batch, ordering: .relaxed).newValue
                    if task & 15 == 0 { control.report(Progress(phase: "core distances", done: min(done, n), total: n)) }
                    return true
                }
            }
        }
        if cancelled.load(ordering: .relaxed) { throw Interrupted() }
        control.report(Progress(phase: "core distances", done: n, total: n))
        return NeighbourLists(width: width, sums: sums, positions: positions)
    }

    /// Fills the ascending lists with the `width` least `pairSum`s from position `p` to the other
    /// positions, by a depth-first search that visits the nearer child first and skips nodes whose bound
    /// reaches the current last sum (a point at exactly that sum could not change any listed sum).
    private func nearest(_ p: Int, width: Int, sums: UnsafeMutablePointer<Double>, positions: UnsafeMutablePointer<Int32>,
                         stack: UnsafeMutablePointer<(node: Int32, bound: Double)>) {
        let x = UnsafePointer(coordinates + p * dimension)
        var limit = Double.infinity
        stack[0] = (Int32(root), 0)
        var top = 1
        while top > 0 {
            top -= 1
            let (id, bound) = stack[top]
            if bound >= limit { continue }
            let node = nodes[Int(id)]
            if node.left < 0 {
                @inline(__always) func offer(_ q: Int, _ s: Double) {
                    guard s < limit && q != p else { return }
                    var i = width - 1
                    while i > 0 && sums[i - 1] > s { sums[i] = sums[i - 1]; positions[i] = positions[i - 1]; i -= 1 }
                    sums[i] = s; positions[i] = Int32(q)
                    limit = sums[width - 1]
                }
                // Four sums at a time (independent chains), then the rest one by one.
                var q = Int(node.start)
                let end = Int(node.end)
                while q + 4 <= end {
                    let s = pairSums4(x, q)
                    offer(q, s[0]); offer(q + 1, s[1]); offer(q + 2, s[2]); offer(q + 3, s[3])
                    q += 4
                }
                while q < end { offer(q, pairSum(x, q, stoppingAt: limit)); q += 1 }
                continue
            }
            let left = lowerBoundSum(x, Int(node.left)), right = lowerBoundSum(x, Int(node.right))
            if left <= right {
                stack[top] = (node.right, right); stack[top + 1] = (node.left, left)
            } else {
                stack[top] = (node.left, left); stack[top + 1] = (node.right, right)
            }
            top += 2
        }
    }

    /// Rows within `radius` of row `row` (itself always included), ascending.
    func rows(within radius: Double, of row: Int) -> [Int] {
        let p = Int(positionOf[row])
        let x = UnsafePointer(coordinates + p * dimension)
        var out: [Int] = [row]
        var stack: [Int32] = [Int32(root)]
        while let id = stack.popLast() {
            if finish(lowerBoundSum(x, Int(id))) > radius { continue }
            let node = nodes[Int(id)]
            if node.left >= 0 { stack.append(node.left); stack.append(node.right); continue }
            for q in Int(node.start)..<Int(node.end) where q != p && finish(pairSum(x, q)) <= radius {
                out.append(Int(rowOf[q]))
            }
        }
        out.sort()
        return out
    }
}
