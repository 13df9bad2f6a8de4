import CBitKernels
import Testing
@testable import CuckooML

/// The VNNI dot-product kernel (`cid_tile`, `IntByteRows`): the same squared euclidean integers as
/// `cik_tile` and the plain definition, at the edges of its blocks and values, and the same silhouette
/// bits as the other kernels.
@Suite struct IntDotKernelTests {
    /// `n` rows of `d` counts: row 0 all 255, row 1 all 0, row 2 alternating 0 and 255, the rest random
    /// with a few 255s; rows `n - 2` and `n - 1` repeat rows 3 and 0.
    static func rows(n: Int, d: Int, seed: UInt64) -> [[Int]] {
        var r = EngineReference.Random(seed: seed)
        var rows = (0..<n).map { _ in (0..<d).map { _ in r.below(4) == 0 ? 0 : (r.below(50) == 0 ? 255 : r.below(40)) } }
        if n > 0 { rows[0] = [Int](repeating: 255, count: d) }
        if n > 1 { rows[1] = [Int](repeating: 0, count: d) }
        if n > 2 { rows[2] = (0..<d).map { $0 % 2 == 0 ? 0 : 255 } }
        if n > 5 { rows[n - 2] = rows[3]; rows[n - 1] = rows[0] }
        return rows
    }

    static func points(_ rows: [[Int]], d: Int) -> PointSet {
        .dense(DenseMatrix(rows: rows.count, columns: d, values: rows.flatMap { $0.map(Double.init) }))
    }

    /// Every (row, slot) distance of a tile against the plain sum of squared differences, for sizes
    /// around the 4-row, 4-group blocks and column counts around words and vectors, up to the most.
    // Skipped (not failed) where the CPU, or CUCKOOML_NO_AVX512, leaves the kernel unused.
    @Test(.enabled(if: IntByteRows.available, "no AVX-512 VNNI here: the kernel is not used"),
          arguments: [(1, 1), (3, 3), (5, 4), (17, 63), (37, 64), (66, 65), (70, 338), (9, 4_096)])
    func tileEqualsTheDefinition(n: Int, d: Int) throws {
        let rows = Self.rows(n: n, d: d, seed: UInt64(n * 7_919 + d))
        let points = Self.points(rows, d: d)
        let bytes = IntByteRows.packed(points, rows: Array(0..<n))
        defer { bytes.deallocate() }
        let groups = (n + 15) / 16
        let stride = groups * 16
        var out = [Int32](repeating: -1, count: n * stride)
        // Two calls over the groups (as the silhouette's chunks), rows from an offset.
        let split = groups / 2
        for (lo, hi) in [(0, split), (split, groups)] where lo < hi {
            out.withUnsafeMutableBufferPointer { o in
                cid_tile(bytes.rows, bytes.rowTerms, Int64(n), bytes.lanes, bytes.slotTerms, Int64(bytes.quads),
                         Int64(lo), Int64(hi), o.baseAddress! + lo * 16, Int64(stride))
            }
        }
        for i in 0..<n {
            for j in 0..<n {
                let want = zip(rows[i], rows[j]).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
                #expect(Int(out[i * stride + j]) == want, "n \(n) d \(d): (\(i), \(j))")
            }
        }
    }

    /// The silhouette through every kernel the CPU runs, one and two threads: the same bits, and the
    /// plain definition; duplicates of one row carry different labels (one in the noise).
    @Test(arguments: [(131, 5), (260, 67), (700, 338)])
    func silhouetteSameBitsOnEveryKernel(n: Int, d: Int) throws {
        let rows = Self.rows(n: n, d: d, seed: UInt64(n + d))
        let points = Self.points(rows, d: d)
        var r = EngineReference.Random(seed: 5)
        var labels = (0..<n).map { _ in r.below(7) - 1 }
        labels[n - 1] = 3; labels[0] = -1
        labels[n - 2] = 2; labels[3] = 4
        let distinct = Array(Set(labels)).sorted()
        let cluster = labels.map { distinct.firstIndex(of: $0)! }
        var sizes = [Int](repeating: 0, count: distinct.count)
        for c in cluster { sizes[c] += 1 }
        var seen: Double?
        for kernel in IntSilhouette.Kernel.available {
            for threads in [1, 2] {
                let total = try IntSilhouette.total(points: points, cluster: cluster, sizes: sizes, metric: .euclidean,
                                                    threads: threads, kernel: kernel, control: .none)
                if let seen { #expect(total.bitPattern == seen.bitPattern, "\(kernel) threads \(threads)") }
                seen = total
            }
        }
        let want = SilhouetteParallelTests.reference(points, labels, .euclidean)
        #expect(abs(try #require(seen) / Double(n) - want) <= 1e-12)
    }

    /// The AVX2 byte products (`cid_small_tile`) over the byte lanes, as `tileEqualsTheDefinition`: rows
    /// of values up to 127 (rows at the cap, 0, alternating, random) against slots up to 255, in one
    /// call over every row and in one-row calls (Prim's four-group blocks), from group offsets, sizes
    /// around the blocks and column counts around quads and vectors.
    @Test(.enabled(if: IntTileKernel.smallAvailable, "no AVX2 here: the kernel is not used"),
          arguments: [(1, 1), (3, 3), (5, 4), (17, 63), (37, 64), (66, 65), (70, 338), (131, 339), (9, 4_096)])
    func smallTileEqualsTheDefinition(n: Int, d: Int) throws {
        let slotRows = Self.rows(n: n, d: d, seed: UInt64(n * 977 + d))
        var rows = slotRows.map { $0.map { min($0, 127) } }
        if n > 0 { rows[0] = [Int](repeating: 127, count: d) }
        if n > 2 { rows[2] = (0..<d).map { $0 % 2 == 0 ? 0 : 127 } }
        let lanes = IntByteRows.packed(Self.points(slotRows, d: d), rows: Array(0..<n))
        defer { lanes.deallocate() }
        let xs = IntByteRows.packed(Self.points(rows, d: d), rows: Array(0..<n), small: true)
        defer { xs.deallocate() }
        #expect(xs.small && IntByteRows.small(Self.points(rows, d: d)) && (n < 3 || !IntByteRows.small(Self.points(slotRows, d: d))))
        let groups = (n + 15) / 16
        let stride = groups * 16
        var all = [Int32](repeating: -1, count: n * stride), single = all
        let split = groups / 2
        for (lo, hi) in [(0, split), (split, groups)] where lo < hi {
            all.withUnsafeMutableBufferPointer { o in
                IntByteRows.tile(small: true, xs.rows, xs.rowTerms, n, lanes.lanes, lanes.slotTerms, xs.quads,
                                 groups: lo..<hi, o.baseAddress! + lo * 16, stride)
            }
        }
        single.withUnsafeMutableBufferPointer { o in
            for i in 0..<n {
                IntByteRows.tile(small: true, xs.rows + i * xs.quads, xs.rowTerms + i, 1, lanes.lanes, lanes.slotTerms,
                                 xs.quads, groups: 0..<groups, o.baseAddress! + i * stride, stride)
            }
        }
        for i in 0..<n {
            for j in 0..<n {
                let want = zip(rows[i], slotRows[j]).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
                #expect(Int(all[i * stride + j]) == want, "n \(n) d \(d): (\(i), \(j))")
                #expect(Int(single[i * stride + j]) == want, "n \(n) d \(d): (\(i), \(j)) one row")
            }
        }
    }

    /// The AVX2 16-bit kernel over the int lanes, as `tileEqualsTheDefinition`.
    @Test(.enabled(if: IntSilhouette.Kernel.wordAvailable, "no AVX2 here: the kernel is not used"),
          arguments: [(1, 1), (5, 3), (7, 4), (23, 63), (37, 64), (66, 65), (70, 338), (9, 4_096)])
    func wordTileEqualsTheDefinition(n: Int, d: Int) throws {
        let rows = Self.rows(n: n, d: d, seed: UInt64(n * 31 + d))
        let points = Self.points(rows, d: d)
        let pairs = IntCountRows.pairs(columns: d)
        let packed = IntCountRows.packed(points)
        defer { packed.deallocate() }
        let lanes = IntCountRows.lanes(of: packed, count: n, pairs: pairs)
        defer { lanes.deallocate() }
        let groups = (n + 15) / 16
        let stride = groups * 16
        var terms = [Int32](repeating: 0, count: stride)
        for i in 0..<n { terms[i] = cid_word_term(packed + i * pairs, Int64(pairs)) }
        var out = [Int32](repeating: -1, count: n * stride)
        out.withUnsafeMutableBufferPointer { o in
            terms.withUnsafeBufferPointer { t in
                cid_word_tile(packed, t.baseAddress!, Int64(n), lanes, t.baseAddress!, Int64(pairs), 0, Int64(groups),
                              o.baseAddress!, Int64(stride))
            }
        }
        for i in 0..<n {
            for j in 0..<n {
                let want = zip(rows[i], rows[j]).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
                #expect(Int(out[i * stride + j]) == want, "n \(n) d \(d): (\(i), \(j))")
            }
        }
    }

    @Test func bestKernel() {
        #expect(!IntSilhouette.Kernel.best(for: .manhattan).euclideanOnly)
        #expect((IntSilhouette.Kernel.best(for: .euclidean) == .dotProducts) == IntByteRows.available)
        // The AVX2 byte products where the CPU has neither VNNI nor AVX-512BW, on values up to 127 only.
        let small = Self.points([[127, 0, 3], [1, 2, 0]], d: 3), large = Self.points([[128, 0, 3], [1, 2, 0]], d: 3)
        let avx2Only = IntTileKernel.smallAvailable && !IntByteRows.available && !IntCountRows.vectorAvailable
        #expect((IntTileKernel.best(for: .euclidean, points: small) == .smallByteDotProducts) == avx2Only)
        #expect(IntTileKernel.best(for: .euclidean, points: large) == IntTileKernel.best(for: .euclidean))
        #expect(IntTileKernel.best(for: .manhattan, points: small) == IntTileKernel.best(for: .manhattan))
        #expect(IntTileKernel.runnable(.smallByteDotProducts, on: large) == .differences)
        #expect(IntTileKernel.runnable(.smallByteDotProducts, on: small) == .smallByteDotProducts)
    }
}

/// Many small clusters and singletons: several cluster runs per block, a point's sums closing cluster
/// after cluster across blocks and strips (`RunningMeans`), singletons scoring 0.
@Suite struct IntSilhouetteRunsTests {
    @Test func manySmallClustersEqualThePlainDefinition() throws {
        let n = 300, d = 19
        let rows = IntDotKernelTests.rows(n: n, d: d, seed: 77)
        let points = IntDotKernelTests.points(rows, d: d)
        // Clusters of 1, 2, 3, ... points in turn, shuffled over the rows; the last large.
        var labels = [Int](repeating: 0, count: n)
        var next = 0, label = 0, size = 1
        while next < n {
            for _ in 0..<size where next < n { labels[(next * 7) % n] = label; next += 1 }
            label += 1
            size = size % 5 + 1
        }
        for kernel in IntSilhouette.Kernel.available {
            let distinct = Array(Set(labels)).sorted()
            let cluster = labels.map { distinct.firstIndex(of: $0)! }
            var sizes = [Int](repeating: 0, count: distinct.count)
            for c in cluster { sizes[c] += 1 }
            let total = try IntSilhouette.total(points: points, cluster: cluster, sizes: sizes, metric: .euclidean,
                                                threads: 2, kernel: kernel, control: .none)
            let want = SilhouetteParallelTests.reference(points, labels, .euclidean)
            #expect(abs(total / Double(n) - want) <= 1e-12, "\(kernel)")
        }
    }
}
