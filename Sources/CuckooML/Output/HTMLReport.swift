/// A self-contained HTML page (inline CSS and SVG, no external resources) built from sections, so
/// any part of the program can contribute a section (e.g. metrics or anomalies as a table) before
/// it is rendered. Every string is HTML-escaped when rendered; only `SVGImage`s made by this library
/// are embedded as markup.
public struct HTMLReport: Sendable {
    public var title: String
    public var subtitle: String?
    public var sections: [Section]

    public init(title: String, subtitle: String? = nil, sections: [Section] = []) {
        self.title = title
        self.subtitle = subtitle
        self.sections = sections
    }

    public struct Section: Sendable {
        public var heading: String
        public var blocks: [Block]
        public init(heading: String, blocks: [Block]) {
            self.heading = heading
            self.blocks = blocks
        }

        /// A section holding one table, the usual way to add metrics or anomalies.
        public static func table(_ heading: String, _ table: Table, note: String? = nil) -> Section {
            Section(heading: heading, blocks: (note.map { [.paragraph($0)] } ?? []) + [.table(table)])
        }
    }

    public enum Block: Sendable {
        case paragraph(String)
        /// A two-column list of names and values.
        case facts([(String, String)])
        case table(Table)
        /// Figures laid out side by side, each with its caption.
        case figures([SVGImage])
    }

    public struct Table: Sendable {
        public var header: [String]
        public var rows: [[String]]
        /// Columns right-aligned (numbers).
        public var numericColumns: Set<Int>
        public init(header: [String], rows: [[String]], numericColumns: Set<Int> = []) {
            self.header = header
            self.rows = rows
            self.numericColumns = numericColumns
        }
    }

    static let style = """
        body{font-family:Helvetica,Arial,sans-serif;margin:2em auto;max-width:1200px;color:#222;padding:0 1em}
        h1{font-size:1.6em;margin-bottom:.2em}h2{font-size:1.25em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
        .subtitle{color:#666;margin-top:0}table{border-collapse:collapse;margin:.5em 0;font-size:.9em}
        th,td{border:1px solid #ddd;padding:.25em .6em;text-align:left;vertical-align:top}th{background:#f3f3f3}
        td.num{text-align:right;font-variant-numeric:tabular-nums}table.facts th{width:16em}
        .figures{display:flex;flex-wrap:wrap;gap:1em}figure{margin:0;overflow-x:auto;max-width:100%}
        nav ul{columns:3}
        """

    /// The page as HTML5 text.
    public func render() -> String {
        var h = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
        h += "<title>\(escapeForMarkup(title))</title>\n<style>\n\(Self.style)\n</style>\n</head>\n<body>\n"
        h += "<h1>\(escapeForMarkup(title))</h1>\n"
        if let subtitle { h += "<p class=\"subtitle\">\(escapeForMarkup(subtitle))</p>\n" }
        if sections.count > 1 {
            h += "<nav><ul>\n"
            for (i, section) in sections.enumerated() { h += "<li><a href=\"#s\(i + 1)\">\(escapeForMarkup(section.heading))</a></li>\n" }
            h += "</ul></nav>\n"
        }
        for (i, section) in sections.enumerated() {
            h += "<section id=\"s\(i + 1)\">\n<h2>\(escapeForMarkup(section.heading))</h2>\n"
            for block in section.blocks { render(block, into: &h) }
            h += "</section>\n"
        }
        h += "</body>\n</html>\n"
        return h
    }

    private func render(_ block: Block, into h: inout String) {
        switch block {
        case .paragraph(let text):
            h += "<p>\(escapeForMarkup(text))</p>\n"
        case .facts(let pairs):
            h += "<table class=\"facts\">\n"
            for (name, value) in pairs { h += "<tr><th>\(escapeForMarkup(name))</th><td>\(escapeForMarkup(value))</td></tr>\n" }
            h += "</table>\n"
        case .table(let table):
            h += "<table>\n<thead><tr>"
            for name in table.header { h += "<th>\(escapeForMarkup(name))</th>" }
            h += "</tr></thead>\n<tbody>\n"
            for row in table.rows {
                h += "<tr>"
                for (j, cell) in row.enumerated() {
                    h += table.numericColumns.contains(j) ? "<td class=\"num\">" : "<td>"
                    h += escapeForMarkup(cell) + "</td>"
                }
                h += "</tr>\n"
            }
            h += "</tbody>\n</table>\n"
        case .figures(let images):
            h += "<div class=\"figures\">\n"
            for image in images {
                h += "<figure>\n\(image.markup)\n<figcaption>\(escapeForMarkup(image.title))</figcaption>\n</figure>\n"
            }
            h += "</div>\n"
        }
    }
}

extension HTMLReport {
    /// The report of a session: inputs, feature space, clustering parameters, the given metrics, the
    /// per-cluster label charts, and the given anomalies. Metrics and anomalies come from the
    /// assessment code as ready tables; a missing one leaves its section out.
    public static func forSession(_ session: Session, metrics: Table? = nil, anomalies: Table? = nil,
                                  subtitle: String? = nil) -> HTMLReport {
        var report = HTMLReport(title: "cuckooml session report", subtitle: subtitle ?? session.summary)
        report.sections.append(inputs(session))
        if let features = session.features { report.sections.append(featureSpace(features)) }
        if let clustering = clustering(session) { report.sections.append(clustering) }
        if let metrics { report.sections.append(.table("Metrics", metrics)) }
        if let table = ClusterLabelCounts(session: session) {
            report.sections.append(Section(heading: "Labels per cluster", blocks: [
                .figures([SVGCharts.heatMap(table)]),
                .figures(table.clusters.indices.map { SVGCharts.labelBars(cluster: table.clusters[$0], counts: table.counts(forRow: $0)) }),
            ]))
        }
        if let anomalies { report.sections.append(.table("Anomalies", anomalies)) }
        return report
    }

    static func inputs(_ session: Session) -> Section {
        let bytes = session.samples.reduce(0) { $0 + $1.reportSize }
        let fromReports = session.samples.filter { $0.path != nil }.count
        let labelled = session.samples.filter { session.labels[$0.id] != nil }.count
        let current = session.currentClustering
        let assignments = current?.labels
        let soft = current.flatMap { c in c.probabilities.flatMap { p in c.outlierScores.map { (p, $0) } } }
        var header = ["sample", "report size", "md5", "label"]
        if assignments != nil { header.append("cluster") }
        if soft != nil { header += [current?.algorithm == .linkage ? "strength" : "probability", "outlier score"] }
        let rows: [[String]] = session.samples.enumerated().map { i, sample in
            var row = [sample.id, String(sample.reportSize), sample.md5 ?? "", session.labels[sample.id]?.family ?? ""]
            if let assignments { row.append(assignments[i] < 0 ? "noise" : String(assignments[i])) }
            if let (p, o) = soft { row += [fixed(p[i], 3), fixed(o[i], 3)] }
            return row
        }
        return Section(heading: "Inputs", blocks: [
            .facts([("samples", String(session.samples.count)), ("from reports", String(fromReports)),
                    ("imported rows", String(session.samples.count - fromReports)),
                    ("report bytes", String(bytes)), ("labelled samples", String(labelled))]),
            .table(Table(header: header, rows: rows, numericColumns: [1, 4, 5, 6])),
        ])
    }

    static func featureSpace(_ features: FeatureSet) -> Section {
        let c = features.configuration
        let m = features.matrix
        let cells = max(1, m.rowCount * m.columnCount)
        var coverage = [Int](repeating: 0, count: m.columnCount)
        for column in m.columns { coverage[Int(column)] += 1 }
        let top = coverage.indices.sorted { coverage[$0] != coverage[$1] ? coverage[$0] > coverage[$1] : $0 < $1 }.prefix(25)
        var facts: [(String, String)] = [
            ("kind", c.kind.rawValue), ("groups", c.groups.map(\.rawValue).sorted().joined(separator: ", ")),
            ("import functions", c.importFunctions ? "yes" : "no"),
            ("features", String(m.columnCount)), ("non-zero entries", String(m.nonZeroCount)),
            ("density", fixed(Double(m.nonZeroCount) / Double(cells), 4)),
        ]
        if let low = c.minimumCoverage { facts.append(("minimum coverage", fixed(low, 3))) }
        if let high = c.maximumCoverage { facts.append(("maximum coverage", fixed(high, 3))) }
        return Section(heading: "Feature space", blocks: [
            .facts(facts),
            .paragraph("The \(top.count) features present in most samples:"),
            .table(Table(header: ["feature", "samples", "coverage"],
                         rows: top.map { [features.names[$0], String(coverage[$0]), fixed(Double(coverage[$0]) / Double(max(1, m.rowCount)), 3)] },
                         numericColumns: [1, 2])),
        ])
    }

    static func clustering(_ session: Session) -> Section? {
        var blocks: [Block] = []
        if let l = session.linkage {
            blocks.append(.paragraph("Complete linkage (families)"))
            blocks.append(.facts([
                ("cut distance t", "\(l.parameters.threshold)"), ("metric", l.parameters.metric.rawValue),
                ("clusters", String(l.clusterCount)), ("noise", String(l.noiseCount)),
            ]))
            var rows: [[String]] = []
            for (cluster, members) in SessionClustering(l).members.enumerated() {
                let meanStrength = members.reduce(0.0) { $0 + l.strengths[$1] } / Double(max(1, members.count))
                rows.append([String(cluster), String(members.count), fixed(meanStrength, 3)])
            }
            blocks.append(.table(Table(header: ["cluster", "size", "mean strength"], rows: rows, numericColumns: [0, 1, 2])))
        }
        if let h = session.hdbscan {
            let p = h.parameters
            blocks.append(.paragraph("HDBSCAN"))
            blocks.append(.facts([
                ("min_samples", String(p.minSamples)), ("min_cluster_size", String(p.minClusterSize)),
                ("metric", p.metric.rawValue), ("cluster_selection_method", p.selection.rawValue),
                ("cluster_selection_epsilon", "\(p.epsilon)"), ("alpha", "\(p.alpha)"),
                ("allow_single_cluster", p.allowSingleCluster ? "true" : "false"),
                ("deduplicate", p.deduplicate ? "true" : "false"),
                ("clusters", String(h.clusterCount)), ("noise", String(h.noiseCount)),
            ]))
            var rows: [[String]] = []
            for cluster in 0..<h.clusterCount {
                let members = h.labels.indices.filter { h.labels[$0] == cluster }
                let meanProbability = members.reduce(0.0) { $0 + h.probabilities[$1] } / Double(max(1, members.count))
                rows.append([String(cluster), String(members.count),
                             cluster < h.persistence.count ? fixed(h.persistence[cluster], 4) : "",
                             fixed(meanProbability, 3)])
            }
            blocks.append(.table(Table(header: ["cluster", "size", "persistence", "mean probability"], rows: rows, numericColumns: [0, 1, 2, 3])))
        }
        if let d = session.dbscan {
            blocks.append(.paragraph("DBSCAN"))
            blocks.append(.facts([("eps", "\(d.parameters.eps)"), ("min_samples", String(d.parameters.minSamples)),
                                  ("metric", d.parameters.metric.rawValue), ("clusters", String(d.clusterCount)),
                                  ("noise", String(d.noiseCount))]))
        }
        return blocks.isEmpty ? nil : Section(heading: "Clustering", blocks: blocks)
    }
}
