import Testing
@testable import CuckooML

/// The group Jaccard silhouette (bounds, own-column packing, pairs measured once) equals the plain pass
/// over every pair bit for bit, on clustered rows full of ties.
@Suite struct GroupJaccardSilhouetteTests {
    /// Rows around a few centres over grouped columns: repeated rows, empty rows, values other than 1;
    /// labels mostly the centre's, some moved, some singletons, `noise` rows labelled −1. Over 64
    /// `groups` the kernels' masks of groups take several words.
    static func clustered(seed: UInt64, n: Int, noise: Int, groups: Int = 9) -> (PointSet, [Int]) {
        var rng = EngineReference.Random(seed: seed)
        let columns = max(90, 2 * groups)
        let names = (0..<columns).map { ":g\($0 % groups):c\($0)" }
        let centres = (0..<7).map { _ in (0..<columns).filter { _ in rng.chance(0.15) } }
        var rows: [[Int32]] = [], labels: [Int] = []
        for i in 0..<n {
            if i > 0 && rng.chance(0.15) {
                let j = rng.below(i)
                rows.append(rows[j]); labels.append(labels[j]); continue
            }
            let c = rng.below(centres.count)
            if rng.chance(0.04) { rows.append([]); labels.append(c); continue }
            var r = Set(centres[c])
            for _ in 0..<rng.below(6) { let x = rng.below(columns); if !r.insert(x).inserted { r.remove(x) } }
            rows.append(r.sorted().map { Int32($0) })
            labels.append(rng.chance(0.1) ? rng.below(centres.count) : c)
        }
        for s in 0..<3 { labels[rng.below(n)] = 100 + s }
        for _ in 0..<noise { labels[rng.below(n)] = -1 }
        var m = SparseMatrix(columnCount: columns)
        for r in rows { m.appendRow(r.map { ($0, rng.chance(0.1) ? 2.5 : 1.0) }) }
        return (.sparse(m, columnGroups: ColumnGroups(featureNames: names)), labels)
    }

    @Test(arguments: [1, 2, 3, 4] as [UInt64])
    func equalsThePlainPass(seed: UInt64) throws {
        let (points, labels) = Self.clustered(seed: seed, n: 260, noise: seed == 4 ? 0 : 45)
        let kept = labels.indices.filter { labels[$0] >= 0 }
        let cases = [("noise kept", points, labels),
                     ("noise dropped", points.selectingRows(kept), kept.map { labels[$0] })]
        for (name, points, labels) in cases {
            let want = SilhouetteParallelTests.reference(points, labels, .groupjaccard)
            for threads in [1, 2] {
                let got = try #require(try Silhouette.score(points: points, labels: labels, metric: .groupjaccard,
                                                            control: .none, budget: 0, threads: threads, parallelFrom: 0))
                #expect(got.bitPattern == want.bitPattern, "seed \(seed) \(name) threads \(threads): \(got) != \(want)")
            }
        }
    }

    /// Undefined cases stay undefined; a clustering of singletons and one pair scores as the plain pass.
    @Test func edgeCases() throws {
        let (points, _) = Self.clustered(seed: 9, n: 40, noise: 0)
        #expect(try Silhouette.score(points: points, labels: [Int](repeating: 3, count: 40), metric: .groupjaccard) == nil)
        #expect(try Silhouette.score(points: points, labels: Array(0..<40), metric: .groupjaccard) == nil)
        var labels = Array(0..<40)
        labels[7] = 0
        let got = try #require(try Silhouette.score(points: points, labels: labels, metric: .groupjaccard))
        #expect(got.bitPattern == SilhouetteParallelTests.reference(points, labels, .groupjaccard).bitPattern)
    }

    /// The bounds of `GroupJaccardMeanBounds` over `buckets` for each of `rows`, each checked against
    /// the row's mean distance to every bucket; `body` may check more of them.
    static func checkMeanBounds(_ kernel: GroupJaccardKernel, _ points: PointSet, buckets: [[Int]], rows: [Int],
                                _ body: (_ row: Int, _ bounds: [Double]) -> Void = { _, _ in }) {
        let bounds = GroupJaccardMeanBounds(kernel, points: points, buckets: buckets)
        var scratch = GroupJaccardMeanBounds.Scratch(bounds)
        var out = [Double](repeating: -1, count: buckets.count)
        for i in rows {
            out.withUnsafeMutableBufferPointer { o in
                bounds.bounds(columns: points.nonZeroColumns(i), ones: kernel.ones + i * kernel.groups.count,
                              scratch: &scratch, into: o.baseAddress!)
            }
            for (b, members) in buckets.enumerated() {
                let mean = members.isEmpty ? 0 : members.reduce(0.0) { $0 + kernel.distance(i, $1) } / Double(members.count)
                #expect(out[b] <= mean + GroupJaccardBuckets.margin, "row \(i) bucket \(b): \(out[b]) > \(mean)")
            }
            body(i, out)
        }
    }

    /// Each bucket's bound never exceeds the mean distance of the row to its rows, and the search
    /// measures fewer distances than all pairs on clustered rows.
    @Test func boundsHoldAndPrune() throws {
        let (points, labels) = Self.clustered(seed: 5, n: 300, noise: 40)
        let kernel = GroupJaccardKernel(points: points)
        let distinct = Array(Set(labels)).sorted()
        var buckets = distinct.map { c in labels.indices.filter { labels[$0] == c } }
        buckets.append(Array(0..<20))
        buckets.append([])
        Self.checkMeanBounds(kernel, points, buckets: buckets, rows: Array(0..<points.count))
        let code = Dictionary(uniqueKeysWithValues: distinct.enumerated().map { ($1, $0) })
        let cluster = labels.map { code[$0]! }
        var sizes = [Int](repeating: 0, count: distinct.count)
        for c in cluster { sizes[c] += 1 }
        let (_, counts) = try GroupJaccardSilhouette.run(points: points, cluster: cluster, sizes: sizes, noise: 0,
                                                          threads: 2, control: .none)
        let n = labels.count
        #expect(counts.within + counts.between < n * n / 2)
        #expect(counts.visited < counts.points * (distinct.count - 1))
    }

    /// Ctrl-C stops both phases (the within-cluster sums and the points' nearest clusters); progress
    /// runs over both, 2n units, and ends done.
    @Test(arguments: [1, 2])
    func stopsWhenCancelledAndReportsProgress(threads: Int) throws {
        let (points, labels) = Self.clustered(seed: 6, n: 300, noise: 0)
        let distinct = Array(Set(labels)).sorted()
        let code = Dictionary(uniqueKeysWithValues: distinct.enumerated().map { ($1, $0) })
        let cluster = labels.map { code[$0]! }
        var sizes = [Int](repeating: 0, count: distinct.count)
        for c in cluster { sizes[c] += 1 }
        let run = { (control: TaskControl) in
            try GroupJaccardSilhouette.run(points: points, cluster: cluster, sizes: sizes, noise: 0,
                                           threads: threads, control: control)
        }
        let seen = Locked<[Progress]>([])
        let (total, _) = try run(TaskControl(report: { p in seen.withLock { $0.append(p) } }))
        let reports = seen.withLock { $0 }
        #expect(reports.allSatisfy { $0.phase == "silhouette" && $0.total == 600 && $0.done <= 600 })
        #expect(reports.first?.done == 0 && reports.last?.done == 600)
        #expect(reports.contains { $0.done > 300 && $0.done < 600 })
        #expect(total.isFinite)
        for stopAfter in [0, 5, 60] {
            let count = Locked(0)
            #expect(throws: Interrupted.self) {
                _ = try run(TaskControl(isCancelled: { count.withLock { $0 } > stopAfter },
                                        report: { _ in count.withLock { $0 += 1 } }))
            }
        }
    }
}
