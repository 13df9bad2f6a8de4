import Synchronization

/// The pairs of points at most a distance t apart, without an n×n matrix: a similarity join.
///
/// For `jaccard` and `groupjaccard` with t < 1 it is a prefix-filtering join (after Bayardo et al.,
/// "Scaling up all pairs similarity search", with weighted features): d ≤ t means a similarity
/// Σ_g s_g / G_xy ≥ s = 1 − t, where G_xy ≥ G_x, the groups row x uses, and a feature c shared in group
/// g adds at most 1 / (G_x · |x_g|) to it (its share of s_g ≤ 1/|x_g ∪ y_g|). These weights sum to 1
/// over x's features. Ordering every row's features rarest first (ties by column), a row's prefix ends
/// where the features after it weigh less than s together: two rows within t must then share a feature
/// in both prefixes (the first shared feature in the global order; otherwise everything they share
/// lies in the light suffix of one of them). Only rows sharing a prefix feature are compared, with the
/// exact distance. Rows with no feature at all are at distance 0 from each other and 1 from the rest. Other metrics (and t ≥ 1)
/// compare every pair, still keeping only the pairs ≤ t. Both run on `threads` threads; memory is the
/// prefix index plus the pairs found, and the join stops with a `ClusteringError` beyond
/// `maximumPairs` pairs rather than outgrow memory.
enum LinkageJoin {
    static let phase = "pairs within the cut"

    /// Every pair within t, or with `connectivityOnly` enough of them to connect the same components
    /// (a pair already connected through pairs found by the same thread is not measured), which is all
    /// that splitting into components needs and far cheaper where most pairs are within t.
    static func pairs(points: PointSet, engine: any NeighbourhoodEngine, threshold t: Double, threads: Int,
                      connectivityOnly: Bool = false, maximumPairs: Int = .max, control: TaskControl) throws -> [LinkageEdge] {
        let s = 1 - t
        let workers = engineThreads(threads)
        let skip = connectivityOnly ? (0..<workers).map { _ in Connected(engine.count) } : nil
        let found = ThreadEdges(threads: workers, maximum: maximumPairs)
        if (engine.metric == .groupjaccard || engine.metric == .jaccard) && s > 0 {
            try prefixJoin(points: points, engine: engine, threshold: t,
                           groups: engine.metric == .groupjaccard ? points.groupsOrSingle
                               : .single(columnCount: points.dimension),
                           threads: workers, skip: skip, found: found, control: control)
        } else {
            try everyPair(engine: engine, threshold: t, threads: workers, skip: skip, found: found, control: control)
        }
        if found.overflowed {
            throw LinkageTooLarge("more than \(maximumPairs) pairs of samples lie within the cut \(t) of each other in one connected group of \(engine.count) samples: exact complete linkage over them needs more memory than allowed; cut lower or cluster with hdbscan")
        }
        return found.all()
    }

    /// Keeps the pair (j, i) when it is within t, unless `connected` already links it.
    @inline(__always)
    private static func measure(_ j: Int, _ i: Int, _ engine: any NeighbourhoodEngine, _ t: Double, _ found: ThreadEdges,
                                _ connected: Connected?, _ thread: Int) {
        if let connected, connected.already(j, i) { return }
        let d = engine.distance(j, i)
        guard d <= t else { return }
        found.append(LinkageEdge(a: Int32(j), b: Int32(i), distance: d), thread: thread)
        connected?.join(j, i)
    }

    private static func everyPair(engine: any NeighbourhoodEngine, threshold t: Double, threads: Int,
                                  skip: [Connected]?, found: ThreadEdges, control: TaskControl) throws {
        let n = engine.count
        let chunk = 64
        let done = Atomic<Int>(0)
        runTasks((n + chunk - 1) / chunk, threads: engineThreads(threads)) { task, thread in
            if control.isCancelled() || found.overflowed { return false }
            let rows = (task * chunk)..<min(n, (task + 1) * chunk)
            for i in rows {
                for j in 0..<i { measure(j, i, engine, t, found, skip?[thread], thread) }
            }
            control.report(Progress(phase: phase, done: done.add(rows.count, ordering: .relaxed).newValue, total: n))
            return true
        }
        try control.checkCancellation()
    }

    private static func prefixJoin(points: PointSet, engine: any NeighbourhoodEngine, threshold t: Double,
                                   groups: ColumnGroups, threads: Int, skip: [Connected]?, found: ThreadEdges,
                                   control: TaskControl) throws {
        let s = 1 - t
        let n = points.count, columns = points.dimension
        let rows = (0..<n).map { points.nonZeroColumns($0) }
        var frequency = [Int](repeating: 0, count: columns)
        for r in rows { for c in r { frequency[Int(c)] += 1 } }
        // Each row's prefix (see the type's comment): features rarest first (ties by column), cut where
        // the weight left behind would reach s. Weights are summed from the common end; the margin keeps
        // rounding from ever cutting a prefix short.
        var prefixStart = [0], prefix: [Int32] = []
        var groupSize = [Int](repeating: 0, count: groups.count)
        var ordered: [Int32] = []
        for r in rows {
            var nonEmpty = 0
            for c in r {
                let g = Int(groups.groupOfColumn[Int(c)])
                if groupSize[g] == 0 { nonEmpty += 1 }
                groupSize[g] += 1
            }
            ordered.removeAll(keepingCapacity: true)
            ordered.append(contentsOf: r)
            ordered.sort { frequency[Int($0)] != frequency[Int($1)] ? frequency[Int($0)] < frequency[Int($1)] : $0 < $1 }
            var keep = ordered.count, dropped = 0.0
            while keep > 1 {
                let g = Int(groups.groupOfColumn[Int(ordered[keep - 1])])
                let weight = 1 / (Double(nonEmpty) * Double(groupSize[g]))
                if dropped + weight >= s - 1e-9 { break }
                dropped += weight
                keep -= 1
            }
            prefix.append(contentsOf: ordered[0..<keep])
            prefixStart.append(prefix.count)
            for c in r { groupSize[Int(groups.groupOfColumn[Int(c)])] = 0 }
        }
        try control.checkCancellation()
        // Inverted index: the rows whose prefix holds each column, ascending.
        var listStart = [Int](repeating: 0, count: columns + 1)
        for c in prefix { listStart[Int(c) + 1] += 1 }
        for c in 0..<columns { listStart[c + 1] += listStart[c] }
        var fill = listStart
        var lists = [Int32](repeating: 0, count: prefix.count)
        for i in 0..<n {
            for k in prefixStart[i]..<prefixStart[i + 1] {
                let c = Int(prefix[k])
                lists[fill[c]] = Int32(i); fill[c] += 1
            }
        }
        let empty = (0..<n).filter { rows[$0].isEmpty }
        let workers = engineThreads(threads)
        let done = Atomic<Int>(0)
        let marks = (0..<workers).map { _ in MarkArray(n) }
        let chunk = 256
        let prefixStarts = prefixStart, prefixes = prefix, listStarts = listStart, rowLists = lists
        runTasks((n + chunk - 1) / chunk, threads: workers) { task, thread in
            let prefixStart = prefixStarts, prefix = prefixes, listStart = listStarts, lists = rowLists
            if control.isCancelled() || found.overflowed { return false }
            let mark = marks[thread]
            let rows = (task * chunk)..<min(n, (task + 1) * chunk)
            for i in rows {
                mark.next()
                for k in prefixStart[i]..<prefixStart[i + 1] {
                    let c = Int(prefix[k])
                    for p in listStart[c]..<listStart[c + 1] {
                        let j = Int(lists[p])
                        if j >= i { break }
                        if mark.visit(j) { measure(j, i, engine, t, found, skip?[thread], thread) }
                    }
                }
            }
            control.report(Progress(phase: phase, done: done.add(rows.count, ordering: .relaxed).newValue, total: n))
            return true
        }
        try control.checkCancellation()
        // Rows with no feature are at distance 0 from each other: a chain of them connects them all.
        for (x, i) in empty.enumerated() {
            for j in (skip == nil ? empty[..<x] : empty[max(0, x - 1)..<x]) {
                found.append(LinkageEdge(a: Int32(j), b: Int32(i), distance: 0), thread: 0)
            }
        }
    }
}

/// One thread's union–find over the pairs it found (for `connectivityOnly`).
final class Connected: @unchecked Sendable {
    private var sets: DisjointSets
    init(_ n: Int) { sets = DisjointSets(n) }
    func already(_ a: Int, _ b: Int) -> Bool { sets.find(a) == sets.find(b) }
    func join(_ a: Int, _ b: Int) { sets.union(a, b) }
}

/// Per-thread edge lists, joined in thread order (the chain does not depend on edge order), together
/// holding at most `maximum` pairs.
///
/// Each thread appends to its own boxed list: threads appending to elements of one `[[LinkageEdge]]`
/// property would each modify that one array (a Swift exclusivity violation, reported by TSan), not
/// just their own element. The cap counts every thread's pairs in one atomic total, so the join
/// overflows exactly when more than `maximum` pairs are found, whatever the thread count and however
/// skewed the work (a per-thread share overflowed one busy thread while the total was far below).
private final class ThreadEdges: Sendable {
    private final class List: @unchecked Sendable {
        var edges: [LinkageEdge] = []
    }
    private let lists: [List]
    private let maximum: Int
    private let total = Atomic<Int>(0)
    private let full = Atomic<Bool>(false)
    init(threads: Int, maximum: Int) {
        lists = (0..<max(1, threads)).map { _ in List() }
        self.maximum = maximum
    }
    var overflowed: Bool { full.load(ordering: .relaxed) }
    /// Keeps `e` in `thread`'s list, unless that would make more than `maximum` pairs in all.
    func append(_ e: LinkageEdge, thread: Int) {
        if maximum != .max && total.add(1, ordering: .relaxed).newValue > maximum {
            full.store(true, ordering: .relaxed)
            return
        }
        lists[thread].edges.append(e)
    }
    /// Every list joined, emptying them as it goes (so the pairs are not held twice). Called after
    /// the threads are done.
    func all() -> [LinkageEdge] {
        var out: [LinkageEdge] = []
        swap(&out, &lists[0].edges)
        for list in lists.dropFirst() {
            out.append(contentsOf: list.edges)
            list.edges = []
        }
        return out
    }
}

/// "Seen in this round" marks for n rows, cleared in O(1) by advancing the round.
private final class MarkArray: @unchecked Sendable {
    private var seen: [UInt32]
    private var round: UInt32 = 0
    init(_ n: Int) { seen = [UInt32](repeating: 0, count: n) }
    func next() { round &+= 1 }
    /// Whether `j` is new in this round (and marks it).
    func visit(_ j: Int) -> Bool {
        if seen[j] == round { return false }
        seen[j] = round
        return true
    }
}
