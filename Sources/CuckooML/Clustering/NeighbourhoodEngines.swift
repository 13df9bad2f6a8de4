/// Chooses the neighbourhood engine for a point set: every engine gives identical results, so the
/// choice is only about speed and memory.
public enum NeighbourhoodEngines {
    public static func make(points: PointSet, metric: DistanceMetric, threads: Int) -> any NeighbourhoodEngine {
        BruteForceEngine(points: points, metric: metric)
    }
}
