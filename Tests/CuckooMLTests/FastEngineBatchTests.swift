import Testing
@testable import CuckooML

/// The batched dense loops (four pairs at a time) and the dense copy inside `SparseKernel` against the
/// naive reference, on values whose sums round (so any change in the order of additions would show),
/// with exact zeros and negative zeros among them.
@Suite(.serialized) struct FastEngineBatchTests {
    typealias R = EngineReference

    /// Rows of fractions in [-1, 2) with about `zeros` of the cells 0 or -0.
    static func fractions(n: Int, d: Int, zeros: Double, seed: UInt64) -> DenseMatrix {
        var r = R.Random(seed: seed)
        var m = DenseMatrix(rows: n, columns: d)
        for i in 0..<n {
            for c in 0..<d {
                if r.chance(zeros) {
                    m[i, c] = r.chance(0.5) ? 0 : -0.0
                } else {
                    m[i, c] = Double(r.next() >> 11) / Double(1 << 53) * 3 - 1
                }
            }
        }
        return m
    }

    static func sparse(_ m: DenseMatrix, columnCount: Int) -> SparseMatrix {
        var s = SparseMatrix(columnCount: columnCount)
        for i in 0..<m.rows {
            s.appendRow(m.row(i).enumerated().compactMap { $0.element == 0 ? nil : (Int32($0.offset), $0.element) })
        }
        return s
    }

    @Test func denseFractions() throws {
        // 37 columns and 150 rows: neither a multiple of four, so the single-pair tails run too.
        try FastEngineTests().check(.dense(Self.fractions(n: 150, d: 37, zeros: 0.3, seed: 61)), seed: 61,
                                    minSamples: [1, 4])
    }

    @Test func sparseFractionsDenseCopy() throws {
        let m = Self.sparse(Self.fractions(n: 130, d: 30, zeros: 0.7, seed: 62), columnCount: 30)
        #expect(SparseKernel.prefersDense(m))
        try FastEngineTests().check(.sparse(m), seed: 62, minSamples: [1, 3])
    }

    @Test func sparseFractionsMerged() throws {
        // The same kind of rows spread over ten times the columns: too sparse for the dense copy.
        let m = Self.sparse(Self.fractions(n: 130, d: 30, zeros: 0.7, seed: 63), columnCount: 300)
        #expect(!SparseKernel.prefersDense(m))
        try FastEngineTests().check(.sparse(m), seed: 63, minSamples: [1, 3])
    }

    /// Integer rows in ±`largest`, about `zeros` of them 0 or -0.
    static func integers(n: Int, d: Int, largest: Int, zeros: Double, seed: UInt64) -> DenseMatrix {
        var r = R.Random(seed: seed)
        var m = DenseMatrix(rows: n, columns: d)
        for i in 0..<n {
            for c in 0..<d {
                if r.chance(zeros) { m[i, c] = r.chance(0.5) ? 0 : -0.0 } else { m[i, c] = Double(r.below(2 * largest + 1) - largest) }
            }
        }
        return m
    }

    @Test func integerRowsChooseTheirSums() {
        func narrow(_ m: DenseMatrix) -> Bool? {
            m.values.withUnsafeBufferPointer { IntegerRows.narrowSums($0.baseAddress!, $0.count, m.columns) }
        }
        #expect(narrow(Self.integers(n: 5, d: 37, largest: 30, zeros: 0.3, seed: 1)) == true)
        var wide = Self.integers(n: 5, d: 40, largest: 16_383, zeros: 0.3, seed: 2)
        wide[0, 0] = 16_383
        #expect(narrow(wide) == false)
        wide[1, 1] = 16_384
        #expect(narrow(wide) == nil)
        // One column of large counts beside many small bins: the bound is per column.
        var counts = Self.integers(n: 6, d: 900, largest: 3, zeros: 0.5, seed: 4)
        counts[0, 7] = 3_792; counts[1, 7] = 0; counts[2, 9] = -1_000
        #expect(narrow(counts) == true)
        // One full-range column: 32 766² ≈ 1.07·10⁹ still fits; a second one does not.
        counts[3, 11] = 16_383; counts[4, 11] = -16_383
        #expect(narrow(counts) == true)
        counts[3, 12] = 16_383; counts[4, 12] = -16_383
        #expect(narrow(counts) == false)
        var fraction = Self.integers(n: 5, d: 4, largest: 3, zeros: 0, seed: 3)
        fraction[2, 2] = 0.5
        #expect(narrow(fraction) == nil)
        fraction[2, 2] = .nan
        #expect(narrow(fraction) == nil)
    }

    @Test func integerRowsNarrowSums() throws {
        try FastEngineTests().check(.dense(Self.integers(n: 150, d: 37, largest: 30, zeros: 0.3, seed: 64)), seed: 64,
                                    minSamples: [1, 4])
    }

    @Test func integerRowsWideSums() throws {
        // Products and squares of these exceed 2³¹ summed, and single squares reach 2³⁰.
        var m = Self.integers(n: 140, d: 40, largest: 16_383, zeros: 0.3, seed: 65)
        m[3, 5] = 16_383; m[4, 5] = -16_383
        try FastEngineTests().check(.dense(m), seed: 65, minSamples: [1, 3])
    }

    @Test func integerRowsNarrowBesideOneLargeColumn() throws {
        // Like a filtered feature matrix: small bins, a few counts in the thousands.
        var m = Self.integers(n: 150, d: 300, largest: 4, zeros: 0.7, seed: 67)
        for i in stride(from: 0, to: 150, by: 3) { m[i, 17] = Double((i * 97) % 3_800); m[i, 200] = -Double((i * 31) % 1_100) }
        try FastEngineTests().check(.dense(m), seed: 67, minSamples: [1, 3])
    }

    @Test func integerRowsInSilhouette() throws {
        let m = Self.integers(n: 70, d: 23, largest: 4_000, zeros: 0.5, seed: 66)
        var r = R.Random(seed: 67)
        let labels = (0..<70).map { _ in r.below(4) }
        for metric in DistanceMetric.allCases {
            let want = SilhouetteParallelTests.reference(.dense(m), labels, metric)
            let got = try Silhouette.score(points: .dense(m), labels: labels, metric: metric, control: .none,
                                           budget: Silhouette.symmetricBudget, threads: 2, parallelFrom: 0)
            #expect(got?.bitPattern == want.bitPattern, "\(metric)")
        }
    }
}
