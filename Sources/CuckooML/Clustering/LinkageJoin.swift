/// The pairs of points at most a distance t apart, without an n×n matrix: a similarity join.
///
/// For `jaccard` and `groupjaccard` with t < 1 it is a prefix-filtering join (Bayardo et al., "Scaling
/// up all pairs similarity search"): d ≤ t means a mean group similarity ≥ s = 1 − t, so some group has
/// Jaccard similarity ≥ s, and two sets that similar share a feature among the first
/// k − ⌈s·k⌉ + 1 of each set's k features in that group, features ordered rarest first (ties by column).
/// Only the rows sharing such a prefix feature are compared, with the exact distance; rows with no
/// feature at all are at distance 0 from each other and 1 from the rest. Other metrics (and t ≥ 1)
/// compare every pair, still keeping only the pairs ≤ t. Both run on `threads` threads; memory is the
/// prefix index plus the pairs found.
enum LinkageJoin {
    static func pairs(points: PointSet, engine: any NeighbourhoodEngine, threshold t: Double, threads: Int,
                      control: TaskControl) throws -> [LinkageEdge] {
        let s = 1 - t
        if (engine.metric == .groupjaccard || engine.metric == .jaccard) && s > 0 {
            return try prefixJoin(points: points, engine: engine, threshold: t,
                                  groups: engine.metric == .groupjaccard ? points.groupsOrSingle
                                      : .single(columnCount: points.dimension),
                                  threads: threads, control: control)
        }
        return try everyPair(engine: engine, threshold: t, threads: threads, control: control)
    }

    private static func everyPair(engine: any NeighbourhoodEngine, threshold t: Double, threads: Int,
                                  control: TaskControl) throws -> [LinkageEdge] {
        let n = engine.count
        let chunk = 64
        let found = ThreadEdges(threads: engineThreads(threads))
        runTasks((n + chunk - 1) / chunk, threads: engineThreads(threads)) { task, thread in
            if control.isCancelled() { return false }
            for i in (task * chunk)..<min(n, (task + 1) * chunk) {
                for j in 0..<i {
                    let d = engine.distance(j, i)
                    if d <= t { found.append(LinkageEdge(a: Int32(j), b: Int32(i), distance: d), thread: thread) }
                }
            }
            return true
        }
        try control.checkCancellation()
        return found.all()
    }

    private static func prefixJoin(points: PointSet, engine: any NeighbourhoodEngine, threshold t: Double,
                                   groups: ColumnGroups, threads: Int, control: TaskControl) throws -> [LinkageEdge] {
        let s = 1 - t
        let n = points.count, columns = points.dimension
        let rows = (0..<n).map { points.nonZeroColumns($0) }
        var frequency = [Int](repeating: 0, count: columns)
        for r in rows { for c in r { frequency[Int(c)] += 1 } }
        // Each row's prefix features: per group, rarest first, the first k − ⌈s·k⌉ + 1 (a hair larger
        // than the bound, never smaller, against rounding in s·k).
        var prefixStart = [0], prefix: [Int32] = []
        var byGroup: [[Int32]] = Array(repeating: [], count: groups.count)
        for r in rows {
            for g in byGroup.indices { byGroup[g].removeAll(keepingCapacity: true) }
            for c in r { byGroup[Int(groups.groupOfColumn[Int(c)])].append(c) }
            for var features in byGroup where !features.isEmpty {
                features.sort { frequency[Int($0)] != frequency[Int($1)] ? frequency[Int($0)] < frequency[Int($1)] : $0 < $1 }
                let k = features.count
                let keep = min(k, max(1, k - Int((s * Double(k) - 1e-9).rounded(.up)) + 1))
                prefix.append(contentsOf: features[0..<keep])
            }
            prefixStart.append(prefix.count)
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
        let found = ThreadEdges(threads: workers)
        let marks = (0..<workers).map { _ in MarkArray(n) }
        let chunk = 256
        let prefixStarts = prefixStart, prefixes = prefix, listStarts = listStart, rowLists = lists
        runTasks((n + chunk - 1) / chunk, threads: workers) { task, thread in
            let prefixStart = prefixStarts, prefix = prefixes, listStart = listStarts, lists = rowLists
                    if control.isCancelled() { return false }
                    let mark = marks[thread]
                    for i in (task * chunk)..<min(n, (task + 1) * chunk) {
                        mark.next()
                        for k in prefixStart[i]..<prefixStart[i + 1] {
                            let c = Int(prefix[k])
                            for p in listStart[c]..<listStart[c + 1] {
                                let j = Int(lists[p])
                                if j >= i { break }
                                if mark.visit(j) {
                                    let d = engine.distance(j, i)
                                    if d <= t { found.append(LinkageEdge(a: Int32(j), b: Int32(i), distance: d), thread: thread) }
                                }
                            }
                        }
                    }
            return true
        }
        try control.checkCancellation()
        var edges = found.all()
        for (x, i) in empty.enumerated() {
            for j in empty[..<x] { edges.append(LinkageEdge(a: Int32(j), b: Int32(i), distance: 0)) }
        }
        return edges
    }
}

/// Per-thread edge lists, joined in thread order (the chain does not depend on edge order).
private final class ThreadEdges: @unchecked Sendable {
    private var lists: [[LinkageEdge]]
    init(threads: Int) { lists = Array(repeating: [], count: max(1, threads)) }
    func append(_ e: LinkageEdge, thread: Int) { lists[thread].append(e) }
    func all() -> [LinkageEdge] { lists.flatMap { $0 } }
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
