/// Checks on what `SessionStore.open` read that span the file's tables (the meta table, the clustering
/// summaries against the memberships). The session's own invariants are `SessionValidation`'s, checked
/// by `Session(restoring:)` before the session reaches any command.
extension SessionStore {
    /// `meta.schema_version` must agree with `PRAGMA user_version`, and `meta.samples` with the rows.
    static func validateMeta(_ db: SQLiteDatabase, sampleCount n: Int) throws {
        var meta: [String: String] = [:]
        let rows = try db.prepare("SELECT key, value FROM meta")
        while try rows.step() { meta[rows.string(0) ?? ""] = rows.string(1) ?? "" }
        guard let version = meta["schema_version"] else { throw invalid("meta has no schema_version") }
        // Older versions still open; what must hold is that the two places saying the version agree.
        let fileVersion = try db.integer("PRAGMA user_version") ?? 0
        guard version == String(fileVersion) else {
            throw invalid("meta schema_version '\(escapeForTerminal(version))' does not match the file's version \(fileVersion)")
        }
        guard let samples = meta["samples"] else { throw invalid("meta has no sample count") }
        guard samples == String(n) else {
            throw invalid("meta says \(escapeForTerminal(samples)) samples but the file holds \(n)")
        }
    }

    /// The `clusterings` and `clusters` tables summarise the memberships; they must agree with them.
    static func validateClusterTables(_ db: SQLiteDatabase, _ session: Session) throws {
        let summaries = try db.prepare("SELECT algorithm, clusters, noise FROM clusterings")
        while try summaries.step() {
            let algorithm = summaries.string(0) ?? ""
            let labels: [Int]
            switch algorithm {
            case "hdbscan": labels = session.hdbscan?.labels ?? []
            case "dbscan": labels = session.dbscan?.labels ?? []
            case "linkage": labels = session.linkage?.labels ?? []
            default: throw invalid("unknown clustering algorithm '\(escapeForTerminal(algorithm))'")
            }
            let k = (labels.max() ?? -1) + 1
            guard summaries.int(1) == k, summaries.int(2) == labels.count(where: { $0 < 0 }) else {
                throw invalid("\(algorithm): clusterings says \(summaries.int(1)) clusters and \(summaries.int(2)) noise; the memberships say \(k) and \(labels.count(where: { $0 < 0 }))")
            }
            var sizes = [Int](repeating: 0, count: k)
            for label in labels where label >= 0 { sizes[label] += 1 }
            let rows = try db.prepare("SELECT cluster, size FROM clusters WHERE algorithm = ? ORDER BY cluster")
            rows.bind(1, algorithm)
            var count = 0
            while try rows.step() {
                let cluster = rows.int(0), size = rows.int(1)
                guard cluster == count, cluster >= k ? size == 0 : size == sizes[cluster] else {
                    throw invalid("\(algorithm): the clusters table disagrees with the memberships at cluster \(cluster)")
                }
                count += 1
            }
            guard count >= k else { throw invalid("\(algorithm): the clusters table has \(count) clusters for \(k)") }
        }
        // The `sample` columns repeated for joins must name the row's sample.
        for table in ["membership", "sample_features"] {
            let mismatched = try db.integer("SELECT count(*) FROM \(table) t JOIN samples s ON s.row = t.row WHERE t.sample IS NOT s.sample") ?? 0
            guard mismatched == 0 else { throw invalid("\(table): \(mismatched) rows name another sample than their row") }
        }
    }

    private static func invalid(_ message: String) -> SQLiteError { SQLiteError(code: 0, message: message) }
}
