/// What the report says about one cluster: its members, its name (the commonest family label and its
/// share), label counts, cohesion, mean membership strength and the features its members share.
struct FamilyDigest: Sendable {
    var cluster: Int
    /// Member rows, ascending.
    var rows: [Int]
    var size: Int { rows.count }
    /// "zbot 83%" (the commonest label other than none, and its share of the members), with
    /// "(+2 other labels)" when other families are among the members too; or "unlabelled".
    var name: String
    /// Every label among the members (unlabelled and none included), largest first, ties by name.
    var labelCounts: [(label: String, count: Int)]
    var cohesion: Double?
    var meanProbability: Double?
    var explanation: FamilyExplanation

    /// Without features matching the clustering's rows (nil), families have no cohesion and no
    /// shared features.
    static func build(_ session: Session, _ features: FeatureSet?, _ clustering: ReportClustering,
                      control: TaskControl) throws(Interrupted) -> [FamilyDigest] {
        var rowsOf = [[Int]](repeating: [], count: clustering.clusterCount)
        for (r, c) in clustering.labels.enumerated() where c >= 0 { rowsOf[c].append(r) }
        let features = features.flatMap { $0.matrix.rowCount == clustering.labels.count ? $0 : nil }
        let explanations = try features.map { f throws(Interrupted) in
            try FamilyExplanation.explain(matrix: f.matrix, names: f.names, assignments: clustering.labels, control: control)
        } ?? rowsOf.indices.map { FamilyExplanation(cluster: $0, size: rowsOf[$0].count, top: [], groups: []) }
        var out: [FamilyDigest] = []
        for (cluster, rows) in rowsOf.enumerated() where !rows.isEmpty {
            try control.checkCancellation()
            var counts: [String: Int] = [:]
            for r in rows { counts[session.labels[session.samples[r].id]?.family ?? ClusterLabelCounts.unlabelled, default: 0] += 1 }
            let labelCounts = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map { (label: $0.key, count: $0.value) }
            let families = labelCounts.filter { $0.label != SampleLabel.noneFamily && $0.label != ClusterLabelCounts.unlabelled }
            var name = families.first.map { "\($0.label) \(fixed(100 * Double($0.count) / Double(rows.count), 0))%" } ?? "unlabelled"
            if families.count > 1 { name += " (+\(families.count - 1) other label\(families.count == 2 ? "" : "s"))" }
            let mean = clustering.probabilities.map { p in rows.reduce(0.0) { $0 + p[$1] } / Double(rows.count) }
            out.append(FamilyDigest(cluster: cluster, rows: rows, name: name, labelCounts: labelCounts,
                                    cohesion: features.flatMap { FamilyCohesion.meanJaccard(matrix: $0.matrix, rows: rows) },
                                    meanProbability: mean, explanation: explanations[cluster]))
        }
        return out
    }

    /// Larger families first, then by cluster number.
    static func largerFirst(_ a: FamilyDigest, _ b: FamilyDigest) -> Bool {
        a.size != b.size ? a.size > b.size : a.cluster < b.cluster
    }
}
