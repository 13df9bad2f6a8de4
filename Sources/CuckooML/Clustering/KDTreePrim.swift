/// Prim's minimum spanning tree over mutual reachability on a `KDTree`, with exactly the library's
/// updates and tie rules (`PrimSpanningTree`), but visiting only the points an update can reach.
///
/// Point `j` can only take `mr(cur, j) = max(core(cur), core(j), d(cur, j)/alpha)` when that is strictly
/// below `best[j]`. So each point carries a bound `reach[j]`: `best[j]` while `core(j) < best[j]`, else −∞
/// (it can never improve again); each node keeps the largest bound of its points still outside the tree,
/// and a step skips a node when `core(cur)` or the node's distance bound already reaches that. Each node
/// also keeps its smallest `(best, row)` outside the tree, so the next point (the lowest row holding the
/// smallest best, as the library's index-order scan picks it) is read at the root.
final class KDTreePrim: @unchecked Sendable {
    private let tree: KDTree
    private let n: Int
    private let alpha: Double
    // Per position.
    private let best: UnsafeMutablePointer<Double>
    private let reach: UnsafeMutablePointer<Double>
    private let source: UnsafeMutablePointer<Int32>
    private let core: UnsafeMutablePointer<Double>
    private let inTree: UnsafeMutablePointer<Bool>
    // Per node.
    private let nodeReach: UnsafeMutablePointer<Double>
    private let nodeBest: UnsafeMutablePointer<Double>
    private let nodeRow: UnsafeMutablePointer<Int32>
    private let nodePosition: UnsafeMutablePointer<Int32>
    private let stack: UnsafeMutablePointer<Int32>

    init(tree: KDTree, coreDistances: [Double], alpha: Double) {
        self.tree = tree
        n = tree.count
        self.alpha = alpha
        let size = max(n, 1), nodes = max(tree.nodeCount, 1)
        best = .allocate(capacity: size); best.initialize(repeating: .infinity, count: size)
        reach = .allocate(capacity: size)
        source = .allocate(capacity: size); source.initialize(repeating: 0, count: size)
        core = .allocate(capacity: size)
        inTree = .allocate(capacity: size); inTree.initialize(repeating: false, count: size)
        for p in 0..<n {
            core[p] = coreDistances[Int(tree.rowOf[p])]
            reach[p] = core[p] < best[p] ? best[p] : -.infinity
        }
        nodeReach = .allocate(capacity: nodes)
        nodeBest = .allocate(capacity: nodes)
        nodeRow = .allocate(capacity: nodes)
        nodePosition = .allocate(capacity: nodes)
        stack = .allocate(capacity: 2 * nodes + 2)
        // Children have higher indices than their parent, so one backward pass fills every node.
        for id in stride(from: tree.nodeCount - 1, through: 0, by: -1) { refresh(id) }
    }

    deinit {
        best.deallocate(); reach.deallocate(); source.deallocate(); core.deallocate(); inTree.deallocate()
        nodeReach.deallocate(); nodeBest.deallocate(); nodeRow.deallocate(); nodePosition.deallocate()
        stack.deallocate()
    }

    func run(control: TaskControl) throws -> [MSTEdge] {
        guard n > 1 else { return [] }
        var edges: [MSTEdge] = []
        edges.reserveCapacity(n - 1)
        var current = Int(tree.positionOf[0])
        control.report(Progress(phase: "spanning tree", done: 0, total: n - 1))
        while edges.count < n - 1 {
            take(current)
            relax(from: current)
            let next = Int(nodePosition[tree.root])
            edges.append(MSTEdge(from: source[next], to: tree.rowOf[next], weight: best[next]))
            current = next
            if edges.count & 1_023 == 0 {
                try control.checkCancellation()
                control.report(Progress(phase: "spanning tree", done: edges.count, total: n - 1))
            }
        }
        control.report(Progress(phase: "spanning tree", done: n - 1, total: n - 1))
        return edges
    }

    /// Moves position `p` into the tree and refreshes the nodes above it.
    private func take(_ p: Int) {
        inTree[p] = true
        var id = Int(tree.leafOf[p])
        while id >= 0 {
            refresh(id)
            id = Int(tree.nodes[id].parent)
        }
    }

    /// Offers every point outside the tree its mutual reachability from position `cur`.
    private func relax(from cur: Int) {
        let x = UnsafePointer(tree.coordinates + cur * tree.dimension)
        let coreCur = core[cur]
        let curRow = tree.rowOf[cur]
        let alphaIsOne = alpha == 1
        // Entries ≥ 0 visit a node; −(id + 1) refreshes node `id` once its children are done.
        var top = 1
        stack[0] = Int32(tree.root)
        while top > 0 {
            top -= 1
            let entry = Int(stack[top])
            if entry < 0 { refreshInner(-entry - 1); continue }
            let limit = nodeReach[entry]
            if coreCur >= limit { continue }
            var bound = tree.finish(tree.lowerBoundSum(x, entry))
            if !alphaIsOne { bound /= alpha }
            if bound >= limit { continue }
            let node = tree.nodes[entry]
            if node.left >= 0 {
                stack[top] = Int32(-entry - 1)
                stack[top + 1] = node.left
                stack[top + 2] = node.right
                top += 3
                continue
            }
            for j in Int(node.start)..<Int(node.end) where reach[j] > coreCur {
                var d = tree.finish(tree.pairSum(x, j))
                if !alphaIsOne { d /= alpha }
                let coreJ = core[j]
                // The library's order of comparisons gives max(core(cur), core(j), d).
                if coreJ > coreCur {
                    if coreJ > d { d = coreJ }
                } else if coreCur > d {
                    d = coreCur
                }
                if d < best[j] {
                    best[j] = d
                    source[j] = curRow
                    reach[j] = coreJ < d ? d : -.infinity
                }
            }
            refreshLeaf(entry)
        }
    }

    private func refresh(_ id: Int) {
        if tree.isLeaf(id) { refreshLeaf(id) } else { refreshInner(id) }
    }

    private func refreshLeaf(_ id: Int) {
        let node = tree.nodes[id]
        var maxReach = -Double.infinity, minBest = Double.infinity
        var minRow = Int32.max, minPosition: Int32 = -1
        for p in Int(node.start)..<Int(node.end) where !inTree[p] {
            if reach[p] > maxReach { maxReach = reach[p] }
            let b = best[p], row = tree.rowOf[p]
            if b < minBest || (b == minBest && row < minRow) { minBest = b; minRow = row; minPosition = Int32(p) }
        }
        nodeReach[id] = maxReach; nodeBest[id] = minBest; nodeRow[id] = minRow; nodePosition[id] = minPosition
    }

    private func refreshInner(_ id: Int) {
        let node = tree.nodes[id]
        let l = Int(node.left), r = Int(node.right)
        nodeReach[id] = max(nodeReach[l], nodeReach[r])
        let fromRight = nodeBest[r] < nodeBest[l] || (nodeBest[r] == nodeBest[l] && nodeRow[r] < nodeRow[l])
        let c = fromRight ? r : l
        nodeBest[id] = nodeBest[c]; nodeRow[id] = nodeRow[c]; nodePosition[id] = nodePosition[c]
    }
}
