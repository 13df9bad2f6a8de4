/// Rows of a label file that disagree: two rows that reach the same sample (by the same key, or by its
/// id and its md5...) with different families. `match` keeps the later row; `labels load` reports
/// every such pair so that a contradiction in the ground truth is never settled silently.
extension ExternalLabels {
    public struct Conflict: Sendable, Equatable {
        public var sample: String
        /// The earlier row and the row that replaced it.
        public var earlier: Row
        public var later: Row
    }

    /// The conflicts among the rows that match `samples`, in file order of the later row. Rows reach
    /// samples by the keys `match` uses: id (also without `.json`), md5, sha256 (case-insensitive).
    public func conflicts(_ samples: [Sample]) -> [Conflict] {
        var byKey: [String: String] = [:]
        for s in samples {
            byKey[s.id] = s.id
            if let md5 = s.md5 { byKey[md5.lowercased()] = s.id }
            if let sha = s.sha256 { byKey[sha.lowercased()] = s.id }
        }
        var out: [Conflict] = []
        var seen: [String: Row] = [:]
        for row in rows {
            let stem = row.key.hasSuffix(".json") ? String(row.key.dropLast(5)) : row.key
            guard let id = byKey[row.key] ?? byKey[stem] ?? byKey[row.key.lowercased()] else { continue }
            if let earlier = seen[id], earlier.family != row.family {
                out.append(Conflict(sample: id, earlier: earlier, later: row))
            }
            seen[id] = row
        }
        return out
    }
}
