import Testing
@testable import CuckooML

/// The sampled linkage's placing measured on clusters' own columns (`OwnColumnRows`) and the first
/// members through an index (`GroupJaccardIndex`): the kernel's distances bit for bit, and the same
/// placing as measuring whole rows, on any thread count.
@Suite("own-column rows")
struct OwnColumnRowsTests {
    /// Indexes with few columns packed (most listed), some, and all, each queried by every row.
    @Test(arguments: [UInt64(4), 5])
    func indexDistancesAreTheKernelsBitForBit(seed: UInt64) {
        let n = 300
        let points = SampledLinkageTests.random(seed: seed, n: n)
        let engine = GroupJaccardEngine(points: points, threads: 1)
        var rng = EngineReference.Random(seed: seed)
        let indexed = (0..<60).map { _ in rng.below(n) }
        for share in [1, 4, 32, 1_000] {
            let index = GroupJaccardIndex(indexed, of: engine.kernel, points: points, packedShare: share)
            let scratch = GroupJaccardIndex.Scratch(index)
            for i in 0..<n {
                index.distances(i, of: points, kernel: engine.kernel, scratch: scratch)
                let same = indexed.indices.allSatisfy { scratch.out[$0].bitPattern == engine.distance(i, indexed[$0]).bitPattern }
                #expect(same, "row \(i), packed share \(share)")
            }
        }
    }

    /// Rows added a few at a time (new columns landing in a group's spare bits, or packing again), and
    /// every row queried, most with columns outside the packed ones (empty rows and duplicates included).
    @Test(arguments: [UInt64(1), 2, 3])
    func distancesAreTheKernelsBitForBit(seed: UInt64) {
        let n = 400
        let points = SampledLinkageTests.random(seed: seed, n: n)
        let engine = GroupJaccardEngine(points: points, threads: 1)
        var rng = EngineReference.Random(seed: seed &+ 100)
        var chosen = (0..<3).map { _ in rng.below(n) }
        var rows = OwnColumnRows(chosen, of: engine.kernel, points: points)
        for _ in 0..<30 {
            let more = (0..<(1 + rng.below(4))).map { _ in rng.below(n) }
            rows.append(more, of: engine.kernel, points: points)
            chosen += more
            #expect(rows.rows == chosen)
            let query = UnsafeMutablePointer<UInt64>.allocate(capacity: max(1, rows.words))
            defer { query.deallocate() }
            for i in stride(from: rng.below(5), to: n, by: 5) {
                rows.project(i, of: points, into: query)
                let ones = UnsafePointer(engine.kernel.ones + i * engine.kernel.groups.count)
                let expected = chosen.map { engine.distance(i, $0) }
                for k in chosen.indices {
                    #expect(rows.distance(query, ones: ones, k).bitPattern == expected[k].bitPattern)
                }
                let t = 0.5
                var distances: [Double] = [], farthest = 0.0
                let within = rows.measure(query, ones: ones, from: 1, within: t, farthest: &farthest, distances: &distances)
                let measured = Array(expected.dropFirst().prefix { $0 <= t })
                #expect(within == (measured.count == expected.count - 1))
                #expect(distances.map(\.bitPattern) == measured.map(\.bitPattern))
                #expect(farthest == measured.reduce(0.0) { max($0, $1) })
            }
        }
    }

    /// Many rows added at once (looked up in tables, `OwnColumnRows.tabledRows`), then a few and many
    /// more: the kernel's distances bit for bit, as rows added a few at a time give; and below a limit.
    @Test(arguments: [UInt64(6), 7])
    func rowsAddedManyAtOnceAreTheKernelsBitForBit(seed: UInt64) {
        let n = 400
        let points = SampledLinkageTests.random(seed: seed, n: n)
        let engine = GroupJaccardEngine(points: points, threads: 1)
        var rng = EngineReference.Random(seed: seed &+ 200)
        let batches = [OwnColumnRows.tabledRows + 10, 3, 2 * OwnColumnRows.tabledRows].map { size in (0..<size).map { _ in rng.below(n) } }
        var rows = OwnColumnRows(batches[0], of: engine.kernel, points: points)
        for batch in batches.dropFirst() { rows.append(batch, of: engine.kernel, points: points) }
        let chosen = batches.flatMap { $0 }
        #expect(rows.rows == chosen)
        let query = UnsafeMutablePointer<UInt64>.allocate(capacity: max(1, rows.words))
        defer { query.deallocate() }
        var abandoned = 0
        for i in 0..<n {
            rows.project(i, of: points, into: query)
            let ones = UnsafePointer(engine.kernel.ones + i * engine.kernel.groups.count)
            let same = chosen.indices.allSatisfy { rows.distance(query, ones: ones, $0).bitPattern == engine.distance(i, chosen[$0]).bitPattern }
            #expect(same, "query \(i)")
            // Below a limit: the same double, or infinity only for a row beyond the limit.
            for limit in [0, 0.2, 0.45, 0.7, 1] {
                for k in chosen.indices {
                    let exact = engine.distance(i, chosen[k]), below = rows.distance(query, ones: ones, k, below: limit)
                    if below.isFinite { #expect(below.bitPattern == exact.bitPattern) } else { #expect(exact > limit - 1e-12) }
                    if !below.isFinite { abandoned += 1 }
                }
            }
        }
        #expect(abandoned > 0)
    }

    /// `place` on own columns (packing clusters from 1, 3 or 16 members) gives the clusters and the
    /// leftovers that measuring whole rows gives (the reference engine, which has no kernel).
    @Test(arguments: [(UInt64(21), 0.7), (22, 0.5), (23, 0.3)])
    func placingOnOwnColumnsIsPlacingOnWholeRows(seed: UInt64, t: Double) throws {
        let n = 1_000
        let points = SampledLinkageTests.random(seed: seed, n: n)
        let head = 150
        let fitted = try CompleteLinkage.fit(points: points.selectingRows(Array(0..<head)),
                                             parameters: LinkageParameters(threshold: t, metric: .groupjaccard, mode: .exact))
        let start = fitted.members + fitted.labels.indices.filter { fitted.labels[$0] < 0 }.map { [$0] }
        let rows = Array(head..<n)
        var expected = start
        let expectedLeftovers = try SampledLinkage.place(rows, into: &expected, points: points,
                                                         engine: BruteForceEngine(points: points, metric: .groupjaccard),
                                                         threshold: t, threads: 1, control: .none)
        #expect(expected.contains { $0.count >= 16 })
        for threads in [1, 2] {
            for packedFrom in [1, 3, 16] {
                var placed = start
                let leftovers = try SampledLinkage.place(rows, into: &placed, points: points,
                                                         engine: GroupJaccardEngine(points: points, threads: threads),
                                                         threshold: t, threads: threads, packedFrom: packedFrom, control: .none)
                #expect(placed == expected && leftovers == expectedLeftovers, "\(threads) threads, packed from \(packedFrom)")
            }
        }
    }
}
