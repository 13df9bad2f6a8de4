import CBitKernels

/// Rows of small integer counts (every value an integer in 0...255) in the layouts of `CIntKernels.h`:
/// columns in 16-bit pairs, one 32-bit word per (row, pair), and the same words interleaved 16 slots
/// to a group ("lanes"), where `cik_tile` computes one pair of 16 slots per vector instruction.
///
/// Why: the 2016 feature space (`features full`, filtered) mixes binary columns with small counts.
/// There a squared euclidean or manhattan distance is an integer sum, and every partial sum of the
/// double loops the reference libraries run is an integer far below 2⁵³, so the integer is exactly
/// their double (and its square root, correctly rounded, their euclidean distance).
enum IntCountRows {
    /// The most columns: 255² · 4 096 < 2³¹, so every squared euclidean sum fits the kernels' `Int32`.
    static let maximumColumns = 4_096
    /// Whether this CPU runs the kernels' AVX-512BW path.
    static let vectorAvailable = cik_vector_available() != 0
    /// Whether `cik_tile` runs vectors here: AVX-512BW, or AVX2 on CPUs without it.
    static let tileVectorAvailable = cik_tile_vector_available() != 0

    /// Whether `points` are integer counts 0...255 under euclidean or manhattan, with 1...4 096 columns and
    /// lanes of at most 1 GB.
    static func applies(to points: PointSet, metric: DistanceMetric) -> Bool {
        guard metric == .euclidean || metric == .manhattan else { return false }
        let columns = points.dimension
        guard columns > 0, columns <= maximumColumns, points.count * pairs(columns: columns) * 4 <= 1 << 30 else {
            return false
        }
        let small: (Double) -> Bool = { $0 >= 0 && $0 <= 255 && $0.rounded(.towardZero) == $0 }
        switch points.storage {
        case .dense(let m): return m.values.allSatisfy(small)
        case .sparse(let m): return m.values.allSatisfy(small)
        }
    }

    /// 32-bit words per row.
    static func pairs(columns: Int) -> Int { (columns + 1) / 2 }

    /// Row `i`'s values as 16-bit column pairs into `out` (`pairs` words, zeroed by the caller), the
    /// lower column in the low half.
    static func pack(_ points: PointSet, row i: Int, into out: UnsafeMutablePointer<UInt32>) {
        _ = points.forEachNonZero(row: i, below: points.dimension) { column, value in
            out[column / 2] |= UInt32(value) << UInt32((column % 2) * 16)
            return true
        }
    }

    /// Every row packed, row-major (`pairs(columns:)` words each), in the order of `rows` (all rows when nil).
    static func packed(_ points: PointSet, rows: [Int]? = nil) -> UnsafeMutablePointer<UInt32> {
        let n = rows?.count ?? points.count
        let pairs = pairs(columns: points.dimension)
        let out = UnsafeMutablePointer<UInt32>.allocate(capacity: max(n, 1) * pairs)
        out.initialize(repeating: 0, count: max(n, 1) * pairs)
        for slot in 0..<n { pack(points, row: rows?[slot] ?? slot, into: out + slot * pairs) }
        return out
    }

    /// The lanes of `count` packed rows (zero past the last slot), to deallocate by the caller.
    static func lanes(of packed: UnsafePointer<UInt32>, count n: Int, pairs: Int) -> UnsafeMutablePointer<UInt32> {
        let capacity = Int(cik_lanes_capacity(Int64(n), Int64(pairs)))
        let lanes = UnsafeMutablePointer<UInt32>.allocate(capacity: max(1, capacity))
        lanes.initialize(repeating: 0, count: max(1, capacity))
        for slot in 0..<n { cik_set_slot(lanes, Int64(pairs), Int64(slot), packed + slot * pairs) }
        return lanes
    }

    /// Every row packed and its lanes, in row order (`IntTileRows.pairs`).
    static func tileRows(_ points: PointSet) -> IntTileRows {
        let pairs = pairs(columns: points.dimension)
        let packed = packed(points)
        return .pairs(packed: packed, lanes: lanes(of: packed, count: points.count, pairs: pairs), pairs: pairs)
    }
}

/// An engine's rows in the one layout its tiles read: the 16-bit pairs of `cik_tile` or the bytes (bits
/// and bytes) of `cid_tile` / `cib_tile`, never both (at 100 000 rows of the 2016 features the unread
/// pairs and their lanes were 135 MB); to deallocate by the owner.
enum IntTileRows: @unchecked Sendable {
    /// Rows packed row-major (`IntCountRows.packed`) and interleaved (`IntCountRows.lanes`), `pairs`
    /// words each.
    case pairs(packed: UnsafeMutablePointer<UInt32>, lanes: UnsafeMutablePointer<UInt32>, pairs: Int)
    case bytes(IntByteRows.Packed)

    /// The byte rows, nil for the pairs.
    var bytes: IntByteRows.Packed? {
        if case .bytes(let b) = self { return b }
        return nil
    }

    /// 32-bit words per row.
    var words: Int {
        switch self {
        case .pairs(_, _, let pairs): pairs
        case .bytes(let b): b.words
        }
    }

    func deallocate() {
        switch self {
        case .pairs(let packed, let lanes, _): packed.deallocate(); lanes.deallocate()
        case .bytes(let b): b.deallocate()
        }
    }
}
