/// Which clusters a selection kept, with the stabilities as the selection left them (EOM replaces an
/// unselected cluster's stability by its children's float32 sum; `cluster_persistence_` reads these).
public struct ClusterSelectionOutcome: Sendable, Equatable {
    /// Selected cluster ids, ascending: label `k` is `selected[k]`.
    public var selected: [Int]
    /// Stability by `cluster − n`.
    public var stability: [Double]
}

extension HDBSCAN {
    /// Stage 5: each cluster's stability S(C) = Σ (λ − birth(C)) · child_size over rows whose parent is
    /// C, summed in row order in double precision (the library's `compute_stability`). By `cluster − n`.
    public static func stability(tree: [CondensedTreeRow], index: CondensedTreeIndex) -> [Double] {
        var result = [Double](repeating: 0, count: index.clusterCount)
        let n = index.pointCount
        for row in tree {
            let p = row.parent - n
            result[p] += (row.lambda - index.birth[p]) * Double(row.childSize)
        }
        return result
    }

    /// Stage 6: selects the flat clusters (the library's `get_clusters`, selection part).
    ///
    /// EOM visits clusters from the highest id down (the root only with `allowSingleCluster`); the
    /// children's stabilities are summed in **float32** as the library does (`cdef float`), and a cluster
    /// is kept only when that sum is not strictly larger than its own stability. Leaf keeps the cluster
    /// tree's leaves. A non-zero `epsilon` then lifts each selected cluster born above λ = 1/ε to its
    /// first ancestor born below it (never the root unless `allowSingleCluster`).
    public static func selectClusters(tree: [CondensedTreeRow], index: CondensedTreeIndex, stability initial: [Double],
                                      selection: ClusterSelection, epsilon: Double,
                                      allowSingleCluster: Bool) -> ClusterSelectionOutcome {
        let n = index.pointCount
        let root = index.root
        var stability = initial
        let clusterIDs = Array((n..<(n + index.clusterCount)).reversed())
        let candidates = allowSingleCluster ? clusterIDs : Array(clusterIDs.dropLast())
        var isCluster = [Bool](repeating: false, count: index.clusterCount)
        for c in candidates { isCluster[c - n] = true }
        let hasClusterTree = index.clusterCount > 1

        switch selection {
        case .eom:
            for node in candidates {
                var subtree: Float = 0
                for child in index.children[node - n] { subtree = Float(Double(subtree) + stability[child - n]) }
                if Double(subtree) > stability[node - n] {
                    isCluster[node - n] = false
                    stability[node - n] = Double(subtree)
                } else {
                    for sub in index.subtree(node) where sub != node { isCluster[sub - n] = false }
                }
            }
            if epsilon != 0 && hasClusterTree {
                let chosen = candidates.filter { isCluster[$0 - n] }
                var lifted: Set<Int> = []
                if chosen.count == 1 && chosen[0] == root {
                    if allowSingleCluster { lifted = [root] }
                } else {
                    lifted = epsilonSearch(chosen, index: index, epsilon: epsilon, allowSingleCluster: allowSingleCluster)
                }
                for c in candidates { isCluster[c - n] = lifted.contains(c) }
            }
        case .leaf:
            let leaves = hasClusterTree ? (n..<(n + index.clusterCount)).filter { $0 != root && index.children[$0 - n].isEmpty } : []
            let chosen = epsilon != 0 ? epsilonSearch(leaves, index: index, epsilon: epsilon, allowSingleCluster: allowSingleCluster) : Set(leaves)
            for c in n..<(n + index.clusterCount) { isCluster[c - n] = chosen.contains(c) && (c != root || allowSingleCluster) }
        }
        let selected = (n..<(n + index.clusterCount)).filter { isCluster[$0 - n] }
        return ClusterSelectionOutcome(selected: selected, stability: stability)
    }

    /// The library's `_epsilon_search_fast`. Clusters are visited in ascending id; the result does not
    /// depend on the order because births only decrease going up the tree and siblings share one birth.
    static func epsilonSearch(_ clusters: [Int], index: CondensedTreeIndex, epsilon: Double,
                              allowSingleCluster: Bool) -> Set<Int> {
        let n = index.pointCount
        var selected: Set<Int> = []
        var processed: Set<Int> = []
        func climb(_ leaf: Int) -> Int {
            let parent = index.parentOf[leaf - n]
            if parent == index.root { return allowSingleCluster ? parent : leaf }
            if 1 / index.birth[parent - n] > epsilon { return parent }
            return climb(parent)
        }
        for leaf in clusters.sorted() {
            if 1 / index.birth[leaf - n] < epsilon {
                if !processed.contains(leaf) {
                    let target = climb(leaf)
                    selected.insert(target)
                    for sub in index.subtree(target) where sub != target { processed.insert(sub) }
                }
            } else {
                selected.insert(leaf)
            }
        }
        return selected
    }
}
