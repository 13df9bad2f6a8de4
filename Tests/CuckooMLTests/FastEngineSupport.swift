@testable import CuckooML

/// Seeded data and a straightforward reference for the fast-engine tests, written from the definitions in
/// `docs/hdbscan.md` with `Distances` as the only shared code.
enum EngineReference {
    /// SplitMix64: a small deterministic generator so every failure names a reproducible seed.
    struct Random {
        var state: UInt64
        init(seed: UInt64) { state = seed }
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        mutating func chance(_ p: Double) -> Bool { Double(next() >> 11) / Double(1 << 53) < p }
    }

    /// Binary rows around a few planted centres (each bit flipped with probability 0.05), ~10% random
    /// noise rows, and a third of all rows (`copies`) exact copies of earlier rows: many ties and duplicates.
    static func binary(n: Int, d: Int, seed: UInt64, copies: Double = 0.33) -> DenseMatrix {
        var r = Random(seed: seed)
        let centres = (0..<4).map { _ in (0..<d).map { _ in r.chance(0.3) ? 1.0 : 0.0 } }
        var m = DenseMatrix(rows: n, columns: d)
        for i in 0..<n {
            if i > 0 && r.chance(copies) {
                let j = r.below(i)
                for c in 0..<d { m[i, c] = m[j, c] }
            } else if r.chance(0.1) {
                for c in 0..<d { m[i, c] = r.chance(0.3) ? 1 : 0 }
            } else {
                let centre = centres[r.below(centres.count)]
                for c in 0..<d { m[i, c] = r.chance(0.05) ? 1 - centre[c] : centre[c] }
            }
        }
        return m
    }

    /// Dense rows on a coarse grid (multiples of 0.5 around planted centres) with duplicates: many ties.
    static func dense(n: Int, d: Int, seed: UInt64) -> DenseMatrix {
        var r = Random(seed: seed)
        let centres = (0..<3).map { _ in (0..<d).map { _ in Double(r.below(20)) } }
        var m = DenseMatrix(rows: n, columns: d)
        for i in 0..<n {
            if i > 0 && r.chance(0.2) {
                let j = r.below(i)
                for c in 0..<d { m[i, c] = m[j, c] }
            } else {
                let centre = centres[r.below(centres.count)]
                for c in 0..<d { m[i, c] = centre[c] + Double(r.below(7) - 3) * 0.5 }
            }
        }
        return m
    }

    /// Sparse non-binary rows: ~15% of features set to 0.5, 1, 2 or 3.
    static func sparse(n: Int, d: Int, seed: UInt64) -> SparseMatrix {
        var r = Random(seed: seed)
        var m = SparseMatrix(columnCount: d)
        var rows: [[(Int32, Double)]] = []
        for i in 0..<n {
            if i > 0 && r.chance(0.2) {
                rows.append(rows[r.below(i)])
            } else {
                var row: [(Int32, Double)] = []
                for c in 0..<d where r.chance(0.15) { row.append((Int32(c), [0.5, 1, 2, 3][r.below(4)])) }
                rows.append(row)
            }
            m.appendRow(rows[i])
        }
        return m
    }

    static func distance(_ p: PointSet, _ metric: DistanceMetric, _ i: Int, _ j: Int) -> Double {
        Distances.between(metric, p, i, p, j)
    }

    /// All pairwise distances of a point set, computed once with `Distances`, and what follows from them.
    struct Table {
        let n: Int
        let d: [[Double]]
        let sorted: [[Double]]

        init(_ p: PointSet, _ metric: DistanceMetric) {
            n = p.count
            var d = [[Double]](repeating: [Double](repeating: 0, count: p.count), count: p.count)
            for i in 0..<p.count {
                for j in i..<p.count {
                    let v = Distances.between(metric, p, i, p, j)
                    d[i][j] = v
                    // d(j, i) by the definition, not assumed equal to d(i, j).
                    d[j][i] = i == j ? v : Distances.between(metric, p, j, p, i)
                }
            }
            self.d = d
            // The point itself sits at index 0 with distance 0, whatever its formula gives (cosine can
            // give ±1e-16), as the library's neighbour queries return it.
            sorted = (0..<p.count).map { i in [0] + (0..<p.count).filter { $0 != i }.map { d[i][$0] }.sorted() }
        }

        /// core(i): index k of the sorted distances to all points, itself first; k clipped to n − 1.
        func coreDistances(k: Int) -> [Double] { sorted.map { $0[min(k, n - 1)] } }

        /// Prim's algorithm exactly as the reference states it, with an in-tree flag and index-order scans.
        func spanningTree(core: [Double], alpha: Double) -> [MSTEdge] {
            var inTree = [Bool](repeating: false, count: n)
            var best = [Double](repeating: .infinity, count: n)
            var source = [Int](repeating: 0, count: n)
            var edges: [MSTEdge] = []
            var cur = 0
            for _ in 1..<max(n, 1) {
                inTree[cur] = true
                for j in 0..<n where !inTree[j] {
                    let mr = max(core[cur], core[j], d[cur][j] / alpha)
                    if mr < best[j] { best[j] = mr; source[j] = cur }
                }
                var next = -1
                for j in 0..<n where !inTree[j] && (next < 0 || best[j] < best[next]) { next = j }
                edges.append(MSTEdge(from: Int32(source[next]), to: Int32(next), weight: best[next]))
                cur = next
            }
            return edges
        }
    }

    /// The k nearest training points to a query, by distance then index.
    static func nearest(_ p: PointSet, _ metric: DistanceMetric, query: PointSet, row: Int, k: Int) -> [Neighbour] {
        let all = (0..<p.count).map { Neighbour(index: $0, distance: Distances.between(metric, query, row, p, $0)) }
        let sorted = all.sorted { ($0.distance, $0.index) < ($1.distance, $1.index) }
        return Array(sorted.prefix(k))
    }

    /// Every engine that can hold `points`, each with its parallel paths forced on small inputs.
    static func engines(_ points: PointSet, _ metric: DistanceMetric) -> [(String, any NeighbourhoodEngine)] {
        let forced = EngineTuning.always
        var out: [(String, any NeighbourhoodEngine)] = [
            ("factory", NeighbourhoodEngines.make(points: points, metric: metric, threads: 2)),
            ("brute-force", BruteForceEngine(points: points, metric: metric)),
        ]
        if metric == .groupjaccard {
            // Its own bit-packed engine on any data (here every column in one group); BitPackedEngine
            // never takes this metric.
            out.append(("group-bits", GroupJaccardEngine(points: points, threads: 2, tuning: forced)))
            out.append(("group-bits-1", GroupJaccardEngine(points: points, threads: 1)))
        } else if points.isBinary {
            out.append(("bits", BitPackedEngine(points: points, metric: metric, threads: 2, tuning: forced)))
            out.append(("bits-plain", BitPackedEngine(points: points, metric: metric, threads: 2,
                                                      tuning: .alwaysUngrouped)))
            out.append(("bits-plain-1", BitPackedEngine(points: points, metric: metric, threads: 1,
                                                        tuning: EngineTuning(tile: 7, groups: 0))))
            out.append(("bits-blocks", BitPackedEngine(points: points, metric: metric, threads: 2,
                                                       tuning: .alwaysUngrouped, pointsPerBlock: 6)))
            out.append(("bits-blocks-1", BitPackedEngine(points: points, metric: metric, threads: 1,
                                                         tuning: EngineTuning(groups: 0), pointsPerBlock: 20)))
            // Each code for the integer k-NN and Prim (the defaults above run the fastest on this CPU).
            for choice in [BitKernelChoice.swift, .portable, .vector] {
                var plain = EngineTuning.alwaysUngrouped
                plain.bitKernels = choice
                out.append(("bits-\(choice)", BitPackedEngine(points: points, metric: metric, threads: 2,
                                                               tuning: plain)))
            }
            out.append(("bits-vector-1", BitPackedEngine(points: points, metric: metric, threads: 1,
                                                         tuning: EngineTuning(tile: 7, groups: 0,
                                                                                        bitKernels: .vector))))
        }
        switch points.storage {
        case .dense(let m):
            out.append(("dense", DenseEngine(m, metric: metric, threads: 2, tuning: forced)))
            out.append(("dense-1", DenseEngine(m, metric: metric, threads: 1)))
            var s = SparseMatrix(columnCount: m.columns)
            for i in 0..<m.rows {
                s.appendRow(m.row(i).enumerated().map { (Int32($0.offset), $0.element) })
            }
            out.append(("sparse", SparseEngine(s, metric: metric, threads: 2, tuning: forced)))
        case .sparse(let m):
            out.append(("sparse", SparseEngine(m, metric: metric, threads: 2, tuning: forced)))
            out.append(("dense", DenseEngine(m.dense(), metric: metric, threads: 2, tuning: forced)))
        }
        return out
    }
}
