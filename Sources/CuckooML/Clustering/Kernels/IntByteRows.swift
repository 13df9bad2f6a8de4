import CBitKernels

/// Rows of small integer counts (0...255) as bytes, four columns to a 32-bit word, and the same words
/// interleaved 16 slots to a group ("byte lanes", stored as y − 128), the layouts of `CIntDotKernels.h`
/// where `cid_tile` computes squared euclidean distances through VNNI dot products.
///
/// Why: a byte product is 64 to a vector instruction where `IntCountRows`' 16-bit differences are 32 to
/// three, and the identity |x − y|² = |x|² + |y|² − 2x·y is exact in integers, so the distances are the
/// same integers (`IntCountRows` keeps the manhattan distance and CPUs without VNNI). On AVX2 alone,
/// `cid_small_tile` computes the same integers over the same layout (`vpmaddubsw`) for rows whose
/// every value is at most 127 (`small`).
enum IntByteRows {
    /// Whether this CPU runs `cid_tile` (AVX-512 VNNI).
    static let available = cid_available() != 0
    /// The largest value `cid_small_tile` takes in a row: two products of it and a slot byte − 128 sum
    /// to at most 2 · 127 · 128 in size, inside the 16-bit words `vpmaddubsw` saturates.
    static let smallMaximum: Double = 127

    /// Whether every value of `points` is at most `smallMaximum`.
    static func small(_ points: PointSet) -> Bool {
        switch points.storage {
        case .dense(let m): return !m.values.contains { $0 > smallMaximum }
        case .sparse(let m): return !m.values.contains { $0 > smallMaximum }
        }
    }

    /// The tile of `cid_tile`, through `cid_small_tile` when `small` (AVX2; rows of values at most 127).
    @inline(__always)
    static func tile(small: Bool, _ xs: UnsafePointer<UInt32>, _ xterms: UnsafePointer<Int32>, _ xcount: Int,
                     _ lanes: UnsafePointer<UInt32>, _ sterms: UnsafePointer<Int32>, _ quads: Int, groups: Range<Int>,
                     _ out: UnsafeMutablePointer<Int32>, _ outStride: Int) {
        if small {
            cid_small_tile(xs, xterms, Int64(xcount), lanes, sterms, Int64(quads), Int64(groups.lowerBound),
                           Int64(groups.upperBound), out, Int64(outStride))
        } else {
            cid_tile(xs, xterms, Int64(xcount), lanes, sterms, Int64(quads), Int64(groups.lowerBound),
                     Int64(groups.upperBound), out, Int64(outStride))
        }
    }

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
        /// Whether the tiles run `cid_small_tile` (every value at most 127) rather than `cid_tile`.
        let small: Bool

        /// `IntByteRows.tile` with these lanes, slot terms and kernel.
        @inline(__always)
        func tile(_ xs: UnsafePointer<UInt32>, _ xterms: UnsafePointer<Int32>, _ xcount: Int, groups: Range<Int>,
                  _ out: UnsafeMutablePointer<Int32>, _ outStride: Int) {
            IntByteRows.tile(small: small, xs, xterms, xcount, lanes, slotTerms, quads, groups: groups, out, outStride)
        }

        func deallocate() {
            rows.deallocate(); lanes.deallocate(); rowTerms.deallocate(); slotTerms.deallocate()
        }
    }

    /// `small`: for `cid_small_tile`, which the caller has checked the points fit (`small(_:)`).
    static func packed(_ points: PointSet, rows order: [Int], small: Bool = false) -> Packed {
        precondition(!small || Self.small(points), "the AVX2 byte products take values up to 127")
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
        return Packed(rows: rows, lanes: lanes, rowTerms: rowTerms, slotTerms: slotTerms, quads: quads, small: small)
    }
}
