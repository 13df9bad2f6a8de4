/// One setting of a parameter sweep: the clustering it gave and how it scores against the labels.
public struct SweepRow: Sendable, Equatable {
    public var minSamples: Int
    public var minClusterSize: Int
    /// Clusters and noise of the whole clustering (every row, ignored labels included).
    public var clusters: Int
    public var noise: Int
    /// nil when no sample is left to assess (every label ignored).
    public var assessment: Assessment?
}

/// One cut of a linkage sweep.
public struct LinkageSweepRow: Sendable, Equatable {
    public var threshold: Double
    public var clusters: Int
    public var noise: Int
    public var assessment: Assessment?
}

/// The 2016 project's "results of clustering for a variety of parameter settings": HDBSCAN for every
/// (min_samples, min_cluster_size) pair, each assessed like `assess`.
public enum Sweep {
    /// Fits and assesses every pair, min_samples outermost, both ascending. `base` gives every other
    /// parameter (metric, selection, ...). `onRow` sees each row as soon as it is done. Stops with
    /// `Interrupted` through `control`; throws `ClusteringError` for parameters HDBSCAN refuses.
    public static func hdbscan(points: PointSet, truth: [String], minSamples: ClosedRange<Int>,
                               minClusterSizes: ClosedRange<Int>, base: HDBSCANParameters = HDBSCANParameters(),
                               noise: NoiseHandling = .keep, ignoredLabels: Set<String> = [],
                               silhouette: Bool = true, threads: Int = 1, control: TaskControl = .none,
                               onRow: (SweepRow) -> Void = { _ in }) throws -> [SweepRow] {
        precondition(points.count == truth.count, "one true label per point")
        let total = minSamples.count * minClusterSizes.count
        // Each run still stops on cancellation, but only the sweep's own progress (run k of total) is shown.
        let quiet = TaskControl(isCancelled: control.isCancelled)
        var rows: [SweepRow] = []
        for m in minSamples {
            for c in minClusterSizes {
                try control.checkCancellation()
                control.report(Progress(phase: "sweep", done: rows.count, total: total))
                var parameters = base
                parameters.minSamples = m
                parameters.minClusterSize = c
                let fit = try HDBSCAN.fit(points: points, parameters: parameters, threads: threads, control: quiet)
                let assessment = try Assessment.assess(truth: truth, predicted: fit.labels, points: silhouette ? points : nil,
                                                       metric: parameters.metric, noise: noise,
                                                       ignoredLabels: ignoredLabels, control: quiet)
                let row = SweepRow(minSamples: m, minClusterSize: c, clusters: fit.clusterCount, noise: fit.noiseCount,
                                   assessment: assessment)
                rows.append(row)
                onRow(row)
            }
        }
        control.report(Progress(phase: "sweep", done: total, total: total))
        return rows
    }

    /// Complete linkage (`CompleteLinkage`) cut at each threshold, ascending as given, each assessed
    /// like `assess`.
    public static func linkage(points: PointSet, truth: [String], thresholds: [Double], metric: DistanceMetric,
                               noise: NoiseHandling = .keep, ignoredLabels: Set<String> = [],
                               silhouette: Bool = true, threads: Int = 1, control: TaskControl = .none,
                               onRow: (LinkageSweepRow) -> Void = { _ in }) throws -> [LinkageSweepRow] {
        precondition(points.count == truth.count, "one true label per point")
        let quiet = TaskControl(isCancelled: control.isCancelled)
        var rows: [LinkageSweepRow] = []
        for t in thresholds {
            try control.checkCancellation()
            control.report(Progress(phase: "sweep", done: rows.count, total: thresholds.count))
            let fit = try CompleteLinkage.fit(points: points, parameters: LinkageParameters(threshold: t, metric: metric),
                                              threads: threads, control: quiet)
            let assessment = try Assessment.assess(truth: truth, predicted: fit.labels, points: silhouette ? points : nil,
                                                   metric: metric, noise: noise, ignoredLabels: ignoredLabels, control: quiet)
            let row = LinkageSweepRow(threshold: t, clusters: fit.clusterCount, noise: fit.noiseCount, assessment: assessment)
            rows.append(row)
            onRow(row)
        }
        control.report(Progress(phase: "sweep", done: thresholds.count, total: thresholds.count))
        return rows
    }

    /// Index of the row with the highest V-measure (the first on ties); nil when none was assessed.
    public static func bestVMeasure(_ rows: [SweepRow]) -> Int? { bestVMeasure(rows.map(\.assessment)) }

    /// Index of the assessment with the highest V-measure (the first on ties); nil when none.
    public static func bestVMeasure(_ assessments: [Assessment?]) -> Int? {
        var best: Int?
        for (i, a) in assessments.enumerated() {
            guard let v = a?.scores.vMeasure else { continue }
            if best == nil || v > assessments[best!]!.scores.vMeasure { best = i }
        }
        return best
    }
}
