/// Prim's minimum spanning tree over mutual reachability for dense data in few dimensions, euclidean
/// or manhattan: `PrimDriver`'s loop (same updates, same tie rules, unvisited points kept compacted in
/// slots `0..<m`, steps split between two threads) with a scan over column-major coordinates, four
/// points per vector operation. Every lane performs the scalar loop's operations in the same order, so
/// each distance is bit-identical to `Distances.dense`.
final class ColumnarPrim: PrimScan, @unchecked Sendable {
    private let n: Int
    var count: Int { n }
    /// Always two chunks: a step of the few-dimensional scan is short.
    let slotsPerChunk = Int.max
    private let dimension: Int
    private let euclidean: Bool
    private let alpha: Double
    // Per slot; column `c` of slot `s` at `columns[c * n + s]`. Rows and sources are held as doubles
    // (exact below 2⁵³) so they move with the vector selects.
    private let columns: UnsafeMutablePointer<Double>
    private let best: UnsafeMutablePointer<Double>
    private let source: UnsafeMutablePointer<Double>
    private let core: UnsafeMutablePointer<Double>
    private let row: UnsafeMutablePointer<Double>
    // The point being added (set by `prepare`): its coordinates, core distance and row.
    private let point: UnsafeMutablePointer<Double>
    private var pointCore = 0.0
    private var pointRow = 0.0

    struct Minimum: PrimCandidate {
        var value = Double.infinity
        var row = Double.infinity
        var slot = -1
        static var none: Minimum { Minimum() }
        func precedes(_ other: Minimum) -> Bool {
            value < other.value || (value == other.value && row < other.row)
        }
    }

    init(values: UnsafePointer<Double>, rows: Int, columns d: Int, metric: DistanceMetric,
         coreDistances: [Double], alpha: Double) {
        precondition(metric == .euclidean || metric == .manhattan, "a coordinate-wise metric")
        n = rows; dimension = d; euclidean = metric == .euclidean; self.alpha = alpha
        let size = max(n, 1)
        columns = .allocate(capacity: max(1, n * d))
        for s in 0..<n { for c in 0..<d { columns[c * n + s] = values[s * d + c] } }
        best = .allocate(capacity: size); best.initialize(repeating: .infinity, count: size)
        source = .allocate(capacity: size); source.initialize(repeating: 0, count: size)
        core = .allocate(capacity: size)
        row = .allocate(capacity: size)
        for s in 0..<n { core[s] = coreDistances[s]; row[s] = Double(s) }
        point = .allocate(capacity: max(1, d))
    }

    deinit {
        columns.deallocate(); best.deallocate(); source.deallocate(); core.deallocate(); row.deallocate()
        point.deallocate()
    }

    /// Splits each step over two threads while at least `parallelFrom` points are left (tests lower it).
    func run(threads: Int, parallelFrom: Int = 4_096, control: TaskControl) throws -> [MSTEdge] {
        try runPrim(threads: threads, parallelFrom: parallelFrom, control: control)
    }

    func prepare(current slot: Int) {
        for c in 0..<dimension { point[c] = columns[c * n + slot] }
        pointCore = core[slot]; pointRow = row[slot]
    }

    func edge(slot: Int, found: Minimum) -> MSTEdge {
        MSTEdge(from: Int32(source[slot]), to: Int32(row[slot]), weight: best[slot])
    }

    func exchangeSlots(_ a: Int, _ b: Int) {
        guard a != b else { return }
        for c in 0..<dimension { swap(&columns[c * n + a], &columns[c * n + b]) }
        swap(&best[a], &best[b]); swap(&source[a], &source[b])
        swap(&core[a], &core[b]); swap(&row[a], &row[b])
    }

    /// Updates the slots in `range` from the current point and returns their least (best, row). Groups
    /// of four; a last group overlapping the previous one repeats its updates, which changes nothing.
    func scan(_ range: Range<Int>) -> Minimum {
        guard range.count >= 4 else { return scanOneByOne(range) }
        let d = dimension, euclidean = self.euclidean
        let alphaV = SIMD4<Double>(repeating: alpha), alphaIsOne = alpha == 1
        let coreCur = SIMD4<Double>(repeating: pointCore), curRow = SIMD4<Double>(repeating: pointRow)
        var minBest = SIMD4<Double>(repeating: .infinity), minRow = SIMD4<Double>(repeating: .infinity)
        var minSlot = SIMD4<Double>(repeating: -1)
        var s = range.lowerBound
        let end = range.upperBound
        while s < end {
            if s + 4 > end { s = end - 4 }
            var sum = SIMD4<Double>(repeating: 0)
            if euclidean {
                for c in 0..<d {
                    let t = SIMD4<Double>(repeating: point[c]) - load(columns + c * n + s)
                    sum = sum + t * t
                }
                sum = sum.squareRoot()
            } else {
                for c in 0..<d {
                    var t = SIMD4<Double>(repeating: point[c]) - load(columns + c * n + s)
                    t.replace(with: -t, where: t .< 0)
                    sum = sum + t
                }
            }
            if !alphaIsOne { sum = sum / alphaV }
            let coreJ = load(core + s)
            // max(core(cur), core(j), d): the value the library's comparisons give (no NaN here).
            var mr = coreCur
            mr.replace(with: coreJ, where: coreJ .> mr)
            mr.replace(with: sum, where: sum .> mr)
            var b = load(best + s)
            let better = mr .< b
            if any(better) {
                b.replace(with: mr, where: better)
                var src = load(source + s)
                src.replace(with: curRow, where: better)
                store(b, best + s)
                store(src, source + s)
            }
            let rows = load(row + s)
            let wins = b .< minBest .| (b .== minBest .& rows .< minRow)
            minBest.replace(with: b, where: wins)
            minRow.replace(with: rows, where: wins)
            minSlot.replace(with: SIMD4(Double(s), Double(s + 1), Double(s + 2), Double(s + 3)), where: wins)
            s += 4
        }
        var found = Minimum()
        for lane in 0..<4 where minSlot[lane] >= 0 {
            if minBest[lane] < found.value || (minBest[lane] == found.value && minRow[lane] < found.row) {
                found = Minimum(value: minBest[lane], row: minRow[lane], slot: Int(minSlot[lane]))
            }
        }
        return found
    }

    private func scanOneByOne(_ range: Range<Int>) -> Minimum {
        var found = Minimum()
        for j in range {
            var sum = 0.0
            for c in 0..<dimension {
                let t = point[c] - columns[c * n + j]
                sum += euclidean ? t * t : abs(t)
            }
            var d = euclidean ? sum.squareRoot() : sum
            if alpha != 1 { d /= alpha }
            let mr = max(pointCore, core[j], d)
            if mr < best[j] { best[j] = mr; source[j] = pointRow }
            if best[j] < found.value || (best[j] == found.value && row[j] < found.row) {
                found = Minimum(value: best[j], row: row[j], slot: j)
            }
        }
        return found
    }

    @inline(__always) private func load(_ pointer: UnsafeMutablePointer<Double>) -> SIMD4<Double> {
        UnsafeRawPointer(pointer).loadUnaligned(as: SIMD4<Double>.self)
    }

    @inline(__always) private func store(_ value: SIMD4<Double>, _ pointer: UnsafeMutablePointer<Double>) {
        UnsafeMutableRawPointer(pointer).storeBytes(of: value, as: SIMD4<Double>.self)
    }
}
