/// One edge of the minimum spanning tree of the mutual-reachability graph, in Prim's emission order.
public struct MSTEdge: Sendable, Equatable {
    public var from: Int32
    public var to: Int32
    public var weight: Double
    public init(from: Int32, to: Int32, weight: Double) { self.from = from; self.to = to; self.weight = weight }
}

/// A training point near a query, with its distance.
public struct Neighbour: Sendable, Equatable {
    public var index: Int
    public var distance: Double
    public init(index: Int, distance: Double) { self.index = index; self.distance = distance }
}

/// Everything HDBSCAN (and DBSCAN, prediction, silhouette) needs from the raw points. Implementations
/// differ only in speed and memory, never in results: each must follow the hdbscan library's exact
/// definitions (`docs/hdbscan.md`), including Prim's tie rules.
public protocol NeighbourhoodEngine: Sendable {
    var count: Int { get }
    var metric: DistanceMetric { get }
    /// d(i, j) in the engine's metric.
    func distance(_ i: Int, _ j: Int) -> Double
    /// For each point, the distance at index `k` of its sorted distances to all points (itself at index 0).
    func coreDistances(k: Int, control: TaskControl) throws -> [Double]
    /// Prim's MST over mutual reachability max(core(i), core(j), d(i,j)/alpha), starting at point 0,
    /// strict `<` updates and lowest-index ties, edges in emission order.
    func minimumSpanningTree(coreDistances: [Double], alpha: Double, control: TaskControl) throws -> [MSTEdge]
    /// The `k` nearest training points to row `row` of `queries` (same columns), sorted by distance then index.
    func nearest(to queries: PointSet, row: Int, k: Int) -> [Neighbour]
    /// Indices of all points within `radius` of point `i` (itself included), ascending.
    func neighbours(of i: Int, within radius: Double) -> [Int]
}
