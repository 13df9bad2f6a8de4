/// Makes a string from a report safe to print on a terminal: control characters (C0, DEL, C1, and the
/// bidi overrides malware uses to disguise file names) become visible escapes, so a mutex named
/// "\u{1B}]0;pwned\u{07}" cannot retitle the analyst's terminal or move the cursor. Every renderer
/// goes through this one function.
///
/// A string longer than `terminalStringLimit` bytes is shortened to its start followed by its full
/// length, `…[1073741824 bytes]`: a 1 GB file name from a report would otherwise take seconds and
/// gigabytes to print and scroll the session away. `--json` and exports never go through here, so
/// they keep the whole string.
public func escapeForTerminal(_ s: String) -> String {
    let length = s.utf8.count
    if length > terminalStringLimit {
        var kept = String.UnicodeScalarView()
        var bytes = 0
        for scalar in s.unicodeScalars {
            bytes += UTF8.width(scalar)
            if bytes > terminalStringKept { break }
            kept.append(scalar)
        }
        return escapeForTerminal(String(kept)) + "…[\(length) bytes]"
    }
    var needsWork = false
    for scalar in s.unicodeScalars where isUnsafeForTerminal(scalar) {
        needsWork = true
        break
    }
    guard needsWork else { return s }
    var out = ""
    out.reserveCapacity(s.utf8.count + 8)
    for scalar in s.unicodeScalars {
        guard isUnsafeForTerminal(scalar) else {
            out.unicodeScalars.append(scalar)
            continue
        }
        switch scalar {
        case "\n": out += "\\n"
        case "\r": out += "\\r"
        case "\t": out += "\\t"
        case "\u{1B}": out += "\\e"
        case _ where FileSystemPath.isRawByte(scalar):
            // A byte of a file name that is not UTF-8 (see FileSystemPath), shown as the byte it is.
            out += "\\x" + String(JSONValue.hex4(scalar.value - FileSystemPath.rawByteBase).suffix(2))
        default:
            let v = scalar.value
            out += v <= 0xFF ? "\\x" + String(JSONValue.hex4(v).suffix(2)) : "\\u{" + String(v, radix: 16) + "}"
        }
    }
    return out
}

/// Strings up to this many UTF-8 bytes print whole; longer ones keep their first `terminalStringKept`.
public let terminalStringLimit = 1024
let terminalStringKept = 960

/// Makes a whole block of terminal text safe: what `escapeForTerminal` escapes in one string, here
/// for text that is already laid out — newlines are kept, and with `colour` the SGR sequences
/// (`ESC [ digits;… m`) our renderers add. The shell passes everything it prints through this, so a
/// string that reached a message without being escaped (an argument quoted in an error, a name in a
/// note) still cannot drive the terminal. Text already escaped passes unchanged: `escapeForTerminal`
/// leaves no unsafe character and never escapes a backslash.
public func escapeForTerminal(text: String, colour: Bool) -> String {
    guard text.unicodeScalars.contains(where: { $0 != "\n" && isUnsafeForTerminal($0) }) else { return text }
    var out = String.UnicodeScalarView()
    let scalars = Array(text.unicodeScalars)
    var i = 0
    while i < scalars.count {
        let scalar = scalars[i]
        if scalar == "\n" || !isUnsafeForTerminal(scalar) {
            out.append(scalar)
            i += 1
            continue
        }
        if colour, scalar == "\u{1B}", let end = sgrEnd(scalars, from: i) {
            out.append(contentsOf: scalars[i...end])
            i = end + 1
            continue
        }
        out.append(contentsOf: escapeForTerminal(String(scalar)).unicodeScalars)
        i += 1
    }
    return String(out)
}

/// The index of the `m` ending a Select Graphic Rendition sequence starting at `start` (ESC), if it is one.
private func sgrEnd(_ scalars: [Unicode.Scalar], from start: Int) -> Int? {
    guard start + 2 < scalars.count, scalars[start + 1] == "[" else { return nil }
    var j = start + 2
    while j < scalars.count, j - start < 32 {
        let c = scalars[j]
        if c == "m" { return j }
        guard ("0"..."9").contains(c) || c == ";" else { return nil }
        j += 1
    }
    return nil
}

@inline(__always)
func isUnsafeForTerminal(_ scalar: Unicode.Scalar) -> Bool {
    let v = scalar.value
    if v < 0x20 || v == 0x7F { return true }
    if v < 0x80 { return false }
    // C1 controls, bidi embeddings/overrides/isolates, and the replacement-prone line/paragraph separators.
    return (0x80...0x9F).contains(v) || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)
        || v == 0x200E || v == 0x200F || v == 0x2028 || v == 0x2029 || v >= FileSystemPath.rawByteBase + 0x80
}
