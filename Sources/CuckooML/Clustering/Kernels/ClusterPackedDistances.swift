/// Group Jaccard distances over clustered rows, with pairs inside one cluster read on the cluster's own
/// columns (`OwnColumnRows`): a few adjacent words per row instead of a whole row of a wide vocabulary.
/// Every value is the kernel's, bit for bit; only the words read change.
///
/// Made for passes that mostly compare a point with its own cluster, as a map's neighbour search does
/// once its lists have settled around each family. Pairs across clusters, and noise, use the kernel.
struct ClusterPackedDistances: Sendable {
    let kernel: GroupJaccardKernel
    private let packs: [OwnColumnRows]
    /// Per row: its cluster's pack (−1: none) and its position in that pack.
    private let packOf: [Int32]
    private let slot: [Int32]

    /// Clusters smaller than this keep the kernel's rows: a pack's table and its lookups would cost more
    /// than the few pairs inside them save.
    static let packedFrom = 16

    /// `labels[i]` is row i's cluster (negative: noise).
    init(points: PointSet, labels: [Int], threads: Int) {
        precondition(labels.count == points.count, "one label per row")
        let kernel = GroupJaccardKernel(points: points)
        var members: [Int: [Int]] = [:]
        for (row, label) in labels.enumerated() where label >= 0 { members[label, default: []].append(row) }
        let packed = members.keys.sorted().compactMap { members[$0]!.count >= Self.packedFrom ? members[$0]! : nil }
        var packs = [OwnColumnRows?](repeating: nil, count: packed.count)
        packs.withUnsafeMutableBufferPointer { buffer in
            let slots = SharedPointer(base: buffer.baseAddress!)
            runTasks(packed.count, threads: engineThreads(threads)) { p, _ in
                slots.base[p] = OwnColumnRows(packed[p], of: kernel, points: points)
                return true
            }
        }
        var packOf = [Int32](repeating: -1, count: labels.count), slot = [Int32](repeating: 0, count: labels.count)
        for (p, rows) in packed.enumerated() {
            for (k, row) in rows.enumerated() { packOf[row] = Int32(p); slot[row] = Int32(k) }
        }
        self.kernel = kernel
        self.packs = packs.map { $0! }
        self.packOf = packOf
        self.slot = slot
    }

    var count: Int { kernel.count }

    @inline(__always)
    func distance(_ i: Int, _ j: Int) -> Double {
        let p = packOf[i]
        if p >= 0 && p == packOf[j] { return packs[Int(p)].distance(between: Int(slot[i]), and: Int(slot[j])) }
        return kernel.distance(i, j)
    }
}
