import Testing
@testable import CuckooML

/// `compare`'s search prepared without the kernel's bit rows (`GroupJaccardCounts`): the same layout and
/// counts as the kernel, and so the same own-column packings, distances and bounds, on columns wide
/// enough for several words per group and of the column index.
@Suite struct GroupJaccardCountsTests {
    /// Rows over `columns` columns in 9 groups of unequal sizes, around a few centres, with empty rows
    /// and copies.
    static func wide(seed: UInt64, n: Int, columns: Int = 700) -> PointSet {
        var rng = EngineReference.Random(seed: seed)
        let names = (0..<columns).map { ":g\($0 % 9 == 0 ? 0 : $0 % 5):c\($0)" }
        let centres = (0..<6).map { _ in (0..<columns).filter { _ in rng.chance(0.15) } }
        var m = SparseMatrix(columnCount: columns)
        var rows: [[Int32]] = []
        for i in 0..<n {
            if i > 0 && rng.chance(0.1) { rows.append(rows[rng.below(i)]) } else if rng.chance(0.03) { rows.append([]) } else {
                var r = Set(centres[rng.below(centres.count)])
                for _ in 0..<rng.below(40) { let c = rng.below(columns); if !r.insert(c).inserted { r.remove(c) } }
                rows.append(r.sorted().map { Int32($0) })
            }
            m.appendRow(rows[i].map { ($0, 1.0) })
        }
        return .sparse(m, columnGroups: ColumnGroups(featureNames: names))
    }

    @Test(arguments: [UInt64(1), 2])
    func countsAreTheKernels(seed: UInt64) {
        let points = Self.wide(seed: seed, n: 200)
        let kernel = GroupJaccardKernel(points: points)
        let counts = GroupJaccardCounts(points: points)
        let groups = kernel.groups.count
        #expect(counts.groups == kernel.groups && counts.words == kernel.words && counts.bitOfColumn == kernel.bitOfColumn)
        #expect((0...groups).allSatisfy { counts.wordStart[$0] == kernel.wordStart[$0] })
        #expect((0..<(points.count * groups)).allSatisfy { counts.ones[$0] == kernel.ones[$0] })
    }

    /// Clusters packed from the counts measure every row at the kernel's distance bit for bit, a query
    /// projected from its columns as from its row; the buckets' bounds are those from the kernel's rows.
    @Test(arguments: [UInt64(3), 4])
    func packingsAndBoundsFromCountsAreTheKernels(seed: UInt64) {
        let n = 300
        let points = Self.wide(seed: seed, n: n)
        let engine = GroupJaccardEngine(points: points, threads: 1)
        let counts = GroupJaccardCounts(points: points)
        var rng = EngineReference.Random(seed: seed &+ 9)
        // Small (binary-searched) and large (tabled) packings, and an empty bucket.
        let buckets = [[]] + [3, 20, OwnColumnRows.tabledRows + 30].map { size in Set((0..<size).map { _ in rng.below(n) }).sorted() }
        let fromCounts = GroupJaccardBuckets(counts, points: points, buckets: buckets)
        let fromKernel = GroupJaccardBuckets(engine.kernel, points: points, buckets: buckets)
        for rows in buckets {
            let pack = OwnColumnRows(rows, of: counts, points: points)
            #expect(pack.rows == rows)
            let x = UnsafeMutablePointer<UInt64>.allocate(capacity: max(1, pack.words))
            defer { x.deallocate() }
            for q in 0..<n {
                let query = LinkagePlacement.PackedQuery(counts, points, row: q)
                pack.project(columns: query.columns, into: x)
                let ones = UnsafePointer(counts.ones + q * counts.groups.count)
                for (k, r) in rows.enumerated() {
                    #expect(pack.distance(x, ones: ones, k).bitPattern == engine.distance(q, r).bitPattern, "query \(q), row \(r)")
                }
            }
        }
        for q in 0..<n {
            let a = LinkagePlacement.PackedQuery(counts, points, row: q), b = LinkagePlacement.PackedQuery(engine.kernel, points, row: q)
            #expect(a.word == b.word && a.bits == b.bits && a.ones == b.ones && a.columns == b.columns)
            for k in buckets.indices {
                let bound = fromCounts.lowerBound(k, word: a.word, bits: a.bits, groupStart: a.groupStart, ones: a.ones)
                #expect(bound == fromKernel.lowerBound(k, word: b.word, bits: b.bits, groupStart: b.groupStart, ones: b.ones))
            }
        }
    }

    /// The central means measured on the clusters' own packings are those of the engine's distances,
    /// on one and two threads.
    @Test(arguments: [1, 2])
    func centralMeansOnPackingsAreTheEngines(threads: Int) throws {
        let training = PlacementTests.features(rows: 900, seed: 5)
        let linkage = try CompleteLinkage.fit(points: training.points, parameters: .families, threads: 2, exhaustiveLimit: 200)
        let points = training.points
        let engine = GroupJaccardEngine(points: points, threads: 1)
        let search = LinkagePlacement.Search(GroupJaccardCounts(points: points), points: points, members: linkage.members,
                                             labels: linkage.labels, threads: threads)
        let expected = Placer.centralMeans(members: linkage.members, strengths: linkage.strengths) { engine.distance($0, $1) }
        #expect(search.centralMeans(strengths: linkage.strengths, threads: threads) == expected)
    }
}
