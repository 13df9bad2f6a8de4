/// Makes a string safe as XML/HTML text or a quoted attribute value: `& < > " '` become entities and
/// characters that XML 1.0 forbids or that disguise text (C0/C1 controls, DEL, bidi overrides and
/// isolates, U+FFFE/U+FFFF) are dropped. Every string that reaches an SVG or HTML file goes through it.
public func escapeForMarkup(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.utf8.count)
    for scalar in s.unicodeScalars {
        switch scalar {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default:
            let v = scalar.value
            if isUnsafeForTerminal(scalar) || v == 0xFFFE || v == 0xFFFF { continue }
            out.unicodeScalars.append(scalar)
        }
    }
    return out
}

/// Shortens text for a chart axis to `limit` characters, marking the cut with an ellipsis.
func truncated(_ s: String, _ limit: Int) -> String {
    s.count <= limit ? s : String(s.prefix(limit - 1)) + "…"
}
