import CBitKernels

/// Rows of small integer counts (0...255) as bytes, four columns to a 32-bit word, and the same words
/// interleaved 16 slots to a group ("byte lanes", stored as y − 128), the layouts of `CIntDotKernels.h`
/// where `cid_tile` computes squared euclidean distances through VNNI dot products.
///
/// Why: a byte product is 64 to a vector instruction where `IntCountRows`' 16-bit differences are 32 to
/// three, and the identity |x − y|² = |x|² + |y|² − 2x·y is exact in integers, so the distances are the
/// same integers (`IntCountRows` keeps the manhattan distance and CPUs without VNNI). On AVX2 alone,
/// for rows whose every value is at most 127 (`small`), `cib_tile` (`CIntBitByteKernels.h`) computes
/// the same integers over rows whose binary columns come first as bits (`Layout.bitsAndBytes`): the
/// filtered 2016 features are three quarters binary, so a row is about a third of the bytes, and Prim's
/// scan, which reads every remaining row at each step, reads a third of the memory.
enum IntByteRows {
    /// Whether this CPU runs `cid_tile` (AVX-512 VNNI).
    static let available = cid_available() != 0
    /// Whether this CPU runs `cib_tile` (AVX2).
    static let bitsAndBytesAvailable = cib_available() != 0
    /// The largest value `cib_tile` takes in a row: two products of it and a slot byte − 128 sum to at
    /// most 2 · 127 · 128 in size, inside the 16-bit words `vpmaddubsw` saturates.
    static let smallMaximum: Double = 127

    /// Whether every value of `points` is at most `smallMaximum`.
    static func small(_ points: PointSet) -> Bool {
        switch points.storage {
        case .dense(let m): return !m.values.contains { $0 > smallMaximum }
        case .sparse(let m): return !m.values.contains { $0 > smallMaximum }
        }
    }

    /// Where each column goes in a row: a bit of the leading `bitWords` words, or a byte of the `quads`
    /// words after them.
    struct Layout: Sendable, Equatable {
        /// Columns of the rows (a query's columns beyond them are ignored, as the double path does).
        let columns: Int
        /// Per column: its bit (0, 1, ...) for a binary column, else −1 − its byte.
        let position: [Int32]
        let bitWords: Int
        let quads: Int
        /// 32-bit words per row.
        var words: Int { bitWords + quads }

        /// Every column a byte, in order: `cid_tile`'s rows.
        static func bytes(columns: Int) -> Layout {
            Layout(columns: columns, position: (0..<columns).map { -1 - Int32($0) }, bitWords: 0, quads: (columns + 3) / 4)
        }

        /// The columns of `points` whose every value is 0 or 1 as bits, the others as bytes, each in
        /// column order: `cib_tile`'s rows.
        static func bitsAndBytes(_ points: PointSet) -> Layout {
            var binary = [Bool](repeating: true, count: points.dimension)
            switch points.storage {
            case .dense(let m):
                for i in 0..<m.rows { for (c, v) in m.row(i).enumerated() where v > 1 { binary[c] = false } }
            case .sparse(let m):
                for (c, v) in zip(m.columns, m.values) where v > 1 { binary[Int(c)] = false }
            }
            var position = [Int32](repeating: 0, count: points.dimension)
            var bits: Int32 = 0, bytes: Int32 = 0
            for c in 0..<points.dimension {
                if binary[c] { position[c] = bits; bits += 1 } else { position[c] = -1 - bytes; bytes += 1 }
            }
            return Layout(columns: points.dimension, position: position, bitWords: (Int(bits) + 31) / 32,
                          quads: (Int(bytes) + 3) / 4)
        }

        /// Row `row` of `points` into `out` (`words` words, zeroed by the caller); false, leaving `out`
        /// partly written, when a value of a column below `columns` is not an integer 0...`maximum` (at
        /// most 255), or above 1 in a bit column.
        func pack(_ points: PointSet, row: Int, maximum: Double = 255, into out: UnsafeMutablePointer<UInt32>) -> Bool {
            @inline(__always) func set(_ column: Int, _ value: Double) -> Bool {
                guard value >= 0, value <= maximum, value.rounded(.towardZero) == value else { return false }
                let at = Int(position[column])
                if at >= 0 {
                    guard value <= 1 else { return false }
                    out[at / 32] |= UInt32(value) << UInt32(at % 32)
                } else {
                    let byte = -1 - at
                    out[bitWords + byte / 4] |= UInt32(value) << UInt32((byte % 4) * 8)
                }
                return true
            }
            return points.forEachNonZero(row: row, below: columns, set)
        }

        /// The row term of a packed row (`cid_row_term` of its bytes).
        func rowTerm(_ row: UnsafePointer<UInt32>) -> Int32 { cid_row_term(row + bitWords, Int64(quads)) }
    }

    /// The rows in the order of `rows`, packed row-major (`layout.words` words each), their lanes and
    /// each slot's row and slot terms (whole groups: unused slots are 0); to deallocate by the caller
    /// (`Packed.deallocate`).
    struct Packed: @unchecked Sendable {
        let rows: UnsafeMutablePointer<UInt32>
        let lanes: UnsafeMutablePointer<UInt32>
        let rowTerms: UnsafeMutablePointer<Int32>
        let slotTerms: UnsafeMutablePointer<Int32>
        let layout: Layout
        /// Whether the tiles run `cib_tile` (AVX2, bits and bytes, every value at most 127) rather than
        /// `cid_tile` (VNNI, bytes).
        let bitsAndBytes: Bool
        /// 32-bit words per row.
        var words: Int { layout.words }

        /// The squared euclidean distances of a tile (`cid_tile` / `cib_tile`).
        @inline(__always)
        func tile(_ xs: UnsafePointer<UInt32>, _ xterms: UnsafePointer<Int32>, _ xcount: Int, groups: Range<Int>,
                  _ out: UnsafeMutablePointer<Int32>, _ outStride: Int) {
            IntByteRows.tile(bitsAndBytes: bitsAndBytes, layout: layout, xs, xterms, xcount, lanes, slotTerms,
                             groups: groups, out, outStride)
        }

        func deallocate() {
            rows.deallocate(); lanes.deallocate(); rowTerms.deallocate(); slotTerms.deallocate()
        }
    }

    /// A tile over `lanes` and `sterms` in `layout`: `cib_tile` when `bitsAndBytes`, else `cid_tile`.
    @inline(__always)
    static func tile(bitsAndBytes: Bool, layout: Layout, _ xs: UnsafePointer<UInt32>, _ xterms: UnsafePointer<Int32>,
                     _ xcount: Int, _ lanes: UnsafePointer<UInt32>, _ sterms: UnsafePointer<Int32>, groups: Range<Int>,
                     _ out: UnsafeMutablePointer<Int32>, _ outStride: Int) {
        if bitsAndBytes {
            cib_tile(xs, xterms, Int64(xcount), lanes, sterms, Int64(layout.bitWords), Int64(layout.quads),
                     Int64(groups.lowerBound), Int64(groups.upperBound), out, Int64(outStride))
        } else {
            cid_tile(xs, xterms, Int64(xcount), lanes, sterms, Int64(layout.quads), Int64(groups.lowerBound),
                     Int64(groups.upperBound), out, Int64(outStride))
        }
    }

    /// `bitsAndBytes`: for `cib_tile`, whose rows the caller has checked the points fit (`small(_:)`).
    static func packed(_ points: PointSet, rows order: [Int], bitsAndBytes: Bool = false) -> Packed {
        precondition(!bitsAndBytes || small(points), "the AVX2 byte products take values up to 127")
        let layout = bitsAndBytes ? Layout.bitsAndBytes(points) : .bytes(columns: points.dimension)
        let n = order.count, words = layout.words
        let slots = (n + 15) / 16 * 16
        let rows = UnsafeMutablePointer<UInt32>.allocate(capacity: max(1, n * words))
        rows.initialize(repeating: 0, count: max(1, n * words))
        let capacity = max(1, slots * words)
        let lanes = UnsafeMutablePointer<UInt32>.allocate(capacity: capacity)
        lanes.initialize(repeating: 0, count: capacity)
        let rowTerms = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, slots))
        rowTerms.initialize(repeating: 0, count: max(1, slots))
        let slotTerms = UnsafeMutablePointer<Int32>.allocate(capacity: max(1, slots))
        slotTerms.initialize(repeating: 0, count: max(1, slots))
        for slot in 0..<n {
            let row = rows + slot * words
            let packed = layout.pack(points, row: order[slot], into: row)
            precondition(packed, "`IntCountRows.applies` holds for the points")
            if bitsAndBytes {
                cib_set_slot(lanes, Int64(layout.bitWords), Int64(layout.quads), Int64(slot), row)
            } else {
                cid_set_slot(lanes, Int64(layout.quads), Int64(slot), row)
            }
            rowTerms[slot] = layout.rowTerm(row)
            slotTerms[slot] = cid_slot_term(row + layout.bitWords, Int64(layout.quads))
        }
        return Packed(rows: rows, lanes: lanes, rowTerms: rowTerms, slotTerms: slotTerms, layout: layout,
                      bitsAndBytes: bitsAndBytes)
    }
}
