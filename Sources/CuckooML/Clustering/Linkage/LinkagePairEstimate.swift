import Synchronization

/// How many pairs of points lie within the cut t, estimated before the similarity join from a seeded
/// sample of rows, so that complete linkage can refuse at once a corpus whose pairs within t cannot fit
/// (`LinkageComponents.maximumPairs`) instead of finding out after minutes of joining and GBs of pairs.
///
/// Each sampled row is measured against every row with the exact distance: its degree (how many rows
/// lie within t of it) and its neighbours. Twice the pairs within t is the sum of all rows' degrees, so
/// n/S times the sampled rows' sum, halved, estimates the pairs without bias (sampling without
/// replacement; every row measured when S ≥ n, and the count is then exact). The cap is per connected
/// component, not for the whole corpus (components up to `componentLimit` samples are merged over all
/// their distances, with no cap), so the estimate that matters is per component: sampled rows that are
/// within t of each other or share a neighbour are certainly in one component, and the rows they reach
/// are certainly in it too (`provenSize`, a lower bound on its size). Those proven groups can only
/// under-join a component, never join two, so each group's estimate of its component's pairs can err
/// low for that reason, not high: the refusal stays on the safe side.
///
/// The margin (`refusal`): refuse only when a proven group reaches beyond `componentLimit` samples, its
/// estimate is at least `marginFactor` (2) times the cap, and the estimate less `standardErrors` (4)
/// standard errors is still above the cap. The standard error comes from the spread of the sampled
/// degrees. Four of them cover the sampling error when the degrees are spread evenly (the generator's
/// families: one giant component whose rows have similar degrees); the factor 2 covers a skewed spread
/// that 256 rows describe badly (a dense core hit by a few sampled rows: its pairs' estimate then rests
/// on those few rows, and the 4-error rule alone needs some 17 of them to refuse). A run between the cap
/// and twice it is left to the join, which still stops at the cap: an estimate error can cost time,
/// never refuse a run that would have fitted.
struct LinkagePairEstimate: Sendable, Equatable {
    /// Rows measured against every row (all of them when there are fewer).
    static let sampleSize = 256
    /// The seed of the sample (SplitMix64): the same points give the same estimate.
    static let seed: UInt64 = 0x2016_0BAD_F00D_CAFE
    /// Refuse only beyond this many times the cap…
    static let marginFactor = 2.0
    /// …and when the estimate less this many standard errors is still beyond it.
    static let standardErrors = 4.0

    /// The samples (rows) and the cut.
    var rows: Int
    var threshold: Double
    /// How many rows were measured.
    var sampled: Int
    /// Estimated pairs within the cut over all rows, and its standard error.
    var pairs: Double
    var pairsError: Double
    /// The proven group of sampled rows with the most estimated pairs: its estimate, standard error and
    /// the rows certainly in its component (a lower bound on the component's size).
    var componentPairs: Double
    var componentError: Double
    var provenSize: Int
    /// Estimated pairs within each lower cut (the multiples of 0.05 below t, highest first), over all
    /// rows: what a lower cut would leave.
    var lowerCuts: [(threshold: Double, pairs: Double)]

    static func == (a: LinkagePairEstimate, b: LinkagePairEstimate) -> Bool {
        a.rows == b.rows && a.threshold == b.threshold && a.sampled == b.sampled && a.pairs == b.pairs
            && a.pairsError == b.pairsError && a.componentPairs == b.componentPairs
            && a.componentError == b.componentError && a.provenSize == b.provenSize
            && a.lowerCuts.map(\.threshold) == b.lowerCuts.map(\.threshold) && a.lowerCuts.map(\.pairs) == b.lowerCuts.map(\.pairs)
    }

    static let phase = "estimating pairs within the cut"

    /// Measures `sampleSize` seeded rows against all rows on `threads` threads (cancellable).
    static func measure(engine: any NeighbourhoodEngine, threshold t: Double, threads: Int,
                        sampleSize: Int = LinkagePairEstimate.sampleSize, control: TaskControl) throws -> LinkagePairEstimate {
        let n = engine.count
        let sample = sampledRows(n: n, count: sampleSize)
        let s = sample.count
        // The multiples of 0.05 below t, highest first (as 5k / 100, so 0.65 is the double 0.65).
        let cuts = stride(from: Int((t * 20).rounded(.up)) - 1, through: 1, by: -1).map { Double(5 * $0) / 100 }.filter { $0 < t }
        // Each sampled row's neighbours within t, and how many are within each lower cut.
        let neighbours = DisjointSlots<(list: [Int32], below: [Int])>(s, repeating: ([], []))
        let done = Atomic<Int>(0)
        control.report(Progress(phase: phase, done: 0, total: s))
        runTasks(s, threads: engineThreads(threads)) { q, _ in
            if control.isCancelled() { return false }
            let i = sample[q]
            var list: [Int32] = [], below = [Int](repeating: 0, count: cuts.count)
            for j in 0..<n where j != i {
                let d = engine.distance(i, j)
                guard d <= t else { continue }
                list.append(Int32(j))
                for (k, c) in cuts.enumerated() where d <= c { below[k] += 1 }
            }
            neighbours[q] = (list, below)
            control.report(Progress(phase: phase, done: done.add(1, ordering: .relaxed).newValue, total: s))
            return true
        }
        try control.checkCancellation()
        // Proven groups: a sampled row joins the group of any earlier sampled row it reaches or shares a
        // neighbour with (`owner`: the first sampled row to reach each row).
        var sets = DisjointSets(s)
        var owner = [Int32](repeating: -1, count: n)
        for q in 0..<s {
            for j in [Int32(sample[q])] + neighbours[q].list {
                if owner[Int(j)] >= 0 { sets.union(Int(owner[Int(j)]), q) } else { owner[Int(j)] = Int32(q) }
            }
        }
        var size = [Int](repeating: 0, count: s)
        for o in owner where o >= 0 { size[sets.find(Int(o))] += 1 }
        let degrees = (0..<s).map { Double(neighbours[$0].list.count) }
        let all = Self.total(degrees, n: n)
        var best = (pairs: 0.0, error: 0.0, size: 0)
        for g in Set((0..<s).map { sets.find($0) }).sorted() {
            let inGroup = (0..<s).map { sets.find($0) == g ? degrees[$0] : 0 }
            let e = Self.total(inGroup, n: n)
            if e.pairs > best.pairs || (e.pairs == best.pairs && size[g] > best.size) { best = (e.pairs, e.error, size[g]) }
        }
        let lower = cuts.indices.map { k in (threshold: cuts[k], pairs: Self.total((0..<s).map { Double(neighbours[$0].below[k]) }, n: n).pairs) }
        return LinkagePairEstimate(rows: n, threshold: t, sampled: s, pairs: all.pairs, pairsError: all.error,
                                   componentPairs: best.pairs, componentError: best.error, provenSize: best.size,
                                   lowerCuts: lower)
    }

    /// Half of n/S times the sum of the sampled degrees, and its standard error (sample spread, with the
    /// finite-population correction: 0 when every row was measured).
    static func total(_ degrees: [Double], n: Int) -> (pairs: Double, error: Double) {
        let s = Double(degrees.count)
        guard s > 0 else { return (0, 0) }
        let sum = degrees.reduce(0, +), mean = sum / s
        let variance = s > 1 ? degrees.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (s - 1) : 0
        let correction = n > 1 ? max(0, (Double(n) - s) / (Double(n) - 1)) : 0
        // n · sum / S rather than n · mean: exact (whole numbers) when every row was measured.
        return (Double(n) * sum / s / 2, Double(n) / 2 * (variance / s * correction).squareRoot())
    }

    /// Whether exact complete linkage should refuse at once (see the type's comment for the margin):
    /// the error to throw, or nil to go on.
    func refusal(maximumPairs: Int, componentLimit: Int) -> LinkageTooLarge? {
        let cap = Double(maximumPairs)
        guard provenSize > componentLimit, componentPairs >= Self.marginFactor * cap,
              componentPairs - Self.standardErrors * componentError > cap else { return nil }
        var advice = "cut lower"
        if let fits = lowerCuts.first(where: { $0.pairs <= cap / Self.marginFactor }) {
            advice += " (cluster linkage \(fits.threshold): about \(Self.grouped(fits.pairs)) pairs in all)"
        }
        let sure = Self.grouped(max(0, componentPairs - Self.standardErrors * componentError))
        return LinkageTooLarge("about \(Self.grouped(componentPairs)) pairs of samples lie within the cut \(threshold) of each other in one connected group of at least \(Self.grouped(Double(provenSize))) of the \(Self.grouped(Double(rows))) samples (estimated from \(sampled) samples; at least \(sure) at four standard errors), beyond the \(Self.grouped(cap)) pairs exact complete linkage may hold: \(advice), cluster with hdbscan (cluster hdbscan 1 2 metric=groupjaccard), or cluster fewer samples")
    }

    /// Up to `count` distinct rows of 0..<n, ascending: a partial Fisher–Yates shuffle driven by
    /// SplitMix64 from `seed` (every row when n ≤ count).
    static func sampledRows(n: Int, count: Int, seed: UInt64 = LinkagePairEstimate.seed) -> [Int] {
        guard n > count else { return Array(0..<n) }
        var state = seed
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        var moved: [Int: Int] = [:]
        var picked: [Int] = []
        for k in 0..<count {
            let r = k + Int(next() % UInt64(n - k))
            let a = moved[k] ?? k, b = moved[r] ?? r
            moved[r] = a
            picked.append(b)
        }
        return picked.sorted()
    }

    /// 123456789 → "123 456 789" (rounded to a whole number).
    static func grouped(_ value: Double) -> String {
        var digits = String(Int(value.rounded()))
        var out = ""
        while digits.count > 3 {
            out = " " + digits.suffix(3) + out
            digits.removeLast(3)
        }
        return digits + out
    }
}

/// Complete linkage's refusal of a corpus whose pairs within the cut are beyond what it may hold, early
/// (from the estimate) or while joining (the cap reached): not a wrong parameter (the same command fits a smaller corpus), so not a `ClusteringError`, which
/// the shell reports as a usage error.
public struct LinkageTooLarge: Error, Equatable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
