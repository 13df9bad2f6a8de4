/// Exact pairwise distances over points stored in slots, the storage a Prim or k-NN driver scans.
///
/// Slots start in row order; Prim's driver exchanges slots to keep the unvisited points contiguous, so
/// a kernel keeps its own copy of the data and `copy()` gives an independent one.
protocol DistanceKernel: AnyObject, Sendable {
    associatedtype Evaluator: PairDistance
    var count: Int { get }
    /// A value-type view of the current storage for inner loops: its fields are plain values the
    /// optimiser keeps in registers and hoists branches on, which it cannot do through a class.
    /// Valid until the kernel is released; exchanges are visible through it.
    var evaluator: Evaluator { get }
    /// d(a, b) for the points in slots `a` and `b`, bit-identical to `Distances`.
    func distance(_ a: Int, _ b: Int) -> Double
    /// Exchanges the contents of two slots.
    func exchange(_ a: Int, _ b: Int)
    /// An independent copy of the storage, in the current slot order.
    func copy() -> Self
    /// Calls `body` with a function giving the distance from row `row` of `queries` to each slot.
    func withQuery<R>(_ queries: PointSet, row: Int, _ body: ((Int) -> Double) -> R) -> R
}

/// Exact distance between two slots, as a value type used in the drivers' inner loops.
protocol PairDistance: Sendable {
    func distance(_ a: Int, _ b: Int) -> Double
    /// d(a, b0), d(a, b1), d(a, b2), d(a, b3), each bit-identical to `distance`. Evaluators whose sums
    /// are bound by add latency compute the four together; the default evaluates them one by one.
    func distances(_ a: Int, _ b0: Int, _ b1: Int, _ b2: Int, _ b3: Int) -> SIMD4<Double>
    /// d(a, b[i]) for the eight slots in `b`, each bit-identical to `distance`; the default evaluates
    /// them as two batches of four.
    func distances(_ a: Int, _ b: SIMD8<Int>) -> SIMD8<Double>
    /// Whether `distances` is faster than four `distance` calls, so drivers should gather work in fours.
    static var prefersBatches: Bool { get }
}

extension PairDistance {
    @inline(__always)
    func distances(_ a: Int, _ b0: Int, _ b1: Int, _ b2: Int, _ b3: Int) -> SIMD4<Double> {
        SIMD4(distance(a, b0), distance(a, b1), distance(a, b2), distance(a, b3))
    }

    @inline(__always)
    func distances(_ a: Int, _ b: SIMD8<Int>) -> SIMD8<Double> {
        SIMD8(lowHalf: distances(a, b[0], b[1], b[2], b[3]), highHalf: distances(a, b[4], b[5], b[6], b[7]))
    }

    static var prefersBatches: Bool { false }
}
