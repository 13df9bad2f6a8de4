import Testing
@testable import CuckooML

/// Group Jaccard read on clusters' own columns where both rows are in one cluster: the kernel's value for
/// every pair, bit for bit, so a map drawn from them is the map drawn from whole rows.
@Suite("cluster-packed distances")
struct ClusterPackedDistancesTests {
    /// Clusters above and below the packing size, noise, empty rows and duplicates (the generator's).
    static func labels(_ n: Int, seed: UInt64) -> [Int] {
        var rng = EngineReference.Random(seed: seed)
        // Cluster 0 takes about half the rows, 1 and 2 a fifth each (all packed), 3-9 the rest (a few
        // rows each, left on the kernel), and every 13th row is noise.
        return (0..<n).map { i in
            if i % 13 == 0 { return -1 }
            let r = rng.below(100)
            return r < 50 ? 0 : r < 70 ? 1 : r < 90 ? 2 : 3 + rng.below(7)
        }
    }

    @Test(arguments: [UInt64(1), 2, 3])
    func everyPairIsTheKernelsBitForBit(seed: UInt64) {
        let n = 250
        let points = SampledLinkageTests.random(seed: seed, n: n)
        let labels = Self.labels(n, seed: seed)
        let kernel = GroupJaccardKernel(points: points)
        for threads in [1, 2] {
            let packed = ClusterPackedDistances(points: points, labels: labels, threads: threads)
            var mismatches = 0
            for i in 0..<n {
                for j in 0..<n where packed.distance(i, j).bitPattern != kernel.distance(i, j).bitPattern { mismatches += 1 }
            }
            #expect(mismatches == 0, "threads \(threads)")
        }
    }

    /// The map's distances with the clusters given are those without, so the layout is the same.
    @Test func mapLayoutIsTheSameWithTheClustersGiven() throws {
        let n = 400
        let points = SampledLinkageTests.random(seed: 9, n: n)
        let labels = Self.labels(n, seed: 9)
        var parameters = MapLayoutParameters()
        parameters.epochs = 10
        parameters.exactNeighboursUpTo = 100  // NN-descent, the large-map path
        let plain = try MapLayout.layout(MapDistance(points: points, metric: .groupjaccard), parameters: parameters, threads: 2)
        let clustered = try MapLayout.layout(MapDistance(points: points, metric: .groupjaccard, clusters: labels, threads: 2),
                                             parameters: parameters, threads: 2)
        #expect(plain.positions == clustered.positions)
        #expect(plain.summary == clustered.summary)
    }

    /// Lists seeded with members of each point's own and nearest clusters (noise and clusters smaller
    /// than the list included) are found as well as from random starts, are the same on one and two threads, and hold
    /// true distances, sorted, without the point itself.
    @Test func clusterSeededDescentIsDeterministicAndFindsTheNeighbours() throws {
        let (points, truth) = MapTests.clusteredRows(1_500, families: 8)
        // Planted families, two of them cut into pieces smaller than a list, and the noise.
        let clusters = truth.enumerated().map { i, f in f < 0 ? -1 : f < 2 ? 100 + i % 150 : f }
        let distance = MapDistance(points: points, metric: .jaccard)
        let exact = try MapNeighbours.find(distance, k: 15, seed: 3, threads: 2, exactUpTo: 10_000, control: .none)
        let random = try MapNeighbours.find(distance, k: 15, seed: 3, threads: 2, exactUpTo: 100, control: .none)
        let one = try MapNeighbours.find(distance, k: 15, seed: 3, threads: 1, exactUpTo: 100, clusters: clusters, control: .none)
        let two = try MapNeighbours.find(distance, k: 15, seed: 3, threads: 2, exactUpTo: 100, clusters: clusters, control: .none)
        #expect(one.indices == two.indices && one.distances.map(\.bitPattern) == two.distances.map(\.bitPattern))
        func recall(_ found: NeighbourGraph) -> Double {
            var hits = 0
            for i in 0..<exact.count {
                let limit = exact.distances[i * 15 + 14]
                for t in 0..<15 where found.distances[i * 15 + t] <= limit { hits += 1 }
            }
            return Double(hits) / Double(exact.count * 15)
        }
        #expect(recall(two) > 0.97, "recall \(recall(two))")
        #expect(recall(two) >= recall(random) - 0.005, "seeded \(recall(two)), random \(recall(random))")
        for i in 0..<two.count {
            let row = (0..<15).map { Int(two.indices[i * 15 + $0]) }
            #expect(!row.contains(i) && Set(row).count == 15)
            for t in 0..<15 { #expect(two.distances[i * 15 + t] == distance.distance(i, row[t])) }
            #expect((1..<15).allSatisfy { two.distances[i * 15 + $0 - 1] <= two.distances[i * 15 + $0] })
        }
    }
}
