import CuckooML

/// Horizontal bar charts drawn with Unicode block characters (eighths of a cell), one row per label:
///
///     zbot      ████████████████████████████████████████ 40
///     none      ███████████▌ 12
///
/// The largest value spans `width` columns (40 by default) unless a shared `scale` is given, so
/// several charts can be drawn to one scale. Labels are escaped for the terminal and padded to a
/// common width (long labels are shortened with `…`); colour is added only when asked for.
struct BarChart {
    struct Row: Equatable {
        var label: String
        var value: Int
    }

    var rows: [Row]
    var width = 40
    /// The value drawn `width` columns wide; the largest row value when nil.
    var scale: Int? = nil
    var color = false
    /// Labels longer than this are cut (the count still says which row it is).
    var maxLabelWidth = 32
    /// Labels drawn dim (e.g. `none`).
    var dimLabels: Set<String> = []

    static let eighths: [Character] = ["▏", "▎", "▍", "▌", "▋", "▊", "▉", "█"]

    /// The bar for `value` out of `maximum`, `width` columns at most, rounded to an eighth of a column.
    /// Non-zero values always show at least one eighth.
    static func bar(_ value: Int, of maximum: Int, width: Int) -> String {
        guard value > 0, maximum > 0 else { return "" }
        var units = Int((Double(value) / Double(maximum) * Double(width * 8)).rounded())
        units = max(1, min(units, width * 8))
        var s = String(repeating: "█", count: units / 8)
        if units % 8 > 0 { s.append(eighths[units % 8 - 1]) }
        return s
    }

    func render() -> String {
        let labels = rows.map { shorten(escapeForTerminal($0.label)) }
        let labelWidth = labels.map(\.count).max() ?? 0
        let maximum = scale ?? rows.map(\.value).max() ?? 0
        var lines: [String] = []
        for (row, label) in zip(rows, labels) {
            var bar = BarChart.bar(row.value, of: maximum, width: width)
            if color && !bar.isEmpty {
                bar = (dimLabels.contains(row.label) ? "\u{1B}[2m" : "\u{1B}[36m") + bar + "\u{1B}[0m"
            }
            lines.append(rightPad(label, labelWidth) + "  " + bar + (bar.isEmpty ? "" : " ") + String(row.value))
        }
        return lines.joined(separator: "\n")
    }

    private func shorten(_ s: String) -> String {
        s.count <= maxLabelWidth ? s : String(s.prefix(maxLabelWidth - 1)) + "…"
    }
}
