import CJSONScan

/// A validating, non-allocating JSON scanner over a byte buffer that is followed by at least
/// `padding` zero bytes (see `MappedFile`). Callers walk the parts of the document they want with
/// `beginObject`, `nextKey`, `beginArray`, `nextElement` and the `read*` methods, and `skipValue` everything else:
/// skipping validates the structure without building anything and without recursion, so nesting is
/// bounded by `maxDepth` rather than by the stack.
///
/// Speed comes from the byte-run scans of `CJSONScan`: whitespace runs are skipped and string bodies
/// searched for `"`, `\` or a control byte 16 bytes at a time with SSE2 (8 at a time with word tricks
/// where there is no vector form, or when `vector` is false, which tests use to check both paths).
/// Skipped values, most of a report, go to the C skippers of `CJSONSkip.h` (see `skipValue`).
struct JSONScanner: ~Copyable {
    let base: UnsafePointer<UInt8>
    let end: UnsafePointer<UInt8>
    var p: UnsafePointer<UInt8>
    /// Current container nesting (objects and arrays entered, by the walker or by `skipValue`).
    var depth = 0
    static let maxDepth = 1024
    /// Zero bytes the buffer needs after its end: the block skipper reads 64 bytes at a time.
    static let padding = 64
    /// Container kind per depth for `skipValue`: 1 = object, 2 = array.
    private let kinds: UnsafeMutablePointer<UInt8>
    /// Decoding buffer for strings with escapes: `scratchCount` bytes valid of `scratchCapacity`.
    var scratch: UnsafeMutablePointer<UInt8>
    var scratchCapacity = 4096
    var scratchCount = 0
    /// Position at which `onCheckpoint` is called next (large files: release pages, poll Ctrl-C).
    var checkpointAt: UnsafePointer<UInt8>
    let checkpointInterval: Int
    let onCheckpoint: ((Int) -> Bool)?
    /// Whether the vector forms of the byte-run scans are used (the scalar ones otherwise).
    let vector: Bool
    /// Whether the C code of `CJSONSkip.h` and `CJSONString.h` runs (skipped values, strings with
    /// escapes); the Swift steps alone otherwise.
    let native: Bool
    /// Shares the storage of strings met before (by this loader thread); nil makes every string anew.
    var interner: StringInterner?

    /// `onCheckpoint` receives the current offset about every `interval` bytes and returns false to cancel.
    init(base: UnsafePointer<UInt8>, count: Int, interval: Int = 8 << 20, vector: Bool = true,
         native: Bool = true, onCheckpoint: ((Int) -> Bool)? = nil) {
        self.base = base
        self.vector = vector
        self.native = native
        self.end = base + count
        self.p = base
        self.kinds = .allocate(capacity: JSONScanner.maxDepth + 2)
        self.scratch = .allocate(capacity: 4096)
        self.checkpointInterval = interval
        self.onCheckpoint = onCheckpoint
        self.checkpointAt = onCheckpoint == nil ? base + count + 1 : base + min(count + 1, interval)
    }

    deinit {
        kinds.deallocate()
        scratch.deallocate()
    }

    var offset: Int { p - base }

    // MARK: Errors

    /// A failure at the current position; past the end it becomes "unexpected end of file".
    func failure(_ message: String) -> ScanFailure {
        if p >= end { return .malformed(offset: end - base, message: "unexpected end of file (truncated JSON?)") }
        return .malformed(offset: p - base, message: message)
    }

    func unexpected(_ expected: String) -> ScanFailure {
        failure("expected \(expected), found \(JSONScanner.describe(p[0]))")
    }

    static func describe(_ byte: UInt8) -> String {
        if byte >= 0x21 && byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        return "byte 0x" + String(byte >> 4, radix: 16) + String(byte & 15, radix: 16)
    }

    mutating func checkpoint() throws(ScanFailure) {
        if let onCheckpoint {
            if !onCheckpoint(p - base) { throw .cancelled }
        }
        checkpointAt = min(end + 1, p + checkpointInterval)
    }

    // MARK: Words

    @inline(__always) static func load(_ p: UnsafePointer<UInt8>) -> UInt64 {
        UnsafeRawPointer(p).loadUnaligned(as: UInt64.self)
    }

    static let ones: UInt64 = 0x0101_0101_0101_0101
    static let highs: UInt64 = 0x8080_8080_8080_8080

    /// High bit set in each byte of `x` that is zero (exact for the lowest such byte).
    @inline(__always) static func zeroBytes(_ x: UInt64) -> UInt64 { (x &- ones) & ~x & highs }

    // MARK: Whitespace

    @inline(__always) mutating func skipWhitespace() {
        if p[0] > 0x20 { return }
        p = vector ? cjs_skip_whitespace_vector(p) : cjs_skip_whitespace_scalar(p)
    }

    // MARK: Strings

    /// Skips the string starting at `p` (which is at its opening quote), validating escapes.
    /// Returns whether it contained escapes.
    ///
    /// The common case, a string without escapes that ends before the next checkpoint, is inlined
    /// into the callers; everything else continues in `skipStringRest`.
    @inline(__always) @discardableResult
    mutating func skipString() throws(ScanFailure) -> Bool {
        let q = vector ? cjs_string_stop_vector(p + 1, checkpointAt) : cjs_string_stop_scalar(p + 1, checkpointAt)
        if q[0] == 0x22 {
            p = q + 1
            return false
        }
        p = q
        return try skipStringRest()
    }

    /// Continues `skipString` at `p`, a byte that did not close the string: an escape, a control
    /// byte, or any byte when a checkpoint is due.
    @inline(never)
    mutating func skipStringRest() throws(ScanFailure) -> Bool {
        // A local cursor and limit stay in registers; `p` is written back at the exits.
        var q = p
        var limit = checkpointAt
        var escaped = false
        while true {
            let c = q[0]
            if c == 0x22 {
                p = q + 1
                return escaped
            }
            p = q
            if c == 0x5C {
                try skipEscape()
                q = p
                escaped = true
            } else if c < 0x20 {
                throw failure("control character \(JSONScanner.describe(c)) inside a string")
            } else {
                // No stop before `limit`: a checkpoint is due.
                try checkpoint()
                limit = checkpointAt
            }
            q = vector ? cjs_string_stop_vector(q, limit) : cjs_string_stop_scalar(q, limit)
        }
    }

    /// Validates one escape sequence at `p` (the backslash) and moves past it.
    @inline(__always) mutating func skipEscape() throws(ScanFailure) {
        switch p[1] {
        case 0x22, 0x5C, 0x2F, 0x62, 0x66, 0x6E, 0x72, 0x74: p += 2
        case 0x75:
            for i in 2..<6 where JSONScanner.hexValue(p[i]) == nil {
                p += i
                throw failure("invalid \\u escape in a string")
            }
            p += 6
        default:
            p += 1
            throw failure("invalid escape '\\\(p[0] >= 0x21 && p[0] < 0x7F ? String(Character(Unicode.Scalar(p[0]))) : "?")' in a string")
        }
    }

    static func hexValue(_ c: UInt8) -> UInt32? {
        switch c {
        case 0x30...0x39: UInt32(c - 0x30)
        case 0x41...0x46: UInt32(c - 0x41 + 10)
        case 0x61...0x66: UInt32(c - 0x61 + 10)
        default: nil
        }
    }

    // MARK: Numbers and literals

    /// Skips a number per the JSON grammar; returns whether it was an integer (no fraction/exponent).
    @discardableResult
    mutating func skipNumber() throws(ScanFailure) -> Bool {
        if p[0] == 0x2D { p += 1 }
        if p[0] == 0x30 {
            p += 1
        } else if p[0] >= 0x31 && p[0] <= 0x39 {
            p += 1
            while p[0] &- 0x30 < 10 { p += 1 }
        } else {
            throw unexpected("a digit")
        }
        var integer = true
        if p[0] == 0x2E {
            integer = false
            p += 1
            guard p[0] &- 0x30 < 10 else { throw unexpected("a digit after '.'") }
            while p[0] &- 0x30 < 10 { p += 1 }
        }
        if p[0] | 0x20 == 0x65 {
            integer = false
            p += 1
            if p[0] == 0x2B || p[0] == 0x2D { p += 1 }
            guard p[0] &- 0x30 < 10 else { throw unexpected("a digit in the exponent") }
            while p[0] &- 0x30 < 10 { p += 1 }
        }
        return integer
    }

    /// Skips `true`, `false` or `null` at `p`.
    mutating func skipLiteral() throws(ScanFailure) {
        let w = JSONScanner.load(p)
        // Little-endian words of the literal bytes.
        if w & 0xFFFF_FFFF == 0x6575_7274 { p += 4; return }          // "true"
        if w & 0xFFFF_FFFF == 0x6C6C_756E { p += 4; return }          // "null"
        if w & 0xFF_FFFF_FFFF == 0x65_736C_6166 { p += 5; return }     // "false"
        throw failure("invalid literal (expected true, false or null)")
    }

    // MARK: Skipping whole values

    /// Skips one value of any type, validating it, with an explicit stack instead of recursion.
    ///
    /// With `native` (the default) C does the skipping (`CJSONSkip.h`). An object or array goes first
    /// to the block skipper, which takes it whole when it is valid and ends before the checkpoint
    /// limit; otherwise it declines at the last token boundary it passed, and the token loop goes on
    /// from there, handing a token back only when it does not accept it: an error (thrown here by
    /// `skipStep`, so messages and offsets are the Swift scanner's) or a string that crosses a
    /// checkpoint. After each checkpoint the block skipper takes over again. Without `native`, the
    /// Swift steps do everything (tests compare the two).
    mutating func skipValue() throws(ScanFailure) {
        let floor = depth
        var at = CJS_SKIP_AT_VALUE
        if native && vector { skipWhitespace() }
        var blocks = native && vector && p[0] | 0x20 == 0x7B
        while true {
            if at == CJS_SKIP_CHECKPOINT {
                try checkpoint()
                at = CJS_SKIP_AT_VALUE
            }
            if blocks {
                var resume = cjs_skip_resume(cursor: p, depth: depth, state: at)
                if let stop = cjs_skip_container(p, checkpointAt, kinds, depth, floor, JSONScanner.maxDepth, at, &resume) {
                    p = stop
                    depth = floor
                    return
                }
                p = resume.cursor
                depth = resume.depth
                at = resume.state
            }
            if native {
                var cursor = p
                var level = depth
                at = vector
                    ? cjs_skip_value_vector(&cursor, checkpointAt, kinds, &level, floor, JSONScanner.maxDepth, at)
                    : cjs_skip_value_scalar(&cursor, checkpointAt, kinds, &level, floor, JSONScanner.maxDepth, at)
                p = cursor
                depth = level
                if at == CJS_SKIP_DONE { return }
                // Past a checkpoint the block skipper goes on (it stopped there, or the container
                // it declined is behind): blocks again, from inside the value being skipped.
                if at == CJS_SKIP_CHECKPOINT {
                    blocks = vector && depth > floor
                    continue
                }
            }
            at = try skipStep(from: at, floor: floor)
            if at == CJS_SKIP_DONE { return }
        }
    }

    /// One token of `skipValue` from state `at` (a `CJS_SKIP_*` state other than done and
    /// checkpoint); returns the state after it.
    private mutating func skipStep(from at: cjs_skip_state, floor: Int) throws(ScanFailure) -> cjs_skip_state {
        switch at {
        case CJS_SKIP_AT_KEY:
            skipWhitespace()
            try skipKeyAndColon()
            return p >= checkpointAt ? CJS_SKIP_CHECKPOINT : CJS_SKIP_AT_VALUE
        case CJS_SKIP_AT_VALUE:
            skipWhitespace()
            switch p[0] {
            case 0x22:
                try skipString()
            case 0x7B:
                try push(1)
                p += 1
                skipWhitespace()
                guard p[0] == 0x7D else { return CJS_SKIP_AT_KEY }
                p += 1
                depth -= 1
            case 0x5B:
                try push(2)
                p += 1
                skipWhitespace()
                guard p[0] == 0x5D else { return CJS_SKIP_AT_VALUE }
                p += 1
                depth -= 1
            case 0x74, 0x66, 0x6E:
                try skipLiteral()
            case 0x2D, 0x30...0x39:
                try skipNumber()
            default:
                throw unexpected("a value")
            }
            return depth == floor ? CJS_SKIP_DONE : CJS_SKIP_AFTER_VALUE
        default:
            // A value ended: a comma continues the container, its closing bracket ends it.
            skipWhitespace()
            let c = p[0]
            let kind = kinds[depth]
            if c == 0x2C {
                p += 1
                if kind == 1 {
                    skipWhitespace()
                    try skipKeyAndColon()
                }
                return p >= checkpointAt ? CJS_SKIP_CHECKPOINT : CJS_SKIP_AT_VALUE
            }
            if (kind == 1 && c == 0x7D) || (kind == 2 && c == 0x5D) {
                p += 1
                depth -= 1
                return depth == floor ? CJS_SKIP_DONE : CJS_SKIP_AFTER_VALUE
            }
            throw unexpected(kind == 1 ? "',' or '}'" : "',' or ']'")
        }
    }

    @inline(__always) private mutating func push(_ kind: UInt8) throws(ScanFailure) {
        guard depth < JSONScanner.maxDepth else {
            throw failure("nesting deeper than \(JSONScanner.maxDepth) levels")
        }
        depth += 1
        kinds[depth] = kind
    }

    @inline(__always) private mutating func skipKeyAndColon() throws(ScanFailure) {
        guard p[0] == 0x22 else { throw unexpected("a string key") }
        try skipString()
        skipWhitespace()
        guard p[0] == 0x3A else { throw unexpected("':'") }
        p += 1
    }

    /// After the top-level value: only whitespace may follow.
    mutating func expectEnd() throws(ScanFailure) {
        skipWhitespace()
        guard p >= end else { throw failure("unexpected \(JSONScanner.describe(p[0])) after the end of the JSON document") }
    }
}
