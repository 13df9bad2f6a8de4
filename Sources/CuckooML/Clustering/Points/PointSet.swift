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

    /// Calls `body(column, value)` for each non-zero value of row `i` in a column below `columns`, in
    /// column order, until it returns false; whether it never did. The row packers of the integer tiles
    /// (`IntCountRows.pack`, `IntByteRows.Layout.pack`, `IntQueryRows.pack`) share it; inlined, as they
    /// run it once per row.
    @inline(__always)
    func forEachNonZero(row i: Int, below columns: Int, _ body: (Int, Double) -> Bool) -> Bool {
        switch storage {
        case .dense(let m):
            for (c, v) in m.row(i).prefix(columns).enumerated() where v != 0 {
                guard body(c, v) else { return false }
            }
        case .sparse(let m):
            let r = m.row(i)
            for (c, v) in zip(r.columns, r.values) where Int(c) < columns && v != 0 {
                guard body(Int(c), v) else { return false }
            }
        }
        return true
    }
}
