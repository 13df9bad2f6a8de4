/// Dense rows of doubles (row-major, one slot per row) with the exact loops of `Distances.dense`:
/// features summed in ascending column order, so every result is bit-identical to it. Cosine keeps each
/// row's Σx², which the reference loop accumulates independently of the other row.
final class DenseKernel: DistanceKernel, @unchecked Sendable {
    let count: Int
    let dimension: Int
    let metric: DistanceMetric
    private let values: UnsafeMutablePointer<Double>
    private let squares: UnsafeMutablePointer<Double>

    init(_ m: DenseMatrix, metric: DistanceMetric) {
        count = m.rows
        dimension = m.columns
        self.metric = metric
        let size = max(1, count * dimension)
        let storage = UnsafeMutablePointer<Double>.allocate(capacity: size)
        storage.initialize(repeating: 0, count: size)
        m.values.withUnsafeBufferPointer { src in
            if let base = src.baseAddress { storage.update(from: base, count: src.count) }
        }
        values = storage
        squares = .allocate(capacity: max(1, count))
        for i in 0..<count { squares[i] = Self.sumOfSquares(values + i * dimension, dimension) }
    }

    private init(copying other: DenseKernel) {
        count = other.count; dimension = other.dimension; metric = other.metric
        let size = max(1, count * dimension)
        values = .allocate(capacity: size)
        values.initialize(from: other.values, count: size)
        squares = .allocate(capacity: max(1, count))
        squares.initialize(from: other.squares, count: max(1, count))
    }

    deinit { values.deallocate(); squares.deallocate() }

    func copy() -> Self { unsafeDowncast(DenseKernel(copying: self), to: Self.self) }

    static func sumOfSquares(_ x: UnsafePointer<Double>, _ d: Int) -> Double {
        var s = 0.0
        for c in 0..<d { s += x[c] * x[c] }
        return s
    }

    var evaluator: DenseDistance {
        DenseDistance(values: values, squares: squares, dimension: dimension, metric: metric)
    }

    @inline(__always)
    func distance(_ a: Int, _ b: Int) -> Double { evaluator.distance(a, b) }

    func exchange(_ a: Int, _ b: Int) {
        let x = values + a * dimension, y = values + b * dimension
        for c in 0..<dimension { let t = x[c]; x[c] = y[c]; y[c] = t }
        let t = squares[a]; squares[a] = squares[b]; squares[b] = t
    }

    func withQuery<R>(_ queries: PointSet, row: Int, _ body: ((Int) -> Double) -> R) -> R {
        var q = [Double](repeating: 0, count: dimension)
        switch queries {
        case .dense(let m): for (c, v) in m.row(row).enumerated() where c < dimension { q[c] = v }
        case .sparse(let m):
            let r = m.row(row)
            for (c, v) in zip(r.columns, r.values) where Int(c) < dimension { q[Int(c)] = v }
        }
        return q.withUnsafeBufferPointer { buffer in
            let sq = Self.sumOfSquares(buffer.baseAddress ?? UnsafePointer(values), buffer.count)
            let pairs = self.evaluator
            return body { pairs.distance(row: buffer.baseAddress ?? UnsafePointer(self.values), squares: sq, $0) }
        }
    }
}


/// The exact dense loops of `DenseKernel` over its raw storage.
struct DenseDistance: PairDistance, @unchecked Sendable {
    let values: UnsafeMutablePointer<Double>
    let squares: UnsafeMutablePointer<Double>
    let dimension: Int
    let metric: DistanceMetric

    @inline(__always)
    func distance(_ a: Int, _ b: Int) -> Double {
        distance(row: values + a &* dimension, squares: squares[a], b)
    }

    static var prefersBatches: Bool { true }

    @inline(__always)
    func distances(_ a: Int, _ b0: Int, _ b1: Int, _ b2: Int, _ b3: Int) -> SIMD4<Double> {
        distances(row: values + a &* dimension, squares: squares[a], b0, b1, b2, b3)
    }

    /// Four distances from `x` at once. Each lane keeps its own sum over the columns in ascending
    /// order, exactly the sequence of operations of `distance(row:squares:_:)`, so every lane is
    /// bit-identical to it; the four independent sums hide the latency of the adds, which bounds the
    /// one-pair loop.
    @inline(__always)
    func distances(row x: UnsafePointer<Double>, squares sx: Double,
                   _ b0: Int, _ b1: Int, _ b2: Int, _ b3: Int) -> SIMD4<Double> {
        let n = dimension
        let y0 = values + b0 &* n, y1 = values + b1 &* n, y2 = values + b2 &* n, y3 = values + b3 &* n
        switch metric {
        case .euclidean:
            var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
            for c in 0..<n {
                let v = x[c]
                let t0 = v - y0[c], t1 = v - y1[c], t2 = v - y2[c], t3 = v - y3[c]
                s0 += t0 * t0; s1 += t1 * t1; s2 += t2 * t2; s3 += t3 * t3
            }
            return SIMD4(s0.squareRoot(), s1.squareRoot(), s2.squareRoot(), s3.squareRoot())
        case .manhattan:
            var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
            for c in 0..<n {
                let v = x[c]
                s0 += abs(v - y0[c]); s1 += abs(v - y1[c]); s2 += abs(v - y2[c]); s3 += abs(v - y3[c])
            }
            return SIMD4(s0, s1, s2, s3)
        case .cosine:
            var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0
            for c in 0..<n {
                let v = x[c]
                s0 += v * y0[c]; s1 += v * y1[c]; s2 += v * y2[c]; s3 += v * y3[c]
            }
            return SIMD4(Distances.cosineDistance(dot: s0, normX: sx, normY: squares[b0]),
                         Distances.cosineDistance(dot: s1, normX: sx, normY: squares[b1]),
                         Distances.cosineDistance(dot: s2, normX: sx, normY: squares[b2]),
                         Distances.cosineDistance(dot: s3, normX: sx, normY: squares[b3]))
        case .hamming, .jaccard:
            // Integer counts: no add-latency chain to break.
            return SIMD4(distance(row: x, squares: sx, b0), distance(row: x, squares: sx, b1),
                         distance(row: x, squares: sx, b2), distance(row: x, squares: sx, b3))
        }
    }

    @inline(__always)
    func distance(row x: UnsafePointer<Double>, squares sx: Double, _ b: Int) -> Double {
        let y = values + b &* dimension
        let n = dimension
        switch metric {
        case .euclidean:
            var s = 0.0
            for c in 0..<n { let t = x[c] - y[c]; s += t * t }
            return s.squareRoot()
        case .manhattan:
            var s = 0.0
            for c in 0..<n { s += abs(x[c] - y[c]) }
            return s
        case .hamming:
            guard n > 0 else { return 0 }
            var differ = 0
            for c in 0..<n where x[c] != y[c] { differ += 1 }
            return Double(differ) / Double(n)
        case .jaccard:
            var nonZero = 0, both = 0
            for c in 0..<n {
                let p = x[c] != 0, q = y[c] != 0
                if p || q { nonZero += 1 }
                if p && q { both += 1 }
            }
            return nonZero == 0 ? 0 : Double(nonZero - both) / Double(nonZero)
        case .cosine:
            var dot = 0.0
            for c in 0..<n { dot += x[c] * y[c] }
            return Distances.cosineDistance(dot: dot, normX: sx, normY: squares[b])
        }
    }
}
