#if canImport(Glibc)
import Glibc
#endif
import Dispatch

/// Builds the session's sparse feature matrix from report records.
///
/// The samples are split into contiguous parts extracted in parallel (one per core). Each part finds
/// its columns with its own dictionary (name → provisional id, in first-seen order) and keeps its rows
/// as provisional ids in chunks; the parts' names are then merged, sorted (so the space is the same
/// whatever the load order or thread count) and every row is remapped once while its chunk is copied
/// into the matrix and released, so the peak stays near one copy of the non-zeros: 100 000 samples ×
/// a few thousand non-zeros each, over a million distinct names, fit in a few GB.
/// Time is O(total non-zeros · log(non-zeros per row) + columns · log columns), divided by the cores
/// for the extraction.
public enum FeatureBuilder {
    /// The feature set of `samples` under `configuration`, coverage filters included. Samples without a
    /// record (rows of an imported matrix) get empty rows. `threads` 0 means one per core.
    public static func build(_ samples: [Sample], configuration: FeatureConfiguration, threads: Int = 0,
                             control: TaskControl = .none) throws(Interrupted) -> FeatureSet {
        try build(samples, configuration: configuration, threads: threads, minimumRowsPerThread: 24, control: control)
    }

    static func build(_ samples: [Sample], configuration: FeatureConfiguration, threads: Int,
                      minimumRowsPerThread: Int, control: TaskControl) throws(Interrupted) -> FeatureSet {
        let cores = threads > 0 ? threads : max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        let partCount = max(1, min(cores, samples.count / max(1, minimumRowsPerThread)))
        var parts = [Part?](repeating: nil, count: partCount)
        let bounds = (0...partCount).map { $0 * samples.count / partCount }
        parts.withUnsafeMutableBufferPointer { out in
            let slots = Slots(buffer: out)
            DispatchQueue.concurrentPerform(iterations: partCount) { k in
                slots.buffer[k] = Part.extract(samples, bounds[k]..<bounds[k + 1], configuration: configuration,
                                        control: control, reportsProgress: k == 0, progressTotal: samples.count)
            }
        }
        try control.checkCancellation()
        var built = parts.map { $0! }
        parts = []

        // Merge the parts' names: part 0's ids stay, later parts map onto them or extend them.
        var names = built[0].names
        // Parts hold only names that can be spelled two ways in `vocabulary`; the merge needs them all.
        var index = NameIndex()
        if built.count > 1 {
            for (id, name) in names.enumerated() { index.insert(name, Int32(id)) }
        }
        built[0].vocabulary = NameIndex()
        var toGlobal: [[Int32]] = [Array(0..<Int32(names.count))]
        for k in 1..<built.count {
            var map = [Int32](repeating: 0, count: built[k].names.count)
            for (local, name) in built[k].names.enumerated() {
                if let id = index.find(name) {
                    map[local] = id
                } else {
                    map[local] = Int32(names.count)
                    index.insert(name, Int32(names.count))
                    names.append(name)
                }
            }
            built[k].vocabulary = NameIndex()
            built[k].names = []
            toGlobal.append(map)
        }
        index = NameIndex()

        // Sorted names (String order: byte order for ASCII, deterministic for all) and the
        // provisional id → final column map.
        let order = sortedOrder(names)
        var final = [Int32](repeating: 0, count: names.count)
        for (column, old) in order.enumerated() { final[old] = Int32(column) }
        let sortedNames = order.map { names[$0] }
        names = []

        var matrix = SparseMatrix(columnCount: sortedNames.count)
        var entries: [(Int32, Double)] = []
        for k in built.indices {
            let map = toGlobal[k].map { final[Int($0)] }
            for c in built[k].chunks.indices {
                try control.checkCancellation()
                let chunk = built[k].chunks[c]
                built[k].chunks[c] = Chunk()
                for r in 0..<(chunk.rowStart.count - 1) {
                    entries.removeAll(keepingCapacity: true)
                    for i in chunk.rowStart[r]..<chunk.rowStart[r + 1] {
                        entries.append((map[Int(chunk.columns[i])], chunk.values[i]))
                    }
                    entries.sort { $0.0 < $1.0 }
                    matrix.appendRow(entries)
                }
            }
        }
        control.report(Progress(phase: "features", done: samples.count, total: samples.count))
        let set = FeatureSet(configuration: configuration, names: sortedNames, matrix: matrix)
        return set.filtered(minimumCoverage: configuration.minimumCoverage, maximumCoverage: configuration.maximumCoverage)
    }

    /// The indices of `names` in String order. ASCII names are sorted by their bytes (the same order
    /// for ASCII, without String comparison's general path); the others, usually few, are sorted as
    /// Strings and each inserted where String comparison with the ASCII names puts it.
    static func sortedOrder(_ names: [String]) -> [Int] {
        var bytes: [UInt8] = []
        var start = [0]
        var asciiNames: [Int] = []
        var others: [Int] = []
        for (i, name) in names.enumerated() {
            if ByteHash.isASCII(name) {
                bytes.append(contentsOf: name.utf8)
                start.append(bytes.count)
                asciiNames.append(i)
            } else {
                others.append(i)
            }
        }
        let asciiOrder = byteOrder(bytes, start).map { asciiNames[$0] }
        if others.isEmpty { return asciiOrder }
        var out: [Int] = []
        out.reserveCapacity(names.count)
        var from = 0
        for o in others.sorted(by: { names[$0] < names[$1] }) {
            // The first ASCII name (from `from` on) not below this one.
            var lo = from, hi = asciiOrder.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if names[asciiOrder[mid]] < names[o] { lo = mid + 1 } else { hi = mid }
            }
            out.append(contentsOf: asciiOrder[from..<lo])
            out.append(o)
            from = lo
        }
        out.append(contentsOf: asciiOrder[from...])
        return out
    }

    /// The order of the byte strings `bytes[start[i]..<start[i + 1]]` (shorter first on a common
    /// prefix), sorting on 8-byte big-endian words: names sharing long prefixes (`:reg:write:HKEY_...`)
    /// compare as integers, one word deeper for each group still tied. An explicit stack, not
    /// recursion: a name may be very long.
    static func byteOrder(_ bytes: [UInt8], _ start: [Int]) -> [Int] {
        let count = start.count - 1
        var order = Array(0..<count)
        guard count > 1 else { return order }
        var padded = bytes
        padded.append(contentsOf: repeatElement(0, count: 8))
        return padded.withUnsafeBufferPointer { buffer in
            let base = UnsafeRawPointer(buffer.baseAddress!)
            // The word of name i at byte `depth`, zero past its end.
            func word(_ i: Int, _ depth: Int) -> UInt64 {
                let length = start[i + 1] - start[i]
                if depth >= length { return 0 }
                let raw = UInt64(bigEndian: base.loadUnaligned(fromByteOffset: start[i] + depth, as: UInt64.self))
                let valid = length - depth
                return valid >= 8 ? raw : raw & ~(UInt64.max >> (8 * valid))
            }
            // (word, length if the name ends within this word else Int.max, name): within a tied word,
            // names ending in it are prefixes of the others (the zero padding matched) and come first,
            // shortest first; the rest is sorted one word deeper.
            var keyed: [(UInt64, Int, Int)] = []
            var work: [(Range<Int>, Int)] = [(0..<count, 0)]
            while let (range, depth) = work.popLast() {
                let end = depth + 8
                keyed.removeAll(keepingCapacity: true)
                for p in range {
                    let name = order[p], length = start[name + 1] - start[name]
                    keyed.append((word(name, depth), length <= end ? length : Int.max, name))
                }
                keyed.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
                for (k, entry) in keyed.enumerated() { order[range.lowerBound + k] = entry.2 }
                var i = 0
                while i < keyed.count {
                    var j = i + 1
                    while j < keyed.count && keyed[j].0 == keyed[i].0 { j += 1 }
                    var longer = i
                    while longer < j && keyed[longer].1 != Int.max { longer += 1 }
                    if j - longer > 1 { work.append(((range.lowerBound + longer)..<(range.lowerBound + j), end)) }
                    i = j
                }
            }
            return order
        }
    }

    /// Each thread writes only its own slot, so sharing the buffer is safe.
    struct Slots: @unchecked Sendable {
        let buffer: UnsafeMutableBufferPointer<Part?>
    }

    /// Rows of up to 1024 samples with provisional column ids.
    struct Chunk {
        var rowStart: [Int] = [0]
        var columns: [Int32] = []
        var values: [Double] = []
        var rows: Int { rowStart.count - 1 }
    }

    /// What one thread extracted from a contiguous range of samples.
    struct Part {
        var vocabulary = NameIndex()
        var names: [String] = []
        var chunks: [Chunk] = []

        static func extract(_ samples: [Sample], _ range: Range<Int>, configuration: FeatureConfiguration,
                            control: TaskControl, reportsProgress: Bool, progressTotal: Int) -> Part {
            let extractor = FeatureExtractor(configuration: configuration)
            var part = Part()
            var current = Chunk()
            // Where each column last appeared (row, position), so repeated names overwrite without hashing.
            var markRow: [Int32] = []
            var markPosition: [Int] = []
            // Column by (prefix number, rest of the name): known names are found without building them.
            var keyed = [NameIndex](repeating: NameIndex(), count: FeatureExtractor.prefixes.count)
            for i in range {
                if (i - range.lowerBound) % 256 == 0 {
                    if control.isCancelled() { return part }
                    if reportsProgress {
                        control.report(Progress(phase: "features", done: (i - range.lowerBound) * progressTotal / max(1, range.count),
                                                total: progressTotal))
                    }
                }
                let row = Int32(truncatingIfNeeded: i)
                if let record = samples[i].record {
                    extractor.extractKeyed(record) { prefix, suffix, value in
                        let id: Int32
                        if let known = keyed[prefix].find(suffix) {
                            id = known
                        } else {
                            // A new split; the name itself may still be known under another split.
                            let name = FeatureExtractor.prefixes[prefix] + suffix
                            let ambiguous = FeatureExtractor.ambiguousPrefixes[prefix]
                            if ambiguous, let known = part.vocabulary.find(name) {
                                id = known
                            } else {
                                id = Int32(part.names.count)
                                if ambiguous { part.vocabulary.insert(name, id) }
                                part.names.append(name)
                                markRow.append(-1)
                                markPosition.append(0)
                            }
                            keyed[prefix].insert(suffix, id)
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
                if current.rows == 1024 {
                    part.chunks.append(current)
                    current = Chunk()
                }
            }
            if current.rows > 0 || part.chunks.isEmpty { part.chunks.append(current) }
            return part
        }
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

    /// Column number by feature name (build once to place many new records with `row(for:index:)`).
    public func columnIndex() -> [String: Int32] {
        var index: [String: Int32] = [:]
        index.reserveCapacity(names.count)
        for (i, n) in names.enumerated() { index[n] = Int32(i) }
        return index
    }

    /// The row a new record would have in this feature space (features outside it are dropped), for
    /// placing a sample without rebuilding (`compare`). Sorted by column.
    public func row(for record: ReportRecord, index: [String: Int32]? = nil) -> [(Int32, Double)] {
        let index = index ?? columnIndex()
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
