#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CJSONScan

/// Why a report could not be copied; `description` is one line naming the problem and its byte offset.
public struct ReportCopyError: Error, Equatable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}

/// Copies one JSON document byte for byte while setting `info.<member>` to a given value, streaming
/// from a file descriptor in fixed-size chunks so a report of any size costs only the buffer.
///
/// The whole input is validated as it is copied (strict RFC 8259 grammar, UTF-8 in strings), so the
/// output is strictly valid JSON or nothing is produced. Departures from "byte for byte":
/// - every top-level `info` object gets the member: an existing `<member>` (each one, if repeated) has
///   its value replaced, otherwise the member is appended before the object's `}`; when the document has
///   no `info`, `"info":{"<member>":…}` is appended to the top-level object; an `info` that is not an
///   object is an error (there is nowhere to put the member without dropping it);
/// - the non-standard tokens `NaN`, `Infinity` and `-Infinity` (Python's `json.dump` writes them) become
///   `null`, since strict JSON has no such numbers; they are counted in `nullsWritten`;
/// - a leading UTF-8 byte-order mark is dropped (RFC 8259 forbids emitting one).
struct JSONAnnotatingCopier {
    /// Nesting beyond this is refused (the scanner keeps an explicit stack, so this only bounds memory).
    static let maximumDepth = 100_000
    static let chunkSize = 1 << 20

    let member: [UInt8]
    let value: [UInt8]
    private(set) var nullsWritten = 0

    init(member: String, value: String) {
        self.member = Array(member.utf8)
        self.value = Array(value.utf8)
    }

    private enum Container: UInt8 { case object, array, info }
    private enum Expect { case value, keyOrEnd, key, colon, commaOrEnd }

    /// Copies `input` to `emit`, returning the number of input bytes read.
    @discardableResult
    mutating func copy(from fd: Int32, to emit: (UnsafeRawBufferPointer) throws -> Void,
                       isCancelled: () -> Bool = { false }) throws -> Int {
        var scanner = Scanner(member: member, value: value)
        var chunk = [UInt8](repeating: 0, count: Self.chunkSize)
        var total = 0
        var first = true
        while true {
            if isCancelled() { throw ReportCopyError("interrupted") }
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ReportCopyError("read failed: \(errnoText())")
            }
            if n == 0 { break }
            try chunk.withUnsafeBytes { raw in
                var bytes = UnsafeRawBufferPointer(rebasing: raw[0..<n])
                if first, n >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
                    bytes = UnsafeRawBufferPointer(rebasing: bytes[3...])
                    scanner.offset = 3
                }
                first = false
                try scanner.scan(bytes, emit: emit)
            }
            total += n
        }
        try scanner.finish(emit: emit)
        nullsWritten = scanner.nulls
        return total
    }

    /// Bytes that must follow a document passed to `copy(document:)` (zero, readable): the C planner's
    /// contract (CJSONAnnotate.h).
    static let documentPadding = 64

    /// Copies the whole file `raw` (as read, byte-order mark and all), which is followed by
    /// `documentPadding` zero bytes; returns `raw.count`. Same output and errors as `copy(from:)`.
    ///
    /// The C planner (`cja_plan`) checks the document in one pass and lists where the copy differs
    /// (the inserted or replaced member, `NaN`s), so the copy is the file's own bytes spliced around
    /// those few places: a report's ~100 KB cost one vector pass instead of a per-byte state machine.
    /// When the planner declines (an error, or a case it leaves to the scanner), the scanner copies
    /// the document in chunks as it does from a file, with its error messages and offsets.
    @discardableResult
    mutating func copy(document raw: UnsafeRawBufferPointer, to emit: (UnsafeRawBufferPointer) throws -> Void,
                       isCancelled: () -> Bool = { false }) throws -> Int {
        let bom = raw.count >= 3 && raw[0] == 0xEF && raw[1] == 0xBB && raw[2] == 0xBF ? 3 : 0
        let body = UnsafeRawBufferPointer(rebasing: raw[bom...])
        if isCancelled() { throw ReportCopyError("interrupted") }
        if try splice(raw, emit: emit) { return raw.count }
        var scanner = Scanner(member: member, value: value)
        scanner.offset = bom
        var start = 0
        while start < body.count {
            if isCancelled() { throw ReportCopyError("interrupted") }
            let end = min(body.count, start + Self.chunkSize)
            try scanner.scan(UnsafeRawBufferPointer(rebasing: body[start..<end]), emit: emit)
            start = end
        }
        try scanner.finish(emit: emit)
        nullsWritten = scanner.nulls
        return raw.count
    }

    /// One piece of a spliced copy: `count` bytes at `start` of the document (when `fromDocument`,
    /// offsets as in `copy(document:)`'s `raw`) or of the inserted text.
    struct Run {
        var fromDocument: Bool
        var start: Int
        var count: Int
    }

    /// The planner's copy of `raw` (as `copy(document:)` takes it) as runs of the document's own
    /// bytes and of `inserted` (filled here), so a writer can gather them from both buffers without
    /// assembling the copy; sets `nullsWritten`. Nil when the planner declines: `copy(document:)`
    /// then copies it with the scanner.
    mutating func splicedRuns(document raw: UnsafeRawBufferPointer, inserted: inout [UInt8]) -> [Run]? {
        let bom = raw.count >= 3 && raw[0] == 0xEF && raw[1] == 0xBB && raw[2] == 0xBF ? 3 : 0
        let body = UnsafeRawBufferPointer(rebasing: raw[bom...])
        guard let base = body.baseAddress?.assumingMemoryBound(to: UInt8.self), !body.isEmpty else { return nil }
        // More places than this (a report full of NaN) go to the scanner, which has no limit.
        var edits = [cja_edit](repeating: cja_edit(), count: 256)
        let count = member.withUnsafeBufferPointer { name in
            edits.withUnsafeMutableBufferPointer { cja_plan(base, body.count, name.baseAddress!, name.count, $0.baseAddress!, $0.count) }
        }
        guard count >= 0 else { return nil }
        inserted.removeAll(keepingCapacity: true)
        var runs: [Run] = []
        runs.reserveCapacity(2 * count + 1)
        var nulls = 0
        var cursor = 0
        func put(_ text: [UInt8]) {
            runs.append(Run(fromDocument: false, start: inserted.count, count: text.count))
            inserted.append(contentsOf: text)
        }
        for edit in edits[0..<count] {
            if edit.start > cursor { runs.append(Run(fromDocument: true, start: bom + cursor, count: edit.start - cursor)) }
            let comma: [UInt8] = edit.empty != 0 ? [] : [0x2C]
            switch UInt32(edit.kind) {
            case CJA_REPLACE_VALUE.rawValue:
                put(value)
            case CJA_NULL.rawValue:
                put(Array("null".utf8))
                nulls += 1
            case CJA_INSERT_MEMBER.rawValue:
                put(comma + quoted(member) + [0x3A] + value)
            default:
                put(comma + Array("\"info\":{".utf8) + quoted(member) + [0x3A] + value + [0x7D])
            }
            cursor = edit.end
        }
        if body.count > cursor { runs.append(Run(fromDocument: true, start: bom + cursor, count: body.count - cursor)) }
        nullsWritten = nulls
        return runs
    }

    /// The planner's copy of `raw` passed to `emit` run by run; false when the planner declines.
    private mutating func splice(_ raw: UnsafeRawBufferPointer, emit: (UnsafeRawBufferPointer) throws -> Void) throws -> Bool {
        var inserted: [UInt8] = []
        guard let runs = splicedRuns(document: raw, inserted: &inserted) else { return false }
        try inserted.withUnsafeBytes { text in
            for run in runs {
                try emit(UnsafeRawBufferPointer(rebasing: (run.fromDocument ? raw : text)[run.start..<run.start + run.count]))
            }
        }
        return true
    }

    /// The state machine; survives chunk boundaries. Output is copied as ranges of the current chunk
    /// (`copyFrom..<i`) except while `suppressed` (a replaced value) or inside a number/literal token,
    /// which is buffered so `NaN` can be swapped for `null`.
    private struct Scanner {
        let member: [UInt8]
        let value: [UInt8]
        var stack: [Container] = []
        var expect = Expect.value
        var started = false
        var finished = false
        var offset = 0
        var nulls = 0
        var sawInfo = false
        /// Depth (stack count) at which the value being skipped started; -1 when not suppressing.
        var suppressDepth = -1
        var suppressed: Bool { suppressDepth >= 0 }
        /// The member name seen in the info object at which the current key was read.
        var infoHasMember: [Bool] = []
        // String state.
        var inString = false
        var escape = 0 // 0 none, 1 after backslash, 2...5 hex digits remaining (as 6 - n)
        var hexLeft = 0
        var hexValue: UInt32 = 0
        var utf8Need = 0
        var utf8Low: UInt8 = 0x80
        var utf8High: UInt8 = 0xBF
        var stringIsKey = false
        var key: [UInt8] = []
        var keyTooLong = false
        // Token (number or literal) state.
        var inToken = false
        var token: [UInt8] = []
        // Whether the value about to be read is the top-level `info` member / our member inside info.
        var pendingInfo = false
        var pendingReplace = false

        init(member: [UInt8], value: [UInt8]) {
            self.member = member
            self.value = value
        }

        func fail(_ what: String, at i: Int) -> ReportCopyError {
            ReportCopyError("\(what) at byte \(offset + i)")
        }

        mutating func scan(_ bytes: UnsafeRawBufferPointer,
                           emit: (UnsafeRawBufferPointer) throws -> Void) throws {
            var copyFrom = 0
            var i = 0
            let n = bytes.count

            func flush(_ upTo: Int, _ copyFrom: inout Int, _ suppressed: Bool, _ inToken: Bool) throws {
                if !suppressed && !inToken && upTo > copyFrom {
                    try emit(UnsafeRawBufferPointer(rebasing: bytes[copyFrom..<upTo]))
                }
                copyFrom = upTo
            }
            func put(_ text: [UInt8]) throws {
                try text.withUnsafeBytes { try emit($0) }
            }

            while i < n {
                let c = bytes[i]
                if inString {
                    // Fast path over plain string bytes.
                    if escape == 0 && utf8Need == 0 {
                        var j = i
                        while j < n {
                            let b = bytes[j]
                            if b == 0x22 || b == 0x5C || b < 0x20 || b >= 0x80 { break }
                            j += 1
                        }
                        if stringIsKey && !keyTooLong { appendKey(bytes, i, j) }
                        i = j
                        if i == n { break }
                    }
                    let c = bytes[i]
                    if utf8Need > 0 {
                        guard c >= utf8Low && c <= utf8High else { throw fail("invalid UTF-8 in a string", at: i) }
                        utf8Need -= 1
                        utf8Low = 0x80; utf8High = 0xBF
                        if stringIsKey { keyTooLong = true }
                    } else if escape == 1 {
                        switch c {
                        case 0x22, 0x5C, 0x2F, 0x62, 0x66, 0x6E, 0x72, 0x74:
                            escape = 0
                            if stringIsKey && !keyTooLong { key.append(unescape(c)) }
                        case 0x75: escape = 2; hexLeft = 4; hexValue = 0
                        default: throw fail("invalid escape \\\(printable(c)) in a string", at: i)
                        }
                    } else if escape == 2 {
                        guard isHex(c) else { throw fail("invalid \\u escape in a string", at: i) }
                        hexValue = hexValue << 4 | UInt32(hexDigit(c))
                        hexLeft -= 1
                        if hexLeft == 0 {
                            escape = 0
                            // Member names we look for are ASCII; `"\u0069nfo"` still names `info`.
                            if stringIsKey && !keyTooLong {
                                if hexValue < 0x80 { key.append(UInt8(hexValue)) } else { keyTooLong = true }
                            }
                        }
                    } else if c == 0x22 {
                        inString = false
                        if stringIsKey { expect = .colon } else { valueDone() }
                        if resumeCopy { copyFrom = i + 1; resumeCopy = false }
                    } else if c == 0x5C {
                        escape = 1
                    } else if c < 0x20 {
                        throw fail("unescaped control character in a string", at: i)
                    } else {
                        switch c {
                        case 0xC2...0xDF: utf8Need = 1
                        case 0xE0: utf8Need = 2; utf8Low = 0xA0
                        case 0xE1...0xEC, 0xEE, 0xEF: utf8Need = 2
                        case 0xED: utf8Need = 2; utf8High = 0x9F
                        case 0xF0: utf8Need = 3; utf8Low = 0x90
                        case 0xF1...0xF3: utf8Need = 3
                        case 0xF4: utf8Need = 3; utf8High = 0x8F
                        default: throw fail("invalid UTF-8 in a string", at: i)
                        }
                        if stringIsKey { keyTooLong = true }
                    }
                    i += 1
                    continue
                }
                if inToken {
                    if isTokenByte(c) {
                        token.append(c)
                        if token.count > 4096 { throw fail("number or literal longer than 4096 bytes", at: i) }
                        i += 1
                        continue
                    }
                    try endToken(at: i, put: put)
                    copyFrom = i
                    resumeCopy = false
                    continue
                }
                switch c {
                case 0x20, 0x09, 0x0A, 0x0D:
                    i += 1
                    continue
                default: break
                }
                if finished { throw fail("unexpected data after the JSON document", at: i) }
                switch expect {
                case .value:
                    if !started {
                        guard c == 0x7B else { throw fail("top level is not a JSON object", at: i) }
                        started = true
                    }
                    if pendingReplace {
                        // Stop copying just before the old value and write ours instead.
                        try flush(i, &copyFrom, suppressed, false)
                        pendingReplace = false
                        if !suppressed { try put(value) }
                        suppressDepth = stack.count
                    }
                    switch c {
                    case 0x7B:
                        try push(pendingInfo ? .info : .object, at: i)
                        if pendingInfo { sawInfo = true }
                        pendingInfo = false
                        expect = .keyOrEnd
                    case 0x5B:
                        if pendingInfo { throw fail("`info` is not an object", at: i) }
                        try push(.array, at: i)
                        expect = .value
                        // An empty array closes right away; handled in `.value` via `]` below.
                    case 0x5D where stack.last == .array && lastWasOpen:
                        try close(at: i, &copyFrom, flush: flush, put: put)
                    case 0x22:
                        if pendingInfo { throw fail("`info` is not an object", at: i) }
                        inString = true
                        stringIsKey = false
                    default:
                        guard isTokenByte(c) else { throw fail("unexpected character '\(printable(c))'", at: i) }
                        if pendingInfo { throw fail("`info` is not an object", at: i) }
                        try flush(i, &copyFrom, suppressed, false)
                        inToken = true
                        token.removeAll(keepingCapacity: true)
                        token.append(c)
                    }
                    lastWasOpen = c == 0x5B
                case .keyOrEnd, .key:
                    if c == 0x7D && expect == .keyOrEnd {
                        try close(at: i, &copyFrom, flush: flush, put: put)
                    } else if c == 0x22 {
                        inString = true
                        stringIsKey = true
                        key.removeAll(keepingCapacity: true)
                        keyTooLong = false
                    } else {
                        throw fail("expected a member name", at: i)
                    }
                case .colon:
                    guard c == 0x3A else { throw fail("expected ':' after a member name", at: i) }
                    if !suppressed && !keyTooLong {
                        if stack.count == 1 && key == Array("info".utf8) { pendingInfo = true }
                        if stack.last == .info && key == member {
                            pendingReplace = true
                            infoHasMember[infoHasMember.count - 1] = true
                        }
                    }
                    expect = .value
                    lastWasOpen = false
                case .commaOrEnd:
                    if c == 0x2C {
                        expect = stack.last == .array ? .value : .key
                        lastWasOpen = false
                    } else if c == 0x7D && stack.last != .array || c == 0x5D && stack.last == .array {
                        try close(at: i, &copyFrom, flush: flush, put: put)
                    } else {
                        throw fail(stack.last == .array ? "expected ',' or ']'" : "expected ',' or '}'", at: i)
                    }
                }
                i += 1
                if resumeCopy { copyFrom = i; resumeCopy = false }
            }
            try flush(n, &copyFrom, suppressed, inToken)
            offset += n
        }

        var lastWasOpen = false

        mutating func push(_ container: Container, at i: Int) throws {
            guard stack.count < JSONAnnotatingCopier.maximumDepth else {
                throw fail("nested deeper than \(JSONAnnotatingCopier.maximumDepth) levels", at: i)
            }
            stack.append(container)
            if container == .info { infoHasMember.append(false) }
        }

        /// Closes the innermost container at byte `i` (its `}` or `]`), inserting what is missing first.
        mutating func close(at i: Int, _ copyFrom: inout Int,
                            flush: (Int, inout Int, Bool, Bool) throws -> Void,
                            put: ([UInt8]) throws -> Void) throws {
            let container = stack.removeLast()
            let empty = expect == .keyOrEnd
            if !suppressed {
                if container == .info, infoHasMember.removeLast() == false {
                    try flush(i, &copyFrom, false, false)
                    try put((empty ? [] : [0x2C]) + quoted(member) + [0x3A] + value)
                } else if stack.isEmpty, !sawInfo {
                    try flush(i, &copyFrom, false, false)
                    try put((empty ? [] : [0x2C]) + Array("\"info\":{".utf8) + quoted(member) + [0x3A] + value + [0x7D])
                }
            } else if container == .info {
                infoHasMember.removeLast()
            }
            valueDone()
        }

        /// After a complete value: the enclosing container expects a separator, or the document ends.
        mutating func valueDone() {
            if suppressDepth == stack.count { suppressDepth = -1; resumeCopy = true }
            if stack.isEmpty { finished = true; expect = .commaOrEnd } else { expect = .commaOrEnd }
            lastWasOpen = false
        }

        /// Set when a replaced value ends; the next flush must start after it.
        var resumeCopy = false

        mutating func endToken(at i: Int, put: ([UInt8]) throws -> Void) throws {
            inToken = false
            let replacement: [UInt8]
            switch token {
            case Array("true".utf8), Array("false".utf8), Array("null".utf8): replacement = token
            case Array("NaN".utf8), Array("Infinity".utf8), Array("-Infinity".utf8):
                replacement = Array("null".utf8)
                if !suppressed { nulls += 1 }
            default:
                guard isNumber(token) else {
                    throw fail("invalid literal '\(String(decoding: token.prefix(40), as: UTF8.self))'", at: i - token.count)
                }
                replacement = token
            }
            if !suppressed { try put(replacement) }
            valueDone()
        }

        mutating func finish(emit: (UnsafeRawBufferPointer) throws -> Void) throws {
            if !started { throw ReportCopyError("empty file: no JSON document") }
            guard finished else {
                let inside = inString ? "inside a string" : stack.last == .array ? "inside an array" : "inside an object"
                throw ReportCopyError("truncated: the file ends \(inside) at byte \(offset)")
            }
        }

        mutating func appendKey(_ bytes: UnsafeRawBufferPointer, _ from: Int, _ to: Int) {
            if key.count + (to - from) > 64 { keyTooLong = true; return }
            key.append(contentsOf: bytes[from..<to])
        }
    }
}

private func quoted(_ name: [UInt8]) -> [UInt8] { [0x22] + name + [0x22] }

private func isHex(_ c: UInt8) -> Bool {
    (0x30...0x39).contains(c) || (0x41...0x46).contains(c) || (0x61...0x66).contains(c)
}

private func isTokenByte(_ c: UInt8) -> Bool {
    (0x30...0x39).contains(c) || (0x41...0x5A).contains(c) || (0x61...0x7A).contains(c) || c == 0x2D || c == 0x2B || c == 0x2E
}

private func hexDigit(_ c: UInt8) -> UInt8 {
    c <= 0x39 ? c - 0x30 : (c | 0x20) - 0x61 + 10
}

private func unescape(_ c: UInt8) -> UInt8 {
    switch c {
    case 0x62: 0x08
    case 0x66: 0x0C
    case 0x6E: 0x0A
    case 0x72: 0x0D
    case 0x74: 0x09
    default: c
    }
}

private func printable(_ c: UInt8) -> String {
    c >= 0x21 && c < 0x7F ? String(UnicodeScalar(c)) : "\\x" + String(JSONValue.hex4(UInt32(c)).suffix(2))
}

/// RFC 8259 number grammar: `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
func isNumber(_ t: [UInt8]) -> Bool {
    var i = 0
    let n = t.count
    func digits() -> Int {
        let start = i
        while i < n, (0x30...0x39).contains(t[i]) { i += 1 }
        return i - start
    }
    if i < n, t[i] == 0x2D { i += 1 }
    guard i < n else { return false }
    if t[i] == 0x30 { i += 1 } else if digits() == 0 { return false }
    if i < n, t[i] == 0x2E {
        i += 1
        if digits() == 0 { return false }
    }
    if i < n, t[i] == 0x65 || t[i] == 0x45 {
        i += 1
        if i < n, t[i] == 0x2B || t[i] == 0x2D { i += 1 }
        if digits() == 0 { return false }
    }
    return i == n
}
