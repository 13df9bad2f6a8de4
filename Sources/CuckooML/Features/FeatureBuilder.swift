/// Builds the session's sparse feature matrix from report records.
///
/// Columns are found with one dictionary (name → provisional id, in first-seen order) while rows are
/// collected as provisional ids; at the end the names are sorted (so the space is the same whatever
/// the load order) and every row is remapped once. Rows are kept in chunks that are released
/// as they are copied into the matrix, so the peak stays near one copy of the non-zeros: 100 000
/// samples × a few thousand non-zeros each, over a million distinct names, fit in a few GB.
/// Time is O(total non-zeros · log(non-zeros per row) + columns · log columns).
public enum FeatureBuilder {
    /// The feature set of `samples` under `configuration`, coverage filters included. Samples without a
    /// record (rows of an imported matrix) get empty rows.
    public static func build(_ samples: [Sample], configuration: FeatureConfiguration,
                             control: TaskControl = .none) throws(Interrupted) -> FeatureSet {
        let extractor = FeatureExtractor(configuration: configuration)
        var vocabulary: [String: Int32] = [:]
        var names: [String] = []
        let chunkSize = 1024
        var chunks: [(rowStart: [Int], columns: [Int32], values: [Double])] = []
        var current: (rowStart: [Int], columns: [Int32], values: [Double]) = ([0], [], [])
        // Where each column last appeared (row, position), so repeated names overwrite without hashing.
        var markRow: [Int32] = []
        var markPosition: [Int] = []

        for (i, sample) in samples.enumerated() {
            if i % 256 == 0 {
                try control.checkCancellation()
                control.report(Progress(phase: "features", done: i, total: samples.count))
            }
            let row = Int32(truncatingIfNeeded: i)
            if let record = sample.record {
                extractor.extract(record) { name, value in
                    let id: Int32
                    if let known = vocabulary[name] {
                        id = known
                    } else {
                        id = Int32(names.count)
                        vocabulary[name] = id
                        names.append(name)
                        markRow.append(-1)
                        markPosition.append(0)
                    }
                    let column = Int(id)
                    if markRow[column] == row {
                        current.values[markPosition[column]] = value
                    } else {
                        markRow[column] = row
                        markPosition[column] = current.columns.count
                        current.columns.append(id)
                        current.values.append(value)
                    }
                }
            }
            current.rowStart.append(current.columns.count)
            if current.rowStart.count - 1 == chunkSize {
                chunks.append(current)
                current = ([0], [], [])
            }
        }
        if current.rowStart.count > 1 { chunks.append(current) }
        vocabulary = [:]

        markRow = []
        markPosition = []
        // Sorted names (String order: byte order for ASCII, deterministic for all) and the
        // provisional id → final column map.
        let order = names.indices.sorted { names[$0] < names[$1] }
        var remap = [Int32](repeating: 0, count: names.count)
        for (column, old) in order.enumerated() { remap[old] = Int32(column) }
        let sortedNames = order.map { names[$0] }
        names = []

        var matrix = SparseMatrix(columnCount: sortedNames.count)
        var entries: [(Int32, Double)] = []
        for c in chunks.indices {
            try control.checkCancellation()
            let chunk = chunks[c]
            chunks[c] = ([], [], [])
            for r in 0..<(chunk.rowStart.count - 1) {
                entries.removeAll(keepingCapacity: true)
                for k in chunk.rowStart[r]..<chunk.rowStart[r + 1] {
                    entries.append((remap[Int(chunk.columns[k])], chunk.values[k]))
                }
                entries.sort { $0.0 < $1.0 }
                matrix.appendRow(entries.lazy.filter { $0.1 != 0 })
            }
        }
        control.report(Progress(phase: "features", done: samples.count, total: samples.count))
        let set = FeatureSet(configuration: configuration, names: sortedNames, matrix: matrix)
        return set.filtered(minimumCoverage: configuration.minimumCoverage, maximumCoverage: configuration.maximumCoverage)
    }
}

extension FeatureSet {
    /// How many samples each column is non-zero in.
    public var columnSupport: [Int] {
        var support = [Int](repeating: 0, count: matrix.columnCount)
        for c in matrix.columns { support[Int(c)] += 1 }
        return support
    }

    /// Keeps the columns non-zero in at least `minimumCoverage` and at most `maximumCoverage` of the
    /// samples (fractions 0...1; nil means no bound). Matches the 2016 `filter_dataset`, which dropped
    /// a feature when `non-zero rows / rows < coverage`. The configuration records the bounds, so a
    /// rebuild for new samples applies them again; repeated filters only ever tighten the bounds.
    public func filtered(minimumCoverage: Double?, maximumCoverage: Double?) -> FeatureSet {
        guard minimumCoverage != nil || maximumCoverage != nil else { return self }
        let rows = Double(matrix.rowCount)
        let support = columnSupport
        var kept: [Int] = []
        for column in 0..<matrix.columnCount {
            let coverage = rows > 0 ? Double(support[column]) / rows : 0
            if let lower = minimumCoverage, coverage < lower { continue }
            if let upper = maximumCoverage, coverage > upper { continue }
            kept.append(column)
        }
        var configuration = self.configuration
        if let lower = minimumCoverage { configuration.minimumCoverage = max(lower, configuration.minimumCoverage ?? lower) }
        if let upper = maximumCoverage { configuration.maximumCoverage = min(upper, configuration.maximumCoverage ?? upper) }
        if kept.count == matrix.columnCount {
            return FeatureSet(configuration: configuration, names: names, matrix: matrix)
        }
        return FeatureSet(configuration: configuration, names: kept.map { names[$0] }, matrix: matrix.selectingColumns(kept))
    }

    /// The row a new record would have in this feature space (features outside it are dropped), for
    /// placing a sample without rebuilding (`compare`). Sorted by column.
    public func row(for record: ReportRecord) -> [(Int32, Double)] {
        var index: [String: Int32] = [:]
        index.reserveCapacity(names.count)
        for (i, n) in names.enumerated() { index[n] = Int32(i) }
        var values: [Int32: Double] = [:]
        FeatureExtractor(configuration: configuration).extract(record) { name, value in
            if let column = index[name] { values[column] = value }
        }
        return values.filter { $0.value != 0 }.map { ($0.key, $0.value) }.sorted { $0.0 < $1.0 }
    }

    /// Fraction of matrix cells that are non-zero.
    public var density: Double {
        let cells = Double(matrix.rowCount) * Double(matrix.columnCount)
        return cells > 0 ? Double(matrix.nonZeroCount) / cells : 0
    }

    /// Per group (in `FeatureGroup` order): columns and non-zeros. Simple features are all in
    /// `.signature`; names outside every group (an imported matrix) are counted under nil.
    public func groupSummary() -> [(group: FeatureGroup?, columns: Int, nonZeros: Int)] {
        var columnGroup = [Int](repeating: FeatureGroup.allCases.count, count: names.count)
        for (i, name) in names.enumerated() {
            let group: FeatureGroup? = configuration.kind == .simple ? .signature : FeatureGroup.of(name)
            if let group { columnGroup[i] = FeatureGroup.allCases.firstIndex(of: group)! }
        }
        var columns = [Int](repeating: 0, count: FeatureGroup.allCases.count + 1)
        var nonZeros = columns
        for g in columnGroup { columns[g] += 1 }
        for c in matrix.columns { nonZeros[columnGroup[Int(c)]] += 1 }
        var out: [(group: FeatureGroup?, columns: Int, nonZeros: Int)] = []
        for (i, group) in FeatureGroup.allCases.enumerated() where columns[i] > 0 {
            out.append((group, columns[i], nonZeros[i]))
        }
        if columns.last! > 0 { out.append((nil, columns.last!, nonZeros.last!)) }
        return out
    }
}
