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
                cid_tile(bytes.rows, bytes.rowTerms, Int64(n), bytes.lanes, bytes.slotTerms, Int64(bytes.layout.quads),
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

    /// `rows` with every third column binary (the value's parity) and every value capped at `cap`: the
    /// rows of the AVX2 bits and bytes.
    static func bitsAndBytesRows(n: Int, d: Int, seed: UInt64, cap: Int = 127) -> [[Int]] {
        var rows = Self.rows(n: n, d: d, seed: seed).map { row in row.enumerated().map { $0.offset % 3 == 0 ? $0.element % 2 : min($0.element, cap) } }
        if n > 0 { rows[0] = (0..<d).map { $0 % 3 == 0 ? 1 : cap } }
        if n > 2 { rows[2] = (0..<d).map { $0 % 2 == 0 ? 0 : ($0 % 3 == 0 ? 1 : cap) } }
        return rows
    }

    /// The AVX2 bits and bytes (`cib_tile`): every distance of a tile equals the plain definition, in one
    /// call over every row and in one-row calls (Prim's two-group blocks), from group offsets; sizes
    /// around the blocks, column counts around words, quads and the 31-word flush of the bit counts,
    /// rows at the cap 127, all binary and without binary columns.
    @Test(.enabled(if: IntTileKernel.bitsAndBytesAvailable, "no AVX2 here: the kernel is not used"),
          arguments: [(1, 1), (3, 3), (5, 4), (17, 63), (37, 64), (66, 65), (70, 338), (131, 339), (9, 4_096),
                      (40, 2_977)])
    func bitsAndBytesTileEqualsTheDefinition(n: Int, d: Int) throws {
        for variant in 0..<3 {
            var rows = Self.bitsAndBytesRows(n: n, d: d, seed: UInt64(n * 977 + d + variant))
            if variant == 1 { rows = rows.map { $0.map { $0 % 2 } } }
            if variant == 2 { rows = rows.map { $0.map { $0 == 1 ? 2 : $0 } } }
            let points = Self.points(rows, d: d)
            let bytes = IntByteRows.packed(points, rows: Array(0..<n), bitsAndBytes: true)
            defer { bytes.deallocate() }
            let binary = (0..<d).filter { c in rows.allSatisfy { $0[c] <= 1 } }.count
            #expect(bytes.layout.bitWords == (binary + 31) / 32 && bytes.layout.quads == (d - binary + 3) / 4)
            let groups = (n + 15) / 16
            let stride = groups * 16
            var all = [Int32](repeating: -1, count: n * stride), single = all
            let split = groups / 2
            for (lo, hi) in [(0, split), (split, groups)] where lo < hi {
                all.withUnsafeMutableBufferPointer { o in
                    bytes.tile(bytes.rows, bytes.rowTerms, n, groups: lo..<hi, o.baseAddress! + lo * 16, stride)
                }
            }
            single.withUnsafeMutableBufferPointer { o in
                for i in 0..<n {
                    bytes.tile(bytes.rows + i * bytes.words, bytes.rowTerms + i, 1, groups: 0..<groups,
                               o.baseAddress! + i * stride, stride)
                }
            }
            for i in 0..<n {
                for j in 0..<n {
                    let want = zip(rows[i], rows[j]).reduce(0) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
                    #expect(Int(all[i * stride + j]) == want, "variant \(variant) n \(n) d \(d): (\(i), \(j))")
                    #expect(Int(single[i * stride + j]) == want, "variant \(variant) n \(n) d \(d): (\(i), \(j)) one row")
                }
            }
        }
    }

    /// The silhouette through the bits and bytes equals every other kernel's to the bit, one and two
    /// threads, on rows they hold (binary columns, values up to 127).
    @Test(.enabled(if: IntTileKernel.bitsAndBytesAvailable, "no AVX2 here: the kernel is not used"))
    func silhouetteOnBitsAndBytes() throws {
        let n = 300, d = 67
        let points = Self.points(Self.bitsAndBytesRows(n: n, d: d, seed: 12), d: d)
        var r = EngineReference.Random(seed: 6)
        let cluster = (0..<n).map { _ in r.below(5) }
        var sizes = [Int](repeating: 0, count: 5)
        for c in cluster { sizes[c] += 1 }
        let want = try IntSilhouette.total(points: points, cluster: cluster, sizes: sizes, metric: .euclidean, threads: 1,
                                           kernel: .plain, control: .none)
        for kernel in IntSilhouette.Kernel.available {
            for threads in [1, 2] {
                let total = try IntSilhouette.total(points: points, cluster: cluster, sizes: sizes, metric: .euclidean,
                                                    threads: threads, kernel: kernel, control: .none)
                #expect(total.bitPattern == want.bitPattern, "\(kernel) threads \(threads)")
            }
        }
    }

    /// Where the bits and bytes put each column, and which rows they cannot hold.
    @Test func bitsAndBytesLayout() {
        let points = Self.points([[1, 0, 7, 0, 127], [0, 0, 3, 1, 0]], d: 5)
        let layout = IntByteRows.Layout.bitsAndBytes(points)
        #expect(layout.position == [0, 1, -1, 2, -2] && layout.bitWords == 1 && layout.quads == 1 && layout.words == 2)
        var out = [UInt32](repeating: 0, count: 2)
        #expect(layout.pack(points, row: 0, maximum: 127, into: &out) && out == [0b001, 7 | 127 << 8])
        let bad = Self.points([[2, 0, 7, 0, 0], [0, 0, 128, 0, 0], [0, 0, 3, 0, 0]], d: 5)
        for (row, packs) in [(0, false), (1, false), (2, true)] {
            out = [0, 0]
            #expect(layout.pack(bad, row: row, maximum: 127, into: &out) == packs, "row \(row)")
        }
        #expect(IntByteRows.Layout.bytes(columns: 5).position == [-1, -2, -3, -4, -5])
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
        // The AVX2 bits and bytes wherever the CPU has AVX2 (with or without AVX-512), on values up to 127 only.
        let small = Self.points([[127, 0, 3], [1, 2, 0]], d: 3), large = Self.points([[128, 0, 3], [1, 2, 0]], d: 3)
        #expect((IntTileKernel.best(for: .euclidean, points: small) == .bitsAndBytes) == IntTileKernel.bitsAndBytesAvailable)
        #expect(IntTileKernel.best(for: .euclidean, points: large) == IntTileKernel.best(for: .euclidean))
        // The silhouette keeps the VNNI byte products where the CPU has them, else as the k-NN.
        let silhouette: IntTileKernel = IntByteRows.available ? .dotProducts
            : IntTileKernel.bitsAndBytesAvailable ? .bitsAndBytes : IntTileKernel.best(for: .euclidean)
        #expect(IntTileKernel.bestForSilhouette(.euclidean, points: small) == silhouette)
        #expect(IntTileKernel.bestForSilhouette(.euclidean, points: large) == IntTileKernel.best(for: .euclidean))
        #expect(IntTileKernel.bestForSilhouette(.manhattan, points: small) == IntTileKernel.best(for: .manhattan))
        #expect(IntTileKernel.best(for: .manhattan, points: small) == IntTileKernel.best(for: .manhattan))
        #expect(IntTileKernel.runnable(.bitsAndBytes, on: large) == .differences)
        #expect(IntTileKernel.runnable(.bitsAndBytes, on: small) == .bitsAndBytes)
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
