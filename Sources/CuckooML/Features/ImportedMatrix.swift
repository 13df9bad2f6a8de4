/// A numeric matrix read from a CSV file for `import matrix`: any data can become the session's
/// feature matrix. The first line is a header; a first column holding any non-numeric value is the
/// sample id; the `label` column (when named) becomes external labels and is not a feature.
public struct ImportedMatrix: Sendable, Equatable {
    public var ids: [String]
    /// Feature column names, in file order.
    public var names: [String]
    public var matrix: SparseMatrix
    /// Label per row when a label column was named.
    public var labels: [String]?

    /// Parses CSV text (comma-separated, optional double quotes with `""` escapes, no newlines inside
    /// fields). Errors are one line naming `path`, the line and the column.
    public static func parse(_ text: String, path: String, labelColumn: String? = nil) throws(ImportError) -> ImportedMatrix {
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
        while let last = lines.last, last.allSatisfy({ $0 == "\r" || $0 == " " }) { lines.removeLast() }
        guard let headerLine = lines.first else { throw ImportError(path, "the file is empty (a header line is required)") }
        let header = try fields(headerLine, path: path, line: 1)
        guard !header.isEmpty, !(header.count == 1 && header[0].isEmpty) else { throw ImportError(path, "line 1: the header is empty") }
        let rows = try lines.dropFirst().enumerated().map { k, line throws(ImportError) in
            let f = try fields(line, path: path, line: k + 2)
            guard f.count == header.count else {
                throw ImportError(path, "line \(k + 2): \(f.count) fields, but the header has \(header.count)")
            }
            return f
        }
        guard !rows.isEmpty else { throw ImportError(path, "no data rows after the header") }
        var labelIndex: Int?
        if let name = labelColumn {
            guard let i = header.firstIndex(of: name) else {
                throw ImportError(path, "no column named '\(name)' in the header")
            }
            labelIndex = i
        }
        // The first column is the sample id when any of its values is not a number.
        let idIndex: Int? = labelIndex != 0 && rows.contains { number($0[0]) == nil } ? 0 : nil
        let featureColumns = header.indices.filter { $0 != idIndex && $0 != labelIndex }
        guard !featureColumns.isEmpty else { throw ImportError(path, "no numeric feature columns") }
        var matrix = SparseMatrix(columnCount: featureColumns.count)
        var ids: [String] = []
        var seen: Set<String> = []
        var entries: [(Int32, Double)] = []
        for (k, row) in rows.enumerated() {
            entries.removeAll(keepingCapacity: true)
            for (j, column) in featureColumns.enumerated() {
                guard let v = number(row[column]) else {
                    throw ImportError(path, "line \(k + 2), column '\(header[column])': '\(row[column].prefix(40))' is not a number")
                }
                entries.append((Int32(j), v))
            }
            matrix.appendRow(entries)
            let id = idIndex.map { row[$0] } ?? "row\(k + 1)"
            guard !id.isEmpty else { throw ImportError(path, "line \(k + 2): the sample id is empty") }
            guard seen.insert(id).inserted else { throw ImportError(path, "line \(k + 2): sample id '\(id.prefix(60))' repeats") }
            ids.append(id)
        }
        return ImportedMatrix(ids: ids, names: featureColumns.map { header[$0] }, matrix: matrix,
                              labels: labelIndex.map { i in rows.map { $0[i] } })
    }

    /// A decimal number (also `nan`, `inf`); surrounding spaces allowed.
    static func number(_ s: String) -> Double? {
        let t = s.trimmingSpaces
        guard !t.isEmpty else { return nil }
        return Double(t)
    }

    static func fields(_ line: Substring, path: String, line number: Int) throws(ImportError) -> [String] {
        var out: [String] = []
        var field = ""
        var quoted = false, wasQuoted = false
        var chars = line.last == "\r" ? line.dropLast()[...] : line[...]
        while let c = chars.first {
            chars = chars.dropFirst()
            if quoted {
                if c == "\"" {
                    if chars.first == "\"" { field.append("\""); chars = chars.dropFirst() } else { quoted = false }
                } else { field.append(c) }
            } else if c == "\"" && field.isEmpty && !wasQuoted {
                quoted = true; wasQuoted = true
            } else if c == "," {
                out.append(field); field = ""; wasQuoted = false
            } else {
                field.append(c)
            }
        }
        guard !quoted else { throw ImportError(path, "line \(number): unterminated quote") }
        out.append(field)
        return out
    }
}

/// An `import matrix` failure: `path: reason`.
public struct ImportError: Error, Equatable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public init(_ path: String, _ reason: String) { self.path = path; self.reason = reason }
    public var description: String { "\(path): \(reason)" }
}

extension String {
    var trimmingSpaces: String {
        var s = self[...]
        while s.first == " " || s.first == "\t" { s = s.dropFirst() }
        while s.last == " " || s.last == "\t" { s = s.dropLast() }
        return String(s)
    }
}
