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
}
