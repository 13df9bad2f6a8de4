import CJSONScan
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An object key as raw bytes: a view into the buffer, or into `scratch` when it had escapes (valid
/// only until the next string is read).
struct JSONKey {
    let start: UnsafePointer<UInt8>
    let count: Int

    @inline(__always) static func == (key: JSONKey, literal: StaticString) -> Bool {
        key.count == literal.utf8CodeUnitCount && memcmp(key.start, literal.utf8Start, key.count) == 0
    }

    var string: String { String(decoding: UnsafeBufferPointer(start: start, count: count), as: UTF8.self) }
}

/// Walking the parts of a document the reader wants. Every `begin*`/`read*` method accepts any value:
/// when the value has another type it is skipped (validated) and the method says so by returning
/// false or nil, so a field of the wrong type just yields nothing.
extension JSONScanner {
    /// Enters an object at `p`; false (value skipped) when the value is not an object.
    mutating func beginObject() throws(ScanFailure) -> Bool {
        skipWhitespace()
        guard p[0] == 0x7B else { try skipValue(); return false }
        try enter()
        p += 1
        return true
    }

    /// Enters an array at `p`; false (value skipped) when the value is not an array.
    mutating func beginArray() throws(ScanFailure) -> Bool {
        skipWhitespace()
        guard p[0] == 0x5B else { try skipValue(); return false }
        try enter()
        p += 1
        return true
    }

    @inline(__always) private mutating func enter() throws(ScanFailure) {
        guard depth < JSONScanner.maxDepth else { throw failure("nesting deeper than \(JSONScanner.maxDepth) levels") }
        depth += 1
    }

    /// The next key of the object entered with `beginObject` (positioned on its value), or nil after
    /// the closing brace. `first` must start true for each object.
    mutating func nextKey(_ first: inout Bool) throws(ScanFailure) -> JSONKey? {
        skipWhitespace()
        if first {
            first = false
            if p[0] == 0x7D { p += 1; depth -= 1; return nil }
        } else {
            if p[0] == 0x7D { p += 1; depth -= 1; return nil }
            guard p[0] == 0x2C else { throw unexpected("',' or '}'") }
            p += 1
            skipWhitespace()
        }
        guard p[0] == 0x22 else { throw unexpected("a string key") }
        let start = p + 1
        let key: JSONKey
        if try skipString() {
            decodeEscapedString(from: start, to: p - 1)
            key = JSONKey(start: scratch, count: scratchCount)
        } else {
            key = JSONKey(start: start, count: p - 1 - start)
        }
        skipWhitespace()
        guard p[0] == 0x3A else { throw unexpected("':'") }
        p += 1
        return key
    }

    /// Whether another element of the array entered with `beginArray` follows (positioned on it).
    mutating func nextElement(_ first: inout Bool) throws(ScanFailure) -> Bool {
        skipWhitespace()
        if p[0] == 0x5D { p += 1; depth -= 1; return false }
        if first {
            first = false
        } else {
            guard p[0] == 0x2C else { throw unexpected("',' or ']'") }
            p += 1
        }
        if p >= checkpointAt { try checkpoint() }
        return true
    }

    // MARK: Scalars

    /// A string value (escapes decoded, invalid UTF-8 replaced by U+FFFD); nil (skipped) otherwise.
    mutating func readString() throws(ScanFailure) -> String? {
        skipWhitespace()
        guard p[0] == 0x22 else { try skipValue(); return nil }
        let bytes = try stringBytes()
        if let interner { return interner.string(bytes) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A string value's number in `StringTable.shared` (found through `interner` when there is one);
    /// nil (skipped) otherwise.
    mutating func readStringID() throws(ScanFailure) -> StringID? {
        skipWhitespace()
        guard p[0] == 0x22 else { try skipValue(); return nil }
        let bytes = try stringBytes()
        if let interner { return interner.id(bytes) }
        let raw = UnsafeRawBufferPointer(bytes)
        return StringTable.shared.id(raw, hash: ByteHash.hash(raw))
    }

    /// A string value made on its own, not shared through `interner` nor numbered: for the strings
    /// only one report holds (its hashes), which would only grow the string table and miss in its
    /// index; nil (skipped) for other values.
    mutating func readUnsharedString() throws(ScanFailure) -> String? {
        skipWhitespace()
        guard p[0] == 0x22 else { try skipValue(); return nil }
        return String(decoding: try stringBytes(), as: UTF8.self)
    }

    /// A string value's number (as `readStringID`) and whether its bytes are all ASCII; nil (skipped)
    /// for other values.
    mutating func readNumberedString() throws(ScanFailure) -> (id: StringID, ascii: Bool)? {
        skipWhitespace()
        guard p[0] == 0x22 else { try skipValue(); return nil }
        let bytes = try stringBytes()
        return (number(bytes), ByteHash.isASCII(UnsafeRawBufferPointer(bytes)))
    }

    /// A key's number in `StringTable.shared`, found as string values' are.
    func id(_ key: JSONKey) -> StringID {
        number(UnsafeBufferPointer(start: key.start, count: key.count))
    }

    /// A key's number and whether its bytes are all ASCII.
    func numbered(_ key: JSONKey) -> (id: StringID, ascii: Bool) {
        let bytes = UnsafeBufferPointer(start: key.start, count: key.count)
        return (number(bytes), ByteHash.isASCII(UnsafeRawBufferPointer(bytes)))
    }

    @inline(__always) private func number(_ bytes: UnsafeBufferPointer<UInt8>) -> StringID {
        if let interner { return interner.id(bytes) }
        let raw = UnsafeRawBufferPointer(bytes)
        return StringTable.shared.id(raw, hash: ByteHash.hash(raw))
    }

    /// A key's text, shared through `interner` like string values.
    func string(_ key: JSONKey) -> String {
        let bytes = UnsafeBufferPointer(start: key.start, count: key.count)
        if let interner { return interner.string(bytes) }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The raw bytes of a string value without escapes, passed to `body`; nil for other values.
    /// Strings with escapes are decoded into `scratch` first.
    mutating func withStringBytes<R>(_ body: (UnsafeBufferPointer<UInt8>) -> R) throws(ScanFailure) -> R? {
        skipWhitespace()
        guard p[0] == 0x22 else { try skipValue(); return nil }
        return body(try stringBytes())
    }

    /// The body of the string at `p` (its opening quote), from the buffer or, when it has escapes,
    /// decoded into `scratch` (valid until the next string is read); moves past the string.
    private mutating func stringBytes() throws(ScanFailure) -> UnsafeBufferPointer<UInt8> {
        let start = p + 1
        let q = vector ? cjs_string_stop_vector(start, checkpointAt) : cjs_string_stop_scalar(start, checkpointAt)
        if q[0] == 0x22 {
            p = q + 1
            return UnsafeBufferPointer(start: start, count: q - start)
        }
        if native && q[0] == 0x5C {
            // Validate and decode in one pass; declined (errors, checkpoints, a long string that
            // does not fit `scratch`) it is read again below, which also grows `scratch`.
            var count = 0
            let stop = vector ? cjs_decode_string_vector(start, checkpointAt, scratch, scratchCapacity, &count)
                : cjs_decode_string_scalar(start, checkpointAt, scratch, scratchCapacity, &count)
            if let stop {
                p = stop
                scratchCount = count
                return UnsafeBufferPointer(start: scratch, count: count)
            }
        }
        p = q
        if try skipStringRest() {
            decodeEscapedString(from: start, to: p - 1)
            return UnsafeBufferPointer(start: scratch, count: scratchCount)
        }
        return UnsafeBufferPointer(start: start, count: p - 1 - start)
    }

    /// An integer value that fits in `Int`; nil (skipped) for other values, fractions and overflow.
    mutating func readInt() throws(ScanFailure) -> Int? {
        skipWhitespace()
        let c = p[0]
        guard c == 0x2D || c &- 0x30 < 10 else { try skipValue(); return nil }
        let start = p
        guard try skipNumber() else { return nil }
        var q = start
        let negative = q[0] == 0x2D
        if negative { q += 1 }
        var value = 0
        while q < p {
            let (m, o1) = value.multipliedReportingOverflow(by: 10)
            let (s, o2) = negative ? m.subtractingReportingOverflow(Int(q[0] - 0x30)) : m.addingReportingOverflow(Int(q[0] - 0x30))
            if o1 || o2 { return nil }
            value = s
            q += 1
        }
        return value
    }

    /// `true` or `false`; nil (skipped) for other values.
    mutating func readBool() throws(ScanFailure) -> Bool? {
        skipWhitespace()
        let w = JSONScanner.load(p)
        if w & 0xFFFF_FFFF == 0x6575_7274 { p += 4; return true }
        if w & 0xFF_FFFF_FFFF == 0x65_736C_6166 { p += 5; return false }
        try skipValue()
        return nil
    }

    /// Appends every string element of an array value to `out` (other elements are skipped).
    mutating func readStrings(into out: inout StringList) throws(ScanFailure) {
        guard try beginArray() else { return }
        var first = true
        while try nextElement(&first) {
            if let s = try readStringID() { out.append(id: s) }
        }
    }

    /// Appends every string in an array whose elements are strings or arrays of strings
    /// (Cuckoo's `file_copied`/`file_moved` hold `[source, destination]` pairs).
    mutating func readStringsFlattening(into out: inout StringList) throws(ScanFailure) {
        guard try beginArray() else { return }
        var first = true
        while try nextElement(&first) {
            skipWhitespace()
            if p[0] == 0x5B {
                try readStrings(into: &out)
            } else if let s = try readStringID() {
                out.append(id: s)
            }
        }
    }

    // MARK: Escapes

    /// Decodes the body of a string with escapes (`start..<stop`, already validated) into `scratch`.
    /// `\uXXXX` surrogate pairs are combined; a lone surrogate becomes U+FFFD. The decoded form is
    /// never longer than the escaped one, so it is written straight into a buffer of that size.
    mutating func decodeEscapedString(from start: UnsafePointer<UInt8>, to stop: UnsafePointer<UInt8>) {
        let capacity = stop - start
        // Runs without escapes are copied 8 bytes at a time, so allow 8 bytes of overshoot.
        if capacity + 8 > scratchCapacity {
            scratch.deallocate()
            scratchCapacity = max(capacity + 8, 2 * scratchCapacity)
            scratch = .allocate(capacity: scratchCapacity)
        }
        do {
            let out = scratch
            var q = start
            var n = 0
            func put(_ v: UInt32) {
                switch v {
                case 0..<0x80:
                    out[n] = UInt8(v); n += 1
                case 0x80..<0x800:
                    out[n] = UInt8(0xC0 | (v >> 6)); out[n + 1] = UInt8(0x80 | (v & 0x3F)); n += 2
                case 0x800..<0x10000:
                    out[n] = UInt8(0xE0 | (v >> 12)); out[n + 1] = UInt8(0x80 | ((v >> 6) & 0x3F))
                    out[n + 2] = UInt8(0x80 | (v & 0x3F)); n += 3
                default:
                    out[n] = UInt8(0xF0 | (v >> 18)); out[n + 1] = UInt8(0x80 | ((v >> 12) & 0x3F))
                    out[n + 2] = UInt8(0x80 | ((v >> 6) & 0x3F)); out[n + 3] = UInt8(0x80 | (v & 0x3F)); n += 4
                }
            }
            while q < stop {
                // Copy up to the next backslash a word at a time (reading past `stop` is safe: the
                // buffer has zero padding; bytes copied past `stop` are cut off below).
                let w = JSONScanner.load(q)
                let mask = JSONScanner.zeroBytes(w ^ (JSONScanner.ones &* 0x5C))
                UnsafeMutableRawPointer(out + n).storeBytes(of: w, as: UInt64.self)
                if mask == 0 {
                    n += 8
                    q += 8
                    continue
                }
                let k = mask.trailingZeroBitCount >> 3
                n += k
                q += k
                if q >= stop { break }
                let e = q[1]
                q += 2
                switch e {
                case 0x62: out[n] = 0x08; n += 1
                case 0x66: out[n] = 0x0C; n += 1
                case 0x6E: out[n] = 0x0A; n += 1
                case 0x72: out[n] = 0x0D; n += 1
                case 0x74: out[n] = 0x09; n += 1
                case 0x75:
                    var scalar = JSONScanner.hex4(q)
                    q += 4
                    if scalar >= 0xD800 && scalar < 0xDC00 {
                        if q + 6 <= stop && q[0] == 0x5C && q[1] == 0x75 {
                            let low = JSONScanner.hex4(q + 2)
                            if low >= 0xDC00 && low < 0xE000 {
                                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                                q += 6
                            } else {
                                scalar = 0xFFFD
                            }
                        } else {
                            scalar = 0xFFFD
                        }
                    } else if scalar >= 0xDC00 && scalar < 0xE000 {
                        scalar = 0xFFFD
                    }
                    put(scalar)
                default:
                    out[n] = e   // \" \\ \/
                    n += 1
                }
            }
            if q > stop { n -= q - stop }
            scratchCount = n
        }
    }

    static func hex4(_ q: UnsafePointer<UInt8>) -> UInt32 {
        (hexValue(q[0])! << 12) | (hexValue(q[1])! << 8) | (hexValue(q[2])! << 4) | hexValue(q[3])!
    }
}
