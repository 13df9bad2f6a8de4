import CBitKernels

/// Prim's spanning tree over integer count rows (`IntCountRows`, euclidean or manhattan, alpha 1) with
/// every comparison made on integers: `PrimDriver`'s loop with a scan that computes the squared
/// euclidean (or manhattan) integers from the point being added to 16 slots per vector instruction
/// (`cik_tile`), or for euclidean rows given as bytes, through VNNI dot products (`cid_tile`) or AVX2
/// bits and byte products (`cib_tile`), the same integers.
///
/// Exactness: the library's mutual reachability is max(core(i), core(j), d(i, j)) on doubles, each of
/// which is the square root of an integer below 2³² here (the integer itself for manhattan). The
/// square root is strictly increasing on such integers (neighbours differ by far more than an ulp), so
/// max, `<` and ties are the same on the integers, and the edge weight is the square root of the
/// winning integer, the very double the generic driver keeps. A slot's key is its best integer and its
/// point's index (integer above, index below, in one 64-bit word): the smallest key is the library's pick.
final class IntPrim: PrimScan, @unchecked Sendable {
    let count: Int
    private let euclidean: Bool
    private let metricFlag: Int32
    private let vectorFlag: Int32
    /// Slot rows, interleaved 16 to a group (`CIntKernels.h`, or the byte lanes of `CIntDotKernels.h`);
    /// exchanged with the other slot data.
    private let lanes: UnsafeMutablePointer<UInt32>
    /// 32-bit words per lane row: column pairs, or in byte mode `bitWords` words of bits then quads.
    private let words: Int
    /// The byte mode's state: `cid_tile` (VNNI bytes) or `cib_tile` (AVX2 bits and bytes) rather than
    /// `cik_tile`'s 16-bit pairs.
    private struct ByteMode {
        let layout: IntByteRows.Layout
        /// Each slot's |y|² of its bytes, exchanged with the slot.
        let slotTerms: UnsafeMutablePointer<Int32>
        /// `cib_tile` (`IntByteRows.Packed.bitsAndBytes`).
        let bitsAndBytes: Bool
    }
    private let byteMode: ByteMode?
    /// The row of the point being added, as the tile reads it, and in byte mode its row term.
    private let currentRow: UnsafeMutablePointer<UInt32>
    private var currentTerm: Int32 = 0
    /// Each slot's best integer so far (`UInt32.max` stands for +∞) and its point's original index: the
    /// key best << 32 | index (`cip_update`).
    private let best: UnsafeMutablePointer<UInt32>
    private let index: UnsafeMutablePointer<UInt32>
    private let core: UnsafeMutablePointer<UInt32>
    private let source: UnsafeMutablePointer<Int32>
    private var currentCore: UInt32 = 0
    private var currentIndex: Int32 = 0
    /// Slots per `cik_tile` call of a scan (its output sits on the stack).
    private static let block = 512
    let slotsPerChunk = 4_096

    /// nil unless alpha is 1 and every core distance is the double of an integer distance (the square
    /// root of one for euclidean) below 2³² − 1, as the engine's own k-NN gives; then the generic driver runs.
    init?(rows: IntTileRows, count n: Int, metric: DistanceMetric, coreDistances: [Double], alpha: Double,
          vector: Bool) {
        precondition(rows.bytes == nil || metric == .euclidean, "byte dot products give squared euclidean distances")
        let euclidean = metric == .euclidean
        guard alpha == 1, coreDistances.count == n, euclidean || metric == .manhattan else { return nil }
        var integers = [UInt32](repeating: 0, count: n)
        for (i, c) in coreDistances.enumerated() {
            guard let v = Self.integer(c, euclidean: euclidean) else { return nil }
            integers[i] = v
        }
        // Allocated after the guards: a failed failable init runs no deinit.
        count = n; self.euclidean = euclidean
        metricFlag = euclidean ? 0 : 1
        vectorFlag = vector ? 1 : 0
        // A copy: the scan exchanges slots, and the engine's rows serve its k-NN too.
        switch rows {
        case .bytes(let bytes):
            let capacity = max(1, (n + 15) / 16 * 16 * bytes.words)
            lanes = .allocate(capacity: capacity)
            lanes.initialize(from: bytes.lanes, count: capacity)
            let slots = max(1, (n + 15) / 16 * 16)
            let terms = UnsafeMutablePointer<Int32>.allocate(capacity: slots)
            terms.initialize(from: bytes.slotTerms, count: slots)
            byteMode = ByteMode(layout: bytes.layout, slotTerms: terms, bitsAndBytes: bytes.bitsAndBytes)
            words = bytes.words
        case .pairs(_, let pairLanes, let pairs):
            let capacity = max(1, Int(cik_lanes_capacity(Int64(n), Int64(pairs))))
            lanes = .allocate(capacity: capacity)
            lanes.initialize(from: pairLanes, count: capacity)
            byteMode = nil
            words = pairs
        }
        currentRow = .allocate(capacity: max(1, words))
        currentRow.initialize(repeating: 0, count: max(1, words))
        best = .allocate(capacity: max(n, 1))
        index = .allocate(capacity: max(n, 1))
        core = .allocate(capacity: max(n, 1))
        source = .allocate(capacity: max(n, 1))
        for i in 0..<n {
            best[i] = .max
            index[i] = UInt32(i)
            core[i] = integers[i]
            source[i] = 0
        }
    }

    deinit {
        lanes.deallocate(); currentRow.deallocate(); best.deallocate(); index.deallocate(); core.deallocate(); source.deallocate()
        byteMode?.slotTerms.deallocate()
    }

    /// The integer whose distance double is `c` (its square for euclidean), or nil when there is none
    /// (±∞, NaN, −0, a fraction, a double that is not the square root of an integer, too large).
    static func integer(_ c: Double, euclidean: Bool) -> UInt32? {
        guard c.isFinite, c >= 0, c.sign == .plus else { return nil }
        let v = euclidean ? (c * c).rounded() : c
        guard v < Double(UInt32.max), v.rounded() == v else { return nil }
        guard (euclidean ? v.squareRoot() : v) == c else { return nil }
        return UInt32(v)
    }

    /// The double distance of an integer value.
    @inline(__always) func distance(_ v: UInt32) -> Double {
        v == UInt32.max ? .infinity : euclidean ? Double(v).squareRoot() : Double(v)
    }

    func run(threads: Int, parallelFrom: Int = 2_048, control: TaskControl) throws -> [MSTEdge] {
        try runPrim(threads: threads, parallelFrom: parallelFrom, control: control)
    }

    /// Word 0 of slot `s`'s row in the lanes; word p is 16·p further on.
    @inline(__always) private func laneRow(_ s: Int) -> UnsafeMutablePointer<UInt32> {
        lanes + (s >> 4) * words * 16 + (s & 15)
    }

    func prepare(current slot: Int) {
        let row = laneRow(slot)
        if let layout = byteMode?.layout {
            // Byte lanes hold y − 128 (each byte's top bit flipped); the row side takes y itself.
            for w in 0..<layout.bitWords { currentRow[w] = row[w * 16] }
            for q in layout.bitWords..<words { currentRow[q] = row[q * 16] ^ 0x8080_8080 }
            currentTerm = layout.rowTerm(currentRow)
        } else {
            for p in 0..<words { currentRow[p] = row[p * 16] }
        }
        currentCore = core[slot]
        currentIndex = Int32(bitPattern: index[slot])
    }

    func exchangeSlots(_ a: Int, _ b: Int) {
        guard a != b else { return }
        swap(&best[a], &best[b])
        swap(&index[a], &index[b])
        swap(&core[a], &core[b])
        swap(&source[a], &source[b])
        if let terms = byteMode?.slotTerms { swap(&terms[a], &terms[b]) }
        let x = laneRow(a), y = laneRow(b)
        for p in 0..<words { let t = x[p * 16]; x[p * 16] = y[p * 16]; y[p * 16] = t }
    }

    struct Minimum: PrimCandidate {
        var key = UInt64.max
        var slot = -1
        static var none: Minimum { Minimum() }
        func precedes(_ other: Minimum) -> Bool { key < other.key }
    }

    func edge(slot: Int, found: Minimum) -> MSTEdge {
        MSTEdge(from: source[slot], to: Int32(truncatingIfNeeded: found.key & 0xFFFF_FFFF),
                weight: distance(UInt32(truncatingIfNeeded: found.key >> 32)))
    }

    /// Updates the slots in `range` from the prepared point; returns their smallest key and its slot.
    func scan(_ range: Range<Int>) -> Minimum {
        guard !range.isEmpty else { return .none }
        let block = Self.block
        let best = self.best, index = self.index, core = self.core, source = self.source
        var minKey = UInt64.max, minSlot: Int64 = -1
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: block) { buffer in
            let out = buffer.baseAddress!
            // Whole lane groups from the one holding the range's first slot; slots outside the range
            // are computed and ignored.
            var group = range.lowerBound / 16 * 16
            let end = range.upperBound
            while group < end {
                let groupEnd = min((end + 15) / 16 * 16, group + block)
                if let byteMode {
                    withUnsafePointer(to: currentTerm) { term in
                        IntByteRows.tile(bitsAndBytes: byteMode.bitsAndBytes, layout: byteMode.layout, currentRow, term,
                                         1, lanes, byteMode.slotTerms, groups: (group / 16)..<(groupEnd / 16), out, block)
                    }
                } else {
                    cik_tile(currentRow, 1, lanes, Int64(words), Int64(group / 16), Int64(groupEnd / 16), metricFlag,
                             out, Int64(block), vectorFlag)
                }
                // In C, eight slots an AVX2 step: the scalar loop here had been 9 % of the 2016 pipeline at
                // 100 000 reports.
                cip_update(out, Int64(group), Int64(Swift.max(range.lowerBound, group)), Int64(Swift.min(end, groupEnd)),
                           best, index, core, source, currentCore, currentIndex, &minKey, &minSlot)
                group = groupEnd
            }
        }
        return Minimum(key: minKey, slot: Int(minSlot))
    }
}
