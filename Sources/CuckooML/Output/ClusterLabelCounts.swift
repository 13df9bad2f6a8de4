/// How many samples of each ground-truth label each cluster holds (the 2016 "label counts" plots).
public struct ClusterLabelCounts: Sendable, Equatable {
    /// Samples without a label are counted under this name.
    public static let unlabelled = "(unlabelled)"

    /// Cluster numbers, noise (−1) first when there is any, then 0, 1, ...
    public var clusters: [Int]
    /// Every label present, most frequent first (ties by name).
    public var labels: [String]
    /// `counts[row][column]` for `clusters[row]` and `labels[column]`.
    public var counts: [[Int]]

    public init(assignments: [Int], sampleIDs: [String], labels sampleLabels: [String: SampleLabel]) {
        precondition(assignments.count == sampleIDs.count, "one cluster per sample")
        var perCluster: [Int: [String: Int]] = [:]
        var totals: [String: Int] = [:]
        for (cluster, id) in zip(assignments, sampleIDs) {
            let label = sampleLabels[id]?.family ?? Self.unlabelled
            perCluster[max(cluster, -1), default: [:]][label, default: 0] += 1
            totals[label, default: 0] += 1
        }
        let clusters = perCluster.keys.sorted()
        let labels = totals.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map(\.key)
        let column = Dictionary(uniqueKeysWithValues: labels.enumerated().map { ($1, $0) })
        self.clusters = clusters
        self.labels = labels
        counts = clusters.map { cluster in
            var row = [Int](repeating: 0, count: labels.count)
            for (label, n) in perCluster[cluster]! { row[column[label]!] = n }
            return row
        }
    }

    /// The session's label counts for its current clustering (`Session.currentClustering`).
    public init?(session: Session) {
        guard let assignments = session.currentClustering?.labels else { return nil }
        self.init(assignments: assignments, sampleIDs: session.samples.map(\.id), labels: session.labels)
    }

    /// One cluster's (label, count) pairs with a non-zero count, largest first.
    public func counts(forRow row: Int) -> [(label: String, count: Int)] {
        zip(labels, counts[row]).filter { $0.1 > 0 }.map { (label: $0.0, count: $0.1) }
            .sorted { $0.count != $1.count ? $0.count > $1.count : $0.label < $1.label }
    }

    /// "noise" or "cluster 3".
    public static func name(of cluster: Int) -> String { cluster < 0 ? "noise" : "cluster \(cluster)" }
}
