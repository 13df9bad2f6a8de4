/// `CutChain`'s chain over the pairs within the cut only, for a component too large for its matrix
/// (`CompleteLinkage.chainOverEdges`), in flat sorted adjacency arrays rather than one hash map per
/// point: 24 bytes a pair (each pair stored from both ends as a 4-byte neighbour and its 8-byte
/// distance) instead of about 60, and no hashing on the chain's hot path.
///
/// Each point's neighbours stay sorted by number for its whole life: a merge writes the new cluster's
/// list over the higher-numbered one's in place (it is a subset of it, in the same order), and an entry
/// that goes away is marked dead (+∞) where it is, so the other lists can still be binary-searched. A
/// list is compacted when dead entries fill more than half of it, so the chain's scans stay
/// proportional to the live neighbours.
struct EdgeChain {
    /// Point x's list is `neighbour[start[x] ..< start[x] + length[x]]`, ascending, with `distance`
    /// beside it (+∞ = dead entry).
    private var start: [Int]
    private var length: [Int32]
    private var live: [Int32]
    private var neighbour: [Int32]
    private var distance: [Double]

    /// The adjacency of `n` points from pairs (i < j, within the cut); empties `edges` as it goes so
    /// they and the arrays are not both held in full.
    init(n: Int, edges: inout [LinkageEdge]) {
        var degree = [Int](repeating: 0, count: n + 1)
        for e in edges { degree[Int(e.a) + 1] += 1; degree[Int(e.b) + 1] += 1 }
        for x in 0..<n { degree[x + 1] += degree[x] }
        start = Array(degree[0..<n])
        var fill = start
        neighbour = [Int32](repeating: 0, count: degree[n])
        distance = [Double](repeating: 0, count: degree[n])
        for e in edges {
            let a = Int(e.a), b = Int(e.b)
            neighbour[fill[a]] = e.b; distance[fill[a]] = e.distance; fill[a] += 1
            neighbour[fill[b]] = e.a; distance[fill[b]] = e.distance; fill[b] += 1
        }
        edges = []
        length = (0..<n).map { Int32(degree[$0 + 1] - degree[$0]) }
        live = length
        // Each list sorted by neighbour (the join gives every pair once).
        var order: [Int] = []
        for x in 0..<n where length[x] > 1 {
            let s = start[x], m = Int(length[x])
            order.removeAll(keepingCapacity: true)
            order.append(contentsOf: 0..<m)
            order.sort { neighbour[s + $0] < neighbour[s + $1] }
            let ids = order.map { neighbour[s + $0] }, ds = order.map { distance[s + $0] }
            for k in 0..<m { neighbour[s + k] = ids[k]; distance[s + k] = ds[k] }
        }
    }

    /// The position of `y` in x's list, if it is there (live or dead).
    private func find(_ x: Int, _ y: Int32) -> Int? {
        var lo = start[x], hi = start[x] + Int(length[x])
        while lo < hi {
            let mid = (lo + hi) >> 1
            if neighbour[mid] < y { lo = mid + 1 } else { hi = mid }
        }
        return lo < start[x] + Int(length[x]) && neighbour[lo] == y ? lo : nil
    }

    /// Marks y dead in x's list.
    private mutating func kill(_ x: Int, _ y: Int32) {
        guard let p = find(x, y), distance[p] != .infinity else { return }
        distance[p] = .infinity
        live[x] -= 1
        if live[x] * 2 < length[x] { compact(x) }
    }

    private mutating func compact(_ x: Int) {
        var w = start[x]
        for r in start[x]..<(start[x] + Int(length[x])) where distance[r] != .infinity {
            neighbour[w] = neighbour[r]; distance[w] = distance[r]; w += 1
        }
        length[x] = Int32(w - start[x])
    }

    /// The chain (see `CompleteLinkage.chainOverEdges`); returns each point's smallest cluster member.
    mutating func run(control: TaskControl) throws -> [Int] {
        let n = start.count
        var active = [Bool](repeating: true, count: n)
        var sets = DisjointSets(n)
        var chain: [Int] = []
        var nextStart = 0, steps = 0
        // Per merge: the distance from a of each of its live neighbours (stamped by `round`).
        var fromA = [Double](repeating: 0, count: n)
        var stamp = [UInt32](repeating: 0, count: n)
        var round: UInt32 = 0
        while true {
            steps &+= 1
            if steps & 255 == 0 { try control.checkCancellation() }
            if chain.isEmpty {
                while nextStart < n && (!active[nextStart] || live[nextStart] == 0) {
                    active[nextStart] = false   // nothing left within the cut: final
                    nextStart += 1
                }
                guard nextStart < n else { break }
                chain.append(nextStart)
            }
            let x = chain[chain.count - 1]
            guard live[x] > 0 else {
                // Merges elsewhere took its last edge: nothing within the cut is left for it.
                active[x] = false
                chain.removeLast()
                continue
            }
            // scipy's rule: the previous chain element if it is among the nearest, else the lowest
            // numbered nearest (the list ascends, so a strict `<` keeps the lowest).
            var currentMin = Double.infinity, y = -1
            for p in start[x]..<(start[x] + Int(length[x])) where distance[p] < currentMin {
                currentMin = distance[p]; y = Int(neighbour[p])
            }
            if chain.count > 1, let p = find(x, Int32(chain[chain.count - 2])), distance[p] == currentMin {
                y = chain[chain.count - 2]
            }
            guard chain.count > 1 && y == chain[chain.count - 2] else {
                chain.append(y)
                continue
            }
            chain.removeLast(2)
            let (a, b) = x < y ? (x, y) : (y, x)
            sets.union(a, b)
            active[a] = false
            round &+= 1
            // a leaves every list; its neighbours' distances are kept for the intersection.
            for p in start[a]..<(start[a] + Int(length[a])) where distance[p] != .infinity {
                let k = Int(neighbour[p])
                if k == b { continue }
                fromA[k] = distance[p]; stamp[k] = round
                kill(k, Int32(a))
            }
            live[a] = 0; length[a] = 0
            // The merged cluster takes number b; its edges are those both had, at the larger distance,
            // written over b's list in place.
            var w = start[b]
            let end = start[b] + Int(length[b])
            var kept: Int32 = 0
            for p in start[b]..<end where distance[p] != .infinity {
                let k = Int(neighbour[p])
                if k == a { continue }
                if stamp[k] == round {
                    let merged = Swift.max(fromA[k], distance[p])
                    neighbour[w] = Int32(k); distance[w] = merged; w += 1; kept += 1
                    if let q = find(k, Int32(b)) { distance[q] = merged }
                } else {
                    kill(k, Int32(b))
                }
            }
            length[b] = Int32(w - start[b]); live[b] = kept
        }
        return (0..<n).map { sets.smallest($0) }
    }
}
