/// Row-compressed sparse matrix (CSR): row `i` holds `columns[rowStart[i]..<rowStart[i+1]]` (strictly
/// ascending) with the matching `values`. This is the plain matrix that features become and that
/// clustering reads; it never knows about reports.
public struct SparseMatrix: Sendable, Equatable {
    public private(set) var rowStart: [Int] = [0]
    public private(set) var columns: [Int32] = []
    public private(set) var values = SparseValues()
    public var columnCount: Int

    public init(columnCount: Int) { self.columnCount = columnCount }

    public var rowCount: Int { rowStart.count - 1 }
    public var nonZeroCount: Int { columns.count }

    /// Appends a row; `entries` must be sorted by column with no repeats. Zero values are dropped.
    public mutating func appendRow<S: Sequence>(_ entries: S) where S.Element == (Int32, Double) {
        for (column, value) in entries where value != 0 {
            precondition(Int(column) < columnCount, "column out of range")
            assert(columns.count == rowStart[rowStart.count - 1] || columns.last! < column, "columns must ascend")
            columns.append(column)
            values.append(value)
        }
        rowStart.append(columns.count)
    }

    /// Appends rows given in the same form (`rowStart` from 0, each row's columns strictly ascending,
    /// no zero values).
    public mutating func appendRows(rowStart starts: [Int], columns newColumns: [Int32], values newValues: SparseValues) {
        precondition(starts.first == 0 && starts.last == newColumns.count && newColumns.count == newValues.count,
                     "rows do not match their entries")
        for r in 0..<(starts.count - 1) {
            for k in starts[r]..<starts[r + 1] {
                precondition(newColumns[k] >= 0 && Int(newColumns[k]) < columnCount, "column out of range")
                precondition(k == starts[r] || newColumns[k - 1] < newColumns[k], "columns must ascend")
                precondition(newValues[k] != 0, "zero entry")
            }
        }
        let base = columns.count
        columns.append(contentsOf: newColumns)
        values.append(contentsOf: newValues)
        for end in starts.dropFirst() { rowStart.append(base + end) }
    }

    public func row(_ i: Int) -> (columns: ArraySlice<Int32>, values: Slice<SparseValues>) {
        let range = rowStart[i]..<rowStart[i + 1]
        return (columns[range], values[range])
    }

    /// The dense row-major copy (n × columnCount). Only for small matrices.
    public func dense() -> DenseMatrix {
        var m = DenseMatrix(rows: rowCount, columns: columnCount)
        for i in 0..<rowCount {
            for k in rowStart[i]..<rowStart[i + 1] { m[i, Int(columns[k])] = values[k] }
        }
        return m
    }

    /// Rows selected in the given order.
    public func selectingRows(_ rows: [Int]) -> SparseMatrix {
        var out = SparseMatrix(columnCount: columnCount)
        for i in rows {
            let r = row(i)
            out.appendRow(zip(r.columns, r.values))
        }
        return out
    }

    /// Room for `rows` more rows holding `nonZeros` more entries, so appending them allocates once
    /// (appending grows by doubling, which can leave half the storage unused at 100 000 samples).
    public mutating func reserveCapacity(rows: Int, nonZeros: Int) {
        rowStart.reserveCapacity(rowStart.count + rows)
        columns.reserveCapacity(columns.count + nonZeros)
        values.reserveCapacity(values.count + nonZeros)
    }

    /// Columns kept in the given order (old index → new index by position).
    public func selectingColumns(_ kept: [Int]) -> SparseMatrix {
        var map = [Int32](repeating: -1, count: columnCount)
        for (new, old) in kept.enumerated() { map[old] = Int32(new) }
        if zip(kept, kept.dropFirst()).allSatisfy({ $0 < $1 }) { return selectingAscendingColumns(map, count: kept.count) }
        var out = SparseMatrix(columnCount: kept.count)
        var scratch: [(Int32, Double)] = []
        for i in 0..<rowCount {
            scratch.removeAll(keepingCapacity: true)
            for k in rowStart[i]..<rowStart[i + 1] where map[Int(columns[k])] >= 0 {
                scratch.append((map[Int(columns[k])], values[k]))
            }
            scratch.sort { $0.0 < $1.0 }
            out.appendRow(scratch)
        }
        return out
    }

    /// `selectingColumns` for columns kept in ascending order (`map`: old column → new, -1 dropped):
    /// each row stays in order, so entries are copied without sorting into storage of exactly the
    /// size kept.
    private func selectingAscendingColumns(_ map: [Int32], count: Int) -> SparseMatrix {
        var kept = 0
        for c in columns where map[Int(c)] >= 0 { kept += 1 }
        var out = SparseMatrix(columnCount: count)
        out.reserveCapacity(rows: rowCount, nonZeros: kept)
        for i in 0..<rowCount {
            for k in rowStart[i]..<rowStart[i + 1] {
                let column = map[Int(columns[k])]
                if column >= 0 {
                    out.columns.append(column)
                    out.values.append(values[k])
                }
            }
            out.rowStart.append(out.columns.count)
        }
        return out
    }
}

/// Dense row-major matrix of doubles.
public struct DenseMatrix: Sendable, Equatable {
    public let rows: Int
    public let columns: Int
    public var values: [Double]

    public init(rows: Int, columns: Int, values: [Double]? = nil) {
        self.rows = rows
        self.columns = columns
        self.values = values ?? [Double](repeating: 0, count: rows * columns)
        precondition(self.values.count == rows * columns, "values do not fill the matrix")
    }

    public subscript(row: Int, column: Int) -> Double {
        get { values[row * columns + column] }
        set { values[row * columns + column] = newValue }
    }

    public func row(_ i: Int) -> ArraySlice<Double> { values[(i * columns)..<((i + 1) * columns)] }
}
