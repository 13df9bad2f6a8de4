#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A numeric matrix read from a CSV file for `import matrix`: any data can become the session's
/// feature matrix. The first line is a header. The sample id is the column named by `id=`, else the
/// first column named `sample`, `id`, `md5`, `sha1`, `sha256` or `name` (whatever its values: numeric
/// ids are ids), else a first column holding any non-numeric value; the `label` column (when named)
/// becomes external labels and is not a feature. Every feature value must be a finite number.
public struct ImportedMatrix: Sendable, Equatable {
    public var ids: [String]
    /// Feature column names, in file order.
    public var names: [String]
    public var matrix: SparseMatrix
    /// Label per row when a label column was named.
    public var labels: [String]?

    /// Header names that make a column the sample id whatever its values (compared ignoring case).
    public static let idColumnNames: Set<String> = ["sample", "id", "md5", "sha1", "sha256", "name"]

    /// Parses CSV text (RFC 4180: comma-separated, optional double quotes with `""` escapes, line
    /// breaks allowed inside quotes). Errors are one line naming `path`, the line and the column.
    public static func parse(_ text: String, path: String, labelColumn: String? = nil, idColumn: String? = nil) throws(ImportError) -> ImportedMatrix {
        var text = text
        let result = text.withUTF8 { parseResult(bytes: $0, path: path, labelColumn: labelColumn, idColumn: idColumn) }
        return try result.get()
    }

    /// Parses the bytes of a CSV file (UTF-8), as `parse(_:path:labelColumn:idColumn:)`.
    public static func parse(bytes: [UInt8], path: String, labelColumn: String? = nil, idColumn: String? = nil) throws(ImportError) -> ImportedMatrix {
        let result = bytes.withUnsafeBufferPointer { parseResult(bytes: $0, path: path, labelColumn: labelColumn, idColumn: idColumn) }
        return try result.get()
    }

    private static func parseResult(bytes: UnsafeBufferPointer<UInt8>, path: String,
                                    labelColumn: String?, idColumn: String?) -> Result<ImportedMatrix, ImportError> {
        do throws(ImportError) {
            var reader = CSVBytes(bytes: bytes, path: path)
            return .success(try reader.matrix(labelColumn: labelColumn, idColumn: idColumn))
        } catch {
            return .failure(error)
        }
    }

    /// A decimal number (also `nan`, `inf`); surrounding spaces allowed.
    static func number(_ s: String) -> Double? {
        let t = s.trimmingSpaces()
        guard !t.isEmpty else { return nil }
        return Double(t)
    }
}

/// The byte-level CSV reader behind `ImportedMatrix`: lines and fields are byte ranges, numbers are
/// parsed without a String per field (integers directly, plain decimals with `strtod`, anything else
/// through `Double(String)` as before).
struct CSVBytes {
    let bytes: UnsafeBufferPointer<UInt8>
    let path: String
    /// Record content ranges (without the line break and one trailing carriage return). A record is
    /// one line, or several when a quoted field holds line breaks.
    var lines: [Range<Int>] = []
    /// The file line each record starts on (1-based), for messages.
    var lineNumbers: [Int] = []
    /// The decoded text of a field that had quotes.
    var scratch: [UInt8] = []

    init(bytes: UnsafeBufferPointer<UInt8>, path: String) {
        self.bytes = bytes
        self.path = path
        var start = 0
        let n = bytes.count
        var line = 1
        while true {
            var end = start
            // A quote opens only at the start of a field and closes at a quote not doubled; a line
            // break inside quotes belongs to the field.
            var quoted = false, fieldStart = true
            let startLine = line
            while end < n {
                let c = bytes[end]
                if c == 10 { line += 1; if !quoted { break } }
                if quoted {
                    if c == 34 { if end + 1 < n && bytes[end + 1] == 34 { end += 1 } else { quoted = false } }
                } else if c == 34 && fieldStart {
                    quoted = true
                }
                fieldStart = c == 44
                end += 1
            }
            let terminated = end < n
            var content = end
            // "\r\n" is one line break; then, like a lone "\r" before it, one trailing "\r" is dropped.
            if terminated && content > start && bytes[content - 1] == 13 { content -= 1 }
            lines.append(start..<content)
            lineNumbers.append(startLine)
            if !terminated { break }
            start = end + 1
        }
        while let last = lines.last, last.allSatisfy({ bytes[$0] == 13 || bytes[$0] == 32 }) { lines.removeLast(); lineNumbers.removeLast() }
        for i in lines.indices where lines[i].count > 0 && bytes[lines[i].upperBound - 1] == 13 {
            lines[i] = lines[i].lowerBound..<(lines[i].upperBound - 1)
        }
    }

    /// Calls `body(column, bytes)` for each field of line `line` (0-based) and returns the field count.
    @inline(__always)
    mutating func fields(_ line: Int, _ body: (Int, UnsafeBufferPointer<UInt8>) throws(ImportError) -> Void) throws(ImportError) -> Int {
        let range = lines[line]
        var column = 0
        var i = range.lowerBound
        var fieldStart = i
        var quoted = false, wasQuoted = false
        let b = bytes
        scratch.removeAll(keepingCapacity: true)
        while i < range.upperBound {
            let c = b[i]
            if quoted {
                if c == 34 {
                    if i + 1 < range.upperBound && b[i + 1] == 34 { scratch.append(34); i += 1 } else { quoted = false }
                } else { scratch.append(c) }
            } else if c == 44 {
                if wasQuoted {
                    try scratch.withUnsafeBufferPointer { (f) throws(ImportError) in try body(column, f) }
                    scratch.removeAll(keepingCapacity: true)
                } else {
                    try body(column, UnsafeBufferPointer(rebasing: b[fieldStart..<i]))
                }
                column += 1; fieldStart = i + 1; wasQuoted = false
            } else if c == 34 && i == fieldStart && !wasQuoted {
                quoted = true; wasQuoted = true
            } else if wasQuoted {
                scratch.append(c)
            }
            i += 1
        }
        guard !quoted else { throw ImportError(path, "line \(lineNumbers[line]): unterminated quote") }
        if wasQuoted {
            try scratch.withUnsafeBufferPointer { (f) throws(ImportError) in try body(column, f) }
        } else {
            try body(column, UnsafeBufferPointer(rebasing: b[fieldStart..<i]))
        }
        return column + 1
    }

    static func text(_ f: UnsafeBufferPointer<UInt8>) -> String { String(decoding: f, as: UTF8.self) }

    mutating func matrix(labelColumn: String?, idColumn: String?) throws(ImportError) -> ImportedMatrix {
        let path = self.path
        guard !lines.isEmpty else { throw ImportError(path, "the file is empty (a header line is required)") }
        var header: [String] = []
        _ = try fields(0) { _, f in header.append(Self.text(f)) }
        guard !header.isEmpty, !(header.count == 1 && header[0].isEmpty) else { throw ImportError(path, "line 1: the header is empty") }
        let labelIndex = labelColumn.flatMap { header.firstIndex(of: $0) }
        // First pass: the shape of every line, and whether the first column is the sample id.
        var firstColumnHasText = false
        for line in 1..<lines.count {
            let count = try fields(line) { column, f in
                if column == 0 && !firstColumnHasText && Self.number(f) == nil { firstColumnHasText = true }
            }
            guard count == header.count else {
                throw ImportError(path, "line \(lineNumbers[line]): \(count) fields, but the header has \(header.count)")
            }
        }
        guard lines.count > 1 else { throw ImportError(path, "no data rows after the header") }
        if let name = labelColumn, labelIndex == nil { throw ImportError(path, "no column named '\(name)' in the header") }
        let idIndex: Int?
        if let name = idColumn {
            guard let index = header.firstIndex(of: name) else { throw ImportError(path, "no column named '\(name)' in the header") }
            guard index != labelIndex else { throw ImportError(path, "column '\(name)' cannot be both the id and the label") }
            idIndex = index
        } else if let named = header.indices.first(where: { $0 != labelIndex && ImportedMatrix.idColumnNames.contains(header[$0].trimmingSpaces().lowercased()) }) {
            idIndex = named
        } else {
            idIndex = labelIndex != 0 && firstColumnHasText ? 0 : nil
        }
        let featureColumns = header.indices.filter { $0 != idIndex && $0 != labelIndex }
        guard !featureColumns.isEmpty else { throw ImportError(path, "no numeric feature columns") }
        var featureOf = [Int32](repeating: -1, count: header.count)
        for (j, column) in featureColumns.enumerated() { featureOf[column] = Int32(j) }
        var matrix = SparseMatrix(columnCount: featureColumns.count)
        var ids: [String] = []
        ids.reserveCapacity(lines.count - 1)
        var labels: [String] = []
        var seen: Set<String> = []
        var entries: [(Int32, Double)] = []
        let lineNumbers = self.lineNumbers
        for line in 1..<lines.count {
            entries.removeAll(keepingCapacity: true)
            var id = ""
            _ = try fields(line) { (column, f) throws(ImportError) in
                let feature = featureOf[column]
                if feature >= 0 {
                    guard let v = Self.number(f) else {
                        throw ImportError(path, "line \(lineNumbers[line]), column '\(header[column])': '\(Self.text(f).prefix(40))' is not a number")
                    }
                    // NaN and ±inf would poison every distance computed from the row.
                    guard v.isFinite else {
                        throw ImportError(path, "line \(lineNumbers[line]), column '\(header[column])': '\(Self.text(f).prefix(40))' is not a finite number")
                    }
                    if v != 0 { entries.append((feature, v)) }
                } else {
                    if column == idIndex { id = Self.text(f) }
                    if column == labelIndex { labels.append(Self.text(f)) }
                }
            }
            matrix.appendRow(entries)
            if idIndex == nil { id = "row\(line)" }
            guard !id.isEmpty else { throw ImportError(path, "line \(lineNumbers[line]): the sample id is empty") }
            guard seen.insert(id).inserted else { throw ImportError(path, "line \(lineNumbers[line]): sample id '\(id.prefix(60))' repeats") }
            ids.append(id)
        }
        return ImportedMatrix(ids: ids, names: featureColumns.map { header[$0] }, matrix: matrix,
                              labels: labelIndex == nil ? nil : labels)
    }

    /// `ImportedMatrix.number` on bytes: short integers and plain decimals directly, the rest via String.
    static func number(_ field: UnsafeBufferPointer<UInt8>) -> Double? {
        var lo = 0, hi = field.count
        while lo < hi && (field[lo] == 32 || field[lo] == 9) { lo += 1 }
        while hi > lo && (field[hi - 1] == 32 || field[hi - 1] == 9) { hi -= 1 }
        guard lo < hi else { return nil }
        var i = lo
        let negative = field[i] == 45
        if negative { i += 1 }
        var value = 0
        var digits = 0
        while i < hi, case let c = field[i], c >= 48 && c <= 57 { value = value &* 10 &+ Int(c &- 48); digits += 1; i += 1 }
        if i == hi && digits > 0 && digits <= 15 { return negative ? -Double(value) : Double(value) }
        if digits > 0 && hi - lo < 64 && isPlainDecimal(field, from: i, to: hi) {
            // A NUL-terminated copy for strtod, which rounds correctly like Double(String).
            return withUnsafeTemporaryAllocation(of: CChar.self, capacity: hi - lo + 1) { buffer in
                for k in lo..<hi { buffer[k - lo] = CChar(bitPattern: field[k]) }
                buffer[hi - lo] = 0
                var end: UnsafeMutablePointer<CChar>?
                let v = strtod(buffer.baseAddress!, &end)
                return end == buffer.baseAddress! + (hi - lo) ? v : nil
            }
        }
        return ImportedMatrix.number(text(UnsafeBufferPointer(rebasing: field[lo..<hi])))
    }

    /// Whether `field[from..<to]` (after an optional sign and integer digits) is `[.digits][e[sign]digits]`.
    static func isPlainDecimal(_ field: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Bool {
        var i = from
        func digitRun() -> Int {
            let s = i
            while i < to && field[i] >= 48 && field[i] <= 57 { i += 1 }
            return i - s
        }
        if i < to && field[i] == 46 {
            i += 1
            guard digitRun() > 0 else { return false }
        }
        if i < to && (field[i] == 101 || field[i] == 69) {
            i += 1
            if i < to && (field[i] == 43 || field[i] == 45) { i += 1 }
            guard digitRun() > 0 else { return false }
        }
        return i == to
    }
}

/// An `import matrix` failure: `path: reason`.
public struct ImportError: Error, Equatable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public init(_ path: String, _ reason: String) { self.path = path; self.reason = reason }
    public var description: String { "\(path): \(reason)" }
}

