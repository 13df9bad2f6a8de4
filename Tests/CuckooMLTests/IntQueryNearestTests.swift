import Testing
@testable import CuckooML

/// `compare`'s batched search on the int-counts engine (`IntCountEngine.nearestBatch`): each query's
/// list equals the engine's one-query search (`nearest(to:row:k:)`, the double loop) bit for bit, on
/// every kernel path, dense and sparse, euclidean and manhattan, with ties, more training rows than one
/// tile, and queries the integer path does not take (a count above 255, a fraction) left to the caller.
@Suite struct IntQueryNearestTests {
    /// Queries drawn like the training rows (ties with them included), one with a count of 300 and one
    /// with 2.5 (not packable), one empty row and one exact copy of a training row.
    static func queries(_ training: DenseMatrix, seed: UInt64) -> SparseMatrix {
        let fresh = IntCountEngineTests.counts(n: 40, d: training.columns, seed: seed)
        var q = IntCountEngineTests.sparse(fresh)
        q.appendRow(training.row(7).enumerated().filter { $0.element != 0 }.map { (Int32($0.offset), $0.element) })
        q.appendRow([])
        q.appendRow([(0, 300), (1, 2)])
        q.appendRow([(1, 2.5)])
        return q
    }

    @Test(arguments: [(700, 40, 41), (97, 17, 42), (530, 338, 43)] as [(Int, Int, UInt64)])
    func batchEqualsOneQueryAtATime(n: Int, d: Int, seed: UInt64) {
        let m = IntCountEngineTests.counts(n: n, d: d, seed: seed)
        let queries = Self.queries(m, seed: seed + 100)
        let points = PointSet.sparse(queries)
        let rows = Array(0..<queries.rowCount)
        for training in [PointSet.dense(m), .sparse(IntCountEngineTests.sparse(m))] {
            for metric in [DistanceMetric.euclidean, .manhattan] {
                let engines = IntCountEngineTests.engines(training, metric).compactMap { name, engine in
                    (engine as? any BatchQueryEngine).map { (name, $0) }
                }
                #expect(engines.count >= 2, "every int-counts engine searches in batches")
                for (name, engine) in engines {
                    for k in [1, 2, 12, n + 3] {
                        let batch = engine.nearestBatch(to: points, rows: rows, k: k)
                        for q in rows {
                            let one = engine.nearest(to: points, row: q, k: k)
                            if q >= queries.rowCount - 2 {
                                #expect(batch[q] == nil, "\(name) \(metric): query \(q) is not integer 0...255")
                            } else {
                                #expect(batch[q] == one, "\(name) \(metric) k=\(k) query \(q)")
                            }
                        }
                        // The exact copy of training row 7 has it first at distance 0 (or an earlier copy).
                        let copy = batch[queries.rowCount - 4]!
                        #expect(copy[0].distance == 0)
                        // Any subset of the queries, in any order, gets the same lists.
                        let picked = [queries.rowCount - 1, 5, 0, queries.rowCount - 4]
                        let again = engine.nearestBatch(to: points, rows: picked, k: k)
                        for (position, q) in picked.enumerated() { #expect(again[position] == batch[q]) }
                        // QueryNearest falls back to the one-query search where the batch does not apply.
                        let answered = QueryNearest.nearest(engine, to: points, rows: rows, k: k)
                        for q in rows { #expect(answered[q] == engine.nearest(to: points, row: q, k: k), "\(name) query \(q)") }
                    }
                }
            }
        }
    }

    /// Training rows up to 127, where the AVX2 bits and bytes run: a query the layout holds (values up to
    /// 127, 0 or 1 in the binary columns) is answered in the batch as one at a time; the others (128, or
    /// 2 in a binary column, which the other kernels take) go back to the caller.
    @Test func batchOnSmallCounts() throws {
        let m = IntCountEngineTests.counts(n: 300, d: 338, seed: 44, cap: 127)
        let layout = IntByteRows.Layout.bitsAndBytes(.dense(m))
        let binary = try #require(layout.position.firstIndex { $0 >= 0 })
        var queries = IntCountEngineTests.sparse(IntCountEngineTests.counts(n: 30, d: 338, seed: 45, cap: 127))
        queries.appendRow([(Int32(binary), 2)])
        queries.appendRow([(Int32(binary == 1 ? 3 : 1), 128)])
        let points = PointSet.sparse(queries)
        let rows = Array(0..<queries.rowCount), last = queries.rowCount - 1
        var scratch = [UInt32](repeating: 0, count: layout.words)
        let held = rows.map { q in
            scratch = [UInt32](repeating: 0, count: layout.words)
            return layout.pack(points, row: q, maximum: 127, into: &scratch)
        }
        #expect(!held[last] && !held[last - 1] && held.filter { $0 }.count >= 10, "\(held)")
        var smallRan = false
        for (name, planned) in IntCountEngineTests.engines(.dense(m), .euclidean) {
            guard let engine = planned as? any BatchQueryEngine else { continue }
            let small = IntCountEngineTests.tiles(planned) == .bitsAndBytes
            smallRan = smallRan || small
            for k in [1, 7] {
                let batch = engine.nearestBatch(to: points, rows: rows, k: k)
                for q in rows {
                    if small && !held[q] {
                        #expect(batch[q] == nil, "\(name): query \(q) is beyond the bits and bytes")
                    } else {
                        #expect(batch[q] == engine.nearest(to: points, row: q, k: k), "\(name) k=\(k) query \(q)")
                    }
                }
            }
        }
        #expect(smallRan == IntTileKernel.bitsAndBytesAvailable)
    }
}
