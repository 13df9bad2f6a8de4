import Testing
@testable import CuckooML

/// All-ones values are a count, not stored; they must read, compare and hand out buffers exactly as
/// stored values would.
struct SparseValuesTests {
    @Test func onesAreCountedUntilAnotherValueComes() {
        var v = SparseValues()
        for _ in 0..<5 { v.append(1) }
        #expect(v.allOnes && v.count == 5 && Array(v) == [1, 1, 1, 1, 1])
        v.append(2.5)
        #expect(!v.allOnes && Array(v) == [1, 1, 1, 1, 1, 2.5])
        v.removeLast(1)
        #expect(Array(v) == [1, 1, 1, 1, 1])
        // Stored ones equal counted ones; different values or counts do not.
        #expect(v == SparseValues([1, 1, 1, 1, 1]) && SparseValues([1, 1, 1, 1, 1]).allOnes)
        #expect(v != SparseValues([1, 1, 1, 1]) && SparseValues([1, 2]) != SparseValues([1, 1]))
    }

    @Test func writingOneKeepsCountingWritingOtherStores() {
        var v: SparseValues = [1, 1, 1]
        v[1] = 1
        #expect(v.allOnes)
        v[1] = -3
        #expect(!v.allOnes && Array(v) == [1, -3, 1])
        var w = SparseValues()
        w.append(contentsOf: SparseValues([1, 1]))
        w.append(contentsOf: [1.0, 1.0])
        #expect(w.allOnes && w.count == 4)
        w.append(contentsOf: [1.0, 0.5])
        #expect(Array(w) == [1, 1, 1, 1, 1, 0.5])
    }

    @Test func buffersHoldTheValuesOfAnyRange() {
        let counted = SparseValues(repeatElement(1.0, count: 70_000))
        #expect(counted.allOnes)
        for range in [0..<0, 3..<10, 0..<65_536, 100..<70_000] {
            let seen = counted.withContiguousValues(range) { Array($0) }
            #expect(seen.count == range.count && seen.allSatisfy { $0 == 1 }, "\(range)")
        }
        let stored = SparseValues((0..<100).map(Double.init))
        #expect(stored.withContiguousValues(10..<13) { Array($0) } == [10, 11, 12])
        #expect(stored[20..<22].withContiguousValues { Array($0) } == [20, 21])
    }

    /// Family features are binary: their matrix stores no values. Count features store theirs.
    @Test func familyMatrixStoresNoValues() throws {
        let loaded = try ReportLoader.load(paths: [TestSupport.packageRoot + "/sample_data/reports"], threads: 2)
        let families = try FeatureBuilder.build(loaded.samples, configuration: .families)
        #expect(families.matrix.values.allOnes && families.matrix.nonZeroCount > 1000)
        let full = try FeatureBuilder.build(loaded.samples, configuration: .full)
        #expect(!full.matrix.values.allOnes && full.matrix.values.contains { $0 != 1 })
        // The same rows appended with stored ones compare equal.
        var copy = SparseMatrix(columnCount: families.matrix.columnCount)
        for i in 0..<families.matrix.rowCount {
            let r = families.matrix.row(i)
            copy.appendRow(zip(r.columns, r.values))
        }
        #expect(copy == families.matrix)
    }
}
