extension HDBSCAN {
    /// Stage 7a: labels (the library's `do_labelling`): a point takes the label of its nearest selected
    /// ancestor cluster, else −1. When the root alone is selected (`allowSingleCluster`), a point is in
    /// the cluster only when its λ ≥ 1/ε (ε ≠ 0) or ≥ the largest λ of the root's own rows.
    public static func labels(tree: [CondensedTreeRow], index: CondensedTreeIndex, selected: [Int],
                              epsilon: Double) -> [Int] {
        let n = index.pointCount
        var labelOf = [Int](repeating: -1, count: index.clusterCount)
        for (label, c) in selected.enumerated() { labelOf[c - n] = label }
        let rootSelected = labelOf[0] >= 0
        var result = [Int](repeating: -1, count: n)
        for point in 0..<n {
            let row = tree[index.pointRow[point]]
            var cluster = row.parent
            while labelOf[cluster - n] < 0 && cluster != index.root { cluster = index.parentOf[cluster - n] }
            if cluster != index.root {
                result[point] = labelOf[cluster - n]
            } else if rootSelected && selected.count == 1 {
                let inside = epsilon != 0 ? row.lambda >= 1 / epsilon : row.lambda >= index.directMaxLambda[0]
                result[point] = inside ? labelOf[0] : -1
            }
        }
        return result
    }

    /// Stage 7b: membership probabilities (the library's `get_probabilities`): min(λ, λmax)/λmax with
    /// λmax the largest λ of rows whose parent is exactly the point's cluster; 1 when λmax = 0 or the
    /// point's λ is infinite; 0 for noise.
    public static func probabilities(tree: [CondensedTreeRow], index: CondensedTreeIndex, selected: [Int],
                                     labels: [Int]) -> [Double] {
        let n = index.pointCount
        var result = [Double](repeating: 0, count: n)
        for row in tree where row.child < n {
            let label = labels[row.child]
            guard label >= 0 else { continue }
            let maxLambda = index.directMaxLambda[selected[label] - n]
            result[row.child] = maxLambda == 0 || !row.lambda.isFinite ? 1 : min(row.lambda, maxLambda) / maxLambda
        }
        return result
    }

    /// Stage 7c: GLOSH outlier scores (the library's `outlier_scores`): (λdeath − λ)/λdeath, with λdeath
    /// the largest λ anywhere in the subtree of the point's parent cluster; 0 when λdeath = 0 or the
    /// point's λ is infinite.
    ///
    /// Departure from the library (exact duplicates only): when λdeath is +∞ (the densest points of the
    /// cluster are exact duplicates, distance 0) and the point's λ is finite, the library divides ∞ by
    /// ∞ and returns NaN. Here λdeath is then the largest FINITE λ in that subtree, so the score stays
    /// in [0, 1]: the point is compared with the densest non-duplicate level of its cluster (0 when the
    /// subtree has no finite positive λ). Every other score equals the library's.
    public static func outlierScores(tree: [CondensedTreeRow], index: CondensedTreeIndex) -> [Double] {
        let n = index.pointCount
        var deaths = index.directMaxLambda
        var finiteDeaths = [Double](repeating: 0, count: index.clusterCount)
        for row in tree where row.lambda.isFinite { finiteDeaths[row.parent - n] = max(finiteDeaths[row.parent - n], row.lambda) }
        for row in tree.reversed() where row.child >= n {
            let c = row.child - n, p = row.parent - n
            if deaths[c] > deaths[p] { deaths[p] = deaths[c] }
            if finiteDeaths[c] > finiteDeaths[p] { finiteDeaths[p] = finiteDeaths[c] }
        }
        var result = [Double](repeating: 0, count: n)
        for row in tree where row.child < n {
            var death = deaths[row.parent - n]
            if death == .infinity && row.lambda.isFinite { death = finiteDeaths[row.parent - n] }
            result[row.child] = death == 0 || !row.lambda.isFinite ? 0 : (death - row.lambda) / death
        }
        return result
    }

    /// Stage 7d: `cluster_persistence_`: S(C) / (|C| · largest λ in the tree), with the stabilities the
    /// selection left; 1 when that λ is 0 or infinite or the cluster has no members.
    public static func persistence(tree: [CondensedTreeRow], index: CondensedTreeIndex,
                                   outcome: ClusterSelectionOutcome, labels: [Int]) -> [Double] {
        let maxLambda = tree.map(\.lambda).max() ?? 0
        var sizes = [Int](repeating: 0, count: outcome.selected.count)
        for l in labels where l >= 0 { sizes[l] += 1 }
        return outcome.selected.enumerated().map { k, c in
            maxLambda.isInfinite || maxLambda == 0 || sizes[k] == 0
                ? 1 : outcome.stability[c - index.pointCount] / (Double(sizes[k]) * maxLambda)
        }
    }
}
