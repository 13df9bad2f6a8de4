import Synchronization

/// Exact neighbour queries on a `KDTree`: the k-th nearest distance of every point (core distances)
/// and the points within a radius (DBSCAN).
extension KDTree {
    /// For each row, the distance at index `k` of its sorted distances to all points, itself at index 0
    /// (`k` clipped to n − 1), bit-identical to a full scan; queries are split over `threads` threads.
    func kthDistances(k requested: Int, threads: Int, control: TaskControl) throws -> [Double] {
        let n = count
        let k = min(requested, n - 1)
        guard k > 0 else { return [Double](repeating: 0, count: n) }
        let result = UnsafeMutablePointer<Double>.allocate(capacity: n)
        defer { result.deallocate() }
        let shared = SharedPointer(base: result)
        let batch = 256
        let tasks = (n + batch - 1) / batch
        let cancelled = Atomic<Bool>(false)
        let finished = Atomic<Int>(0)
        control.report(Progress(phase: "core distances", done: 0, total: n))
        runTasks(tasks, threads: n < 2_048 ? 1 : engineThreads(threads)) { task, _ in
            if control.isCancelled() { cancelled.store(true, ordering: .relaxed); return false }
            let list = UnsafeMutablePointer<Double>.allocate(capacity: k)
            let stack = UnsafeMutablePointer<(node: Int32, bound: Double)>.allocate(capacity: 2 * self.nodeCount + 2)
            defer { list.deallocate(); stack.deallocate() }
            for p in (task * batch)..<min(n, (task + 1) * batch) {
                list.initialize(repeating: .infinity, count: k)
                let sum = self.kthSmallestSum(p, k: k, list: list, stack: stack)
                shared.base[Int(self.rowOf[p])] = self.finish(sum)
            }
            let done = finished.wrappingAdd(batch, ordering: .relaxed).newValue
            if task & 15 == 0 { control.report(Progress(phase: "core distances", done: min(done, n), total: n)) }
            return true
        }
        if cancelled.load(ordering: .relaxed) { throw Interrupted() }
        control.report(Progress(phase: "core distances", done: n, total: n))
        return Array(UnsafeBufferPointer(start: result, count: n))
    }

    /// The k-th smallest `pairSum` from position `p` to every other position, by a depth-first search
    /// that visits the nearer child first and skips nodes whose bound reaches the current k-th value
    /// (a point at exactly that value could not change it).
    private func kthSmallestSum(_ p: Int, k: Int, list: UnsafeMutablePointer<Double>,
                                stack: UnsafeMutablePointer<(node: Int32, bound: Double)>) -> Double {
        let x = UnsafePointer(coordinates + p * dimension)
        var limit = Double.infinity
        var top = 0
        stack[0] = (Int32(root), 0)
        top = 1
        while top > 0 {
            top -= 1
            let (id, bound) = stack[top]
            if bound >= limit { continue }
            let node = nodes[Int(id)]
            if node.left < 0 {
                for q in Int(node.start)..<Int(node.end) where q != p {
                    let s = pairSum(x, q, stoppingAt: limit)
                    if s < limit { KNearest.insertSorted(list, k, s); limit = list[k - 1] }
                }
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
        return list[k - 1]
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
