/// A clustering as the report shows it, whatever algorithm made it: one cluster id per sample
/// (−1 = noise), and the membership strength and outlier score when the algorithm gives them.
public struct ReportClustering: Sendable {
    public var algorithm: String
    /// The settings that made it, as (name, value) in the order to show them.
    public var parameters: [(String, String)]
    public var labels: [Int]
    public var probabilities: [Double]?
    public var outlierScores: [Double]?

    public init(algorithm: String, parameters: [(String, String)], labels: [Int],
                probabilities: [Double]? = nil, outlierScores: [Double]? = nil) {
        self.algorithm = algorithm
        self.parameters = parameters
        self.labels = labels
        self.probabilities = probabilities
        self.outlierScores = outlierScores
    }

    public init(_ h: HDBSCANResult) {
        let p = h.parameters
        self.init(algorithm: "hdbscan", parameters: [
            ("min_samples", String(p.minSamples)), ("min_cluster_size", String(p.minClusterSize)),
            ("metric", p.metric.rawValue), ("cluster_selection_method", p.selection.rawValue),
            ("cluster_selection_epsilon", "\(p.epsilon)"), ("alpha", "\(p.alpha)"),
            ("allow_single_cluster", p.allowSingleCluster ? "true" : "false"),
            ("deduplicate", p.deduplicate ? "true" : "false"),
        ], labels: h.labels, probabilities: h.probabilities, outlierScores: h.outlierScores)
    }

    public init(_ d: DBSCANResult) {
        self.init(algorithm: "dbscan", parameters: [("eps", "\(d.parameters.eps)"), ("min_samples", String(d.parameters.minSamples)),
                                                    ("metric", d.parameters.metric.rawValue)], labels: d.labels)
    }

    public init(_ l: LinkageResult) {
        self.init(algorithm: "linkage", parameters: [("t", "\(l.parameters.threshold)"), ("metric", l.parameters.metric.rawValue)]
                    + (l.sampling.map { [("sampled", "\($0.sampled) of \($0.rows)")] } ?? []),
                  labels: l.labels, probabilities: l.strengths, outlierScores: l.outlierScores)
    }

    /// The session's clustering, from its result's typed parameters.
    public init(_ c: SessionClustering) {
        if let h = c.hdbscan { self.init(h) } else if let d = c.dbscan { self.init(d) } else { self.init(c.linkage!) }
    }

    var clusterCount: Int { (labels.max() ?? -1) + 1 }
}

/// Caps that keep the page readable and under 20 MB for 100 000 samples. Tables past their byte
/// budget keep their first rows and say how many were left out (the exports hold them all).
public struct ReportLimits: Sendable, Equatable {
    /// Families (largest first) that get a section of their own; all are in the overview.
    public var familySections = 40
    public var membersPerFamily = 100
    public var overviewBytes = 3_000_000
    public var anomalyBytes = 3_000_000
    /// The sample table's budget; a map takes its size out of it (down to 1 MB), since a map of
    /// 100 000 samples can itself be up to 10 MB.
    public var sampleTableBytes = 10_000_000
    public init() {}
}

extension HTMLReport {
    /// The session's report in the order an analyst reads it: a headline (what was loaded, the
    /// clustering, the key metrics), the map (when `mapSVG` is given), the families overview, one
    /// section per family, the anomalies, and last, collapsed, every sample and the feature-space and
    /// clustering details. `metrics` come from the assessment (`keyMetrics`), `anomalies` from
    /// `Anomalies.find`, `mapSVG` from the map renderer; empty or nil inputs leave their parts out.
    public static func forSession(_ session: Session, clustering: ReportClustering?, metrics: [Metric] = [],
                                  allMetrics: [(String, String)] = [], anomalies: [Anomaly] = [], mapSVG: String? = nil,
                                  limits: ReportLimits = ReportLimits(), subtitle: String? = nil,
                                  control: TaskControl = .none) throws(Interrupted) -> HTMLReport {
        let clustering = clustering.flatMap { $0.labels.count == session.samples.count ? $0 : nil }
        var report = HTMLReport(title: "cuckooml report", subtitle: subtitle ?? session.summary)
        report.sections.append(headline(session, clustering, metrics))
        if let mapSVG {
            report.sections.append(Section(heading: "Map", blocks: [
                .svg(mapSVG, caption: "Every sample placed by its distances in the clustering; colour = cluster, grey = noise."),
            ], id: "map"))
        }
        if let clustering {
            let families = try FamilyDigest.build(session, session.features, clustering, control: control)
            report.sections.append(overview(families, session, clustering, limits))
            for family in families.sorted(by: FamilyDigest.largerFirst).prefix(limits.familySections) {
                try control.checkCancellation()
                report.sections.append(section(family, session, clustering, anomalies, limits))
            }
        }
        // The four kinds of anomaly need membership strengths (a soft clustering such as HDBSCAN).
        if clustering?.probabilities != nil { report.sections.append(anomalySection(anomalies, session, limits)) }
        var sampleLimits = limits
        sampleLimits.sampleTableBytes = max(min(1_000_000, limits.sampleTableBytes), limits.sampleTableBytes - (mapSVG?.utf8.count ?? 0))
        report.sections.append(samples(session, clustering, sampleLimits))
        report.sections.append(details(session, clustering, allMetrics))
        return report
    }

    /// The assessment's headline numbers, each with what it means to an analyst.
    public static func keyMetrics(_ a: Assessment, metric: DistanceMetric) -> [Metric] {
        let s = a.scores
        let noiseShare = a.samples > 0 ? Double(a.noise) / Double(a.samples + (a.noiseHandling == .drop ? a.noise : 0)) : 0
        var out = [
            Metric(name: "V-measure", value: fixed(s.vMeasure, 3),
                   meaning: "1 = each cluster holds one family and each family one cluster; mean of the next two"),
            Metric(name: "homogeneity", value: fixed(s.homogeneity, 3), meaning: "1 = no cluster mixes families"),
            Metric(name: "completeness", value: fixed(s.completeness, 3), meaning: "1 = no family is split over clusters"),
            Metric(name: "adjusted Rand index", value: fixed(s.adjustedRandIndex, 3),
                   meaning: "agreement of sample pairs with the labels beyond chance: 1 perfect, 0 random"),
            Metric(name: "F-measure (Malheur)", value: fixed(s.fMeasure, 3),
                   meaning: "harmonic mean of cluster purity and family recall"),
            Metric(name: "noise", value: "\(a.noise) (\(fixed(100 * noiseShare, 0))%)", meaning: "assessed samples (labels not ignored) in no cluster"),
        ]
        if let silhouette = a.silhouette {
            out.append(Metric(name: "silhouette (\(metric.rawValue))", value: fixed(silhouette, 3),
                              meaning: "how much closer samples are to their own cluster than the next: 1 best, 0 overlapping"))
        }
        return out
    }

    static func headline(_ session: Session, _ clustering: ReportClustering?, _ metrics: [Metric]) -> Section {
        let reports = session.samples.filter { $0.path != nil }.count
        let bytes = session.samples.reduce(0) { $0 + $1.reportSize }
        var loaded = "\(reports) report\(reports == 1 ? "" : "s") (\(fixed(Double(bytes) / 1_000_000, 1)) MB)"
        if session.samples.count > reports { loaded += ", \(session.samples.count - reports) imported rows" }
        let known = session.samples.compactMap { session.labels[$0.id]?.family }.filter { $0 != SampleLabel.noneFamily }
        let families = Set(known).count
        let source = session.labels.values.contains { $0.source == .external } ? "labels file" : "VirusTotal votes"
        var facts: [(String, String)] = [("loaded", loaded),
                                         ("labels", "\(known.count) of \(session.samples.count) samples labelled, \(families) families (\(source))")]
        if let f = session.features {
            var space = "\(f.configuration.kind.rawValue), \(f.names.count) features"
            if let low = f.configuration.minimumCoverage { space += ", coverage ≥ \(fixed(low, 3))" }
            facts.append(("features", space))
        }
        var blocks: [Block] = []
        if let c = clustering {
            let noise = c.labels.lazy.filter { $0 < 0 }.count
            let settings = c.parameters.prefix(3).map { "\($0.0)=\($0.1)" }.joined(separator: " ")
            facts.append(("clustering", "\(c.algorithm) \(settings): \(c.clusterCount) clusters, \(noise) noise"))
            blocks.append(.facts(facts))
            if metrics.isEmpty {
                blocks.append(.paragraph("No labels to assess the clustering against (load reports with VirusTotal results or 'labels load FILE')."))
            } else {
                blocks.append(.metrics(metrics))
            }
        } else {
            blocks.append(.facts(facts))
            blocks.append(.paragraph("No clustering yet: run 'cluster' to find the families."))
        }
        return Section(heading: "Summary", blocks: blocks, id: "summary")
    }

    static func overview(_ families: [FamilyDigest], _ session: Session, _ clustering: ReportClustering,
                         _ limits: ReportLimits) -> Section {
        let detailed = Set(families.sorted(by: FamilyDigest.largerFirst).prefix(limits.familySections).map(\.cluster))
        let hasProbability = clustering.probabilities != nil
        var rows = families.map { f -> [String] in
            [String(f.cluster), String(f.size), f.name, f.cohesion.map { fixed($0, 2) } ?? "-"]
                + (hasProbability ? [fixed(f.meanProbability ?? 0, 2)] : [])
                + [f.explanation.top.prefix(3).map { shortenMiddle($0.name, to: tokenWidth) }.joined(separator: " · ")]
        }
        var links: [String?] = families.map { detailed.contains($0.cluster) ? "family-\($0.cluster)" : nil }
        let noise = clustering.labels.lazy.filter { $0 < 0 }.count
        if noise > 0 {
            rows.append(["noise", String(noise), "samples in no family", "-"] + (hasProbability ? ["-"] : []) + [""])
            links.append(nil)
        }
        let header = ["cluster", "size", "name (top label, share)", "cohesion"] + (hasProbability ? ["mean probability"] : []) + ["what members share"]
        let (kept, note) = budgeted(rows, bytes: limits.overviewBytes, what: "clusters")
        var blocks: [Block] = [
            .paragraph("One row per cluster. Cohesion: mean Jaccard similarity of two members' features (1 = identical). "
                       + "What members share: the features most members have and few others do (F1 of recall and precision)."
                       + (families.count > detailed.count ? " The \(detailed.count) largest families have a section below (linked)." : "")),
            .table(Table(header: header, rows: kept, numericColumns: hasProbability ? [1, 3, 4] : [1, 3],
                         interactive: kept.count > 20, rowLinks: Array(links.prefix(kept.count)), pageSize: 20,
                         wrapColumns: [header.count - 1])),
        ]
        if let note { blocks.append(.paragraph(note)) }
        // The clusters × labels heat map, while it stays a picture rather than a wall.
        let counts = ClusterLabelCounts(assignments: clustering.labels, sampleIDs: session.samples.map(\.id), labels: session.labels)
        if counts.clusters.count <= 60 && counts.labels.count <= 60 {
            blocks.append(.details(summary: "Clusters × labels heat map", blocks: [.figures([SVGCharts.heatMap(counts)])]))
        }
        return Section(heading: "Families", blocks: blocks, id: "families")
    }

    static func section(_ f: FamilyDigest, _ session: Session, _ c: ReportClustering, _ anomalies: [Anomaly],
                        _ limits: ReportLimits) -> Section {
        var facts: [(String, String)] = [("size", String(f.size)), ("cohesion", f.cohesion.map { fixed($0, 3) } ?? "-")]
        if let p = f.meanProbability { facts.append(("mean probability", fixed(p, 3))) }
        var shared: [Block] = [.subheading("What they share")]
        if f.explanation.groups.isEmpty {
            shared.append(.paragraph("No feature is held by most members and more common among them than elsewhere."))
        } else {
            // The group on its first row only; recall as the member count, precision with its holders.
            let rows = f.explanation.groups.flatMap { g in
                g.features.enumerated().map { i, t in
                    [i == 0 ? (g.name.isEmpty ? "-" : g.name) : "", shortenMiddle(t.token, to: tokenWidth),
                     "\(t.members)/\(t.clusterSize)", fixed(100 * t.precision, 0) + "% of \(t.holders)"]
                }
            }
            shared.append(.paragraph("Recall: members having the feature. Precision: the share of all samples having it that are members."))
            shared.append(.table(Table(header: ["group", "token", "recall", "precision"], rows: rows,
                                       numericColumns: [2, 3], wrapColumns: [1])))
        }
        let members = f.rows.sorted { a, b in
            let (pa, pb) = (c.probabilities?[a] ?? 1, c.probabilities?[b] ?? 1)
            return pa != pb ? pa > pb : a < b
        }
        let shown = members.prefix(limits.membersPerFamily)
        let scores = c.probabilities != nil
        var memberBlocks: [Block] = [.subheading("Members"), .table(Table(
            header: ["sample", "label"] + (scores ? ["probability", "outlier score"] : []),
            rows: shown.map { r in
                [session.samples[r].id, session.labels[session.samples[r].id]?.family ?? ""]
                    + (scores ? [fixed(c.probabilities![r], 3), c.outlierScores.map { fixed($0[r], 3) } ?? ""] : [])
            }, numericColumns: scores ? [2, 3] : [], interactive: shown.count > familyPage, pageSize: familyPage))]
        if members.count > shown.count {
            memberBlocks.append(.paragraph("The \(shown.count) strongest of \(members.count) members; the sample table lists them all."))
        }
        var anomalyBlocks: [Block] = [.subheading("Anomalies inside")]
        let inside = anomalies.filter { $0.cluster == f.cluster }
        if inside.isEmpty {
            anomalyBlocks.append(.paragraph("None at the default thresholds."))
        } else {
            anomalyBlocks.append(.table(anomalyTable(Array(inside.prefix(limits.membersPerFamily)), session,
                                                     showCluster: false, pageSize: familyPage)))
            if inside.count > limits.membersPerFamily {
                anomalyBlocks.append(.paragraph("The first \(limits.membersPerFamily) of \(inside.count); the anomalies section lists them all."))
            }
        }
        return Section(heading: "Cluster \(f.cluster): \(f.name)", blocks: [
            .columns([[.facts(facts), .subheading("Labels"), .bars(labelBars(f.labelCounts), total: f.size)], shared]),
            .columns(scores ? [memberBlocks, anomalyBlocks] : [memberBlocks, []]),
        ], id: "family-\(f.cluster)", inNavigation: false)
    }

    /// Rows per page of the tables inside a family's section.
    static let familyPage = 10
    /// Feature names on the page are cut to this many characters (start and end kept): a report can
    /// hold a mutex or path of megabytes, and one name appears in several places.
    static let tokenWidth = 160

    /// The 15 commonest labels, the rest summed into one bar.
    static func labelBars(_ counts: [(label: String, count: Int)]) -> [(label: String, count: Int)] {
        guard counts.count > 15 else { return counts }
        let rest = counts.dropFirst(14)
        return Array(counts.prefix(14)) + [(label: "\(rest.count) other labels", count: rest.reduce(0) { $0 + $1.count })]
    }

    static func anomalyTable(_ anomalies: [Anomaly], _ session: Session, showCluster: Bool = true, pageSize: Int = 50) -> Table {
        let cluster = showCluster ? ["cluster"] : []
        return Table(header: ["sample", "kind"] + cluster + ["label", "value", "threshold"], rows: anomalies.map { a in
            [session.samples[a.sample].id, a.kind.rawValue.replacingUnderscores()]
                + (showCluster ? [a.cluster < 0 ? "noise" : String(a.cluster)] : [])
                + [a.label, fixed(a.value, 3), a.threshold.map { fixed($0, 2) } ?? ""]
        }, numericColumns: showCluster ? [2, 4, 5] : [3, 4], interactive: anomalies.count > pageSize, pageSize: pageSize)
    }

    static func anomalySection(_ anomalies: [Anomaly], _ session: Session, _ limits: ReportLimits) -> Section {
        var counts: [AnomalyKind: Int] = [:]
        for a in anomalies { counts[a.kind, default: 0] += 1 }
        let summary = AnomalyKind.allCases.map { "\($0.rawValue.replacingUnderscores()) \(counts[$0] ?? 0)" }.joined(separator: " · ")
        var blocks: [Block] = [.paragraph("Noise (in no cluster), low membership probability, high outlier score, and labels that are a "
                                          + "minority in their cluster, at the default thresholds: \(summary).")]
        if !anomalies.isEmpty {
            var table = anomalyTable(anomalies, session)
            let (kept, note) = budgeted(table.rows, bytes: limits.anomalyBytes, what: "anomalies")
            table.rows = kept
            blocks.append(.table(table))
            if let note { blocks.append(.paragraph(note)) }
        }
        return Section(heading: "Anomalies", blocks: blocks, id: "anomalies")
    }

    static func samples(_ session: Session, _ c: ReportClustering?, _ limits: ReportLimits) -> Section {
        var header = ["sample", "md5", "label"]
        if c != nil { header.append("cluster") }
        if c?.probabilities != nil { header += ["probability", "outlier score"] }
        let rows: [[String]] = session.samples.enumerated().map { i, sample in
            var row = [sample.id, sample.md5 ?? "", session.labels[sample.id]?.family ?? ""]
            if let c {
                row.append(c.labels[i] < 0 ? "noise" : String(c.labels[i]))
                if let p = c.probabilities { row += [fixed(p[i], 3), c.outlierScores.map { fixed($0[i], 3) } ?? ""] }
            }
            return row
        }
        let (kept, note) = budgeted(rows, bytes: limits.sampleTableBytes, what: "samples")
        var inner: [Block] = [.table(Table(header: header, rows: kept, numericColumns: [3, 4, 5], interactive: true))]
        if let note { inner.append(.paragraph(note)) }
        return Section(heading: "Samples", blocks: [.details(summary: "All \(session.samples.count) samples", blocks: inner)], id: "samples")
    }

    static func details(_ session: Session, _ c: ReportClustering?, _ allMetrics: [(String, String)]) -> Section {
        var blocks: [Block] = []
        if let features = session.features {
            blocks.append(.details(summary: "Feature space: \(features.configuration.kind.rawValue), \(features.names.count) features",
                                   blocks: featureSpace(features)))
        }
        if let c {
            blocks.append(.details(summary: "Clustering: \(c.algorithm)", blocks: [.facts(c.parameters)]))
        }
        if !allMetrics.isEmpty {
            blocks.append(.details(summary: "Every assessment metric", blocks: [
                .table(Table(header: ["metric", "value"], rows: allMetrics.map { [$0.0, $0.1] }, numericColumns: [1])),
            ]))
        }
        return Section(heading: "Details", blocks: blocks, id: "details")
    }

    static func featureSpace(_ features: FeatureSet) -> [Block] {
        let c = features.configuration
        let m = features.matrix
        let cells = max(1, m.rowCount * m.columnCount)
        let coverage = features.columnSupport
        var groups: [String: (features: Int, nonZeros: Int)] = [:]
        for (j, name) in features.names.enumerated() {
            groups[FamilyExplanation.group(of: name), default: (0, 0)].features += 1
            groups[FamilyExplanation.group(of: name), default: (0, 0)].nonZeros += coverage[j]
        }
        let top = coverage.indices.sorted { coverage[$0] != coverage[$1] ? coverage[$0] > coverage[$1] : $0 < $1 }.prefix(25)
        var facts: [(String, String)] = [
            ("kind", c.kind.rawValue), ("import functions", c.importFunctions ? "yes" : "no"),
            ("features", String(m.columnCount)), ("non-zero entries", String(m.nonZeroCount)),
            ("density", fixed(Double(m.nonZeroCount) / Double(cells), 4)),
        ]
        if let low = c.minimumCoverage { facts.append(("minimum coverage", fixed(low, 3))) }
        if let high = c.maximumCoverage { facts.append(("maximum coverage", fixed(high, 3))) }
        return [
            .facts(facts),
            .table(Table(header: ["group", "features", "non-zeros"],
                         rows: groups.keys.sorted().map { [$0.isEmpty ? "-" : $0, String(groups[$0]!.features), String(groups[$0]!.nonZeros)] },
                         numericColumns: [1, 2])),
            .paragraph("The \(top.count) features present in most samples:"),
            .table(Table(header: ["feature", "samples", "coverage"],
                         rows: top.map { [features.names[$0], String(coverage[$0]), fixed(Double(coverage[$0]) / Double(max(1, m.rowCount)), 3)] },
                         numericColumns: [1, 2])),
        ]
    }

    /// The first rows that fit in `bytes` (escaped cells plus their markup), and a note saying how
    /// many were left out.
    static func budgeted(_ rows: [[String]], bytes: Int, what: String) -> ([[String]], String?) {
        var used = 0
        for (i, row) in rows.enumerated() {
            used += 10 + row.reduce(0) { $0 + escapeForMarkup($1).utf8.count + 9 }
            if used > bytes {
                return (Array(rows.prefix(i)), "Showing the first \(i) of \(rows.count) \(what) to keep this page small; "
                        + "'export clustering' and 'export anomalies' write them all.")
            }
        }
        return (rows, nil)
    }
}

extension String {
    /// "low_probability" → "low probability": kind names read as words on the page.
    fileprivate func replacingUnderscores() -> String { String(map { $0 == "_" ? " " : $0 }) }
}
