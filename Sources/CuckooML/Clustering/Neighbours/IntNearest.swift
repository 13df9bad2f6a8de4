import CBitKernels

/// Exact k-th nearest-neighbour values over integer count rows (`IntCountRows`): the squared euclidean
/// (or manhattan) integer of each point's k-th nearest other point.
///
/// The tiled sweep of `KNearest.tiledKth` (each pair of tiles once, both points offered each value),
/// with a tile of rows against a tile of slots computed by `cik_tile`, 16 slots per vector
/// instruction, or for euclidean rows given as bytes by `cid_tile` (VNNI dot products: the same integers,
/// about four times fewer instructions a pair) or `cib_tile` (AVX2, binary columns as bits and the
/// others as bytes: about three times faster than the AVX2 differences on the 2016 features). The k-th smallest integer is the k-th smallest distance, ties included: the square
/// root is increasing, and equal integers give equal doubles.
enum IntNearest {
    /// For each point, the k-th smallest value to another point (`k` clipped to n − 1; nil when that
    /// leaves none: every core distance is then 0) over `rows` in row order: the 16-bit pairs through
    /// `cik_tile`, or (euclidean only) the bytes through their tiles (`IntByteRows.Packed.tile`).
    static func kthValues(rows: IntTileRows, count n: Int, manhattan: Bool, k requested: Int, threads: Int,
                          parallelFrom: Int, tile requestedTile: Int, vector: Bool,
                          control: TaskControl) throws -> [Int32]? {
        let bytes = rows.bytes
        precondition(bytes == nil || !manhattan, "byte dot products give squared euclidean distances")
        let k = min(requested, n - 1)
        guard k > 0 else { return nil }
        // Slot tiles start on a lane group (16 slots).
        let tile = max(16, (requestedTile + 15) / 16 * 16)
        let threadCount = n < parallelFrom ? 1 : engineThreads(threads)
        let scratch = UnsafeMutablePointer<Int32>.allocate(capacity: threadCount * tile * tile)
        defer { scratch.deallocate() }
        let shared = SharedPointer(base: scratch)
        let metricFlag: Int32 = manhattan ? 1 : 0, vectorFlag: Int32 = vector ? 1 : 0
        return try KNearest.tiledKth(count: n, k: k, tile: tile, threads: threadCount, empty: Int32.max,
                                     control: control) { aRange, bRange, thread, lists in
            let out = shared.base + thread * tile * tile
            let a0 = aRange.lowerBound, b0 = bRange.lowerBound, bEnd = bRange.upperBound
            switch rows {
            case .bytes(let bytes):
                bytes.tile(bytes.rows + a0 * bytes.words, bytes.rowTerms + a0, aRange.count,
                           groups: (b0 / 16)..<((bEnd + 15) / 16), out, tile)
            case .pairs(let packed, let lanes, let pairs):
                cik_tile(packed + a0 * pairs, Int64(aRange.count), lanes, Int64(pairs), Int64(b0 / 16),
                         Int64((bEnd + 15) / 16), metricFlag, out, Int64(tile), vectorFlag)
            }
            // In C (eight offers an AVX2 step; for k = 1 plain minima): the Swift loop here had been 6 % of
            // the 2016 pipeline at 100 000 reports.
            cip_offer_tile(out, Int64(tile), Int64(a0), Int64(aRange.upperBound), Int64(b0), Int64(bEnd),
                           aRange == bRange ? 1 : 0, lists, Int64(k), 1)
        }
    }
}
