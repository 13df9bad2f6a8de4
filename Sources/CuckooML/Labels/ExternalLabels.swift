/// A problem with an external label file; the message names the file and, where it helps, the line.
public struct LabelFileError: Error, Equatable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public init(path: String, reason: String) { self.path = path; self.reason = reason }
    public var description: String { "\(path): \(reason)" }
}

/// Labels read from a CSV or TSV file (e.g. AVClass output), keyed by sample id, md5 or sha256.
///
/// Accepted shapes:
/// - a header naming a key column (`sample`, `id`, `md5`, `sha256`, `hash`) and a label column
///   (`family`, `label`, `class`), comma- or tab-separated, with CSV quoting;
/// - no header: two columns `KEY<TAB>family` (AVClass writes `md5\tfamily`) or `KEY,family`;
/// - AVClass's tag output (`avclass -t`): `KEY<TAB>ENGINES<TAB>FAM:name|n,CLASS:...`, whose family is
///   the first `FAM:` tag (else the first `UNK:` tag, as AVClass picks it);
/// - JSON lines, one object per line with a key (`md5`, `sha1`, `sha256`, `sample`, `hash`, `id`) and
///   a `family` or `label` string.
/// AVClass's "no family" answers (`SINGLETON:hash`, `-`, `[]`) become `none`.
public struct ExternalLabels: Sendable, Equatable {
    public struct Row: Sendable, Equatable {
        public var line: Int
        public var key: String
        public var family: String
    }

    public var rows: [Row]
    /// Rows with an empty key or an empty family, left out (reported by `labels load`).
    public var blankRows: [Row] = []

    /// Parses the text of a label file.
    public static func parse(_ text: String, path: String) throws(LabelFileError) -> ExternalLabels {
        // Spreadsheet exports often start with a byte-order mark.
        let text = text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text
        var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            .map { $0.hasSuffix("\r") ? String($0.dropLast()) : String($0) }
        while lines.last?.isEmpty == true { lines.removeLast() }
        guard let first = lines.first(where: { !$0.isEmpty }) else {
            throw LabelFileError(path: path, reason: "no labels in the file")
        }
        if first.trimmingSpaces().hasPrefix("{") { return try parseJSONLines(lines, path: path) }
        let separator: Character = first.contains("\t") ? "\t" : ","
        let header = splitFields(first, separator).map { $0.lowercased().trimmingSpaces() }
        let keyNames = ["sample", "id", "md5", "sha256", "sha1", "hash", "report"]
        let labelNames = ["family", "label", "class", "label_recomputed"]
        var keyColumn = 0, labelColumn = 1
        var firstDataLine = 0
        if let k = header.firstIndex(where: keyNames.contains), let l = header.firstIndex(where: labelNames.contains) {
            keyColumn = k
            labelColumn = l
            firstDataLine = lines.firstIndex(of: first)! + 1
        } else if header.count < 2 {
            throw LabelFileError(path: path, reason: "line 1: expected KEY\(separator == "\t" ? "<TAB>" : ",")FAMILY or a header with sample/md5/sha256 and family/label columns")
        }
        var rows: [Row] = [], blankRows: [Row] = []
        for (offset, line) in lines.enumerated().dropFirst(firstDataLine) where !line.trimmingSpaces().isEmpty {
            let fields = splitFields(line, separator)
            guard fields.count > max(keyColumn, labelColumn) else {
                throw LabelFileError(path: path, reason: "line \(offset + 1): expected at least \(max(keyColumn, labelColumn) + 1) fields, found \(fields.count)")
            }
            let key = fields[keyColumn].trimmingSpaces()
            var family = fields[labelColumn].trimmingSpaces()
            if firstDataLine == 0 && fields.count >= 3 && Int(family) != nil {
                family = Self.familyFromTags(fields[2])
            }
            guard !key.isEmpty, !family.isEmpty else { blankRows.append(Row(line: offset + 1, key: key, family: family)); continue }
            rows.append(Row(line: offset + 1, key: key, family: Self.normalisedFamily(family)))
        }
        return ExternalLabels(rows: rows, blankRows: blankRows)
    }

    /// AVClass's answers for "no family" (`SINGLETON:<hash>`, `-`, `[]`) as `none`; other names as given.
    static func normalisedFamily(_ family: String) -> String {
        family.hasPrefix("SINGLETON:") || family == "-" || family == "[]" ? SampleLabel.noneFamily : family
    }

    /// The family in AVClass's tag list `FAM:zbot|5,FILE:os:windows|14,UNK:klone|2`: the first `FAM:`
    /// tag, else the first `UNK:` one (AVClass's own choice), else `none`.
    static func familyFromTags(_ tags: String) -> String {
        let names = tags.split(separator: ",").map { $0.split(separator: "|").first.map(String.init) ?? "" }
        for prefix in ["FAM:", "UNK:"] {
            if let tag = names.first(where: { $0.hasPrefix(prefix) }) { return String(tag.dropFirst(prefix.count)) }
        }
        return SampleLabel.noneFamily
    }

    /// One JSON object per line: a key field and a family field (other fields are ignored).
    static func parseJSONLines(_ lines: [String], path: String) throws(LabelFileError) -> ExternalLabels {
        var rows: [Row] = [], blankRows: [Row] = []
        for (offset, line) in lines.enumerated() where !line.trimmingSpaces().isEmpty {
            let fields: [String: String]
            do {
                fields = try JSONLineFields.read(Array(line.utf8))
            } catch {
                throw LabelFileError(path: path, reason: "line \(offset + 1): \(error)")
            }
            guard let key = ["sample", "md5", "sha256", "sha1", "hash", "id"].lazy.compactMap({ fields[$0] }).first(where: { !$0.isEmpty }),
                  let family = fields["family"] ?? fields["label"] else {
                throw LabelFileError(path: path, reason: "line \(offset + 1): expected a key (sample, md5, sha256, sha1, hash, id) and a family or label field")
            }
            guard !family.isEmpty else { blankRows.append(Row(line: offset + 1, key: key, family: family)); continue }
            rows.append(Row(line: offset + 1, key: key, family: normalisedFamily(family)))
        }
        guard !rows.isEmpty else { throw LabelFileError(path: path, reason: "no labels in the file") }
        return ExternalLabels(rows: rows, blankRows: blankRows)
    }

    /// Matches rows to samples by id (also without `.json`), md5 or sha256 (case-insensitive hashes).
    /// Returns the labels by sample id and the rows that matched nothing.
    public func match(_ samples: [Sample]) -> (labels: [String: SampleLabel], unmatched: [Row]) {
        var byKey: [String: String] = [:]
        for s in samples {
            byKey[s.id] = s.id
            if let md5 = s.md5 { byKey[md5.lowercased()] = s.id }
            if let sha = s.sha256 { byKey[sha.lowercased()] = s.id }
        }
        var labels: [String: SampleLabel] = [:]
        var unmatched: [Row] = []
        for row in rows {
            let stem = row.key.hasSuffix(".json") ? String(row.key.dropLast(5)) : row.key
            guard let id = byKey[row.key] ?? byKey[stem] ?? byKey[row.key.lowercased()] else {
                unmatched.append(row)
                continue
            }
            labels[id] = SampleLabel(family: row.family, votes: 0, source: .external)
        }
        return (labels, unmatched)
    }
}

/// Splits one CSV/TSV line into fields, honouring double quotes (`""` inside quotes is a quote).
func splitFields(_ line: String, _ separator: Character) -> [String] {
    var fields: [String] = []
    var field = ""
    var quoted = false
    var iterator = line.makeIterator()
    var pending: Character? = nil
    while let c = pending ?? iterator.next() {
        pending = nil
        if quoted {
            if c == "\"" {
                if let next = iterator.next() {
                    if next == "\"" { field.append("\"") } else { quoted = false; pending = next }
                } else {
                    quoted = false
                }
            } else {
                field.append(c)
            }
        } else if c == "\"" && field.isEmpty {
            quoted = true
        } else if c == separator {
            fields.append(field)
            field = ""
        } else {
            field.append(c)
        }
    }
    fields.append(field)
    return fields
}
