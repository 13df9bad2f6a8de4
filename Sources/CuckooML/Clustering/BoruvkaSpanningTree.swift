/// The library's Prim spanning tree, found by Borůvka's algorithm on a `KDTree` when the minimum
/// spanning tree is unique, in O(n log n)-like time instead of Prim's O(n²) scan.
///
/// Why this gives exactly Prim's output: when every edge Borůvka picks is the *only* lightest edge
/// leaving its component, every picked edge lies in every minimum spanning tree, so the tree is unique.
/// Then each of Prim's steps takes a tree edge (another edge of the same weight crossing Prim's cut
/// would make a second minimum tree), the lowest row among the tree edges of least weight leaving
/// Prim's current tree, with the source its tree neighbour. Replaying Prim over the tree's edges with a
/// heap keyed by (weight, row) therefore emits the library's edges in the library's order. Weights are
/// computed as Prim computes them. Any tie met while picking returns nil: the caller runs Prim.
final class BoruvkaSpanningTree {
    private let tree: KDTree
    private let n: Int
    private let alpha: Double
    private var core: [Double]              // by position
    private var component: [Int32]          // by position: the union-find root's position
    private var parent: [Int32]             // union-find over positions
    private var nodeComponent: [Int32]      // per node: the one component of all its points, else −1
    private var nodeCore: [Double]          // per node: least core distance of its points
    private let stack: UnsafeMutablePointer<(node: Int32, bound: Double)>
    // Per position: the last outside point its search picked; still outside next round, it is a real
    // edge that starts its component's least low, so most searches stop at once.
    private var lastTo: [Int32]
    private var lastValue: [Double]
    // Per position: no point outside its component is nearer (in mr) than this; components only grow.
    private var lowerOut: [Double]

    init(tree: KDTree, coreDistances: [Double], alpha: Double) {
        self.tree = tree
        n = tree.count
        self.alpha = alpha
        core = (0..<tree.count).map { coreDistances[Int(tree.rowOf[$0])] }
        component = (0..<tree.count).map { Int32($0) }
        parent = component
        nodeComponent = [Int32](repeating: -1, count: tree.nodeCount)
        nodeCore = [Double](repeating: .infinity, count: tree.nodeCount)
        stack = .allocate(capacity: 2 * tree.nodeCount + 2)
        lastTo = [Int32](repeating: -1, count: tree.count)
        lastValue = [Double](repeating: .infinity, count: tree.count)
        lowerOut = [Double](repeating: 0, count: tree.count)
        for id in stride(from: tree.nodeCount - 1, through: 0, by: -1) {
            let node = tree.nodes[id]
            if node.left < 0 {
                for p in Int(node.start)..<Int(node.end) { nodeCore[id] = min(nodeCore[id], core[p]) }
            } else {
                nodeCore[id] = min(nodeCore[Int(node.left)], nodeCore[Int(node.right)])
            }
        }
    }

    deinit { stack.deallocate() }

    /// The edges in Prim's emission order, or nil when a tie leaves the minimum tree possibly not unique.
    func run(control: TaskControl) throws -> [MSTEdge]? {
        guard n > 1 else { return [] }
        var chosen: [(Int32, Int32, Double)] = []
        chosen.reserveCapacity(n - 1)
        control.report(Progress(phase: "spanning tree", done: 0, total: n - 1))
        var order = (0..<n).map(Int32.init)
        while chosen.count < n - 1 {
            refreshNodes()
            var best = [Double](repeating: .infinity, count: n)
            var edge = [(Int32, Int32)](repeating: (-1, -1), count: n)
            var tied = [Bool](repeating: false, count: n)
            for p in 0..<n where lastTo[p] >= 0 && component[Int(lastTo[p])] != component[p] {
                let c = Int(component[p])
                offer(p, Int(lastTo[p]), lastValue[p], best: &best[c], edge: &edge[c], tied: &tied[c])
            }
            // Searching first from the points that may lie nearest their component's border finds a low
            // least early; a point whose bound already exceeds its component's least is skipped.
            order.sort { lowerOut[Int($0)] < lowerOut[Int($1)] }
            for (i, p32) in order.enumerated() {
                let p = Int(p32), c = Int(component[p])
                guard lowerOut[p] <= best[c] else { continue }
                searchOutside(from: p, component: c, best: &best[c], edge: &edge[c], tied: &tied[c])
                lowerOut[p] = best[c]
                if i & 4_095 == 0 { try control.checkCancellation() }
            }
            let before = chosen.count
            for c in 0..<n where component[c] == Int32(c) && best[c] < .infinity {
                if tied[c] { return nil }
                let (a, b) = edge[c]
                let ra = find(Int(a)), rb = find(Int(b))
                // Both ends' components may have picked the same edge.
                guard ra != rb else { continue }
                parent[ra] = Int32(rb)
                chosen.append((a, b, best[c]))
            }
            // Only infinite weights (overflowing distances) leave a round without an edge.
            if chosen.count == before { return nil }
            for p in 0..<n { component[p] = Int32(find(p)) }
            control.report(Progress(phase: "spanning tree", done: chosen.count, total: n - 1))
        }
        return primOrder(chosen)
    }

    /// Offers every edge from position `p` to a point outside component `c` to that component's least.
    private func searchOutside(from p: Int, component c: Int, best: inout Double, edge: inout (Int32, Int32),
                               tied: inout Bool) {
        let x = UnsafePointer(tree.coordinates + p * tree.dimension)
        let coreP = core[p]
        if coreP > best { return }
        let alphaIsOne = alpha == 1
        stack[0] = (Int32(tree.root), 0)
        var top = 1
        while top > 0 {
            top -= 1
            let (id32, lower) = stack[top]
            let id = Int(id32)
            // Strict: an edge at exactly the least weight must still be seen, to detect the tie.
            if lower > best || nodeComponent[id] == Int32(c) { continue }
            let node = tree.nodes[id]
            if node.left < 0 {
                // Sums past this one would put d beyond `best` (checked exactly below), so stop early.
                let limit = stopSum(best)
                for q in Int(node.start)..<Int(node.end) where component[q] != Int32(c) && core[q] <= best {
                    let partial = tree.pairSum(x, q, stoppingAt: limit)
                    var d = tree.finish(partial)
                    if !alphaIsOne { d /= alpha }
                    if d > best { continue }
                    if partial >= limit {
                        d = tree.finish(tree.pairSum(x, q))
                        if !alphaIsOne { d /= alpha }
                    }
                    let mr = max(coreP, core[q], d)
                    if mr <= best { offer(p, q, mr, best: &best, edge: &edge, tied: &tied) }
                }
                continue
            }
            let l = Int(node.left), r = Int(node.right)
            let bl = bound(x, coreP, l, alphaIsOne), br = bound(x, coreP, r, alphaIsOne)
            if bl <= br { stack[top] = (node.right, br); stack[top + 1] = (node.left, bl) }
            else { stack[top] = (node.left, bl); stack[top + 1] = (node.right, br) }
            top += 2
        }
    }

    /// A sum slightly past the one whose distance is `best` (only a hint for stopping early).
    @inline(__always)
    private func stopSum(_ best: Double) -> Double {
        let d = best * alpha * (1 + 1e-9)
        return tree.isEuclidean ? d * d : d
    }

    /// Takes edge (p, q) of weight `mr` into a component's least; another edge of equal weight is a tie.
    @inline(__always)
    private func offer(_ p: Int, _ q: Int, _ mr: Double, best: inout Double, edge: inout (Int32, Int32),
                       tied: inout Bool) {
        if mr < best {
            best = mr; edge = (Int32(p), Int32(q)); tied = false
            lastTo[p] = Int32(q); lastValue[p] = mr
        } else if mr == best && edge != (Int32(p), Int32(q)) {
            tied = true
        }
    }

    /// A lower bound of mr from a point to every point of node `id`.
    @inline(__always)
    private func bound(_ x: UnsafePointer<Double>, _ coreP: Double, _ id: Int, _ alphaIsOne: Bool) -> Double {
        var d = tree.finish(tree.lowerBoundSum(x, id))
        if !alphaIsOne { d /= alpha }
        return max(coreP, nodeCore[id], d)
    }

    private func refreshNodes() {
        for id in stride(from: tree.nodeCount - 1, through: 0, by: -1) {
            let node = tree.nodes[id]
            if node.left < 0 {
                let first = component[Int(node.start)]
                var same = true
                for p in Int(node.start)..<Int(node.end) where component[p] != first { same = false; break }
                nodeComponent[id] = same ? first : -1
            } else {
                let l = nodeComponent[Int(node.left)]
                nodeComponent[id] = l == nodeComponent[Int(node.right)] ? l : -1
            }
        }
    }

    private func find(_ p: Int) -> Int {
        var root = p
        while parent[root] != Int32(root) { root = Int(parent[root]) }
        var q = p
        while parent[q] != Int32(root) { let next = Int(parent[q]); parent[q] = Int32(root); q = next }
        return root
    }

    /// Prim's walk over the tree's edges from row 0: the least (weight, row) edge leaving the walked part.
    private func primOrder(_ chosen: [(Int32, Int32, Double)]) -> [MSTEdge] {
        var degree = [Int](repeating: 0, count: n + 1)
        for (a, b, _) in chosen { degree[Int(a) + 1] += 1; degree[Int(b) + 1] += 1 }
        for i in 0..<n { degree[i + 1] += degree[i] }
        var fill = degree
        var neighbour = [Int32](repeating: 0, count: 2 * chosen.count)
        var weight = [Double](repeating: 0, count: 2 * chosen.count)
        for (a, b, w) in chosen {
            neighbour[fill[Int(a)]] = b; weight[fill[Int(a)]] = w; fill[Int(a)] += 1
            neighbour[fill[Int(b)]] = a; weight[fill[Int(b)]] = w; fill[Int(b)] += 1
        }
        var heap = EdgeHeap()
        var walked = [Bool](repeating: false, count: n)
        var edges: [MSTEdge] = []
        edges.reserveCapacity(n - 1)
        func walk(_ p: Int) {
            walked[p] = true
            for e in degree[p]..<degree[p + 1] where !walked[Int(neighbour[e])] {
                let q = Int(neighbour[e])
                heap.push(.init(weight: weight[e], row: tree.rowOf[q], from: Int32(p), to: Int32(q)))
            }
        }
        walk(Int(tree.positionOf[0]))
        while let next = heap.pop() {
            guard !walked[Int(next.to)] else { continue }
            edges.append(MSTEdge(from: tree.rowOf[Int(next.from)], to: next.row, weight: next.weight))
            walk(Int(next.to))
        }
        return edges
    }
}

/// A binary min-heap of candidate edges ordered by (weight, row of the new point).
struct EdgeHeap {
    struct Entry { var weight: Double; var row: Int32; var from: Int32; var to: Int32 }
    private var items: [Entry] = []

    private static func less(_ a: Entry, _ b: Entry) -> Bool {
        a.weight < b.weight || (a.weight == b.weight && a.row < b.row)
    }

    mutating func push(_ e: Entry) {
        items.append(e)
        var i = items.count - 1
        while i > 0 {
            let up = (i - 1) / 2
            guard Self.less(items[i], items[up]) else { break }
            items.swapAt(i, up); i = up
        }
    }

    mutating func pop() -> Entry? {
        guard let top = items.first else { return nil }
        let last = items.removeLast()
        if !items.isEmpty {
            items[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < items.count && Self.less(items[l], items[m]) { m = l }
                if r < items.count && Self.less(items[r], items[m]) { m = r }
                if m == i { break }
                items.swapAt(i, m); i = m
            }
        }
        return top
    }
}
