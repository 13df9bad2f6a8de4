/// Chooses the neighbourhood engine for a point set: every engine gives identical results, so the
/// choice is only about speed and memory.
public enum NeighbourhoodEngines {
    /// Binary data → bit-packed popcount rows; other dense data → dense rows of doubles; other sparse
    /// data → CSR rows. All run Prim and k-NN on up to `threads` threads in O(n·k) memory.
    public static func make(points: PointSet, metric: DistanceMetric, threads: Int = 2) -> any NeighbourhoodEngine {
        if points.isBinary { return BitPackedEngine(points: points, metric: metric, threads: threads) }
        switch points {
        case .dense(let m): return DenseEngine(m, metric: metric, threads: threads)
        case .sparse(let m): return SparseEngine(m, metric: metric, threads: threads)
        }
    }
}
