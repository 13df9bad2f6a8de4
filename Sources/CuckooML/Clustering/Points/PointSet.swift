/// The points a clustering engine works on: a plain matrix, dense or sparse, row `i` being point `i`,
/// and optionally the feature group of each column, which the `groupjaccard` metric weighs by.
public struct PointSet: Sendable, Equatable {
    public enum Storage: Sendable, Equatable {
        case dense(DenseMatrix)
        case sparse(SparseMatrix)
    }

    public var storage: Storage
    /// Each column's feature group; nil means one group holding every column (group Jaccard is then
    /// plain Jaccard).
    public var columnGroups: ColumnGroups?

    public init(_ storage: Storage, columnGroups: ColumnGroups? = nil) {
        precondition(columnGroups == nil || columnGroups!.columnCount == Self.dimension(storage),
                     "one group per column")
        self.storage = storage
        self.columnGroups = columnGroups
    }

    public static func dense(_ m: DenseMatrix, columnGroups: ColumnGroups? = nil) -> PointSet {
        PointSet(.dense(m), columnGroups: columnGroups)
    }

    public static func sparse(_ m: SparseMatrix, columnGroups: ColumnGroups? = nil) -> PointSet {
        PointSet(.sparse(m), columnGroups: columnGroups)
    }

    public var count: Int {
        switch storage {
        case .dense(let m): m.rows
        case .sparse(let m): m.rowCount
        }
    }

    public var dimension: Int { Self.dimension(storage) }

    private static func dimension(_ storage: Storage) -> Int {
        switch storage {
        case .dense(let m): m.columns
        case .sparse(let m): m.columnCount
        }
    }

    /// The column groups, or one group of every column when none were given.
    public var groupsOrSingle: ColumnGroups { columnGroups ?? ColumnGroups.single(columnCount: dimension) }

    /// The columns of row `i` holding a non-zero value, ascending.
    public func nonZeroColumns(_ i: Int) -> ArraySlice<Int32> {
        switch storage {
        case .dense(let m): return GroupJaccard.nonZeroColumns(m.row(i))
        case .sparse(let m):
            let r = m.row(i)
            return r.values.allSatisfy { $0 != 0 } ? r.columns : ArraySlice(zip(r.columns, r.values).filter { $0.1 != 0 }.map(\.0))
        }
    }

    /// Whether every value is 0 or 1 (binary features allow bit-packed popcount kernels).
    public var isBinary: Bool {
        switch storage {
        case .dense(let m): m.values.allSatisfy { $0 == 0 || $0 == 1 }
        case .sparse(let m): m.values.allSatisfy { $0 == 1 }
        }
    }
}

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
/// definitions (`../shared/docs/hdbscan-reference.md`), including Prim's tie rules.
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
