import Synchronization

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
final class BoruvkaSpanningTree: @unchecked Sendable {
    private let tree: KDTree
    private let n: Int
    private let alpha: Double
    private var core: [Double]              // by position
    private var component: [Int32]          // by position: the union-find root's position
    private var parent: [Int32]             // union-find over positions
    private var nodeComponent: [Int32]      // per node: the one component of all its points, else −1
    private var nodeCore: [Double]          // per node: least core distance of its points
    private var nodeHasGiant: [Bool]        // per node: holds a point of the giant component
    private var giant: Int32 = -1           // the component holding more than half the points, else −1
    private var components = 0
    // Per position: its nearest point outside its component when last searched (−1: none within the
    // search's limit), that point's mr (else the limit, a lower bound), and whether another tied it.
    // While that point stays outside, it is still the nearest; once it joins, the value stays a lower
    // bound, as components only grow.
    private let ownTo: UnsafeMutablePointer<Int32>
    private let ownValue: UnsafeMutablePointer<Double>
    private let ownTied: UnsafeMutablePointer<Bool>
    private let threads: Int
    private let lists: NeighbourLists?

    /// `neighbours`, when given, are each point's nearest others (`KDTree.neighbourLists`), which settle
    /// the nearest outside points of those whose lists reach outside their components, in every round.
    init(tree: KDTree, coreDistances: [Double], alpha: Double, threads: Int = 1, neighbours: NeighbourLists? = nil) {
        self.tree = tree
        n = tree.count
        self.alpha = alpha
        core = (0..<tree.count).map { coreDistances[Int(tree.rowOf[$0])] }
        component = (0..<tree.count).map { Int32($0) }
        parent = component
        nodeComponent = [Int32](repeating: -1, count: tree.nodeCount)
        nodeCore = [Double](repeating: .infinity, count: tree.nodeCount)
        nodeHasGiant = [Bool](repeating: false, count: tree.nodeCount)
        ownTo = .allocate(capacity: max(1, tree.count)); ownTo.initialize(repeating: -1, count: max(1, tree.count))
        ownValue = .allocate(capacity: max(1, tree.count)); ownValue.initialize(repeating: 0, count: max(1, tree.count))
        ownTied = .allocate(capacity: max(1, tree.count)); ownTied.initialize(repeating: false, count: max(1, tree.count))
        self.threads = threads
        lists = neighbours
        for id in stride(from: tree.nodeCount - 1, through: 0, by: -1) {
            let node = tree.nodes[id]
            if node.left < 0 {
                for p in Int(node.start)..<Int(node.end) { nodeCore[id] = min(nodeCore[id], core[p]) }
            } else {
                nodeCore[id] = min(nodeCore[Int(node.left)], nodeCore[Int(node.right)])
            }
        }
    }

    deinit { ownTo.deallocate(); ownValue.deallocate(); ownTied.deallocate() }

    /// The edges in Prim's emission order, or nil when a tie leaves the minimum tree possibly not unique.
    func run(control: TaskControl) throws -> [MSTEdge]? {
        guard n > 1 else { return [] }
        var chosen: [(Int32, Int32, Double)] = []
        chosen.reserveCapacity(n - 1)
        control.report(Progress(phase: "spanning tree", done: 0, total: n - 1))
        var best = [Double](repeating: .infinity, count: n)
        var edge = [(Int32, Int32)](repeating: (-1, -1), count: n)
        var tied = [Bool](repeating: false, count: n)
        while chosen.count < n - 1 {
            refreshNodes()
            if let lists { settle(from: lists) }
            for c in 0..<n { best[c] = .infinity; edge[c] = (-1, -1); tied[c] = false }
            // Entries still valid are exact: they set each component's least before any search.
            for p in 0..<n where isValid(p) && component[p] != giant { consider(p, &best, &edge, &tied) }
            // Then the rest on `threads` threads, each with its own copy of the leasts (merged below):
            // each subtree of one component from the outside points near it (`searchNode`), and the
            // leaves of mixed components from each point whose bound does not already rule it out.
            var leaves: [Int32] = []
            var pureNodes: [Int32] = []
            var pending: [Int32] = [Int32(tree.root)]
            while let id32 = pending.popLast() {
                let id = Int(id32)
                let pure = nodeComponent[id]
                let node = tree.nodes[id]
                if pure >= 0 {
                    // The giant's least is found from the other side: fewer points, nearer the border.
                    if pure != giant { pureNodes.append(id32) }
                    continue
                }
                if node.left >= 0 { pending.append(node.right); pending.append(node.left) } else { leaves.append(id32) }
            }
            let leafList = leaves + pureNodes
            let leafCount = leaves.count
            let threadCount = leafList.count < 64 ? 1 : threads
            var local = (0..<threadCount).map { _ in Leasts(best: best, edge: edge, tied: tied) }
            let cancelled = Atomic<Bool>(false)
            local.withUnsafeMutableBufferPointer { buffer in
                let shared = SharedPointer(base: buffer.baseAddress!)
                let batch = max(1, leafList.count / (threadCount * 16))
                runTasks((leafList.count + batch - 1) / batch, threads: threadCount) { task, thread in
                    if control.isCancelled() { cancelled.store(true, ordering: .relaxed); return false }
                    let stack = UnsafeMutablePointer<(node: Int32, bound: Double)>.allocate(capacity: 4 * self.tree.nodeCount + 4)
                    defer { stack.deallocate() }
                    for i in (task * batch)..<min(leafList.count, (task + 1) * batch) {
                        if i < leafCount {
                            self.searchLeaf(Int(leafList[i]), &shared.base[thread], stack)
                        } else {
                            self.searchNode(Int(leafList[i]), &shared.base[thread], stack, stack + 2 * self.tree.nodeCount + 2)
                        }
                    }
                    return true
                }
            }
            if cancelled.load(ordering: .relaxed) { throw Interrupted() }
            for other in local {
                for c in 0..<n where other.best[c] < .infinity {
                    let (p, q) = other.edge[c]
                    offerEdge(Int(p), Int(q), other.best[c], other.tied[c], c, &best, &edge, &tied)
                }
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

    /// Each point's nearest point outside its component in mr from its listed neighbours, where the
    /// list settles it: an unlisted point lies at least the last listed distance away, so its mr is at
    /// least max(core(p), that/alpha). Otherwise the least of both is a bound, kept if it is better.
    /// Points whose record is still valid, and the giant's, are left alone.
    private func settle(from lists: NeighbourLists) {
        let w = lists.width
        guard w > 0 else { return }
        for p in 0..<n where !isValid(p) && (giant < 0 || component[p] != giant) {
            let own = component[p]
            var least = Double.infinity, to: Int32 = -1, tiedHere = false
            for i in 0..<w {
                let q = lists.positions[p * w + i]
                guard q >= 0, component[Int(q)] != own else { continue }
                var d = tree.finish(lists.sums[p * w + i])
                if alpha != 1 { d /= alpha }
                let mr = max(core[p], core[Int(q)], d)
                if mr < least { least = mr; to = q; tiedHere = false } else if mr == least { tiedHere = true }
            }
            var unlisted = w == n - 1 ? Double.infinity : tree.finish(lists.sums[p * w + w - 1])
            if alpha != 1 { unlisted /= alpha }
            unlisted = max(core[p], unlisted)
            if to >= 0 && least < unlisted {
                ownTo[p] = to; ownValue[p] = least; ownTied[p] = tiedHere
            } else {
                ownTo[p] = -1; ownValue[p] = max(ownValue[p], min(least, unlisted))
            }
        }
    }

    /// One thread's leasts per component.
    struct Leasts {
        var best: [Double]
        var edge: [(Int32, Int32)]
        var tied: [Bool]
    }

    /// Searches from the points of one leaf, into `leasts`.
    private func searchLeaf(_ id: Int, _ leasts: inout Leasts, _ stack: UnsafeMutablePointer<(node: Int32, bound: Double)>) {
        let node = tree.nodes[id]
        for p in Int(node.start)..<Int(node.end) where component[p] != giant {
            let c = Int(component[p])
            if !isValid(p) && ownValue[p] <= leasts.best[c] {
                searchOutside(from: p, limit: leasts.best[c], stack: stack)
                let q = Int(ownTo[p])
                if q >= 0 {
                    offerEdge(p, q, ownValue[p], ownTied[p], c, &leasts.best, &leasts.edge, &leasts.tied)
                    // Also a bound for the other side (its own searches see this edge again, with its ties).
                    if component[q] != giant {
                        offerEdge(p, q, ownValue[p], false, Int(component[q]), &leasts.best, &leasts.edge, &leasts.tied)
                    }
                }
            }
            guard giant >= 0 else { continue }
            let g = Int(giant)
            if components == 2 {
                // Two components: this point's nearest outside is its nearest giant point.
                if isValid(p) { offerEdge(p, Int(ownTo[p]), ownValue[p], ownTied[p], g, &leasts.best, &leasts.edge, &leasts.tied) }
            } else {
                let (value, q, tiedHere) = nearest(from: p, limit: leasts.best[g], among: .giant, stack: stack)
                if q >= 0 { offerEdge(p, q, value, tiedHere, g, &leasts.best, &leasts.edge, &leasts.tied) }
            }
        }
    }

    /// Whether position `p`'s recorded nearest outside point is still outside and untied (then still exact).
    @inline(__always)
    private func isValid(_ p: Int) -> Bool {
        let to = Int(ownTo[p])
        return to >= 0 && component[to] != component[p] && !ownTied[p]
    }

    /// Offers `p`'s recorded nearest outside point to its component's least.
    @inline(__always)
    private func consider(_ p: Int, _ best: inout [Double], _ edge: inout [(Int32, Int32)], _ tied: inout [Bool]) {
        offerEdge(p, Int(ownTo[p]), ownValue[p], ownTied[p], Int(component[p]), &best, &edge, &tied)
    }

    /// Offers edge (p, q) to component `c`'s least; another edge of equal weight is a tie, and so is the
    /// same edge offered again with a tie found beside it (per-thread leasts merged after a round).
    @inline(__always)
    private func offerEdge(_ p: Int, _ q: Int, _ value: Double, _ tiedHere: Bool, _ c: Int, _ best: inout [Double],
                           _ edge: inout [(Int32, Int32)], _ tied: inout [Bool]) {
        // One key per edge, whichever side found it.
        let key = p < q ? (Int32(p), Int32(q)) : (Int32(q), Int32(p))
        if value < best[c] {
            best[c] = value; edge[c] = key; tied[c] = tiedHere
        } else if value == best[c] && (tiedHere || edge[c] != key) {
            tied[c] = true
        }
    }

    /// The least edges leaving node `query`, all of whose points are in one (not the giant) component
    /// c, found from the other end: every outside point whose mr bound to the node's box is within
    /// reach searches the node for its nearest point there. One walk of the tree by box-to-box bounds
    /// serves all the node's points, where deep inside a large component each point's own search would
    /// cross the same loose boxes of sparse regions again and again.
    ///
    /// Reach is c's least so far, and for giant points the larger of c's and the giant's (the giant's
    /// least is found from outside it, so it needs every edge from these points up to its own least).
    /// Every edge leaving the node at either least's final weight is seen, or flagged tied when one
    /// outside point has two nearest in the node. The node's points keep their recorded bounds
    /// (components only grow, so they stay bounds).
    private func searchNode(_ query: Int, _ leasts: inout Leasts, _ stack: UnsafeMutablePointer<(node: Int32, bound: Double)>,
                            _ inner: UnsafeMutablePointer<(node: Int32, bound: Double)>) {
        let c = Int(nodeComponent[query])
        let g = Int(giant)
        let alphaIsOne = alpha == 1
        @inline(__always) func reach(giantToo: Bool) -> Double {
            giantToo && g >= 0 ? max(leasts.best[c], leasts.best[g]) : leasts.best[c]
        }
        stack[0] = (Int32(tree.root), boxBound(query, tree.root, alphaIsOne))
        var top = 1
        while top > 0 {
            top -= 1
            let (id32, lower) = stack[top]
            let id = Int(id32)
            if nodeComponent[id] == Int32(c) || lower > reach(giantToo: nodeHasGiant[id]) { continue }
            let node = tree.nodes[id]
            if node.left < 0 {
                for q in Int(node.start)..<Int(node.end) where component[q] != Int32(c) {
                    let other = Int(component[q])
                    let limit = reach(giantToo: other == g)
                    if core[q] > limit { continue }
                    let x = UnsafePointer(tree.coordinates + q * tree.dimension)
                    if bound(x, core[q], query, alphaIsOne) > limit { continue }
                    let (value, p, tiedHere) = nearest(from: q, root: query, limit: limit, among: .all, stack: inner)
                    guard p >= 0 else { continue }
                    offerEdge(p, q, value, tiedHere, c, &leasts.best, &leasts.edge, &leasts.tied)
                    offerEdge(p, q, value, other == g ? tiedHere : false, other, &leasts.best, &leasts.edge, &leasts.tied)
                }
                continue
            }
            let l = Int(node.left), r = Int(node.right)
            let bl = boxBound(query, l, alphaIsOne), br = boxBound(query, r, alphaIsOne)
            if bl <= br { stack[top] = (node.right, br); stack[top + 1] = (node.left, bl) }
            else { stack[top] = (node.left, bl); stack[top + 1] = (node.right, br) }
            top += 2
        }
    }

    /// A lower bound of mr between every point of node `a` and every point of node `b` (`KDTree.boxGapSum`).
    @inline(__always)
    private func boxBound(_ a: Int, _ b: Int, _ alphaIsOne: Bool) -> Double {
        let s = tree.boxGapSum(a, b)
        var gap = tree.finish(s)
        if !alphaIsOne { gap /= alpha }
        return max(nodeCore[a], nodeCore[b], gap)
    }

    /// Finds position `p`'s nearest point outside its component, within mr `limit`, and records it in
    /// `ownTo`/`ownValue`/`ownTied`; finding none, records `limit` as a bound (every outside point is then
    /// farther) and `ownTo = −1`.
    private func searchOutside(from p: Int, limit: Double, stack: UnsafeMutablePointer<(node: Int32, bound: Double)>) {
        let (value, q, tiedHere) = nearest(from: p, limit: limit, among: .outside, stack: stack)
        ownValue[p] = value; ownTo[p] = Int32(q); ownTied[p] = tiedHere
    }

    /// Which points a nearest-point search looks at.
    enum Among { case outside, giant, all }

    /// The point nearest to position `p` in mr, within `limit` (an edge at exactly the limit counts):
    /// among points outside `p`'s component (`.outside`), the giant component's (`.giant`), or all the
    /// points of the subtree `root` (`.all`, for a `p` outside it). Returns the mr (`limit` when none),
    /// the position (−1 when none) and whether another point tied it.
    private func nearest(from p: Int, root: Int = 0, limit: Double, among: Among,
                         stack: UnsafeMutablePointer<(node: Int32, bound: Double)>) -> (Double, Int, Bool) {
        let x = UnsafePointer(tree.coordinates + p * tree.dimension)
        let coreP = core[p]
        let own = component[p]
        let alphaIsOne = alpha == 1
        var best = limit, found = -1, tiedHere = false
        if coreP > best { return (best, found, tiedHere) }
        let inGiant = among == .giant, inAll = among == .all
        stack[0] = (Int32(root), 0)
        var top = 1
        while top > 0 {
            top -= 1
            let (id32, lower) = stack[top]
            let id = Int(id32)
            // Strict: an edge at exactly the least weight must still be seen, to detect the tie.
            if lower > best { continue }
            if !inAll && (inGiant ? !nodeHasGiant[id] : nodeComponent[id] == own) { continue }
            let node = tree.nodes[id]
            if node.left < 0 {
                // Sums past this one would put d beyond `best` (checked exactly below), so stop early.
                let stop = stopSum(best)
                for q in Int(node.start)..<Int(node.end) where core[q] <= best {
                    guard inAll || (inGiant ? component[q] == giant : component[q] != own) else { continue }
                    let partial = tree.pairSum(x, q, stoppingAt: stop)
                    var d = tree.finish(partial)
                    if !alphaIsOne { d /= alpha }
                    if d > best { continue }
                    if partial >= stop {
                        d = tree.finish(tree.pairSum(x, q))
                        if !alphaIsOne { d /= alpha }
                    }
                    let mr = max(coreP, core[q], d)
                    if mr < best || (mr == best && found < 0) {
                        best = mr; found = q; tiedHere = false
                    } else if mr == best {
                        tiedHere = true
                    }
                }
                continue
            }
            let l = Int(node.left), r = Int(node.right)
            let bl = bound(x, coreP, l, alphaIsOne), br = bound(x, coreP, r, alphaIsOne)
            if bl <= br { stack[top] = (node.right, br); stack[top + 1] = (node.left, bl) }
            else { stack[top] = (node.left, bl); stack[top + 1] = (node.right, br) }
            top += 2
        }
        return (best, found, tiedHere)
    }

    /// A sum slightly past the one whose distance is `best` (only a hint for stopping early).
    @inline(__always)
    private func stopSum(_ best: Double) -> Double {
        let d = best * alpha * (1 + 1e-9)
        return tree.isEuclidean ? d * d : d
    }

    /// A lower bound of mr from a point to every point of node `id`.
    @inline(__always)
    private func bound(_ x: UnsafePointer<Double>, _ coreP: Double, _ id: Int, _ alphaIsOne: Bool) -> Double {
        var d = tree.finish(tree.lowerBoundSum(x, id))
        if !alphaIsOne { d /= alpha }
        return max(coreP, nodeCore[id], d)
    }

    private func refreshNodes() {
        var size = [Int](repeating: 0, count: n)
        for p in 0..<n { size[Int(component[p])] += 1 }
        components = size.reduce(0) { $0 + ($1 > 0 ? 1 : 0) }
        giant = size.firstIndex { 2 * $0 > n }.map(Int32.init) ?? -1
        for id in stride(from: tree.nodeCount - 1, through: 0, by: -1) {
            let node = tree.nodes[id]
            if node.left < 0 {
                let first = component[Int(node.start)]
                var same = true, hasGiant = false
                for p in Int(node.start)..<Int(node.end) {
                    if component[p] != first { same = false }
                    if component[p] == giant { hasGiant = true }
                }
                nodeComponent[id] = same ? first : -1
                nodeHasGiant[id] = hasGiant
            } else {
                let l = nodeComponent[Int(node.left)]
                nodeComponent[id] = l == nodeComponent[Int(node.right)] ? l : -1
                nodeHasGiant[id] = nodeHasGiant[Int(node.left)] || nodeHasGiant[Int(node.right)]
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
