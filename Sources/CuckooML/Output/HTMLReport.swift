/// A self-contained HTML page (inline CSS, SVG and one small script, no external resources) built from
/// sections, so any part of the program can contribute a section before it is rendered. Every string
/// is HTML-escaped when rendered; only SVG made by this library (`SVGImage`, `.svg`) is embedded as
/// markup. The page is also well-formed XML, and reads in full with scripts off: the script only adds
/// sorting, filtering and paging to tables marked interactive.
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
        /// The element id (`#families`); "s1", "s2"... by position when nil.
        public var id: String?
        /// Main sections are listed in the page's navigation; the others (one per family) are reached
        /// from links in the page.
        public var inNavigation: Bool
        public init(heading: String, blocks: [Block], id: String? = nil, inNavigation: Bool = true) {
            self.heading = heading
            self.blocks = blocks
            self.id = id
            self.inNavigation = inNavigation
        }

        /// A section holding one table, the usual way to add metrics or anomalies.
        public static func table(_ heading: String, _ table: Table, note: String? = nil) -> Section {
            Section(heading: heading, blocks: (note.map { [.paragraph($0)] } ?? []) + [.table(table)])
        }
    }

    public enum Block: Sendable {
        case paragraph(String)
        /// A smaller heading inside a section.
        case subheading(String)
        /// A two-column list of names and values.
        case facts([(String, String)])
        case table(Table)
        /// Figures laid out side by side, each with its caption.
        case figures([SVGImage])
        /// Key numbers as cards: the value large, its name, and one line saying what it means.
        case metrics([Metric])
        /// Horizontal bars (label counts): each bar's length is its share of `total`.
        case bars([(label: String, count: Int)], total: Int)
        /// An `<svg>` element this library drew (the sample map), embedded as is, with a caption.
        case svg(String, caption: String)
        /// Blocks hidden behind a summary line until opened (`<details>`).
        case details(summary: String, blocks: [Block])
        /// Columns side by side on a wide screen, one under the other on a narrow one.
        case columns([[Block]])
    }

    public struct Metric: Sendable, Equatable {
        public var name: String
        public var value: String
        public var meaning: String
        public init(name: String, value: String, meaning: String) {
            self.name = name
            self.value = value
            self.meaning = meaning
        }
    }

    public struct Table: Sendable {
        public var header: [String]
        public var rows: [[String]]
        /// Columns right-aligned (numbers); interactive tables sort them as numbers.
        public var numericColumns: Set<Int>
        /// Sortable by a click on a column heading, filtered by a search box, shown a page at a time
        /// (with scripts on; with scripts off every row shows).
        public var interactive: Bool
        /// When set, the first cell of row i links to `#rowLinks[i]` (nil: no link).
        public var rowLinks: [String?]?
        /// Rows per page of an interactive table.
        public var pageSize: Int
        /// Columns of long unbroken text (paths, registry keys) that may break anywhere to fit.
        public var wrapColumns: Set<Int>
        public init(header: [String], rows: [[String]], numericColumns: Set<Int> = [], interactive: Bool = false,
                    rowLinks: [String?]? = nil, pageSize: Int = 50, wrapColumns: Set<Int> = []) {
            self.wrapColumns = wrapColumns
            self.header = header
            self.rows = rows
            self.numericColumns = numericColumns
            self.interactive = interactive
            self.rowLinks = rowLinks
            self.pageSize = pageSize
        }
    }

    /// The page as HTML5 text.
    public func render() -> String {
        var h = "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n"
        h += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n"
        h += "<title>\(escapeForMarkup(title))</title>\n<style>\n\(HTMLReportAssets.style)\n</style>\n</head>\n<body>\n<header>\n"
        h += "<h1>\(escapeForMarkup(title))</h1>\n"
        if let subtitle { h += "<p class=\"subtitle\">\(escapeForMarkup(subtitle))</p>\n" }
        let ids = sections.enumerated().map { i, s in s.id ?? "s\(i + 1)" }
        let listed = sections.indices.filter { sections[$0].inNavigation }
        if listed.count > 1 {
            h += "<nav>"
            for i in listed { h += "<a href=\"#\(escapeForMarkup(ids[i]))\">\(escapeForMarkup(sections[i].heading))</a>" }
            h += "</nav>\n"
        }
        h += "</header>\n<main>\n"
        for (i, section) in sections.enumerated() {
            h += "<section id=\"\(escapeForMarkup(ids[i]))\"\(section.inNavigation ? "" : " class=\"family\"")>\n"
            h += "<h2>\(escapeForMarkup(section.heading))</h2>\n"
            for block in section.blocks { render(block, into: &h) }
            h += "</section>\n"
        }
        h += "</main>\n"
        if sections.contains(where: { $0.blocks.contains(where: Self.hasInteractiveTable) }) {
            h += "<script>//<![CDATA[\n\(HTMLReportAssets.script)\n//]]></script>\n"
        }
        h += "</body>\n</html>\n"
        return h
    }

    static func hasInteractiveTable(_ block: Block) -> Bool {
        switch block {
        case .table(let t): t.interactive
        case .details(_, let blocks): blocks.contains(where: hasInteractiveTable)
        case .columns(let columns): columns.contains { $0.contains(where: hasInteractiveTable) }
        default: false
        }
    }

    private func render(_ block: Block, into h: inout String) {
        switch block {
        case .paragraph(let text):
            h += "<p>\(escapeForMarkup(text))</p>\n"
        case .subheading(let text):
            h += "<h3>\(escapeForMarkup(text))</h3>\n"
        case .facts(let pairs):
            h += "<table class=\"facts\">\n"
            for (name, value) in pairs { h += "<tr><th>\(escapeForMarkup(name))</th><td>\(escapeForMarkup(value))</td></tr>\n" }
            h += "</table>\n"
        case .table(let table):
            render(table, into: &h)
        case .figures(let images):
            h += "<div class=\"figures\">\n"
            for image in images {
                h += "<figure>\n\(image.markup)\n<figcaption>\(escapeForMarkup(image.title))</figcaption>\n</figure>\n"
            }
            h += "</div>\n"
        case .metrics(let metrics):
            h += "<div class=\"metrics\">\n"
            for m in metrics {
                h += "<div class=\"metric\"><div class=\"value\">\(escapeForMarkup(m.value))</div>"
                h += "<div class=\"name\">\(escapeForMarkup(m.name))</div><div class=\"meaning\">\(escapeForMarkup(m.meaning))</div></div>\n"
            }
            h += "</div>\n"
        case .bars(let bars, let total):
            h += "<div class=\"bars\">\n"
            let largest = max(1, bars.map(\.count).max() ?? 1)
            for bar in bars {
                let width = fixed(100 * Double(bar.count) / Double(largest), 1)
                let share = total > 0 ? " · " + fixed(100 * Double(bar.count) / Double(total), 0) + "%" : ""
                h += "<div class=\"bar\"><span class=\"label\">\(escapeForMarkup(bar.label))</span>"
                h += "<span class=\"track\"><span class=\"fill\" style=\"width:\(width)%\"></span></span>"
                h += "<span class=\"count\">\(bar.count)\(share)</span></div>\n"
            }
            h += "</div>\n"
        case .svg(let markup, let caption):
            h += "<figure class=\"map\">\n\(Self.svgElement(markup))\n<figcaption>\(escapeForMarkup(caption))</figcaption>\n</figure>\n"
        case .details(let summary, let blocks):
            h += "<details>\n<summary>\(escapeForMarkup(summary))</summary>\n"
            for inner in blocks { render(inner, into: &h) }
            h += "</details>\n"
        case .columns(let columns):
            h += "<div class=\"columns\">\n"
            for column in columns {
                h += "<div>\n"
                for inner in column { render(inner, into: &h) }
                h += "</div>\n"
            }
            h += "</div>\n"
        }
    }

    /// The `<svg>` element of an SVG document (an XML prolog, if any, cannot stand inside HTML).
    static func svgElement(_ document: String) -> String {
        guard let start = document.firstRange(of: "<svg") else { return "" }
        return String(document[start.lowerBound...]).trimmingSuffixNewlines()
    }

    private func render(_ table: Table, into h: inout String) {
        // Numeric columns are right-aligned by a class on the table rather than on each cell, which
        // keeps a 100 000-row table a third smaller.
        var classes = table.numericColumns.filter { $0 < HTMLReportAssets.columnClasses }.sorted().map { "n\($0 + 1)" }
            + table.wrapColumns.filter { $0 < HTMLReportAssets.columnClasses }.sorted().map { "w\($0 + 1)" }
        if table.interactive { classes.insert("interactive", at: 0) }
        h += classes.isEmpty ? "<table" : "<table class=\"\(classes.joined(separator: " "))\""
        h += table.interactive ? " data-page=\"\(table.pageSize)\">\n" : ">\n"
        h += "<thead><tr>"
        for (j, name) in table.header.enumerated() {
            h += table.numericColumns.contains(j) ? "<th data-type=\"number\">" : "<th>"
            h += escapeForMarkup(name) + "</th>"
        }
        h += "</tr></thead>\n<tbody>\n"
        for (i, row) in table.rows.enumerated() {
            h += "<tr>"
            for (j, cell) in row.enumerated() {
                if j == 0, let link = table.rowLinks?[i] {
                    h += "<td><a href=\"#\(escapeForMarkup(link))\">\(escapeForMarkup(cell))</a></td>"
                } else {
                    h += "<td>" + escapeForMarkup(cell) + "</td>"
                }
            }
            h += "</tr>\n"
        }
        h += "</tbody>\n</table>\n"
    }
}

extension String {
    fileprivate func trimmingSuffixNewlines() -> String {
        var s = Substring(self)
        while s.last == "\n" { s = s.dropLast() }
        return String(s)
    }
}
