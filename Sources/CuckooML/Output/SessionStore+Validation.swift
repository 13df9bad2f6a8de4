/// Checks on what `SessionStore.open` read, before the session reaches any command. A session file may
/// have been edited by hand (it is a documented SQLite database) or damaged, and the commands index
/// arrays by the numbers in it: a cluster id one past the last traps, a cluster id of 4 000 000 000
/// allocates 32 GB. Every number that is used as an index or a count is checked here, so a bad file is
/// refused with one line instead.
extension SessionStore {
    /// Everything cross-table: the meta table, then the session as assembled, then the stored
    /// clustering summaries against the memberships they summarise.
    static func validate(_ db: SQLiteDatabase, _ session: Session) throws {
        try validateMeta(db, sampleCount: session.samples.count)
        try validate(session)
        try validateClusterTables(db, session)
    }

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

    /// The invariants the commands rely on, on a session value (the file's tables already decoded).
    public static func validate(_ session: Session) throws(SessionValidationError) {
        let n = session.samples.count
        for (row, sample) in session.samples.enumerated() where sample.reportSize < 0 {
            throw SessionValidationError("sample row \(row): negative report size \(sample.reportSize)")
        }
        if let features = session.features {
            guard features.matrix.rowCount == n else {
                throw SessionValidationError("\(features.matrix.rowCount) feature rows for \(n) samples")
            }
        }
        if let h = session.hdbscan { try validate(h, sampleCount: n) }
        if let l = session.linkage { try validate(l, sampleCount: n) }
        if let d = session.dbscan {
            try validateLabels(d.labels, algorithm: "dbscan", sampleCount: n)
            guard d.isCore.count == n else { throw SessionValidationError("dbscan: \(d.isCore.count) core flags for \(n) samples") }
            guard (1...Int(Int32.max)).contains(d.parameters.minSamples), d.parameters.eps > 0, d.parameters.eps.isFinite else {
                throw SessionValidationError("dbscan: parameters out of range (eps \(d.parameters.eps), min_samples \(d.parameters.minSamples))")
            }
        }
    }

    static func validate(_ l: LinkageResult, sampleCount n: Int) throws(SessionValidationError) {
        try validateLabels(l.labels, algorithm: "linkage", sampleCount: n)
        let t = l.parameters.threshold
        guard t.isFinite, t >= 0 else { throw SessionValidationError("linkage: cut distance \(t) out of range") }
        guard l.strengths.count == n, l.outlierScores.count == n else {
            throw SessionValidationError("linkage: \(l.strengths.count) strengths and \(l.outlierScores.count) outlier scores for \(n) samples")
        }
        for (row, value) in zip(l.strengths, l.outlierScores).enumerated() where !((0...1).contains(value.0) && (0...1).contains(value.1)) {
            throw SessionValidationError("linkage: row \(row) has strength \(value.0) and outlier score \(value.1), outside [0, 1]")
        }
    }

    static func validate(_ h: HDBSCANResult, sampleCount n: Int) throws(SessionValidationError) {
        try validateLabels(h.labels, algorithm: "hdbscan", sampleCount: n)
        let p = h.parameters
        // Prediction doubles min_samples: bounded well below overflow.
        guard (1...Int(Int32.max)).contains(p.minSamples), (2...Int(Int32.max)).contains(p.minClusterSize),
              p.alpha > 0, p.alpha.isFinite, p.epsilon >= 0, p.epsilon.isFinite else {
            throw SessionValidationError("hdbscan: parameters out of range")
        }
        guard h.probabilities.count == n, h.outlierScores.count == n else {
            throw SessionValidationError("hdbscan: \(h.probabilities.count) probabilities and \(h.outlierScores.count) outlier scores for \(n) samples")
        }
        // NULL (unknown) is read as NaN and allowed; anything else must be a fraction.
        for (row, value) in h.probabilities.enumerated() where !value.isNaN && !(0...1).contains(value) {
            throw SessionValidationError("hdbscan: row \(row) has probability \(value), not in [0, 1]")
        }
        for (row, value) in h.outlierScores.enumerated() where !value.isNaN && !(0...1).contains(value) {
            throw SessionValidationError("hdbscan: row \(row) has outlier score \(value), not in [0, 1]")
        }
        // A selected cluster may end up with no member (its label is then unused), so there may be
        // more persistence values and selected clusters than labels in use, never fewer.
        let clusters = h.clusterCount
        guard h.persistence.count >= clusters else {
            throw SessionValidationError("hdbscan: \(h.persistence.count) persistence values for \(clusters) clusters")
        }
        guard h.selectedClusters.isEmpty || h.persistence.count == h.selectedClusters.count else {
            throw SessionValidationError("hdbscan: \(h.persistence.count) persistence values for \(h.selectedClusters.count) selected tree clusters")
        }
        let points = h.treePointRows.count
        guard points <= n else { throw SessionValidationError("hdbscan: \(points) condensed-tree points for \(n) samples") }
        var seen = [Bool](repeating: false, count: n)
        for row in h.treePointRows {
            guard row >= 0, row < n, !seen[row] else { throw SessionValidationError("hdbscan: condensed-tree point row \(row) out of range or repeated") }
            seen[row] = true
        }
        guard h.coreDistances.isEmpty || h.coreDistances.count == points else {
            throw SessionValidationError("hdbscan: \(h.coreDistances.count) core distances for \(points) points")
        }
        for value in h.coreDistances where value < 0 { throw SessionValidationError("hdbscan: negative core distance \(value)") }
        try validateTree(h.condensedTree, pointCount: points)
        let treeClusters = h.condensedTree.isEmpty ? 0 : (h.condensedTree.map { max($0.parent, $0.child) }.max() ?? points) - points + 1
        var previous = points - 1
        for c in h.selectedClusters {
            guard c > previous, c < points + max(treeClusters, 1) else {
                throw SessionValidationError("hdbscan: selected cluster \(c) is not an ascending cluster of the tree")
            }
            previous = c
        }
        guard h.selectedClusters.isEmpty || h.selectedClusters.count >= clusters else {
            throw SessionValidationError("hdbscan: \(h.selectedClusters.count) selected tree clusters for \(clusters) clusters")
        }
        guard h.clusterStability.isEmpty || h.clusterStability.count == treeClusters else {
            throw SessionValidationError("hdbscan: \(h.clusterStability.count) stabilities for \(treeClusters) tree clusters")
        }
        guard h.minSamplesUsed >= 1, h.minSamplesUsed <= p.minSamples, h.minSamplesUsed <= max(1, points - 1) else {
            throw SessionValidationError("hdbscan: min_samples used \(h.minSamplesUsed) out of range")
        }
    }

    /// Labels are −1 (noise) or 0..<k. A label may go unused (hdbscan can select a cluster all of whose
    /// points end up as noise), but there cannot be more clusters than samples: that bound also limits
    /// every allocation sized by a label.
    static func validateLabels(_ labels: [Int], algorithm: String, sampleCount n: Int) throws(SessionValidationError) {
        guard labels.count == n else { throw SessionValidationError("\(algorithm): \(labels.count) labels for \(n) samples") }
        for (row, label) in labels.enumerated() where label < -1 || label >= n {
            throw SessionValidationError("\(algorithm): row \(row) is in cluster \(label), out of range for \(n) samples")
        }
    }

    /// The condensed tree's shape as `CondensedTreeIndex` and the commands read it: points `0..<p` fall
    /// out exactly once each, clusters are `p...` numbered without gaps, every cluster but the root (`p`) is
    /// the child of exactly one earlier-numbered cluster, and λ is never NaN or negative.
    static func validateTree(_ tree: [CondensedTreeRow], pointCount p: Int) throws(SessionValidationError) {
        guard !tree.isEmpty else { return }
        // Each row adds at most one cluster, so a valid id is below p + rows + 1; larger is corrupt
        // (and would size the index's arrays).
        let limit = p + tree.count + 1
        var pointSeen = [Bool](repeating: false, count: p)
        var clusterHasParent = [Bool](repeating: false, count: tree.count + 1)
        var clusterIsParent = [Bool](repeating: false, count: tree.count + 1)
        var largest = p
        for (seq, row) in tree.enumerated() {
            guard row.parent >= p, row.parent < limit else { throw SessionValidationError("condensed tree row \(seq): parent \(row.parent) is not a cluster") }
            guard row.child >= 0, row.child < limit, row.child != row.parent else {
                throw SessionValidationError("condensed tree row \(seq): child \(row.child) out of range")
            }
            guard !row.lambda.isNaN, row.lambda >= 0 else { throw SessionValidationError("condensed tree row \(seq): λ \(row.lambda)") }
            guard row.childSize >= 1, row.childSize <= p else { throw SessionValidationError("condensed tree row \(seq): child size \(row.childSize)") }
            clusterIsParent[row.parent - p] = true
            largest = max(largest, row.parent)
            if row.child < p {
                guard row.childSize == 1, !pointSeen[row.child] else {
                    throw SessionValidationError("condensed tree row \(seq): point \(row.child) repeated or with size \(row.childSize)")
                }
                pointSeen[row.child] = true
            } else {
                guard row.child > row.parent, !clusterHasParent[row.child - p] else {
                    throw SessionValidationError("condensed tree row \(seq): cluster \(row.child) has two parents or a later parent")
                }
                clusterHasParent[row.child - p] = true
                largest = max(largest, row.child)
            }
        }
        // Prediction and `show tree` look up where each point falls out: every point must.
        if let missing = pointSeen.firstIndex(of: false) {
            throw SessionValidationError("condensed tree: point \(missing) never falls out of a cluster")
        }
        for c in p...largest {
            let i = c - p
            if c == p {
                guard clusterIsParent[i], !clusterHasParent[i] else { throw SessionValidationError("condensed tree: the root \(p) is not the top cluster") }
            } else {
                guard clusterHasParent[i] else { throw SessionValidationError("condensed tree: cluster \(c) has no parent") }
            }
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

/// Why a session's contents are inconsistent (one line).
public struct SessionValidationError: Error, Equatable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
