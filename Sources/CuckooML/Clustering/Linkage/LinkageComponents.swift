import Synchronization

/// Complete linkage cut at t above the all-pairs size: per connected component of the graph of pairs
/// within t. A flat cluster at t has every pair within t, so it lies inside one component, and the
/// chain `CompleteLinkage.fit` runs (`CutChain`) depends only on the pairs within t, so clustering each
/// component alone gives exactly the partition of the chain over all pairs.
///
/// Memory: the components come from the similarity join (`LinkageJoin`, connectivity only: its index
/// plus one union–find per thread), then each component of m samples is merged over its m(m−1)/2
/// distances (8 bytes each) when m ≤ `componentLimit`, largest components first, one per thread, so at
/// most `threads` such matrices are alive at once (two of 16 384 samples: 2.1 GB). A larger component
/// is merged over its pairs within t only (`CompleteLinkage.chainOverEdges`: 16 bytes a pair as the
/// join finds them, then 24 in the chain's arrays, about 40 at the peak between the two), up to
/// `maximumPairs` of them (2 GB); beyond that the clustering stops with an error saying so, rather
/// than exhaust the machine's memory. Where a seeded sample of rows already shows that some component
/// is far beyond that cap (`LinkagePairEstimate`), it stops before the join, in seconds rather than
/// after minutes of joining.
enum LinkageComponents {
    static let maximumPairs = CompleteLinkage.maximumPairs

    static func roots(points: PointSet, engine: any NeighbourhoodEngine, threshold t: Double, threads: Int,
                      componentLimit: Int, maximumPairs: Int = LinkageComponents.maximumPairs,
                      control: TaskControl) throws -> [Int] {
        let n = points.count
        try refuseEarly(engine: engine, threshold: t, threads: threads, componentLimit: componentLimit,
                        maximumPairs: maximumPairs, control: control)
        let links = try LinkageJoin.pairs(points: points, engine: engine, threshold: t, threads: threads,
                                          connectivityOnly: true, control: control)
        var sets = DisjointSets(n)
        for e in links { sets.union(Int(e.a), Int(e.b)) }
        let components = grouped(n) { sets.smallest($0) }
        let total = components.reduce(0) { $0 + $1.count }
        let roots = DisjointSlots<Int>(n) { $0 }
        let failed = FirstError()
        let done = Atomic<Int>(0)
        control.report(Progress(phase: "complete linkage", done: 0, total: total))
        runTasks(components.count, threads: engineThreads(threads)) { task, _ in
            let rows = components[task]
            do {
                let subset = compacted(points, rows: rows, metric: engine.metric)
                let local: [Int]
                if rows.count <= componentLimit {
                    let sub = NeighbourhoodEngines.make(points: subset, metric: engine.metric, threads: 1)
                    // A component of more than half the samples is the only large one: both threads fill it.
                    local = try CutChain.overAllPairs(n: rows.count, threshold: t, threads: rows.count * 2 > n ? threads : 1,
                                                      control: control) { sub.distance($0, $1) }
                } else {
                    // As above: the only component this large is searched on every thread.
                    let sub = NeighbourhoodEngines.make(points: subset, metric: engine.metric, threads: 1)
                    var edges = try LinkageJoin.pairs(points: subset, engine: sub, threshold: t,
                                                      threads: rows.count * 2 > n ? threads : 1,
                                                      maximumPairs: maximumPairs, control: control)
                    local = try CompleteLinkage.chainOverEdges(n: rows.count, consuming: &edges, control: control)
                }
                for (k, r) in rows.enumerated() { roots[r] = rows[local[k]] }
                let finished = done.add(rows.count, ordering: .relaxed).newValue
                control.report(Progress(phase: "complete linkage", done: finished, total: total))
                return true
            } catch {
                failed.record(error)
                return false
            }
        }
        if let error = failed.error { throw error }
        try control.checkCancellation()
        return roots.values
    }

    /// Stops at once, before the join, when a seeded sample of rows shows a component larger than
    /// `componentLimit` whose pairs within t are well beyond `maximumPairs` (`LinkagePairEstimate`: the
    /// estimate and its margin). Skipped where no component can need the edge path over the cap: at most
    /// `componentLimit` samples, or too few pairs in all even if every pair were within t.
    static func refuseEarly(engine: any NeighbourhoodEngine, threshold t: Double, threads: Int, componentLimit: Int,
                            maximumPairs: Int, control: TaskControl) throws {
        let n = engine.count
        guard n > componentLimit,
              Double(n) * Double(n - 1) / 2 >= LinkagePairEstimate.marginFactor * Double(maximumPairs) else { return }
        let estimate = try LinkagePairEstimate.measure(engine: engine, threshold: t, threads: threads, control: control)
        if let refusal = estimate.refusal(maximumPairs: maximumPairs, componentLimit: componentLimit) { throw refusal }
    }

    /// The components of more than one point, largest first (ties by smallest member), each ascending.
    static func grouped(_ n: Int, root: (Int) -> Int) -> [[Int]] {
        var members: [Int: [Int]] = [:]
        for i in 0..<n { members[root(i), default: []].append(i) }
        return members.values.filter { $0.count > 1 }
            .sorted { $0.count != $1.count ? $0.count > $1.count : $0[0] < $1[0] }
    }

    /// The rows, and for `groupjaccard` only the columns they use (every distance stays bit for bit the
    /// same: groups keep their numbers and a column no row has adds nothing), so a component's bit rows
    /// are as short as its own vocabulary.
    static func compacted(_ points: PointSet, rows: [Int], metric: DistanceMetric) -> PointSet {
        let subset = points.selectingRows(rows)
        guard metric == .groupjaccard, case .sparse(let m) = subset.storage else { return subset }
        var used = [Bool](repeating: false, count: m.columnCount)
        for c in m.columns { used[Int(c)] = true }
        let kept = (0..<m.columnCount).filter { used[$0] }
        let groups = subset.groupsOrSingle
        return .sparse(m.selectingColumns(kept), columnGroups: groups.selectingColumns(kept))
    }
}

/// The first error a worker met.
final class FirstError: Sendable {
    private let first = Locked<(any Error)?>(nil)
    var error: (any Error)? { first.withLock { $0 } }
    func record(_ e: any Error) { first.withLock { if $0 == nil { $0 = e } } }
}
