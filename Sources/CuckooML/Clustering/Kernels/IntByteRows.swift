import CBitKernels

/// Rows of small integer counts (0...255) as bytes, four columns to a 32-bit word, and the same words
/// interleaved 16 slots to a group ("byte lanes", stored as y − 128), the layouts of `CIntDotKernels.h`
/// where `cid_tile` computes squared euclidean distances through VNNI dot products.
///
/// Why: a byte product is 64 to a vector instruction where `IntCountRows`' 16-bit differences are 32 to
/// three, and the identity |x − y|² = |x|² + |y|² − 2x·y is exact in integers, so the distances are the
/// same integers (`IntCountRows` keeps the manhattan distance and CPUs without VNNI).
enum IntByteRows {
    /// Whether this CPU runs `cid_tile` (AVX-512 VNNI).
    static let available = cid_available() != 0

    /// 32-bit words per row.
    static func quads(columns: Int) -> Int { (columns + 3) / 4 }

    /// Row `i`'s values as bytes into `out` (`quads` words, zeroed by the caller); `points` must satisfy
    /// `IntCountRows.applies`.
    static func pack(_ points: PointSet, row i: Int, into out: UnsafeMutablePointer<UInt32>) {
        IntCountRows.pack(points, row: i, into: out, bitsPerValue: 8)
    }

    /// The rows in the order of `rows`, packed row-major, their lanes and each slot's row and slot
    /// terms (whole groups: unused slots are 0); to deallocate by the caller (`Packed.deallocate`).
    struct Packed: @unchecked Sendable {
        let rows: UnsafeMutablePointer<UInt32>
        let lanes: UnsafeMutablePointer<UInt32>
        let rowTerms: UnsafeMutablePointer<Int32>
        let slotTerms: UnsafeMutablePointer<Int32>
        let quads: Int

        func deallocate() {
            rows.deallocate(); lanes.deallocate(); rowTerms.deallocate(); slotTerms.deallocate()
        }
    }

    static func packed(_ points: PointSet, rows order: [Int]) -> Packed {
        let n = order.count
        let quads = quads(columns: points.dimension)
        let slots = (n + 15) / 16 * 16
        let rows = UnsafeMutablePointer<UInt32>.allocate(capacity: max(1, n * quads))
        rows.initialize(repeating: 0, count: max(1, n * quads))
        let capacity = max(1, Int(cid_lanes_capacity(Int64(n), Int64(quads))))
        let lanes = UnsafeMutablePointer<UInt32>.allocate(capacity: capacity)
        lanes.initialize(repeating: 0, count: capacity)
        let rowTerms = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, slots))
        rowTerms.initialize(repeating: 0, count: max(1, slots))
        let slotTerms = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, slots))
        slotTerms.initialize(repeating: 0, count: max(1, slots))
        for slot in 0..<n {
            let row = rows + slot * quads
            pack(points, row: order[slot], into: row)
            cid_set_slot(lanes, Int64(quads), Int64(slot), row)
            rowTerms[slot] = cid_row_term(row, Int64(quads))
            slotTerms[slot] = cid_slot_term(row, Int64(quads))
        }
        return Packed(rows: rows, lanes: lanes, rowTerms: rowTerms, slotTerms: slotTerms, quads: quads)
    }
}
