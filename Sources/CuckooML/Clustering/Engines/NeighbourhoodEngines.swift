/// Makes the neighbourhood engine an `EnginePlan` names: every engine gives identical results, so the
/// choice is only about speed and memory (the plan's table says which runs when).
public enum NeighbourhoodEngines {
    /// The engine of `EnginePlan.make(points:metric:threads:)`.
    public static func make(points: PointSet, metric: DistanceMetric, threads: Int = 2) -> any NeighbourhoodEngine {
        make(plan: EnginePlan.make(points: points, metric: metric, threads: threads), points: points, metric: metric)
    }

    /// The engine `plan` (made for these points and metric) names.
    static func make(plan: EnginePlan, points: PointSet, metric: DistanceMetric) -> any NeighbourhoodEngine {
        switch plan.engine {
        case .groupJaccard:
            return GroupJaccardEngine(points: points, threads: plan.threads, plan: plan)
        case .bitPacked:
            return BitPackedEngine(plan: plan, metric: metric)
        case .kdTree:
            return KDTreeEngine(denseMatrix(points), metric: metric, threads: plan.threads, plan: plan)
        case .intCounts:
            let engineTuning = EngineTuning.standard
            switch points.storage {
            case .dense(let m):
                return IntCountEngine(points: points, kernel: DenseKernel(m, metric: metric), metric: metric, plan: plan,
                                      tuning: engineTuning)
            case .sparse(let m) where EnginePlan.copiesDense(m):
                // Single distances and queries on the dense copy, as the dense plan would run them.
                return IntCountEngine(points: points, kernel: DenseKernel(m.dense(), metric: metric), metric: metric,
                                      plan: plan, tuning: engineTuning)
            case .sparse(let m):
                return IntCountEngine(points: points, kernel: SparseKernel(m, metric: metric), metric: metric, plan: plan,
                                      tuning: engineTuning)
            }
        case .dense:
            return DenseEngine(denseMatrix(points), metric: metric, threads: plan.threads, plan: plan)
        case .sparse:
            guard case .sparse(let m) = points.storage else { preconditionFailure("a sparse plan is made for sparse rows") }
            return SparseEngine(m, metric: metric, threads: plan.threads, plan: plan)
        }
    }

    private static func denseMatrix(_ points: PointSet) -> DenseMatrix {
        switch points.storage {
        case .dense(let m): m
        case .sparse(let m): m.dense()
        }
    }
}
