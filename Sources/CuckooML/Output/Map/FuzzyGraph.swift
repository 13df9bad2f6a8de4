#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// UMAP's fuzzy neighbour graph (McInnes, Healy & Melville 2018, §3): each point's k-NN distances become
/// memberships exp(−(d − ρ)/σ), with ρ the distance to its nearest other point and σ chosen so the
/// memberships sum to log2 k, which makes dense and sparse regions comparable; the two directions of
/// an edge combine as a fuzzy union a + b − ab. Stored symmetric, as CSR rows ascending by column.
struct FuzzyGraph: Sendable {
    let start: [Int]
    let columns: [Int32]
    let weights: [Double]

    var count: Int { start.count - 1 }

    init(_ graph: NeighbourGraph) {
        let n = graph.count, k = graph.k
        var directed = [Double](repeating: 0, count: n * k)
        if k > 0 {
            let meanAll = graph.distances.reduce(0, +) / Double(n * k)
            for i in 0..<n {
                let row = Array(graph.distances[(i * k)..<(i * k + k)])
                let (rho, sigma) = Self.smooth(row, meanAll: meanAll)
                for t in 0..<k {
                    let d = row[t] - rho
                    directed[i * k + t] = d <= 0 ? 1 : exp(-d / sigma)
                }
            }
        }
        // In-lists, to find each edge's reverse direction.
        var inStart = [Int](repeating: 0, count: n + 1)
        for j in graph.indices { inStart[Int(j) + 1] += 1 }
        for p in 0..<n { inStart[p + 1] += inStart[p] }
        var inFrom = [Int32](repeating: 0, count: n * k), inWeight = [Double](repeating: 0, count: n * k)
        var fill = inStart
        for i in 0..<n {
            for t in 0..<k {
                let j = Int(graph.indices[i * k + t])
                inFrom[fill[j]] = Int32(i); inWeight[fill[j]] = directed[i * k + t]
                fill[j] += 1
            }
        }
        var start = [0], columns: [Int32] = [], weights: [Double] = []
        columns.reserveCapacity(2 * n * k)
        weights.reserveCapacity(2 * n * k)
        var merged: [Int32: Double] = [:]
        for i in 0..<n {
            merged.removeAll(keepingCapacity: true)
            for t in 0..<k { merged[graph.indices[i * k + t]] = directed[i * k + t] }
            for r in inStart[i]..<inStart[i + 1] {
                let a = merged[inFrom[r]] ?? 0, b = inWeight[r]
                merged[inFrom[r]] = a + b - a * b
            }
            for j in merged.keys.sorted() where merged[j]! > 0 {
                columns.append(j); weights.append(merged[j]!)
            }
            start.append(columns.count)
        }
        self.start = start
        self.columns = columns
        self.weights = weights
    }

    /// UMAP's `smooth_knn_dist` for one point's ascending distances: ρ is the nearest non-zero
    /// distance (local connectivity 1); σ is found by bisection (64 steps, tolerance 1e-5) and kept
    /// above 1e-3 of the mean distance.
    static func smooth(_ d: [Double], meanAll: Double) -> (rho: Double, sigma: Double) {
        let target = log2(Double(d.count))
        let rho = d.first(where: { $0 > 0 }) ?? 0
        var lo = 0.0, hi = Double.infinity, mid = 1.0
        for _ in 0..<64 {
            var sum = 0.0
            for x in d { let e = x - rho; sum += e > 0 ? exp(-e / mid) : 1 }
            if abs(sum - target) < 1e-5 { break }
            if sum > target {
                hi = mid; mid = (lo + hi) / 2
            } else {
                lo = mid; mid = hi == .infinity ? mid * 2 : (lo + hi) / 2
            }
        }
        let mean = d.reduce(0, +) / Double(max(1, d.count))
        return (rho, max(mid, 1e-3 * (rho > 0 ? mean : meanAll)))
    }
}
