/// Chooses the fastest exact engine for a point set. All engines give identical results.
public enum NeighbourhoodEngines {
    /// Binary data → bit-packed popcount rows; dense data → dense rows of doubles; otherwise sparse rows.
    public static func make(points: PointSet, metric: DistanceMetric, threads: Int = 2) -> any NeighbourhoodEngine {
        if points.isBinary { return BitPackedEngine(points: points, metric: metric, threads: threads) }
        switch points {
        case .dense(let m): return DenseEngine(m, metric: metric, threads: threads)
        case .sparse(let m): return SparseEngine(m, metric: metric, threads: threads)
        }
    }
}
