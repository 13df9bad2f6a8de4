/// A session's data as a whole, unchecked: what `SessionStore.open` reads from a file (and what tests
/// build). It becomes a `Session` only through `Session(restoring:)`, which checks it with
/// `SessionValidation`; `Session.contents` gives it back.
public struct SessionContents: Sendable {
    public var samples: [Sample] = []
    public var featureConfiguration: FeatureConfiguration = .families
    public var features: FeatureSet?
    public var labels: [String: SampleLabel] = [:]
    public var hdbscan: HDBSCANResult?
    public var dbscan: DBSCANResult?
    public var linkage: LinkageResult?
    public var lastClustered: ClusteringAlgorithm?
    public var settings = Settings()
    public var labelEvidence: CorpusLabelEvidence?
    public init() {}
}

/// Checks on a session's contents before they become a `Session`. A session file may have been edited
/// by hand (it is a documented SQLite database) or damaged, and the commands index arrays by the numbers
/// in it: a cluster id one past the last traps, a cluster id of 4 000 000 000 allocates 32 GB. Every
/// number that is used as an index or a count is checked here, so a bad file is refused with one line.
public enum SessionValidation {
    /// The invariants the commands rely on: one row per sample in the features and every clustering,
    /// sample ids once each, cluster ids and probabilities in range, a well-formed condensed tree.
    public static func validate(_ session: SessionContents) throws(SessionValidationError) {
        let n = session.samples.count
        var ids = Set<String>()
        ids.reserveCapacity(n)
        for (row, sample) in session.samples.enumerated() {
            guard sample.reportSize >= 0 else { throw SessionValidationError("sample row \(row): negative report size \(sample.reportSize)") }
            guard ids.insert(sample.id).inserted else { throw SessionValidationError("duplicate sample ids") }
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
        guard LinkageParameters.sampleSizes.contains(l.parameters.sampleSize) else {
            throw SessionValidationError("linkage: sample size \(l.parameters.sampleSize) out of range")
        }
        if let s = l.sampling, !(s.sampled >= 2 && s.sampled < s.rows && s.rows <= n && s.placed >= 0 && s.leftovers >= 0
                                 && s.placed + s.leftovers == s.rows - s.sampled && s.rounds >= 1) {
            throw SessionValidationError("linkage: sampling counts \(s.sampled), \(s.rows), \(s.placed), \(s.leftovers), \(s.rounds) are inconsistent")
        }
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
}

/// Why a session's contents are inconsistent (one line).
public struct SessionValidationError: Error, Equatable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
