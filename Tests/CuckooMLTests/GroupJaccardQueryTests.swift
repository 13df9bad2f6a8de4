import Testing
@testable import CuckooML

/// The sparse group Jaccard kernel (a query's groups and non-zero words, `GroupJaccardQuery`, against
/// rows stored word by word, `OwnColumnWords`) gives the kernel's distances bit for bit, so the silhouette's sums through it are the plain pass's; and the
/// mean bounds computed in C hold on many buckets, where columns are both dense rows and lists.
@Suite struct GroupJaccardQueryTests {
    /// Every row's sum to each cluster (`sum`) and each cluster's pair sums (`addDistances`) equal the
    /// kernel's distances added in row order; clusters with empty and repeated rows, singletons, and
    /// all rows as one (blocks of rows in the kernel, and pairs from rows inside a block); 9 groups, and
    /// 150 (masks of groups over three words).
    @Test(arguments: [(UInt64(11), 9), (12, 9), (13, 9), (16, 150)])
    func sumsAreTheKernelsBitForBit(seed: UInt64, groupCount: Int) {
        let (points, labels) = GroupJaccardSilhouetteTests.clustered(seed: seed, n: 220, noise: 0, groups: groupCount)
        let kernel = GroupJaccardKernel(points: points)
        let groups = kernel.groups.count
        let query = GroupJaccardQuery(groups: groups)
        let clusters = Set(labels).sorted().map { label in labels.indices.filter { labels[$0] == label } } + [Array(labels.indices)]
        for (label, members) in clusters.enumerated() {
            let rows = OwnColumnRows(members, of: kernel, points: points)
            let columns = OwnColumnWords(rows)
            let x = UnsafeMutablePointer<UInt64>.allocate(capacity: max(1, rows.words))
            defer { x.deallocate() }
            for i in 0..<points.count {
                let ones = UnsafePointer(kernel.ones + i * groups)
                rows.load(query, row: i, of: points, ones: ones, x: x)
                var want = 0.0
                for m in members { want += kernel.distance(i, m) }
                var measured = 0
                let got = columns.sum(query, below: .infinity, measured: &measured)
                #expect(got?.bitPattern == want.bitPattern, "row \(i) to cluster \(label)")
                #expect(measured == members.count)
                if want > 0 { #expect(columns.sum(query, below: want / 2, measured: &measured) == nil) }
            }
            var sums = [Double](repeating: 0, count: members.count)
            let scratch = UnsafeMutablePointer<Double>.allocate(capacity: members.count)
            defer { scratch.deallocate() }
            sums.withUnsafeMutableBufferPointer { sums in
                for a in members.indices { columns.addDistances(fromRow: a, into: sums.baseAddress!, scratch: scratch, query: query) }
            }
            for (p, i) in members.enumerated() {
                var want = 0.0
                for m in members where m != i { want += kernel.distance(i, m) }
                #expect(sums[p].bitPattern == want.bitPattern, "pairs of row \(i) in cluster \(label)")
            }
        }
    }

    /// Each bucket's bound is at most the row's mean distance to it, with buckets of one row, of a
    /// cluster, of a run and empty: a few hundred buckets, so most columns are lists, common ones rows.
    @Test(arguments: [UInt64(14), 15])
    func boundsHoldOnManyBuckets(seed: UInt64) {
        let (points, labels) = GroupJaccardSilhouetteTests.clustered(seed: seed, n: 300, noise: 0)
        let kernel = GroupJaccardKernel(points: points)
        var buckets = (0..<points.count).map { [$0] }
        for label in Set(labels).sorted() { buckets.append(labels.indices.filter { labels[$0] == label }) }
        buckets.append([])
        buckets.append(Array(40..<72))
        GroupJaccardSilhouetteTests.checkMeanBounds(kernel, points, buckets: buckets,
                                                    rows: Array(stride(from: 0, to: points.count, by: 3))) { i, bounds in
            // Row i's own bucket of one: the bound is 0 (its distance to itself), within rounding.
            #expect(bounds[i] >= 0 && bounds[i] <= GroupJaccardBuckets.margin, "row \(i) to itself")
        }
    }
}
