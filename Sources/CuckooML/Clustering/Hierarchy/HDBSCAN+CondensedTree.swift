extension HDBSCAN {
    /// Stage 4: condenses a single-linkage tree by `minClusterSize` (the library's `condense_tree`).
    ///
    /// Walks the linkage breadth-first from the root (left child before right). The root becomes
    /// cluster `n`; a split into two children of at least `minClusterSize` points makes two new
    /// clusters numbered `n+1, n+2, …` in walk order; a smaller child's points fall out of the parent at
    /// λ = 1/distance (+∞ at distance 0) as rows `(parent, point, λ, 1)`; the bigger child of a lopsided
    /// split keeps the parent's id. Rows come in the library's order, which the float sums downstream
    /// depend on. O(n).
    public static func condensedTree(linkage: [LinkageRow], minClusterSize: Int) -> [CondensedTreeRow] {
        let n = linkage.count + 1
        let root = 2 * n - 2
        func count(_ node: Int) -> Int { node >= n ? linkage[node - n].size : 1 }
        /// Level-by-level breadth-first walk, as the library's `bfs_from_hierarchy`.
        func walk(from start: Int) -> [Int] {
            var result = [start]
            var level = [start]
            while !level.isEmpty {
                var next: [Int] = []
                for x in level where x >= n {
                    next.append(linkage[x - n].left)
                    next.append(linkage[x - n].right)
                }
                result.append(contentsOf: next)
                level = next
            }
            return result
        }
        var relabel = [Int](repeating: 0, count: root + 1)
        relabel[root] = n
        var ignore = [Bool](repeating: false, count: root + 1)
        var nextLabel = n + 1
        var rows: [CondensedTreeRow] = []
        rows.reserveCapacity(2 * n)
        func fallOut(_ child: Int, from parent: Int, at lambda: Double) {
            for sub in walk(from: child) {
                if sub < n { rows.append(CondensedTreeRow(parent: parent, child: sub, lambda: lambda, childSize: 1)) }
                ignore[sub] = true
            }
        }
        for node in walk(from: root) where node >= n && !ignore[node] {
            let merge = linkage[node - n]
            let lambda = merge.distance > 0 ? 1 / merge.distance : Double.infinity
            let left = merge.left, right = merge.right
            let leftCount = count(left), rightCount = count(right)
            let parent = relabel[node]
            if leftCount >= minClusterSize && rightCount >= minClusterSize {
                relabel[left] = nextLabel; nextLabel += 1
                rows.append(CondensedTreeRow(parent: parent, child: relabel[left], lambda: lambda, childSize: leftCount))
                relabel[right] = nextLabel; nextLabel += 1
                rows.append(CondensedTreeRow(parent: parent, child: relabel[right], lambda: lambda, childSize: rightCount))
            } else if leftCount < minClusterSize && rightCount < minClusterSize {
                fallOut(left, from: parent, at: lambda)
                fallOut(right, from: parent, at: lambda)
            } else if leftCount < minClusterSize {
                relabel[right] = parent
                fallOut(left, from: parent, at: lambda)
            } else {
                relabel[left] = parent
                fallOut(right, from: parent, at: lambda)
            }
        }
        return rows
    }
}

/// Lookups over a condensed tree that the selection, labelling and prediction stages share.
/// Clusters are `n ..< n + clusterCount`; index arrays below are by `cluster − n`.
public struct CondensedTreeIndex: Sendable {
    public let pointCount: Int
    public let clusterCount: Int
    /// Parent cluster of each non-root cluster (root: −1).
    public let parentOf: [Int]
    /// λ at which each cluster was born (root: 0).
    public let birth: [Double]
    /// Child clusters of each cluster, in row order.
    public let children: [[Int]]
    /// Largest λ among rows whose parent is exactly the cluster (0 when none): the library's `max_lambdas`.
    public let directMaxLambda: [Double]
    /// Row of each point (where it falls out).
    public let pointRow: [Int]

    public init(_ tree: [CondensedTreeRow], pointCount n: Int) {
        pointCount = n
        let clusters = (tree.map { max($0.parent, $0.child) }.max() ?? n) - n + 1
        clusterCount = max(clusters, 1)
        var parentOf = [Int](repeating: -1, count: clusterCount)
        var birth = [Double](repeating: 0, count: clusterCount)
        var children = [[Int]](repeating: [], count: clusterCount)
        var direct = [Double](repeating: 0, count: clusterCount)
        var seen = [Bool](repeating: false, count: clusterCount)
        var pointRow = [Int](repeating: -1, count: n)
        for (r, row) in tree.enumerated() {
            let p = row.parent - n
            if !seen[p] { direct[p] = row.lambda; seen[p] = true } else { direct[p] = max(direct[p], row.lambda) }
            if row.child >= n {
                parentOf[row.child - n] = row.parent
                birth[row.child - n] = row.lambda
                children[p].append(row.child)
            } else {
                pointRow[row.child] = r
            }
        }
        self.parentOf = parentOf
        self.birth = birth
        self.children = children
        self.directMaxLambda = direct
        self.pointRow = pointRow
    }

    public var root: Int { pointCount }

    /// `cluster` and every cluster below it, level by level.
    public func subtree(_ cluster: Int) -> [Int] {
        var result = [cluster], level = [cluster]
        while !level.isEmpty {
            level = level.flatMap { children[$0 - pointCount] }
            result.append(contentsOf: level)
        }
        return result
    }
}
