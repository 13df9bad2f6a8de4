import Synchronization

/// How complete linkage meets a corpus beyond what it may hold exactly (`LinkageTooLarge`).
public enum LinkageMode: String, Sendable, Equatable, Codable, CaseIterable {
    /// Exact; only when exact refuses the corpus as too large, sampled (`SampledLinkage`).
    case auto
    /// Exact, refusing a corpus too large (the early refusal, or the join's cap).
    case exact
    /// Sampled whenever the corpus is larger than the sample (exact otherwise).
    case sampled
}

/// The parameters of a complete-linkage clustering cut at a distance.
public struct LinkageParameters: Sendable, Equatable, Codable {
    /// The cut: samples whose every pairwise distance stays within a cluster at most this far apart.
    public var threshold: Double
    public var metric: DistanceMetric
    /// Exact, sampled, or exact falling back to sampled (the default).
    public var mode: LinkageMode
    /// How many samples the sampled mode links exactly (`sampleSizes`).
    public var sampleSize: Int

    /// The sample sizes allowed: at most a component merged over all its distances, so the sample's own
    /// linkage never meets the pair cap.
    public static let sampleSizes = 2...CompleteLinkage.componentLimit
    public static let defaultSampleSize = 10_000

    public init(threshold: Double, metric: DistanceMetric, mode: LinkageMode = .auto,
                sampleSize: Int = LinkageParameters.defaultSampleSize) {
        self.threshold = threshold
        self.metric = metric
        self.mode = mode
        self.sampleSize = sampleSize
    }

    /// The recommended family clustering (`cluster` alone): group Jaccard, cut at 0.7, auto.
    public static let families = LinkageParameters(threshold: 0.7, metric: .groupjaccard)
}

/// What the sampled mode did (`SampledLinkage`): nil in a result when no sampling happened.
public struct LinkageSampling: Sendable, Equatable {
    /// The samples linked exactly in the first round, of `rows` (the samples with finite features).
    public var sampled: Int
    public var rows: Int
    /// Of the other samples, how many joined a cluster of the first round; the rest (`leftovers`)
    /// were clustered among themselves.
    public var placed: Int
    public var leftovers: Int
    /// Rounds of sampling (more than one when the leftovers were themselves sampled).
    public var rounds: Int

    public init(sampled: Int, rows: Int, placed: Int, leftovers: Int, rounds: Int) {
        self.sampled = sampled; self.rows = rows; self.placed = placed; self.leftovers = leftovers; self.rounds = rounds
    }

    /// "sampled: 2 000 of 10 000" (with the placed and leftover counts when `detail`).
    public func summary(detail: Bool = false) -> String {
        let g = LinkagePairEstimate.grouped
        var s = "sampled: \(g(Double(sampled))) of \(g(Double(rows)))"
        if detail {
            s += " (\(g(Double(placed))) placed, \(g(Double(leftovers))) leftovers"
                + (rounds > 1 ? ", \(rounds) rounds)" : ")")
        }
        return s
    }
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
    /// Whether (and how) the sampled mode made it; nil for an exact result.
    public var sampling: LinkageSampling?

    public static func == (a: LinkageResult, b: LinkageResult) -> Bool {
        a.parameters == b.parameters && a.labels == b.labels && a.strengths == b.strengths
            && a.outlierScores == b.outlierScores && a.sampling == b.sampling
    }

    /// "t=0.7 metric=groupjaccard", then the mode and sample size where not the defaults, and what the
    /// sampling did when it happened ("; sampled: 2 000 of 10 000 (7 000 placed, 1 000 leftovers)"):
    /// how `cluster`, `status` and `clusters` describe the clustering.
    public var settings: String {
        let p = parameters
        var text = "t=\(p.threshold) metric=\(p.metric.rawValue)"
        if p.mode != LinkageParameters.families.mode { text += " mode=\(p.mode.rawValue)" }
        if p.sampleSize != LinkageParameters.defaultSampleSize { text += " sample=\(p.sampleSize)" }
        if let sampling { text += "; " + sampling.summary(detail: true) }
        return text
    }

    /// The strength of a sample at mean distance `mean` from a cluster whose most central member is at
    /// mean distance `central` from the others, under cut `t` (clamped to [0, 1]; 1 when t = central).
    public static func strength(mean: Double, central: Double, threshold t: Double) -> Double {
        t > central ? min(1, max(0, (t - mean) / (t - central))) : 1
    }

    public init(parameters: LinkageParameters, labels: [Int], strengths: [Double], outlierScores: [Double],
                sampling: LinkageSampling? = nil) {
        self.parameters = parameters
        self.labels = labels
        self.strengths = strengths
        self.outlierScores = outlierScores
        self.sampling = sampling
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
    /// Clusters of at least this many members have their strengths measured on their own columns.
    static let compactedClusterSize = 64
    static let strengthPhase = "cluster strengths"
    /// A larger component is merged over its pairs within the cut, at most this many (`LinkageComponents`).
    public static let maximumPairs = 50_000_000

    public static func fit(points: PointSet, parameters: LinkageParameters, threads: Int = 2,
                           control: TaskControl = .none, exhaustiveLimit: Int = CompleteLinkage.exhaustiveLimit,
                           componentLimit: Int = CompleteLinkage.componentLimit,
                           maximumPairs: Int = CompleteLinkage.maximumPairs) throws -> LinkageResult {
        let t = parameters.threshold
        guard t.isFinite, t >= 0 else { throw ClusteringError("the cut distance must be a number ≥ 0") }
        guard LinkageParameters.sampleSizes.contains(parameters.sampleSize) else {
            throw ClusteringError("the sample size must be in \(LinkageParameters.sampleSizes.lowerBound)...\(LinkageParameters.sampleSizes.upperBound)")
        }
        let total = points.count
        let finite = (0..<total).filter { points.rowIsFinite($0) }
        let subset = finite.count == total ? points : points.selectingRows(finite)
        let plan = EnginePlan.make(points: subset, metric: parameters.metric, threads: threads)
        let engine = NeighbourhoodEngines.make(plan: plan, points: subset, metric: parameters.metric)
        let limits = Limits(exhaustive: exhaustiveLimit, component: componentLimit, pairs: maximumPairs)
        func sampled() throws -> ([Int], LinkageSampling?) {
            try SampledLinkage.roots(points: subset, engine: engine, threshold: t, sampleSize: parameters.sampleSize,
                                     threads: threads, limits: limits, control: control)
        }
        var sampling: LinkageSampling?
        let root: [Int]
        switch parameters.mode {
        case .exact:
            root = try exactRoots(points: subset, engine: engine, threshold: t, threads: threads, limits: limits, control: control)
        case .sampled:
            (root, sampling) = try sampled()
        case .auto:
            do {
                root = try exactRoots(points: subset, engine: engine, threshold: t, threads: threads, limits: limits, control: control)
            } catch is LinkageTooLarge {
                (root, sampling) = try sampled()
            }
        }
        // A large cluster's pairs are measured on bit rows of its own columns (the same bits, far fewer
        // words on a wide vocabulary: `LinkageComponents.compacted`).
        let metric = parameters.metric
        let own: @Sendable ([Int]) -> (@Sendable (Int, Int) -> Double)? = { rows in
            guard metric == .groupjaccard, rows.count >= compactedClusterSize else { return nil }
            let sub = NeighbourhoodEngines.make(points: LinkageComponents.compacted(subset, rows: rows, metric: metric),
                                                metric: metric, threads: 1)
            return { sub.distance($0, $1) }
        }
        let local = try finish(root: root, threshold: t, threads: threads, control: control, own: own) { engine.distance($0, $1) }
        var result = LinkageResult(parameters: parameters, labels: [Int](repeating: -1, count: total),
                                   strengths: [Double](repeating: 0, count: total),
                                   outlierScores: [Double](repeating: 1, count: total))
        result.plan = plan
        result.sampling = sampling
        for (k, r) in finite.enumerated() {
            result.labels[r] = local.labels[k]
            result.strengths[r] = local.strengths[k]
            result.outlierScores[r] = local.outlierScores[k]
        }
        return result
    }

    /// The sizes that choose the exact path and stop it (`fit`'s arguments).
    struct Limits: Sendable {
        var exhaustive: Int
        var component: Int
        var pairs: Int
    }

    /// Each point's cluster representative under exact complete linkage: the chain over all pairs up to
    /// `limits.exhaustive` points, per connected component above (`LinkageComponents`, which throws
    /// `LinkageTooLarge` for a corpus beyond the pair cap).
    static func exactRoots(points: PointSet, engine: any NeighbourhoodEngine, threshold t: Double, threads: Int,
                           limits: Limits, control: TaskControl) throws -> [Int] {
        let n = engine.count
        if n <= limits.exhaustive {
            return try CutChain.overAllPairs(n: n, threshold: t, threads: threads, control: control) { engine.distance($0, $1) }
        }
        return try LinkageComponents.roots(points: points, engine: engine, threshold: t, threads: threads,
                                           componentLimit: limits.component, maximumPairs: limits.pairs, control: control)
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

    /// Labels, strengths and outlier scores from each point's cluster representative. Clusters are
    /// measured one per task on `threads` threads (largest first; each writes only its own rows, in the
    /// same order of sums on any thread count).
    ///
    /// `own`, when it gives one for a cluster's rows, measures the cluster's pairs by their positions in
    /// those rows instead of `distance` (it must give the same values).
    static func finish(root: [Int], threshold t: Double, threads: Int, control: TaskControl,
                       own: (@Sendable ([Int]) -> (@Sendable (Int, Int) -> Double)?)? = nil,
                       distance: @escaping @Sendable (Int, Int) -> Double) throws -> LinkageResult {
        let n = root.count
        var members: [Int: [Int]] = [:]
        for i in 0..<n { members[root[i], default: []].append(i) }
        let clusters = members.values.filter { $0.count > 1 }
            .sorted { $0.count != $1.count ? $0.count > $1.count : $0[0] < $1[0] }
        let labels = DisjointSlots(n, repeating: -1)
        let strengths = DisjointSlots(n, repeating: 0.0)
        let outliers = DisjointSlots(n, repeating: 1.0)
        let total = clusters.reduce(0) { $0 + $1.count }
        let done = Atomic<Int>(0)
        control.report(Progress(phase: strengthPhase, done: 0, total: total))
        runTasks(clusters.count, threads: engineThreads(threads)) { label, _ in
            if control.isCancelled() { return false }
            let rows = clusters[label]
            let local = own?(rows)
            var sum = [Double](repeating: 0, count: rows.count)
            var far = [Double](repeating: 0, count: rows.count)
            for a in 0..<rows.count {
                for b in (a + 1)..<rows.count {
                    let dist = local?(a, b) ?? distance(rows[a], rows[b])
                    sum[a] += dist; sum[b] += dist
                    far[a] = max(far[a], dist); far[b] = max(far[b], dist)
                }
            }
            let means = sum.map { $0 / Double(rows.count - 1) }
            let central = means.min()!
            let finished = done.add(rows.count, ordering: .relaxed).newValue
            control.report(Progress(phase: strengthPhase, done: finished, total: total))
            for (k, r) in rows.enumerated() {
                labels[r] = label
                strengths[r] = LinkageResult.strength(mean: means[k], central: central, threshold: t)
                outliers[r] = t > 0 ? min(1, far[k] / t) : 0
            }
            return true
        }
        try control.checkCancellation()
        return LinkageResult(parameters: LinkageParameters(threshold: t, metric: .euclidean), labels: labels.values,
                             strengths: strengths.values, outlierScores: outliers.values)
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
