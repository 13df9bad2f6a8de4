import Testing
@testable import CuckooML

/// The lower bound of `GroupJaccardBuckets` never exceeds the distance to a row of its bucket (with the
/// search's margin), on random buckets of random rows (empty rows and duplicates included), and it
/// does leave rows out.
@Suite struct GroupJaccardBucketsTests {
    @Test(arguments: [UInt64(1), 2, 3])
    func boundIsAtMostEveryRowsDistance(seed: UInt64) {
        let n = 300
        let points = SampledLinkageTests.random(seed: seed, n: n)
        let engine = GroupJaccardEngine(points: points, threads: 1)
        var rng = EngineReference.Random(seed: seed &+ 50)
        // Buckets of one row, a few rows, many rows, plus an empty one.
        var buckets: [[Int]] = [[]]
        for size in [1, 1, 2, 3, 5, 8, 20, 60, 150] {
            buckets.append(Set((0..<size).map { _ in rng.below(n) }).sorted())
        }
        let index = GroupJaccardBuckets(engine.kernel, points: points, buckets: buckets)
        var positive = 0, exactOnSingles = 0
        for q in 0..<n {
            let query = LinkagePlacement.PackedQuery(engine.kernel, points, row: q)
            for (b, rows) in buckets.enumerated() {
                let bound = index.lowerBound(b, word: query.word, bits: query.bits, groupStart: query.groupStart, ones: query.ones)
                #expect(bound >= 0 && bound <= 1)
                if bound > 0 { positive += 1 }
                for r in rows {
                    let d = Distances.between(.groupjaccard, points, q, points, r)
                    #expect(bound <= d + GroupJaccardBuckets.margin, "query \(q), bucket \(b), row \(r)")
                    if rows.count == 1 && abs(bound - d) < 1e-12 { exactOnSingles += 1 }
                }
            }
        }
        #expect(positive > n, "the bound leaves something out")
        #expect(exactOnSingles > 0)
    }
}
