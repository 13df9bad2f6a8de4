/// The parameters of a complete-linkage clustering cut at a distance.
public struct LinkageParameters: Sendable, Equatable, Codable {
    /// The cut: samples whose every pairwise distance stays within a cluster at most this far apart.
    public var threshold: Double
    public var metric: DistanceMetric

    public init(threshold: Double, metric: DistanceMetric) {
        self.threshold = threshold
        self.metric = metric
    }

    /// The recommended family clustering (`cluster` alone): group Jaccard, cut at 0.7.
    public static let families = LinkageParameters(threshold: 0.7, metric: .groupjaccard)
}

/// A complete-linkage clustering cut at `threshold`: every pair of members of a cluster is at most
/// `threshold` apart. Clusters of one sample are noise (−1).
public struct LinkageResult: Sendable, Equatable, FlatClustering {
    public var parameters: LinkageParameters
    /// Cluster per sample (−1 noise), numbered by size (largest first), then by smallest row.
    public var labels: [Int]
    /// Membership strength in [0, 1], HDBSCAN's probability in spirit: 1 for the cluster's most central
    /// member (smallest mean distance m to the other members), falling linearly to 0 for a member whose
    /// m reaches the cut: (t − m) / (t − m_central) (`strength`); 0 for noise.
    public var strengths: [Double]
    /// Outlier score: (largest distance to another member) / threshold, in [0, 1] (1 at the edge of the
    /// cut); 1 for noise, which no cluster could take in.
    public var outlierScores: [Double]
    /// Which engine gave the pair distances; nil when read back from a saved session. Not part of a
    /// result's value (`==` ignores it: results on any engine or thread count are the same).
    public var plan: EnginePlan?

    public static func == (a: LinkageResult, b: LinkageResult) -> Bool {
        a.parameters == b.parameters && a.labels == b.labels && a.strengths == b.strengths
            && a.outlierScores == b.outlierScores
    }

    /// The strength of a sample at mean distance `mean` from a cluster whose most central member is at
    /// mean distance `central` from the others, under cut `t` (clamped to [0, 1]; 1 when t = central).
    public static func strength(mean: Double, central: Double, threshold t: Double) -> Double {
        t > central ? min(1, max(0, (t - mean) / (t - central))) : 1
    }

    public init(parameters: LinkageParameters, labels: [Int], strengths: [Double], outlierScores: [Double]) {
        self.parameters = parameters
        self.labels = labels
        self.strengths = strengths
        self.outlierScores = outlierScores
    }
}

/// Complete (farthest-neighbour) linkage cut at a distance t: scipy's
/// `fcluster(linkage(D, method='complete'), t, criterion='distance')` on the distance matrix D in which
/// every distance beyond t is set to one value (`CutChain` says why and how).
///
/// Without ties among the distances within t the partition is unique, and equal to scipy's on the
/// plain matrix. Under ties it can differ from that one: scipy's chain can enter a group of samples
/// within t of each other from a cluster farther than t, at whichever member that far cluster is
/// nearest to, so its partition depends on distances that cannot matter to the cut; with them all equal
/// it depends only on the pairs within t. That is what lets the same partition be computed over all
/// pairs (up to `exhaustiveLimit` samples) or per connected component of the pairs within t, found by
/// a similarity join without an n×n matrix (`LinkageComponents`), at any size.
public enum CompleteLinkage {
    /// Up to this many samples the chain runs over the condensed matrix (n(n−1)/2 doubles, 16 MB).
    public static let exhaustiveLimit = 2_048
    /// Above it, a connected component of up to this many points is merged over all its pairs (1 GB).
    public static let componentLimit = 16_384

    public static func fit(points: PointSet, parameters: LinkageParameters, threads: Int = 2,
                           control: TaskControl = .none, exhaustiveLimit: Int = CompleteLinkage.exhaustiveLimit,
                           componentLimit: Int = CompleteLinkage.componentLimit) throws -> LinkageResult {
        let t = parameters.threshold
        guard t.isFinite, t >= 0 else { throw ClusteringError("the cut distance must be a number ≥ 0") }
        let total = points.count
        let finite = (0..<total).filter { points.rowIsFinite($0) }
        let subset = finite.count == total ? points : points.selectingRows(finite)
        let n = subset.count
        let plan = EnginePlan.make(points: subset, metric: parameters.metric, threads: threads)
        let engine = NeighbourhoodEngines.make(plan: plan, points: subset, metric: parameters.metric)
        let root: [Int]
        if n <= exhaustiveLimit {
            root = try CutChain.overAllPairs(n: n, threshold: t, threads: threads, control: control) { engine.distance($0, $1) }
        } else {
            root = try LinkageComponents.roots(points: subset, engine: engine, threshold: t, threads: threads,
                                               componentLimit: componentLimit, control: control)
        }
        let local = try finish(root: root, threshold: t, threads: threads, control: control) { engine.distance($0, $1) }
        var result = LinkageResult(parameters: parameters, labels: [Int](repeating: -1, count: total),
                                   strengths: [Double](repeating: 0, count: total),
                                   outlierScores: [Double](repeating: 1, count: total))
        result.plan = plan
        for (k, r) in finite.enumerated() {
            result.labels[r] = local.labels[k]
            result.strengths[r] = local.strengths[k]
            result.outlierScores[r] = local.outlierScores[k]
        }
        return result
    }

    /// `CutChain`'s chain on the pairs ≤ t only (a cluster pair with any pair farther than t can never
    /// merge below the cut, so it has no edge): merged clusters keep the edges both had, at the larger
    /// distance. A chain that starts at a cluster with no edge left retires it. Edges are (i, j, d) with
    /// i < j and d ≤ t, each pair once. Memory: 24 bytes a pair; for components too large for a matrix.
    static func chainOverEdges(n: Int, edges: [LinkageEdge], control: TaskControl) throws -> [Int] {
        var edges = edges
        return try chainOverEdges(n: n, consuming: &edges, control: control)
    }

    /// The same, emptying `edges` once they are in the chain's own arrays (`EdgeChain`).
    static func chainOverEdges(n: Int, consuming edges: inout [LinkageEdge], control: TaskControl) throws -> [Int] {
        var chain = EdgeChain(n: n, edges: &edges)
        return try chain.run(control: control)
    }

    /// Labels, strengths and outlier scores from each point's cluster representative.
    static func finish(root: [Int], threshold t: Double, threads: Int, control: TaskControl,
                       distance: (Int, Int) -> Double) throws -> LinkageResult {
        let n = root.count
        var members: [Int: [Int]] = [:]
        for i in 0..<n { members[root[i], default: []].append(i) }
        let clusters = members.values.filter { $0.count > 1 }
            .sorted { $0.count != $1.count ? $0.count > $1.count : $0[0] < $1[0] }
        var labels = [Int](repeating: -1, count: n)
        var strengths = [Double](repeating: 0, count: n)
        var outliers = [Double](repeating: 1, count: n)
        for (label, rows) in clusters.enumerated() {
            try control.checkCancellation()
            var sum = [Double](repeating: 0, count: rows.count)
            var far = [Double](repeating: 0, count: rows.count)
            for a in 0..<rows.count {
                for b in (a + 1)..<rows.count {
                    let dist = distance(rows[a], rows[b])
                    sum[a] += dist; sum[b] += dist
                    far[a] = max(far[a], dist); far[b] = max(far[b], dist)
                }
            }
            let means = sum.map { $0 / Double(rows.count - 1) }
            let central = means.min()!
            for (k, r) in rows.enumerated() {
                labels[r] = label
                strengths[r] = LinkageResult.strength(mean: means[k], central: central, threshold: t)
                outliers[r] = t > 0 ? min(1, far[k] / t) : 0
            }
        }
        return LinkageResult(parameters: LinkageParameters(threshold: t, metric: .euclidean), labels: labels,
                             strengths: strengths, outlierScores: outliers)
    }
}

/// A pair of points at most the cut apart (`a < b`).
struct LinkageEdge: Sendable, Equatable {
    var a: Int32
    var b: Int32
    var distance: Double
}

/// Union–find whose representative query gives the smallest member.
struct DisjointSets {
    private var parent: [Int]
    private var low: [Int]
    init(_ n: Int) { parent = Array(0..<n); low = Array(0..<n) }
    mutating func find(_ x: Int) -> Int {
        var r = x
        while parent[r] != r { r = parent[r] }
        var c = x
        while parent[c] != r { let next = parent[c]; parent[c] = r; c = next }
        return r
    }
    mutating func union(_ a: Int, _ b: Int) {
        let ra = find(a), rb = find(b)
        guard ra != rb else { return }
        parent[rb] = ra
        low[ra] = min(low[ra], low[rb])
    }
    mutating func smallest(_ x: Int) -> Int { low[find(x)] }
}
