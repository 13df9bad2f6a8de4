/// One merge of the single-linkage tree, as a scipy/hdbscan linkage row `[left, right, distance, size]`:
/// row `k` creates node `n + k` from `left` and `right` (points `0..<n`, earlier merges `n...`).
public struct LinkageRow: Sendable, Equatable {
    public var left: Int
    public var right: Int
    public var distance: Double
    public var size: Int
    public init(left: Int, right: Int, distance: Double, size: Int) {
        self.left = left; self.right = right; self.distance = distance; self.size = size
    }
}

extension HDBSCAN {
    /// Stage 3: the single-linkage tree of an MST (the library's `label`). Edges are sorted by weight
    /// with a STABLE sort, so ties keep Prim's emission order (the oracle's `--tie-break stable`); each
    /// row joins the current roots of the edge's `from` and `to`. O(n log n).
    public static func singleLinkageTree(edges: [MSTEdge], count n: Int) -> [LinkageRow] {
        let order = stableOrder(edges)
        var parent = Array(0..<(2 * n - 1))
        var size = [Int](repeating: 1, count: 2 * n - 1)
        func find(_ x: Int) -> Int {
            var root = x
            while parent[root] != root { root = parent[root] }
            var y = x
            while parent[y] != root { let next = parent[y]; parent[y] = root; y = next }
            return root
        }
        var rows: [LinkageRow] = []
        rows.reserveCapacity(edges.count)
        for (k, e) in order.enumerated() {
            let a = find(Int(edges[e].from)), b = find(Int(edges[e].to))
            let node = n + k
            rows.append(LinkageRow(left: a, right: b, distance: edges[e].weight, size: size[a] + size[b]))
            parent[a] = node; parent[b] = node
            size[node] = size[a] + size[b]
        }
        return rows
    }

    /// Indices of `edges` sorted by weight, equal weights in their original order (merge sort).
    static func stableOrder(_ edges: [MSTEdge]) -> [Int] {
        var order = Array(0..<edges.count)
        var scratch = order
        var width = 1
        while width < order.count {
            var start = 0
            while start < order.count {
                let mid = min(start + width, order.count), end = min(start + 2 * width, order.count)
                var i = start, j = mid, o = start
                while i < mid && j < end {
                    // Take from the right run only when strictly lighter: ties keep the left (earlier) edge.
                    if edges[order[j]].weight < edges[order[i]].weight { scratch[o] = order[j]; j += 1 }
                    else { scratch[o] = order[i]; i += 1 }
                    o += 1
                }
                while i < mid { scratch[o] = order[i]; i += 1; o += 1 }
                while j < end { scratch[o] = order[j]; j += 1; o += 1 }
                start = end
            }
            swap(&order, &scratch)
            width *= 2
        }
        return order
    }
}
