import Synchronization

/// The nearest-neighbour chain of complete linkage as `CompleteLinkage.fit` runs it: scipy's `nn_chain`
/// on the distance matrix in which every distance beyond the cut t is replaced by one value M > t.
///
/// Why that matrix: the flat clusters at t are made only of merges at heights ≤ t, and how far apart two
/// clusters beyond the cut are can never decide one of them, except through scipy's order of visiting
/// them under ties (its chain can enter a group of samples within t of each other from a cluster
/// farther than t, at whichever member that far cluster is nearest to). With the far distances all
/// equal, the clusters at t depend only on the pairs within t: the result is the same computed over all
/// pairs or per connected component of the pairs within t, which is what makes 100 000 samples
/// possible, and it is exactly checkable against scipy (`linkage` + `fcluster` on that matrix). Without
/// ties among the distances within t it is plain scipy's partition (then the partition is unique).
///
/// On that matrix scipy's chain does, for the merges ≤ t: start at the lowest-numbered active cluster
/// that still has a cluster within t (a cluster with none is final: it only ever meets other final
/// clusters at M, irrelevant at the cut); step to the nearest active cluster, preferring the previous
/// chain element among equals, else the lowest-numbered; merge a mutual pair into the higher number at
/// the larger of the two distances to each other cluster. Only the chain's first element can be left
/// with nothing within t (every later element keeps its unmerged predecessor within t), and then it is
/// retired, which is what scipy's chain does at M in effect: it steps to the lowest active cluster,
/// merges it at M if that one is final, or enters its group there, at its lowest cluster.
enum CutChain {
    /// The matrix as seen by the fill threads (each writes its own rows).
    private struct SharedMatrix: @unchecked Sendable {
        let base: UnsafeMutablePointer<Double>
        init(_ base: UnsafeMutablePointer<Double>) { self.base = base }
    }

    /// The chain over a condensed matrix of every pair (entries beyond t stored as +∞), filled on
    /// `threads` threads (`distance` must be safe to call from several); returns each point's smallest
    /// cluster member. Memory: n(n−1)/2 doubles. From `progressFrom` points on it reports progress.
    static func overAllPairs(n: Int, threshold t: Double, threads: Int = 1, control: TaskControl,
                             progressFrom: Int = 4_096,
                             distance: @Sendable (Int, Int) -> Double) throws -> [Int] {
        guard n > 1 else { return Array(0..<n) }
        let reports = n >= progressFrom
        var d = [Double](repeating: .infinity, count: n * (n - 1) / 2)
        d.withUnsafeMutableBufferPointer { buffer in
            let matrix = SharedMatrix(buffer.baseAddress!)
            let done = Atomic<Int>(0)
            let chunk = 64
            runTasks((n + chunk - 1) / chunk, threads: engineThreads(threads)) { task, _ in
                if control.isCancelled() { return false }
                let rows = (task * chunk)..<min(n, (task + 1) * chunk)
                for i in rows {
                    var k = n &* i &- i &* (i &+ 1) / 2
                    for j in (i + 1)..<n {
                        let v = distance(i, j)
                        if v <= t { matrix.base[k] = v }
                        k &+= 1
                    }
                }
                let finished = done.add(rows.count, ordering: .relaxed).newValue
                if reports { control.report(Progress(phase: "distances", done: finished, total: n)) }
                return true
            }
        }
        try control.checkCancellation()
        return try overMatrix(n: n, matrix: &d, control: control, reports: reports)
    }

    /// The chain over a filled condensed matrix (entries beyond the cut +∞), which it overwrites.
    static func overMatrix(n: Int, matrix d: inout [Double], control: TaskControl, reports: Bool = false) throws -> [Int] {
        guard n > 1 else { return Array(0..<n) }
        // Row i of the condensed matrix starts at rowStart[i] − i − 1 (so entry (i, j), i < j, is
        // d[rowStart[i] + j]); a column walk for fixed j visits d[rowStart[i] + j] for i < j.
        var rowStart = [Int](repeating: 0, count: n)
        for i in 0..<n { rowStart[i] = n &* i &- i &* (i &+ 1) / 2 &- i &- 1 }
        var active = [Bool](repeating: true, count: n)
        var sets = DisjointSets(n)
        var chain: [Int] = []
        chain.reserveCapacity(n)
        var nextStart = 0, steps = 0
        try d.withUnsafeMutableBufferPointer { d in
            try rowStart.withUnsafeBufferPointer { rowStart in
                @inline(__always) func at(_ a: Int, _ b: Int) -> Int { a < b ? rowStart[a] &+ b : rowStart[b] &+ a }
                var settled = 0      // merged away or final
                while true {
                    steps &+= 1
                    if steps & 255 == 0 {
                        try control.checkCancellation()
                        if reports { control.report(Progress(phase: "merging", done: settled, total: n)) }
                    }
                    if chain.isEmpty {
                        while nextStart < n && !active[nextStart] { nextStart += 1 }
                        guard nextStart < n else { break }
                        chain.append(nextStart)
                    }
                    let x = chain[chain.count - 1]
                    var currentMin = Double.infinity, y = -1
                    if chain.count > 1 { y = chain[chain.count - 2]; currentMin = d[at(x, y)] }
                    // Ascending i with a strict `<`: the previous element among equals, else the lowest.
                    for i in 0..<x where active[i] {
                        let v = d[rowStart[i] &+ x]
                        if v < currentMin { currentMin = v; y = i }
                    }
                    if x + 1 < n {
                        let base = rowStart[x]
                        for i in (x + 1)..<n where active[i] {
                            let v = d[base &+ i]
                            if v < currentMin { currentMin = v; y = i }
                        }
                    }
                    if currentMin == .infinity {
                        active[x] = false      // nothing within the cut: final
                        settled &+= 1
                        chain.removeLast()
                        continue
                    }
                    if chain.count > 1 && y == chain[chain.count - 2] {
                        chain.removeLast(2)
                        let (a, b) = x < y ? (x, y) : (y, x)
                        sets.union(a, b)
                        active[a] = false
                        settled &+= 1
                        for i in 0..<n where active[i] && i != b {
                            let ib = at(i, b)
                            let v = d[at(i, a)]
                            if v > d[ib] { d[ib] = v }
                        }
                    } else {
                        chain.append(y)
                    }
                }
            }
        }
        return (0..<n).map { sets.smallest($0) }
    }
}
