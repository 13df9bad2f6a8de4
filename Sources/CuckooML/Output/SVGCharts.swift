/// An SVG drawing made by this library from escaped text only, so it may be embedded in HTML as is.
public struct SVGImage: Sendable, Equatable {
    /// The `<svg>` element (no XML prolog).
    public let markup: String
    /// A short description, used as the file's and the figure's title.
    public let title: String

    init(markup: String, title: String) {
        self.markup = markup
        self.title = title
    }

    /// A standalone `.svg` file: XML prolog plus the element.
    public var document: String { "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + markup + "\n" }
}

/// The label charts of `plot labels` and `report`: plain SVG 1.1 that any browser shows.
public enum SVGCharts {
    static let labelLimit = 40
    static let charWidth = 7.0

    /// A horizontal bar chart of one cluster's label counts, titled "cluster 3: label counts".
    public static func labelBars(cluster: Int, counts: [(label: String, count: Int)]) -> SVGImage {
        let title = "\(ClusterLabelCounts.name(of: cluster)): label counts"
        let shown = counts.map { (label: truncated($0.label, labelLimit), count: $0.count) }
        let labelWidth = min(Double(labelLimit), Double(shown.map(\.label.count).max() ?? 4)) * charWidth + 16
        let barArea = 360.0
        let rowHeight = 22.0
        let top = 40.0
        let width = labelWidth + barArea + 60
        let height = top + rowHeight * Double(max(shown.count, 1)) + 16
        let maxCount = Double(shown.map(\.count).max() ?? 1)
        var s = svgOpen(width: width, height: height, title: title)
        s += "<text x=\"\(n(width / 2))\" y=\"22\" text-anchor=\"middle\" font-size=\"15\" font-weight=\"bold\">\(escapeForMarkup(title))</text>\n"
        if shown.isEmpty {
            s += "<text x=\"\(n(labelWidth))\" y=\"\(n(top + 15))\">no samples</text>\n"
        }
        for (i, item) in shown.enumerated() {
            let y = top + Double(i) * rowHeight
            let w = max(1, barArea * Double(item.count) / maxCount)
            s += "<text x=\"\(n(labelWidth - 8))\" y=\"\(n(y + 15))\" text-anchor=\"end\">\(escapeForMarkup(item.label))</text>"
            s += "<rect x=\"\(n(labelWidth))\" y=\"\(n(y + 3))\" width=\"\(n(w))\" height=\"\(n(rowHeight - 6))\" fill=\"#4c72b0\"><title>\(escapeForMarkup(item.label)): \(item.count)</title></rect>"
            s += "<text x=\"\(n(labelWidth + w + 6))\" y=\"\(n(y + 15))\">\(item.count)</text>\n"
        }
        s += "</svg>"
        return SVGImage(markup: s, title: title)
    }

    /// Clusters (rows, noise first) × labels (columns): each cell shaded by its share of the cluster and
    /// marked with its count.
    public static func heatMap(_ table: ClusterLabelCounts) -> SVGImage {
        let title = "clusters × labels: label counts"
        let cell = 22.0
        let labels = table.labels.map { truncated($0, labelLimit) }
        let rowNames = table.clusters.map(ClusterLabelCounts.name(of:))
        let left = Double(rowNames.map(\.count).max() ?? 5) * charWidth + 16
        // Column names are drawn at −60°, so their height is about sin 60° of their length.
        let longest = Double(labels.map(\.count).max() ?? 4) * charWidth
        let top = 40 + longest * 0.87 + 10
        // The last column's name leans right by cos 60° of its length; the title needs room too.
        let width = max(left + cell * Double(max(labels.count, 1)) + longest * 0.5 + 20, 320)
        let height = top + cell * Double(max(rowNames.count, 1)) + 20
        var s = svgOpen(width: width, height: height, title: title)
        s += "<text x=\"10\" y=\"22\" font-size=\"15\" font-weight=\"bold\">\(escapeForMarkup(title))</text>\n"
        for (j, label) in labels.enumerated() {
            let x = left + cell * Double(j) + cell / 2
            s += "<text transform=\"translate(\(n(x)),\(n(top - 6))) rotate(-60)\">\(escapeForMarkup(label))</text>\n"
        }
        for (i, name) in rowNames.enumerated() {
            let y = top + cell * Double(i)
            let total = max(1, table.counts[i].reduce(0, +))
            s += "<text x=\"\(n(left - 8))\" y=\"\(n(y + 15))\" text-anchor=\"end\">\(escapeForMarkup(name))</text>\n"
            for (j, count) in table.counts[i].enumerated() {
                let x = left + cell * Double(j)
                let share = Double(count) / Double(total)
                s += "<rect x=\"\(n(x))\" y=\"\(n(y))\" width=\"\(n(cell))\" height=\"\(n(cell))\" fill=\"#4c72b0\" fill-opacity=\"\(fixed(share, 3))\" stroke=\"#dddddd\"><title>\(escapeForMarkup(name)) · \(escapeForMarkup(labels[j])): \(count)</title></rect>"
                if count > 0 {
                    s += "<text x=\"\(n(x + cell / 2))\" y=\"\(n(y + 15))\" text-anchor=\"middle\" font-size=\"10\" fill=\"\(share > 0.5 ? "#ffffff" : "#000000")\">\(count)</text>"
                }
                s += "\n"
            }
        }
        s += "</svg>"
        return SVGImage(markup: s, title: title)
    }

    /// Every chart of `plot labels`: the overview heat map and one bar chart per cluster, with file names.
    public static func labelCharts(_ table: ClusterLabelCounts) -> [(fileName: String, image: SVGImage)] {
        var charts = [(fileName: "overview.svg", image: heatMap(table))]
        for (row, cluster) in table.clusters.enumerated() {
            charts.append((cluster < 0 ? "noise.svg" : "cluster-\(cluster).svg", labelBars(cluster: cluster, counts: table.counts(forRow: row))))
        }
        return charts
    }

    /// Writes the label charts into `directory` (created if missing), each atomically; returns the paths.
    public static func writeLabelCharts(_ table: ClusterLabelCounts, to directory: String,
                                        control: TaskControl = .none) throws -> [String] {
        try makeDirectories(directory)
        var written: [String] = []
        let charts = labelCharts(table)
        for (k, chart) in charts.enumerated() {
            try control.checkCancellation()
            let path = directory + "/" + chart.fileName
            try AtomicFileWriter.write(chart.image.document, to: path)
            written.append(path)
            control.report(Progress(phase: "plot", done: k + 1, total: charts.count))
        }
        return written
    }

    private static func svgOpen(width: Double, height: Double, title: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"\(n(width))\" height=\"\(n(height))\" viewBox=\"0 0 \(n(width)) \(n(height))\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n<title>\(escapeForMarkup(title))</title>\n<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n"
    }

    /// Coordinates with at most one decimal.
    private static func n(_ x: Double) -> String {
        let t = fixed(x, 1)
        return t.hasSuffix(".0") ? String(t.dropLast(2)) : t
    }
}
