/// Chooses the neighbourhood engine for a point set: every engine gives identical results, so the
/// choice is only about speed and memory.
public enum NeighbourhoodEngines {
    /// `groupjaccard` → bit-packed presence rows with per-group popcounts (`GroupJaccardEngine`).
    /// Binary data → bit-packed popcount rows. Other data → dense rows of doubles when the matrix is
    /// dense enough (a quarter filled, or at most 16 columns — imported CSV matrices arrive as CSR),
    /// else CSR rows. The dense loop adds the zero terms the sparse merge skips, which never changes a
    /// float sum, so the choice cannot change a result. All run Prim and k-NN on up to `threads`
    /// threads in O(n·k) memory (plus the dense copy). Few columns under euclidean or manhattan distance →
    /// a k-d tree (`KDTreeEngine`).
    public static func make(points: PointSet, metric: DistanceMetric, threads: Int = 2) -> any NeighbourhoodEngine {
        if metric == .groupjaccard { return GroupJaccardEngine(points: points, threads: threads) }
        if points.isBinary { return BitPackedEngine(points: points, metric: metric, threads: threads) }
        switch points.storage {
        case .dense(let m):
            if KDTreeEngine.suits(columns: m.columns, metric: metric) {
                return KDTreeEngine(m, metric: metric, threads: threads)
            }
            return DenseEngine(m, metric: metric, threads: threads)
        case .sparse(let m):
            let cells = m.rowCount * m.columnCount
            let denseEnough = m.columnCount <= 16 || m.nonZeroCount * 4 >= cells
            if KDTreeEngine.suits(columns: m.columnCount, metric: metric) {
                return KDTreeEngine(m.dense(), metric: metric, threads: threads)
            }
            if denseEnough && cells <= 200_000_000 {
                return DenseEngine(m.dense(), metric: metric, threads: threads)
            }
            return SparseEngine(m, metric: metric, threads: threads)
        }
    }
}
