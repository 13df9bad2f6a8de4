/// Every point's `k` nearest other points, ascending by (distance, index): row `i` is
/// `indices[i*k ..< i*k+k]` with the matching `distances`.
struct NeighbourGraph: Sendable {
    let count: Int
    let k: Int
    var indices: [Int32]
    var distances: [Double]
    /// Whether the lists are exact (every pair compared) or found by neighbour descent.
    let exact: Bool
}

/// The k-nearest-neighbour graph the map is laid out from.
///
/// Up to `exactUpTo` points every pair is compared. Above that, NN-descent (Dong, Moses & Li 2011: a
/// neighbour's neighbour is likely a neighbour) refines random lists until few change; it needs only
/// d(i, j), so every metric works, and on clustered data it finds nearly all true neighbours after a
/// handful of rounds. It is written "pull" style: in a round each point rebuilds its own list from the
/// previous round's lists only, so rounds are deterministic whatever the number of threads.
enum MapNeighbours {
    static let exactUpTo = 8_000
    static let maximumRounds = 12
    /// Rounds stop once fewer than this fraction of the n·k entries changed.
    static let settled = 0.002

    /// `clusters` (one label per point, negative for noise, with each member's strength when known),
    /// when given, seeds each point's first list with members of its own and of the nearest clusters
    /// instead of random points (see `descent`).
    static func find(_ distance: MapDistance, k requested: Int, seed: UInt64, threads: Int,
                     exactUpTo: Int = exactUpTo, clusters: [Int]? = nil, strengths: [Double]? = nil,
                     control: TaskControl) throws -> NeighbourGraph {
        let n = distance.count
        let k = max(0, min(requested, n - 1))
        if k == 0 { return NeighbourGraph(count: n, k: 0, indices: [], distances: [], exact: true) }
        if n <= exactUpTo { return try exact(distance, k: k, threads: threads, control: control) }
        let members = try clusters.flatMap {
            $0.count == n ? try ClusterMembers($0, strengths: strengths, distance: distance, threads: threads, control: control) : nil
        }
        return try descent(distance, k: k, seed: seed, threads: threads, members: members, control: control)
    }

    /// Inserts (d, j) into the ascending list of `k` entries when it beats the last one; returns whether it did.
    @inline(__always)
    static func offer(_ idx: UnsafeMutablePointer<Int32>, _ dist: UnsafeMutablePointer<Double>,
                      _ flags: UnsafeMutablePointer<UInt8>?, _ k: Int, _ j: Int32, _ d: Double) -> Bool {
        guard d < dist[k - 1] || (d == dist[k - 1] && j < idx[k - 1]) else { return false }
        var at = k - 1
        while at > 0 && (dist[at - 1] > d || (dist[at - 1] == d && idx[at - 1] > j)) {
            idx[at] = idx[at - 1]; dist[at] = dist[at - 1]
            if let flags { flags[at] = flags[at - 1] }
            at -= 1
        }
        idx[at] = j; dist[at] = d
        if let flags { flags[at] = 1 }
        return true
    }

    static func exact(_ distance: MapDistance, k: Int, threads: Int, control: TaskControl) throws -> NeighbourGraph {
        let n = distance.count
        var indices = [Int32](repeating: Int32.max, count: n * k)
        var distances = [Double](repeating: .infinity, count: n * k)
        try indices.withUnsafeMutableBufferPointer { ib in
            try distances.withUnsafeMutableBufferPointer { db in
                let idx = SharedPointer(base: ib.baseAddress!), dist = SharedPointer(base: db.baseAddress!)
                try forEachChunk(n, chunk: 64, threads: threads, control: control) { rows in
                    for i in rows {
                        let li = idx.base + i * k, ld = dist.base + i * k
                        for j in 0..<n where j != i {
                            _ = offer(li, ld, nil, k, Int32(j), distance.distance(i, j))
                        }
                    }
                    control.report(Progress(phase: "map neighbours", done: rows.upperBound, total: n))
                }
            }
        }
        return NeighbourGraph(count: n, k: k, indices: indices, distances: distances, exact: true)
    }

    /// With `members`, each point's list starts from members of its own cluster (up to two thirds of
    /// the list; all of them when it has no more) and of the clusters nearest to it (the rest), picked
    /// by counter-based random numbers, before random points fill what is left. A clustering's members
    /// are mostly near each other, so the first round starts from lists close to the answer: far fewer
    /// random pairs across the map, which on wide rows are the costly distances. The nearest clusters'
    /// members keep the search looking across each cluster's border, where a point's true neighbours
    /// lie when a family was cut into several clusters (seeded from its own cluster alone, recall fell
    /// from 0.98 to 0.96 on a 100 000-sample family session). Points of no cluster start from random
    /// points as before.
    static func descent(_ distance: MapDistance, k: Int, seed: UInt64, threads: Int, members: ClusterMembers? = nil,
                        control: TaskControl) throws -> NeighbourGraph {
        let n = distance.count
        var indices = [Int32](repeating: Int32.max, count: n * k)
        var distances = [Double](repeating: .infinity, count: n * k)
        // 1 = entered the list in the last round (only pairs touching a new entry are worth comparing).
        var flags = [UInt8](repeating: 0, count: n * k)
        try indices.withUnsafeMutableBufferPointer { ib in
            try distances.withUnsafeMutableBufferPointer { db in
                try flags.withUnsafeMutableBufferPointer { fb in
                    let idx = SharedPointer(base: ib.baseAddress!), dist = SharedPointer(base: db.baseAddress!)
                    let flag = SharedPointer(base: fb.baseAddress!)
                    try forEachChunk(n, chunk: 256, threads: threads, control: control) { rows in
                        for i in rows {
                            let li = idx.base + i * k, ld = dist.base + i * k, lf = flag.base + i * k
                            if let members {
                                var taken = 0
                                func take(_ j: Int32) {
                                    if j == Int32(i) || (0..<taken).contains(where: { li[$0] == j }) { return }
                                    _ = offer(li, ld, lf, k, j, distance.distance(i, Int(j)))
                                    taken += 1
                                }
                                let own = members.of(i), nearby = members.nearby(i)
                                let ownShare = nearby.isEmpty ? k : k - k / 3
                                if own.count <= ownShare + 1 {
                                    for j in own { take(j) }
                                } else {
                                    var attempt = 0
                                    while taken < ownShare && attempt < 4 * k {
                                        take(own[own.startIndex + MapRandom.below(own.count, seed, i, attempt, 0x636c)])
                                        attempt += 1
                                    }
                                }
                                var attempt = 0
                                while taken < k && !nearby.isEmpty && attempt < 4 * k {
                                    let other = members.of(cluster: Int(nearby[attempt % nearby.count]))
                                    take(other[other.startIndex + MapRandom.below(other.count, seed, i, attempt, 0x6e63)])
                                    attempt += 1
                                }
                            }
                            var attempt = 0
                            while ld[k - 1] == .infinity && attempt < 4 * k {
                                let j = MapRandom.below(n, seed, i, attempt, 0x6e6e)
                                attempt += 1
                                if j == i || (0..<k).contains(where: { li[$0] == Int32(j) }) { continue }
                                _ = offer(li, ld, lf, k, Int32(j), distance.distance(i, j))
                            }
                            // Random picks that kept colliding: fill with the next points in order.
                            var j = i
                            while li[k - 1] == Int32.max {
                                j = (j + 1) % n
                                if j == i || (0..<k).contains(where: { li[$0] == Int32(j) }) { continue }
                                _ = offer(li, ld, lf, k, Int32(j), distance.distance(i, j))
                            }
                        }
                    }
                }
            }
        }
        var round = 0
        while round < maximumRounds {
            round += 1
            control.report(Progress(phase: "map neighbours", done: round, total: maximumRounds))
            let reverse = ReverseLists(indices: indices, flags: flags, count: n, k: k, seed: seed, round: round)
            var nextIndices = indices, nextDistances = distances
            var nextFlags = [UInt8](repeating: 0, count: n * k)
            // At most about 64 chunks: each allocates its own n-entry "seen" stamps. (Results do not
            // depend on the cut: every point's list is worked out on its own.)
            let chunk = max(256, n / 64)
            var changed = [Int](repeating: 0, count: (n + chunk - 1) / chunk)
            try indices.withUnsafeBufferPointer { ib in
                try flags.withUnsafeBufferPointer { fb in
                    try nextIndices.withUnsafeMutableBufferPointer { nib in
                        try nextDistances.withUnsafeMutableBufferPointer { ndb in
                            try nextFlags.withUnsafeMutableBufferPointer { nfb in
                                try changed.withUnsafeMutableBufferPointer { cb in
                                    let old = SharedPointer(base: UnsafeMutablePointer(mutating: ib.baseAddress!))
                                    let oldFlags = SharedPointer(base: UnsafeMutablePointer(mutating: fb.baseAddress!))
                                    let idx = SharedPointer(base: nib.baseAddress!), dist = SharedPointer(base: ndb.baseAddress!)
                                    let flag = SharedPointer(base: nfb.baseAddress!), counts = SharedPointer(base: cb.baseAddress!)
                                    try forEachChunk(n, chunk: chunk, threads: threads, control: control) { rows in
                                        var seen = [Int32](repeating: -1, count: n)
                                        var updates = 0
                                        for i in rows {
                                            updates += refine(i, k: k, distance: distance, old: old.base, oldFlags: oldFlags.base,
                                                              reverse: reverse, seen: &seen, idx: idx.base + i * k,
                                                              dist: dist.base + i * k, flags: flag.base + i * k)
                                        }
                                        counts.base[rows.lowerBound / chunk] = updates
                                    }
                                }
                            }
                        }
                    }
                }
            }
            indices = nextIndices; distances = nextDistances; flags = nextFlags
            if Double(changed.reduce(0, +)) < settled * Double(n * k) { break }
        }
        return NeighbourGraph(count: n, k: k, indices: indices, distances: distances, exact: false)
    }

    /// One point's new list: its old list plus every neighbour of a neighbour (forward or reverse) that
    /// reaches it through an entry new in the last round. Returns how many entries it took in.
    private static func refine(_ i: Int, k: Int, distance: MapDistance, old: UnsafeMutablePointer<Int32>,
                               oldFlags: UnsafeMutablePointer<UInt8>, reverse: ReverseLists, seen: inout [Int32],
                               idx: UnsafeMutablePointer<Int32>, dist: UnsafeMutablePointer<Double>,
                               flags: UnsafeMutablePointer<UInt8>) -> Int {
        let stamp = Int32(truncatingIfNeeded: i)
        seen[i] = stamp
        for t in 0..<k { seen[Int(idx[t])] = stamp }
        var updates = 0
        // The lists around i: its own entries and the points listing i (each with its "new" flag).
        func around(_ p: Int, _ body: (Int, Bool) -> Void) {
            for t in 0..<k { body(Int(old[p * k + t]), oldFlags[p * k + t] != 0) }
            for r in reverse.start[p]..<reverse.start[p + 1] { body(Int(reverse.sources[r]), reverse.isNew[r] != 0) }
        }
        around(i) { v, newV in
            around(v) { w, newW in
                guard newV || newW, seen[w] != stamp else { return }
                seen[w] = stamp
                if offer(idx, dist, flags, k, Int32(w), distance.distance(i, w)) { updates += 1 }
            }
        }
        return updates
    }
}

/// For each point, up to k points whose lists hold it (CSR), with whether that entry is new; when more
/// points list it, a seeded hash chooses which k, so hubs do not make the search quadratic.
struct ReverseLists: Sendable {
    let start: [Int]
    let sources: [Int32]
    let isNew: [UInt8]

    init(indices: [Int32], flags: [UInt8], count n: Int, k: Int, seed: UInt64, round: Int) {
        var total = [Int](repeating: 0, count: n + 1)
        for j in indices { total[Int(j) + 1] += 1 }
        for p in 0..<n { total[p + 1] += total[p] }
        var all = [(priority: UInt64, source: Int32, isNew: UInt8)](repeating: (0, 0, 0), count: n * k)
        var fill = total
        for i in 0..<n {
            for t in 0..<k {
                let j = Int(indices[i * k + t])
                all[fill[j]] = (MapRandom.bits(seed, i, j, round), Int32(i), flags[i * k + t])
                fill[j] += 1
            }
        }
        var start = [0], sources: [Int32] = [], isNew: [UInt8] = []
        sources.reserveCapacity(n * k)
        isNew.reserveCapacity(n * k)
        for p in 0..<n {
            var entries = all[total[p]..<total[p + 1]]
            if entries.count > k {
                entries = entries.sorted { $0.priority < $1.priority }.prefix(k)
            }
            for e in entries { sources.append(e.source); isNew.append(e.isNew) }
            start.append(sources.count)
        }
        self.start = start
        self.sources = sources
        self.isNew = isNew
    }
}

/// Each cluster's points (CSR, ascending) and the clusters nearest to each, for seeding the lists of
/// `MapNeighbours.descent`.
struct ClusterMembers: Sendable {
    private let start: [Int]
    private let points: [Int32]
    /// Per point: its cluster's index in `start`, or −1 for noise.
    private let clusterOf: [Int32]
    /// Per cluster, the `nearbyCount` clusters whose representatives are nearest its own, nearest first.
    private let nearest: [[Int32]]

    static let nearbyCount = 3
    /// Above this many clusters the representatives' all-pairs distances are not worth their cost, and
    /// lists are seeded from the own cluster alone.
    static let nearbyUpTo = 4_096

    /// A cluster's representative is its strongest member (the first of the strongest; the first member
    /// without strengths): under complete linkage the member of least mean distance to the others.
    init(_ labels: [Int], strengths: [Double]?, distance: MapDistance, threads: Int, control: TaskControl) throws {
        let clusters = Dictionary(grouping: labels.indices.filter { labels[$0] >= 0 }, by: { labels[$0] })
        var start = [0], points: [Int32] = [], clusterOf = [Int32](repeating: -1, count: labels.count)
        var representatives: [Int] = []
        for label in clusters.keys.sorted() {
            let rows = clusters[label]!
            for p in rows { clusterOf[p] = Int32(start.count - 1); points.append(Int32(p)) }
            start.append(points.count)
            representatives.append(strengths.map { s in rows.max { s[$0] < s[$1] || (s[$0] == s[$1] && $0 > $1) }! } ?? rows[0])
        }
        let c = representatives.count, chosen = representatives
        var nearest = [[Int32]](repeating: [], count: c)
        if c > 1 && c <= Self.nearbyUpTo {
            try nearest.withUnsafeMutableBufferPointer { buffer in
                let out = SharedPointer(base: buffer.baseAddress!)
                try forEachChunk(c, chunk: 16, threads: threads, control: control) { rows in
                    for a in rows {
                        let ranked = (0..<c).filter { $0 != a }
                            .map { (distance.distance(chosen[a], chosen[$0]), $0) }
                            .sorted { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
                        out.base[a] = ranked.prefix(Self.nearbyCount).map { Int32($0.1) }
                    }
                }
            }
        }
        self.start = start
        self.points = points
        self.clusterOf = clusterOf
        self.nearest = nearest
    }

    /// The points of `point`'s cluster (itself included); empty for noise.
    func of(_ point: Int) -> ArraySlice<Int32> {
        let c = Int(clusterOf[point])
        return c < 0 ? [] : of(cluster: c)
    }

    func of(cluster c: Int) -> ArraySlice<Int32> { points[start[c]..<start[c + 1]] }

    /// The clusters nearest to `point`'s own; empty for noise.
    func nearby(_ point: Int) -> [Int32] {
        let c = Int(clusterOf[point])
        return c < 0 ? [] : nearest[c]
    }
}
