/// The mean silhouette coefficient, as scikit-learn's `silhouette_score(X, labels, metric=...)`, computed
/// from the points without an n×n matrix: only per-point, per-cluster distance sums are kept.
public enum Silhouette {
    /// The score, or nil when it is undefined: scikit-learn requires 2 ≤ distinct labels ≤ n − 1 (one
    /// cluster, or every sample alone, has no silhouette). Every distinct label is a cluster, so noise
    /// (−1) is one cluster unless the caller removed it. Singletons score 0, as in scikit-learn.
    public static func score(points: PointSet, labels: [Int], metric: DistanceMetric,
                             control: TaskControl = .none) throws(Interrupted) -> Double? {
        try score(points: points, labels: labels, metric: metric, control: control, budget: symmetricBudget)
    }

    /// `score` with the memory budget of the symmetric method given (tests force either method).
    static func score(points: PointSet, labels: [Int], metric: DistanceMetric, control: TaskControl,
                      budget: Int) throws(Interrupted) -> Double? {
        let n = labels.count
        precondition(points.count == n, "one label per point")
        let distinct = Array(Set(labels)).sorted()
        let k = distinct.count
        guard k > 1, k < n else { return nil }
        let code = Dictionary(uniqueKeysWithValues: distinct.enumerated().map { ($1, $0) })
        let cluster = labels.map { code[$0]! }
        var sizes = [Int](repeating: 0, count: k)
        for c in cluster { sizes[c] += 1 }

        // Per-point, per-cluster distance sums. When n × k fits the budget each pair is computed once
        // and added to both points; otherwise each point's full row is computed (twice the distance
        // work, O(n + k) memory). Both add a point's distances in ascending j, so results are identical.
        let symmetric = n * k <= budget
        var sums = [Double](repeating: 0, count: symmetric ? n * k : k)
        var intra = [Double](repeating: 0, count: symmetric ? 0 : n)
        var inter = [Double](repeating: 0, count: symmetric ? 0 : n)
        var distances = RowDistances(points: points, metric: metric)
        var row = [Double](repeating: 0, count: n)
        let step = max(1, n / 100)
        for i in 0..<n {
            if i % step == 0 {
                try control.checkCancellation()
                control.report(Progress(phase: "silhouette", done: i, total: n))
            }
            let ci = cluster[i]
            if symmetric {
                distances.fill(from: i, rows: (i + 1)..<max(n, i + 1), into: &row)
                for j in (i + 1)..<max(n, i + 1) {
                    let d = row[j]
                    sums[i * k + cluster[j]] += d
                    sums[j * k + ci] += d
                }
            } else {
                distances.fill(from: i, rows: 0..<n, into: &row)
                for c in 0..<k { sums[c] = 0 }
                for j in 0..<n where j != i { sums[cluster[j]] += row[j] }
                (intra[i], inter[i]) = meanDistances(sums[...], ci, sizes)
            }
        }

        var total = 0.0
        for i in 0..<n {
            let (a, b) = symmetric ? meanDistances(sums[(i * k)..<(i * k + k)], cluster[i], sizes) : (intra[i], inter[i])
            let s = (b - a) / max(a, b)
            total += s.isNaN ? 0 : s
        }
        control.report(Progress(phase: "silhouette", done: n, total: n))
        return total / Double(n)
    }

    /// Doubles the per-point, per-cluster sums may take before the row-by-row method is used (16 MB).
    static let symmetricBudget = 2_000_000

    /// The mean distance to the point's own cluster and the smallest mean distance to another one.
    /// scikit-learn divides by (size − 1): a singleton gives 0/0 = NaN, which nan_to_num makes a 0 score.
    private static func meanDistances(_ sums: ArraySlice<Double>, _ own: Int, _ sizes: [Int]) -> (Double, Double) {
        let base = sums.startIndex
        let intra = sums[base + own] / Double(sizes[own] - 1)
        var inter = Double.infinity
        for c in sizes.indices where c != own { inter = min(inter, sums[base + c] / Double(sizes[c])) }
        return (intra, inter)
    }
}
