/// Makes a string from a report safe to print on a terminal: control characters (C0, DEL, C1, and the
/// bidi overrides malware uses to disguise file names) become visible escapes, so a mutex named
/// "\u{1B}]0;pwned\u{07}" cannot retitle the analyst's terminal or move the cursor. Every renderer
/// goes through this one function.
public func escapeForTerminal(_ s: String) -> String {
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

@inline(__always)
func isUnsafeForTerminal(_ scalar: Unicode.Scalar) -> Bool {
    let v = scalar.value
    if v < 0x20 || v == 0x7F { return true }
    if v < 0x80 { return false }
    // C1 controls, bidi embeddings/overrides/isolates, and the replacement-prone line/paragraph separators.
    return (0x80...0x9F).contains(v) || (0x202A...0x202E).contains(v) || (0x2066...0x2069).contains(v)
        || v == 0x200E || v == 0x200F || v == 0x2028 || v == 0x2029 || v >= FileSystemPath.rawByteBase + 0x80
}
