/// How an engine runs, never what it computes: the sizes below which work stays on one thread, the
/// k-NN tile side, when the bit engine works on groups of identical rows and which bit kernels it runs.
/// Tests shrink the sizes so small inputs exercise the parallel paths.
struct EngineTuning: Sendable {
    var knn = 512
    var prim = 2_048
    var tile = KNearest.defaultTile
    /// The bit engine works on groups of identical rows when there are at most this fraction of n groups.
    var groups = 0.5
    /// The code the bit engine's integer k-NN and Prim run; only speed depends on it.
    var bitKernels = BitKernelChoice.best
    static let standard = EngineTuning()
    static let always = EngineTuning(knn: 0, prim: 8, tile: 32, groups: 1)
}
