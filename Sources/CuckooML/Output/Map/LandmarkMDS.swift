/// The map's starting layout: landmark MDS (de Silva & Tenenbaum 2004). Classical MDS of up to
/// `landmarks` points chosen max-min (each the point farthest from those already chosen, so every
/// distinct region gets one), then every point placed from its distances to them. It gives the layout
/// the global arrangement of the real distances, which the neighbour-graph layout alone would lose
/// (an informative start matters for that: Kobak & Linderman 2021).
enum LandmarkMDS {
    static let landmarks = 64

    /// 2-D coordinates for every point, or zeros when the distances have no spread.
    static func embed(_ distance: MapDistance, landmarks wanted: Int = landmarks, threads: Int,
                      control: TaskControl) throws -> [SIMD2<Double>] {
        let n = distance.count
        guard n > 2 else { return (0..<n).map { SIMD2(Double($0), 0) } }
        let m = min(wanted, n)
        // Max-min choice, starting from point 0; ties go to the lowest index.
        var chosen = [0]
        var nearest = [Double](repeating: .infinity, count: n)
        var rows: [[Float]] = []
        for step in 0..<m {
            let l = chosen[step]
            let row = try distancesFrom(l, distance, threads: threads, control: control)
            rows.append(row.map { Float($0) })
            var best = -1, bestD = -1.0
            for j in 0..<n {
                nearest[j] = min(nearest[j], row[j])
                if nearest[j] > bestD { bestD = nearest[j]; best = j }
            }
            if step + 1 < m {
                if bestD <= 0 { break }  // every point coincides with a landmark
                chosen.append(best)
            }
        }
        let l = chosen.count
        guard l >= 3 else { return [SIMD2<Double>](repeating: .zero, count: n) }
        // Double-centred squared landmark distances, B = −½ J D² J.
        var squared = [Double](repeating: 0, count: l * l)
        for a in 0..<l { for b in 0..<l { let d = Double(rows[a][chosen[b]]); squared[a * l + b] = d * d } }
        var columnMean = [Double](repeating: 0, count: l)
        for a in 0..<l { for b in 0..<l { columnMean[b] += squared[a * l + b] / Double(l) } }
        let totalMean = columnMean.reduce(0, +) / Double(l)
        var centred = [Double](repeating: 0, count: l * l)
        for a in 0..<l {
            for b in 0..<l {
                centred[a * l + b] = -0.5 * (squared[a * l + b] - columnMean[a] - columnMean[b] + totalMean)
            }
        }
        let (vectors, values) = topTwoEigen(centred, size: l)
        // x_i = ½ Σ_a (δ̄_a − δ_ia) v_a / √λ for each axis with λ > 0.
        var scaled: [[Double]] = []
        for axis in 0..<2 {
            let lambda = values[axis]
            scaled.append(lambda > 1e-12 * max(1, values[0]) ? vectors[axis].map { $0 / lambda.squareRoot() } : [Double](repeating: 0, count: l))
        }
        var out = [SIMD2<Double>](repeating: .zero, count: n)
        for i in 0..<n {
            var x = 0.0, y = 0.0
            for a in 0..<l {
                let d = Double(rows[a][i])
                let delta = columnMean[a] - d * d
                x += delta * scaled[0][a]; y += delta * scaled[1][a]
            }
            out[i] = SIMD2(0.5 * x, 0.5 * y)
        }
        return out
    }

    private static func distancesFrom(_ l: Int, _ distance: MapDistance, threads: Int, control: TaskControl) throws -> [Double] {
        let n = distance.count
        var row = [Double](repeating: 0, count: n)
        try row.withUnsafeMutableBufferPointer { buffer in
            let out = SharedPointer(base: buffer.baseAddress!)
            try forEachChunk(n, chunk: 4_096, threads: threads, control: control) { range in
                for j in range { out.base[j] = distance.distance(l, j) }
            }
        }
        return row
    }

    /// The two largest eigenpairs of a symmetric matrix by orthogonal (subspace) iteration from a fixed
    /// start: deterministic, and exact enough for a starting layout.
    static func topTwoEigen(_ a: [Double], size l: Int) -> (vectors: [[Double]], values: [Double]) {
        // Shift by the Gershgorin bound so the largest (signed) eigenvalues dominate the iteration.
        var shift = 0.0
        for r in 0..<l {
            var row = 0.0
            for c in 0..<l { row += abs(a[r * l + c]) }
            shift = max(shift, row)
        }
        func multiply(_ v: [Double]) -> [Double] {
            var out = [Double](repeating: 0, count: l)
            for r in 0..<l {
                var sum = shift * v[r]
                for c in 0..<l { sum += a[r * l + c] * v[c] }
                out[r] = sum
            }
            return out
        }
        func dot(_ x: [Double], _ y: [Double]) -> Double {
            var sum = 0.0
            for r in 0..<l { sum += x[r] * y[r] }
            return sum
        }
        func orthonormalise(_ q: inout [[Double]]) {
            for c in 0..<q.count {
                for p in 0..<c {
                    let d = dot(q[c], q[p])
                    for r in 0..<l { q[c][r] -= d * q[p][r] }
                }
                let norm = dot(q[c], q[c]).squareRoot()
                for r in 0..<l { q[c][r] = norm > 0 ? q[c][r] / norm : 0 }
            }
        }
        var first = [Double](repeating: 0, count: l), second = [Double](repeating: 0, count: l)
        for r in 0..<l {
            first[r] = Double(r % 7) - 2.5
            second[r] = Double((r * 5) % 11) - 4.75
        }
        var q = [first, second]
        orthonormalise(&q)
        for _ in 0..<300 {
            q = q.map(multiply)
            orthonormalise(&q)
        }
        let values = q.map { dot($0, multiply($0)) - shift }
        return values[0] >= values[1] ? (q, values) : ([q[1], q[0]], [values[1], values[0]])
    }
}
