import CBitKernels

/// Engines that find the nearest training points of many queries in one pass over their rows.
protocol BatchQueryEngine: NeighbourhoodEngine {
    /// For each of `rows` of `queries`: its `k` nearest training points exactly as
    /// `nearest(to:row:k:)` gives them, or nil where this path does not take the row (the caller then
    /// asks `nearest(to:row:k:)`).
    func nearestBatch(to queries: PointSet, rows: [Int], k: Int) -> [[Neighbour]?]
}

/// `compare`'s search on the filtered 2016 `full` space (`IntCountEngine`): new reports against every
/// training row in the integer tiles the k-NN of the fit runs (`cid_tile`'s VNNI byte dot products,
/// `cib_tile`'s AVX2 bits and bytes, or `cik_tile`'s 16-bit differences), a batch of queries against
/// each tile of training slots.
///
/// Why: the generic query path (`KernelEngine.nearest`, the double loop of `DenseKernel`) spent
/// 29 of the 33 CPU-seconds of `compare` of 1 000 reports against 100 000 samples. The values are the
/// same: a query whose values are integers 0...255 has an integer squared euclidean (or manhattan)
/// distance to every row, every partial sum of the double loop is that integer exactly (far below
/// 2⁵³), and the square root is correctly rounded; distinct integers below 2³¹ have distinct square
/// roots. Ties keep the lower index, as the slots are offered in ascending order. A query with another
/// value (a count above 255 in a new report; for the AVX2 bits and bytes, above 127, or above 1 in a
/// binary column) takes the double path.
extension IntCountEngine: BatchQueryEngine {
    /// Training slots per tile: a tile's lanes (512 × 85 words for 338 columns as bytes, 170 KB) stay
    /// in the cache while every query of the batch goes through them.
    static var querySlots: Int { 512 }

    func nearestBatch(to queries: PointSet, rows: [Int], k requested: Int) -> [[Neighbour]?] {
        let k = min(requested, count)
        guard k > 0 else { return rows.map { _ in [] } }
        let bytes = self.rows.bytes
        let width = self.rows.words
        let maximum = bytes?.bitsAndBytes == true ? IntByteRows.smallMaximum : 255
        let xs = UnsafeMutablePointer<UInt32>.allocate(capacity: max(1, rows.count * width))
        xs.initialize(repeating: 0, count: max(1, rows.count * width))
        defer { xs.deallocate() }
        // The queries this path takes, packed in order (slot i of `xs` is rows[taken[i]]).
        var taken: [Int] = []
        for (position, row) in rows.enumerated() {
            let slot = xs + taken.count * width
            // Cleared first: a row that did not pack may have left words in this slot.
            slot.update(repeating: 0, count: width)
            let packed = bytes.map { $0.layout.pack(queries, row: row, maximum: maximum, into: slot) }
                ?? IntQueryRows.pack(queries, row: row, dimension: columns, into: slot)
            if packed {
                taken.append(position)
            }
        }
        var out = [[Neighbour]?](repeating: nil, count: rows.count)
        let m = taken.count
        guard m > 0 else { return out }
        let terms = UnsafeMutablePointer<Int32>.allocate(capacity: m)
        defer { terms.deallocate() }
        for i in 0..<m { terms[i] = bytes?.layout.rowTerm(xs + i * width) ?? 0 }

        let tile = Self.querySlots
        let scratch = UnsafeMutablePointer<Int32>.allocate(capacity: m * tile)
        defer { scratch.deallocate() }
        // Each query's k smallest values and their slots, ascending (value, then slot); Int32.max is
        // "empty" (no squared distance reaches it: 255² · 4 096 < 2³¹ − 1).
        let values = UnsafeMutablePointer<Int32>.allocate(capacity: m * k)
        values.initialize(repeating: .max, count: m * k)
        defer { values.deallocate() }
        let slots = UnsafeMutablePointer<Int32>.allocate(capacity: m * k)
        slots.initialize(repeating: -1, count: m * k)
        defer { slots.deallocate() }
        let manhattan: Int32 = metric == .manhattan ? 1 : 0
        var b0 = 0
        while b0 < count {
            let b1 = min(count, b0 + tile)
            switch self.rows {
            case .bytes(let bytes):
                bytes.tile(xs, terms, m, groups: (b0 / 16)..<((b1 + 15) / 16), scratch, tile)
            case .pairs(_, let lanes, let pairs):
                cik_tile(xs, Int64(m), lanes, Int64(pairs), Int64(b0 / 16), Int64((b1 + 15) / 16), manhattan,
                         scratch, Int64(tile), vector ? 1 : 0)
            }
            for q in 0..<m {
                let row = scratch + q * tile
                let v = values + q * k, s = slots + q * k
                var limit = v[k - 1]
                for b in b0..<b1 {
                    let d = row[b - b0]
                    guard d < limit else { continue }
                    // After equal values: slots arrive in ascending order.
                    var i = k - 1
                    while i > 0 && v[i - 1] > d { v[i] = v[i - 1]; s[i] = s[i - 1]; i -= 1 }
                    v[i] = d; s[i] = Int32(b)
                    limit = v[k - 1]
                }
            }
            b0 = b1
        }
        for (i, position) in taken.enumerated() {
            out[position] = (0..<k).map { j in
                let value = Double(values[i * k + j])
                return Neighbour(index: Int(slots[i * k + j]), distance: manhattan == 1 ? value : value.squareRoot())
            }
        }
        return out
    }
}

/// Query rows in the layout of `IntCountRows` (`IntByteRows.Layout.pack` packs byte rows).
enum IntQueryRows {
    /// Packs row `row` of `queries` (columns below `dimension`; the double path ignores the others
    /// too) as 16-bit column pairs into `out` (zeroed); false, leaving `out` partly written, when a value
    /// there is not an integer 0...255.
    static func pack(_ queries: PointSet, row: Int, dimension: Int, into out: UnsafeMutablePointer<UInt32>) -> Bool {
        @inline(__always) func set(_ column: Int, _ value: Double) -> Bool {
            guard value >= 0, value <= 255, value.rounded(.towardZero) == value else { return false }
            out[column / 2] |= UInt32(value) << UInt32((column % 2) * 16)
            return true
        }
        return queries.forEachNonZero(row: row, below: dimension, set)
    }
}
