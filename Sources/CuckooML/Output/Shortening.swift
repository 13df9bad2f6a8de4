/// Shortens a long string for text output by keeping its start and end around a "…", so a long path or
/// registry key still shows its root and its telling last part. At most `limit` characters (≥ 5).
/// Escape for the terminal before shortening: escapes lengthen the text, and a cut must not split one.
public func shortenMiddle(_ s: String, to limit: Int) -> String {
    let limit = max(5, limit)
    guard s.count > limit else { return s }
    let tail = (limit - 1) / 2, head = limit - 1 - tail
    return String(s.prefix(head)) + "…" + String(s.suffix(tail))
}
