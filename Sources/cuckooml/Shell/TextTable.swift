import CuckooML

/// Aligned plain-text tables for command output. Cells must already be escaped for the terminal.
enum TextTable {
    /// Renders a header and rows in columns two spaces apart; `rightAligned` columns (numbers) are
    /// padded on the left. Returns one string per line.
    static func render(header: [String], rows: [[String]], rightAligned: Set<Int> = [], indent: Int = 0) -> [String] {
        var widths = header.map(\.count)
        for row in rows {
            for (i, cell) in row.enumerated() where i < widths.count { widths[i] = max(widths[i], cell.count) }
        }
        let pad = String(repeating: " ", count: indent)
        func line(_ cells: [String]) -> String {
            let columns = cells.enumerated().map { i, cell -> String in
                let last = i == cells.count - 1
                if rightAligned.contains(i) { return leftPad(cell, widths[i]) }
                return last ? cell : rightPad(cell, widths[i])
            }
            return pad + columns.joined(separator: "  ")
        }
        return [line(header)] + rows.map(line)
    }
}
