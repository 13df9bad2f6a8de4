/// Dense rows of doubles (row-major, one slot per row) with the exact loops of `Distances.dense`:
/// features summed in ascending column order, so every result is bit-identical to it. Cosine keeps each
/// row's Σx², which the reference loop accumulates independently of the other row.
///
/// Feature matrices usually hold small integers (counts and their log bins). Then every term of a
/// euclidean, manhattan or cosine sum is an integer, and so is every partial sum; while they stay
/// below 2⁵³ the double loop is exact, whatever the order of the additions, and equals the integer
/// sum. Such matrices also keep their rows as `Int16` (`IntegerRows`) and those metrics are summed
/// in integers, which the compiler vectorises and which reads a quarter of the memory.
final class DenseKernel: DistanceKernel, @unchecked Sendable {
    let count: Int
    let dimension: Int
    let metric: DistanceMetric
    private let values: UnsafeMutablePointer<Double>
    private let squares: UnsafeMutablePointer<Double>
    /// The rows as `Int16` when every value is an integer of magnitude at most `IntegerRows.limit`
    /// and the sums cannot leave the exact range (nil otherwise, or for hamming and jaccard).
    private let integers: UnsafeMutablePointer<Int16>?
    /// Whether every integer sum fits an `Int32` (else they are summed in `Int64`).
    private let narrow: Bool

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
        let form = metric == .hamming || metric == .jaccard || metric == .groupjaccard ? nil : IntegerRows.narrowSums(storage, count * dimension, dimension)
        if let form {
            let rows = UnsafeMutablePointer<Int16>.allocate(capacity: size)
            for i in 0..<size { rows[i] = Int16(storage[i]) }
            integers = rows
            narrow = form
        } else {
            integers = nil
            narrow = false
        }
    }

    private init(copying other: DenseKernel) {
        count = other.count; dimension = other.dimension; metric = other.metric
        let size = max(1, count * dimension)
        values = .allocate(capacity: size)
        values.initialize(from: other.values, count: size)
        squares = .allocate(capacity: max(1, count))
        squares.initialize(from: other.squares, count: max(1, count))
        narrow = other.narrow
        if let source = other.integers {
            let rows = UnsafeMutablePointer<Int16>.allocate(capacity: size)
            rows.initialize(from: source, count: size)
            integers = rows
        } else {
            integers = nil
        }
    }

    deinit { values.deallocate(); squares.deallocate(); integers?.deallocate() }

    func copy() -> Self { unsafeDowncast(DenseKernel(copying: self), to: Self.self) }

    static func sumOfSquares(_ x: UnsafePointer<Double>, _ d: Int) -> Double {
        var s = 0.0
        for c in 0..<d { s += x[c] * x[c] }
        return s
    }

    var evaluator: DenseDistance {
        DenseDistance(values: values, squares: squares, dimension: dimension, metric: metric,
                      integers: integers, narrow: narrow)
    }

    @inline(__always)
    func distance(_ a: Int, _ b: Int) -> Double { evaluator.distance(a, b) }

    func exchange(_ a: Int, _ b: Int) {
        let x = values + a * dimension, y = values + b * dimension
        for c in 0..<dimension { let t = x[c]; x[c] = y[c]; y[c] = t }
        let t = squares[a]; squares[a] = squares[b]; squares[b] = t
        if let integers {
            let p = integers + a * dimension, q = integers + b * dimension
            for c in 0..<dimension { let t = p[c]; p[c] = q[c]; q[c] = t }
        }
    }

    func withQuery<R>(_ queries: PointSet, row: Int, _ body: ((Int) -> Double) -> R) -> R {
        var q = [Double](repeating: 0, count: dimension)
        switch queries.storage {
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


/// When a matrix may be summed in integers: the bounds that keep every integer sum exact in a double.
enum IntegerRows {
    /// Largest magnitude kept (differences then fit an `Int16` too).
    static let limit = 16_383.0

    /// nil unless every value is an integer within ±`limit` and no partial sum can reach 2⁵³; else
    /// whether every partial sum stays below 2³¹, so that `Int32` sums suffice.
    ///
    /// The bound is per column: a squared difference in column c is at most its range² (max − min),
    /// an absolute difference at most its range (a whole number, so at most range²), and a product
    /// at most its largest magnitude². Feature matrices hold a few large counts beside hundreds of
    /// small bins, so Σ over the columns is far tighter than d·(2·max|v|)², and keeps the 16-bit
    /// multiply-add loop for them (the 64-bit loop handles two lanes at a time).
    static func narrowSums(_ values: UnsafePointer<Double>, _ count: Int, _ dimension: Int) -> Bool? {
        guard count > 0, dimension > 0 else { return nil }
        var lowest = [Double](repeating: .infinity, count: dimension)
        var highest = [Double](repeating: -.infinity, count: dimension)
        var i = 0
        while i < count {
            for c in 0..<dimension {
                let v = values[i + c]
                // NaN and infinities fail the first test.
                guard v.rounded(.towardZero) == v, abs(v) <= limit else { return nil }
                lowest[c] = min(lowest[c], v)
                highest[c] = max(highest[c], v)
            }
            i += dimension
        }
        var differences = 0.0, products = 0.0
        for c in 0..<dimension {
            let range = highest[c] - lowest[c], magnitude = max(abs(highest[c]), abs(lowest[c]))
            differences += range * range
            products += magnitude * magnitude
        }
        let worst = max(differences, products)
        guard worst < 0x1p53 else { return nil }
        return worst < 0x1p31
    }
}

/// The exact dense loops of `DenseKernel` over its raw storage.
struct DenseDistance: PairDistance, @unchecked Sendable {
    let values: UnsafeMutablePointer<Double>
    let squares: UnsafeMutablePointer<Double>
    let dimension: Int
    let metric: DistanceMetric
    let integers: UnsafeMutablePointer<Int16>?
    let narrow: Bool

    @inline(__always)
    func distance(_ a: Int, _ b: Int) -> Double {
        if let integers { return integerDistance(integers, a, b) }
        return distance(row: values + a &* dimension, squares: squares[a], b)
    }

    /// Euclidean, manhattan or cosine between two slots summed in integers: equal to the double loop,
    /// as every partial sum is an integer below 2⁵³ (`IntegerRows`).
    @inline(__always)
    func integerDistance(_ rows: UnsafeMutablePointer<Int16>, _ a: Int, _ b: Int) -> Double {
        let n = dimension
        let x = rows + a &* n, y = rows + b &* n
        switch metric {
        case .euclidean:
            if narrow {
                var s: Int32 = 0
                // |x − y| ≤ 2·limit fits an Int16: the multiply-add of 16-bit pairs (pmaddwd).
                for c in 0..<n { let t = x[c] &- y[c]; s &+= Int32(t) &* Int32(t) }
                return Double(s).squareRoot()
            }
            var s: Int64 = 0
            for c in 0..<n { let t = Int64(x[c]) &- Int64(y[c]); s &+= t &* t }
            return Double(s).squareRoot()
        case .manhattan:
            var s: Int64 = 0
            for c in 0..<n { let t = Int64(x[c]) &- Int64(y[c]); s &+= t < 0 ? -t : t }
            return Double(s)
        case .cosine:
            var s: Int64 = 0
            for c in 0..<n { s &+= Int64(x[c]) &* Int64(y[c]) }
            return Distances.cosineDistance(dot: Double(s), normX: squares[a], normY: squares[b])
        case .hamming, .jaccard, .groupjaccard:
            return distance(row: values + a &* dimension, squares: squares[a], b)
        }
    }

    static var prefersBatches: Bool { true }

    @inline(__always)
    func distances(_ a: Int, _ b0: Int, _ b1: Int, _ b2: Int, _ b3: Int) -> SIMD4<Double> {
        if let integers {
            return SIMD4(integerDistance(integers, a, b0), integerDistance(integers, a, b1),
                         integerDistance(integers, a, b2), integerDistance(integers, a, b3))
        }
        return distances(row: values + a &* dimension, squares: squares[a], b0, b1, b2, b3)
    }

    @inline(__always)
    func distances(_ a: Int, _ b: SIMD8<Int>) -> SIMD8<Double> {
        if let integers {
            var out = SIMD8<Double>()
            for i in 0..<8 { out[i] = integerDistance(integers, a, b[i]) }
            return out
        }
        return distances(row: values + a &* dimension, squares: squares[a], b)
    }

    /// Eight distances from `x` at once, each lane as in `distances(row:squares:_:_:_:_:)`: with eight
    /// sums in flight the loop is bound by loads rather than by the latency of the adds.
    @inline(__always)
    func distances(row x: UnsafePointer<Double>, squares sx: Double, _ b: SIMD8<Int>) -> SIMD8<Double> {
        let n = dimension
        let y0 = values + b[0] &* n, y1 = values + b[1] &* n, y2 = values + b[2] &* n, y3 = values + b[3] &* n
        let y4 = values + b[4] &* n, y5 = values + b[5] &* n, y6 = values + b[6] &* n, y7 = values + b[7] &* n
        var s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0, s4 = 0.0, s5 = 0.0, s6 = 0.0, s7 = 0.0
        switch metric {
        case .euclidean:
            for c in 0..<n {
                let v = x[c]
                let t0 = v - y0[c], t1 = v - y1[c], t2 = v - y2[c], t3 = v - y3[c]
                let t4 = v - y4[c], t5 = v - y5[c], t6 = v - y6[c], t7 = v - y7[c]
                s0 += t0 * t0; s1 += t1 * t1; s2 += t2 * t2; s3 += t3 * t3
                s4 += t4 * t4; s5 += t5 * t5; s6 += t6 * t6; s7 += t7 * t7
            }
            return SIMD8(s0.squareRoot(), s1.squareRoot(), s2.squareRoot(), s3.squareRoot(),
                         s4.squareRoot(), s5.squareRoot(), s6.squareRoot(), s7.squareRoot())
        case .manhattan:
            for c in 0..<n {
                let v = x[c]
                s0 += abs(v - y0[c]); s1 += abs(v - y1[c]); s2 += abs(v - y2[c]); s3 += abs(v - y3[c])
                s4 += abs(v - y4[c]); s5 += abs(v - y5[c]); s6 += abs(v - y6[c]); s7 += abs(v - y7[c])
            }
            return SIMD8(s0, s1, s2, s3, s4, s5, s6, s7)
        case .cosine:
            for c in 0..<n {
                let v = x[c]
                s0 += v * y0[c]; s1 += v * y1[c]; s2 += v * y2[c]; s3 += v * y3[c]
                s4 += v * y4[c]; s5 += v * y5[c]; s6 += v * y6[c]; s7 += v * y7[c]
            }
            let dots = SIMD8(s0, s1, s2, s3, s4, s5, s6, s7)
            var out = SIMD8<Double>()
            for i in 0..<8 { out[i] = Distances.cosineDistance(dot: dots[i], normX: sx, normY: squares[b[i]]) }
            return out
        case .hamming, .jaccard, .groupjaccard:
            var out = SIMD8<Double>()
            for i in 0..<8 { out[i] = distance(row: x, squares: sx, b[i]) }
            return out
        }
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
        case .hamming, .jaccard, .groupjaccard:
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
        case .jaccard, .groupjaccard:
            var nonZero = 0, both = 0
            for c in 0..<n {
                let p = x[c] != 0, q = y[c] != 0
                if p || q { nonZero += 1 }
                if p && q { both += 1 }
            }
            guard nonZero > 0 else { return 0 }
            // Group Jaccard on bare rows is one group (`Distances`); grouped points never reach this kernel.
            return metric == .jaccard ? Double(nonZero - both) / Double(nonZero) : 1 - Double(both) / Double(nonZero)
        case .cosine:
            var dot = 0.0
            for c in 0..<n { dot += x[c] * y[c] }
            return Distances.cosineDistance(dot: dot, normX: sx, normY: squares[b])
        }
    }
}
