/// The mean silhouette coefficient, as scikit-learn's `silhouette_score(X, labels, metric=...)`, computed
/// from the points in one pass over all pairs without an n×n matrix: each pair's distance is added to
/// both points' per-cluster sums (n × clusters doubles).
public enum Silhouette {
    /// The score, or nil when it is undefined: scikit-learn requires 2 ≤ distinct labels ≤ n − 1 (one
    /// cluster, or every sample alone, has no silhouette). Every distinct label is a cluster, so noise
    /// (−1) is one cluster unless the caller removed it. Singletons score 0, as in scikit-learn.
    public static func score(points: PointSet, labels: [Int], metric: DistanceMetric,
                             control: TaskControl = .none) throws(Interrupted) -> Double? {
        let n = labels.count
        precondition(points.count == n, "one label per point")
        let distinct = Array(Set(labels)).sorted()
        let k = distinct.count
        guard k > 1, k < n else { return nil }
        let code = Dictionary(uniqueKeysWithValues: distinct.enumerated().map { ($1, $0) })
        let cluster = labels.map { code[$0]! }
        var sizes = [Int](repeating: 0, count: k)
        for c in cluster { sizes[c] += 1 }

        var sums = [Double](repeating: 0, count: n * k)
        var distances = RowDistances(points: points, metric: metric)
        var row = [Double](repeating: 0, count: n)
        let step = max(1, n / 100)
        for i in 0..<n {
            if i % step == 0 {
                try control.checkCancellation()
                control.report(Progress(phase: "silhouette", done: i, total: n))
            }
            let ci = cluster[i]
            distances.fill(from: i, into: &row)
            for j in (i + 1)..<max(n, i + 1) {
                let d = row[j]
                sums[i * k + cluster[j]] += d
                sums[j * k + ci] += d
            }
        }

        var total = 0.0
        for i in 0..<n {
            let ci = cluster[i]
            // scikit-learn divides by (size − 1): a singleton gives 0/0 = NaN, which nan_to_num makes 0.
            let intra = sums[i * k + ci] / Double(sizes[ci] - 1)
            var inter = Double.infinity
            for c in 0..<k where c != ci { inter = min(inter, sums[i * k + c] / Double(sizes[c])) }
            let s = (inter - intra) / max(intra, inter)
            total += s.isNaN ? 0 : s
        }
        control.report(Progress(phase: "silhouette", done: n, total: n))
        return total / Double(n)
    }
}
