/// The engine for `groupjaccard`, on any data (bit-packed presence rows), with the generic k-NN and
/// Prim drivers.
final class GroupJaccardEngine: KernelEngine, PlannedEngine, @unchecked Sendable {
    let kernel: GroupJaccardKernel, threads: Int, tuning: EngineTuning
    let plan: EnginePlan
    var metric: DistanceMetric { .groupjaccard }
    init(points: PointSet, threads: Int, tuning: EngineTuning = .standard, plan: EnginePlan? = nil) {
        kernel = GroupJaccardKernel(points: points)
        self.plan = plan ?? EnginePlan.kernelRow(.groupJaccard, "metric groupjaccard", metric: .groupjaccard, threads: threads)
        self.threads = engineThreads(threads); self.tuning = tuning
    }
}
