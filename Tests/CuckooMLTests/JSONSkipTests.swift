import CJSONScan
import Testing
@testable import CuckooML

/// The C skippers of `CJSONSkip.h` against the Swift steps of `JSONScanner.skipValue`: on every input
/// each accepts exactly what the Swift scanner accepts, ends at the same byte, and the scanner gives
/// the same record or the same error (message and offset) whichever skipper runs.
@Suite struct JSONSkipTests {
    typealias Random = JSONScanTests.Random

    /// The four scanner configurations: (C skippers, vector scans).
    static let configurations = [(true, true), (true, false), (false, true), (false, false)]

    /// A pretty-printed (indent 4) report-shaped document: Windows paths with `\\`, every escape
    /// kind, surrogate pairs, numbers of every form, literals, empty and nested containers.
    static let shaped: [UInt8] = {
        var lines = ["{", "    \"info\": {\"version\": \"2.0-dev\", \"score\": -0, \"ratio\": 1e5, \"p\": 1.5E-3, \"q\": 0.25, \"r\": -12e+2},"]
        lines.append("    \"behavior\": {")
        lines.append("        \"generic\": [")
        for i in 0..<6 {
            lines.append("            {")
            lines.append("                \"process_path\": \"C:\\\\Users\\\\Admin\\\\AppData\\\\Local\\\\Temp\\\\x\(i).exe\",")
            lines.append("                \"summary\": {\"file_opened\": [\"C:\\\\Windows\\\\system32\\\\a\\\\\", \"\\\"quoted\\\" \\/ \\b\\f\\n\\r\\t\"],")
            lines.append("                    \"unicode\": [\"caf\\u00e9\", \"\\ud83d\\ude00\", \"\\uD800x\", \"\\\\\\\\server\\\\share\\\\\\\"\"]},")
            lines.append("                \"pid\": \(1000 + i), \"ok\": true, \"bad\": false, \"none\": null, \"e\": [], \"o\": {}, \"n\": [[[]], [{}], [1, [2, [3]]]]")
            lines.append("            }\(i < 5 ? "," : "")")
        }
        lines.append("        ],")
        lines.append("        \"summary\": {\"mutex\": [\"Global\\\\M1\", \"\\u0041\"], \"file_read\": [\"C:\\\\a.txt\"]}")
        lines.append("    },")
        lines.append("    \"signatures\": [{\"name\": \"s\", \"marks\": [{\"ioc\": \"HKEY_LOCAL_MACHINE\\\\SOFTWARE\\\\x\", \"type\": \"ioc\"}]}],")
        lines.append("    \"strings\": [\"\(String(repeating: "long string ", count: 12))\", \"\(String(repeating: "\\\\", count: 40))\"]")
        lines.append("}")
        return Array(lines.joined(separator: "\n").utf8)
    }()

    static func padded<R>(_ bytes: [UInt8], _ body: (UnsafePointer<UInt8>) -> R) -> R {
        let buffer = bytes + [UInt8](repeating: 0, count: JSONScanner.padding)
        return buffer.withUnsafeBufferPointer { body($0.baseAddress!) }
    }

    /// What `skipValue` makes of the value at the start of `bytes`: its end or the error.
    /// `interval`: checkpoints about that often (the skippers stop and resume around each).
    static func skipVerdict(_ bytes: [UInt8], native: Bool, vector: Bool, interval: Int? = nil) -> String {
        padded(bytes) { base in
            var scanner = interval.map { JSONScanner(base: base, count: bytes.count, interval: $0, vector: vector, native: native) { _ in true } }
                ?? JSONScanner(base: base, count: bytes.count, vector: vector, native: native)
            do throws(ScanFailure) {
                scanner.skipWhitespace()
                try scanner.skipValue()
                return "end \(scanner.offset) depth \(scanner.depth)"
            } catch {
                if case .malformed(let offset, let message) = error { return "byte \(offset): \(message)" }
                return "cancelled"
            }
        }
    }

    /// The block skipper alone on the container at offset 0: its end, or nil when it declines.
    static func blockEnd(_ bytes: [UInt8], depth: Int = 0) -> Int? {
        padded(bytes) { base in
            let kinds = UnsafeMutablePointer<UInt8>.allocate(capacity: JSONScanner.maxDepth + 2)
            defer { kinds.deallocate() }
            var resume = cjs_skip_resume(cursor: base, depth: depth, state: CJS_SKIP_AT_VALUE)
            return cjs_skip_container(base, base + bytes.count + 1, kinds, depth, depth, JSONScanner.maxDepth, CJS_SKIP_AT_VALUE, &resume)
                .map { $0 - base }
        }
    }

    /// Checks one input in every configuration, and the block skipper on its own: it must take
    /// every valid container (reports have no invalid ones) and decline every invalid one.
    /// `whole`: also compare reading the input as a report and validating it as a document.
    static func check(_ bytes: [UInt8], _ label: @autoclosure () -> String, whole: Bool = true) {
        let reference = skipVerdict(bytes, native: false, vector: false)
        for (native, vector) in configurations where native || vector {
            let verdict = skipVerdict(bytes, native: native, vector: vector)
            #expect(verdict == reference, "\(label()) native \(native) vector \(vector)")
        }
        for interval in [1, 40, 300] {
            #expect(skipVerdict(bytes, native: true, vector: true, interval: interval) == reference, "\(label()) interval \(interval)")
        }
        if whole {
            #expect(JSONScanTests.validity(bytes, vector: true) == validity(bytes, native: false, vector: false), "\(label())")
            #expect(JSONScanTests.verdict(bytes, vector: true) == verdict(bytes, native: false), "\(label())")
            #expect(JSONScanTests.verdict(bytes, vector: false) == verdict(bytes, native: false), "\(label())")
            let swift = record(bytes, native: false, vector: false)
            #expect(record(bytes, native: true, vector: true) == swift, "\(label())")
            #expect(record(bytes, native: true, vector: false) == swift, "\(label())")
        }
        if cjs_has_vector() == 1, let first = bytes.first, first == 0x7B || first == 0x5B {
            let end = blockEnd(bytes)
            if reference.hasPrefix("end ") {
                #expect(end.map { "end \($0) depth 0" } == reference, "\(label()): block skipper \(String(describing: end)), Swift \(reference)")
            } else {
                #expect(end == nil, "\(label()): block skipper took \(String(describing: end)), Swift \(reference)")
            }
        }
    }

    static func validity(_ bytes: [UInt8], native: Bool, vector: Bool) -> String {
        do {
            try ReportReader.validate(bytes: bytes, path: "x.json", vector: vector, native: native)
            return "valid"
        } catch {
            return error.description
        }
    }

    static func verdict(_ bytes: [UInt8], native: Bool) -> String {
        do {
            let record = try ReportReader.read(bytes: bytes, path: "x.json", vector: true, native: native)
            return "record \(record.md5 ?? "-") \(record.signatures.count) \(record.apiCounts.count)"
        } catch {
            return error.description
        }
    }

    /// The whole record (strings compared as decoded), or nil on an error.
    static func record(_ bytes: [UInt8], native: Bool, vector: Bool) -> ReportRecord? {
        try? ReportReader.read(bytes: bytes, path: "x.json", vector: vector, native: native)
    }

    static var documents: [[UInt8]] {
        [shaped, Array(ReportsReaderTests.cuckoo.utf8), Array(ReportsReaderTests.cape.utf8)]
    }

    @Test func shapedDocumentIsValidAndTakenWhole() {
        #expect(Self.skipVerdict(Self.shaped, native: false, vector: false) == "end \(Self.shaped.count) depth 0")
        #if arch(x86_64)
        #expect(Self.blockEnd(Self.shaped) == Self.shaped.count)
        #endif
        Self.check(Self.shaped, "shaped")
    }

    @Test func everyTruncation() {
        for (d, document) in Self.documents.enumerated() {
            // Reading a prefix as a report mostly repeats what skipping it shows: every 8th is enough.
            for n in 0..<document.count { Self.check(Array(document[0..<n]), "document \(d) prefix \(n)", whole: n % 8 == 0) }
        }
    }

    /// Bytes replaced, inserted or deleted (1 to 4 edits), drawn mostly from the bytes that matter
    /// to the grammar and to the escape and string masks.
    @Test func seededMutations() {
        Self.mutations(rounds: 2500, seed: 5)
    }

    static func mutations(rounds: Int, seed: UInt64) {
        var random = Random(state: seed)
        let alphabet: [UInt8] = Array("\"\\\\\\u0aFg{}[]:,  \n\t\r-+.eE019tfnrl/bx".utf8) + [0x00, 0x01, 0x1F, 0x7F, 0xC3, 0xFF]
        for round in 0..<rounds {
            var bytes = documents[round % 3]
            for _ in 0...random.next(4) {
                let at = random.next(bytes.count)
                switch random.next(3) {
                case 0: bytes[at] = alphabet[random.next(alphabet.count)]
                case 1: bytes.insert(alphabet[random.next(alphabet.count)], at: at)
                default: bytes.remove(at: at)
                }
            }
            check(bytes, "round \(round)")
        }
    }

    /// Escapes and scalars one by one inside a container, at every alignment against the 64-byte
    /// blocks (a run of spaces shifts them).
    @Test func escapesNumbersAndLiteralsAtEveryAlignment() {
        let values = [
            "\"\\\"\"", "\"\\\\\"", "\"\\/\"", "\"\\b\\f\\n\\r\\t\"", "\"\\u00e9\"", "\"\\uD83D\\uDE00\"", "\"\\u12G4\"",
            "\"\\u12\"", "\"\\u\"", "\"\\x\"", "\"a\\\"", "\"\\\\\\\"\"", "\"\\\\\\\\\"", "\"tab\there\"", "\"nul\u{01}\"",
            "-0", "1e5", "1E+5", "1.5e-3", "01", "1.", ".5", "-", "-a", "1e", "1e+", "00", "2.0.1", "1x", "1\"a\"",
            "tru", "true", "truex", "nul", "null", "false", "fals", "nulll", "True", "[]", "{}", "[,]", "{,}", "[1,]",
            "{\"a\"}", "{\"a\":}", "{\"a\" 1}", "{1: 2}", "[1 2]", "[\"a\" \"b\"]", "{\"a\": 1,}", "{\"a\": 1 \"b\": 2}",
            "\"\(String(repeating: "\\\\", count: 33))\"", "\"\(String(repeating: "\\\\", count: 32))\\\"\"",
        ]
        for value in values {
            for shift in 0..<66 {
                let text = "{\"k\":" + String(repeating: " ", count: shift) + "[" + value + ", " + value + "], \"z\": 1}"
                Self.check(Array(text.utf8), "\(value) shift \(shift)")
            }
        }
    }

    /// Strings the reader keeps, with every escape kind, decoded in one pass by the C decoder: the
    /// same text as the Swift decoder, at every alignment, and past the decoding buffer's capacity.
    @Test func decodedStringsAreTheSwiftScannersText() throws {
        try Self.decodedStrings()
    }

    static func decodedStrings() throws {
        let cases: [(String, String)] = [
            ("C:\\\\Users\\\\x.exe", "C:\\Users\\x.exe"), ("\\\"q\\\" \\/ \\b\\f\\n\\r\\t", "\"q\" / \u{08}\u{0C}\n\r\t"),
            ("caf\\u00e9 \\u00E9", "café é"), ("\\ud83d\\ude00", "😀"), ("\\uD800x", "\u{FFFD}x"), ("\\uD800\\u0041", "\u{FFFD}A"),
            ("\\uDC00", "\u{FFFD}"), ("\\uD800", "\u{FFFD}"), ("\\uD800\\uD800\\uDC00", "\u{FFFD}\u{10000}"), ("\\u0000", "\u{0}"),
            ("\\u20AC\\u0800\\u07FF\\u0080", "€\u{800}\u{7FF}\u{80}"), ("plain", "plain"), ("", ""),
        ]
        for shift in 0..<40 {
            let pad = String(repeating: "a", count: shift)
            for (escaped, decoded) in cases {
                let text = "{\"behavior\": {\"summary\": {\"mutex\": [\"\(pad)\(escaped)\", \"\(escaped)\(pad)\"]}}}"
                let bytes = Array(text.utf8)
                let native = try ReportReader.read(bytes: bytes, path: "x.json", vector: true, native: true)
                #expect(native.mutexes == [pad + decoded, decoded + pad], "\(escaped) shift \(shift)")
                #expect(Self.record(bytes, native: true, vector: false) == native)
                #expect(Self.record(bytes, native: false, vector: true) == native)
            }
        }
        // Longer than the 4 096-byte decoding buffer: declined, read by the Swift steps (which grow
        // it), then decoded in C again.
        let long = String(repeating: "C:\\\\dir", count: 1500)
        let text = "{\"behavior\": {\"summary\": {\"mutex\": [\"\(long)\", \"\(long)x\", \"a\\\\b\"]}}}"
        let record = try ReportReader.read(bytes: Array(text.utf8), path: "x.json")
        let expected = String(repeating: "C:\\dir", count: 1500)
        #expect(record.mutexes == [expected, expected + "x", "a\\b"])
        Self.check(Array(text.utf8), "long strings")
    }

    /// The narrower variants of the block skipper and the string decoder (SSE2, and AVX2 on an
    /// AVX-512 CPU; the ones used where the CPU lacks the wider ones) on the same inputs. Other tests
    /// may run meanwhile on any variant: all must give the same results, which is what is tested.
    @Test(arguments: [Int32(CJS_PATH_SSE2.rawValue), Int32(CJS_PATH_AVX2.rawValue)])
    func narrowVariantsAgree(path: Int32) throws {
        guard path < cjs_widest_path() else { return }   // the other tests cover the widest
        cjs_skip_use_path(path)
        cjs_decode_use_path(path)
        defer {
            cjs_skip_use_path(Int32(CJS_PATH_AVX512.rawValue))
            cjs_decode_use_path(Int32(CJS_PATH_AVX512.rawValue))
        }
        Self.check(Self.shaped, "shaped")
        Self.mutations(rounds: 800, seed: 7)
        try Self.decodedStrings()
        for (d, document) in Self.documents.enumerated() {
            for n in stride(from: 0, to: document.count, by: 3) { Self.check(Array(document[0..<n]), "document \(d) prefix \(n)", whole: false) }
        }
        Self.blockBoundaries()
    }

    /// The byte classes of a block by definition: quotes, backslashes, whitespace, `{}[]:,`, < 0x20,
    /// the escape letters `"/bfnrt` and `u`.
    static func classes(_ block: [UInt8]) -> [UInt64] {
        var masks = [UInt64](repeating: 0, count: 7)
        for (i, c) in block.enumerated() {
            let bit = UInt64(1) << UInt64(i)
            if c == 0x22 { masks[0] |= bit }
            if c == 0x5C { masks[1] |= bit }
            if c == 0x20 || c == 0x09 || c == 0x0A || c == 0x0D { masks[2] |= bit }
            if c == 0x7B || c == 0x7D || c == 0x5B || c == 0x5D || c == 0x3A || c == 0x2C { masks[3] |= bit }
            if c < 0x20 { masks[4] |= bit }
            if Array("\"/bfnrt".utf8).contains(c) { masks[5] |= bit }
            if c == 0x75 { masks[6] |= bit }
        }
        return masks
    }

    static func classified(_ block: [UInt8], path: Int32) -> [UInt64] {
        var masks = [UInt64](repeating: 0, count: 7)
        block.withUnsafeBufferPointer { b in masks.withUnsafeMutableBufferPointer { cjs_classify_block(path, b.baseAddress!, $0.baseAddress!) } }
        return masks
    }

    /// Every variant's classifier (each the CPU has) against the definition: every byte value at
    /// every position of a block, among bytes of each class and others, and seeded random blocks.
    /// Only the AVX2 classifier gives the escape letters (the others check escapes one by one).
    @Test func classifiersMatchTheDefinition() {
        #if arch(x86_64)
        let widest = cjs_widest_path()
        var random = Random(state: 11)
        var blocks: [[UInt8]] = []
        for background: UInt8 in [0x20, 0x61, 0x22, 0x00, 0xFF, 0x7B, 0x5C, 0x75] {
            for value in 0...255 {
                for at in 0..<64 {
                    var block = [UInt8](repeating: background, count: 64)
                    block[at] = UInt8(value)
                    blocks.append(block)
                }
            }
        }
        for _ in 0..<20_000 { blocks.append((0..<64).map { _ in UInt8(random.next(256)) }) }
        for block in blocks {
            let expected = Self.classes(block)
            for path in Int32(CJS_PATH_SSE2.rawValue)...widest {
                let masks = Self.classified(block, path: path)
                let compared = path == Int32(CJS_PATH_AVX2.rawValue) ? 7 : 5
                if masks[0..<compared] != expected[0..<compared] {
                    Issue.record("path \(path) block \(block): \(masks) against \(expected)")
                    return
                }
            }
        }
        #endif
    }

    /// Containers whose strings, escapes, numbers and literals straddle the 64-byte blocks: each
    /// value shifted by every offset so its bytes fall either side of a boundary.
    static func blockBoundaries() {
        let values = ["\"\\\\\"", "\"a\\\"b\"", "\"\\u00e9\"", "12345.5e-3", "false", "\"\u{01}\"", "{\"k\": [1, {}]}", "\"x\\q\""]
        for value in values {
            for shift in 0..<70 {
                let text = "[" + String(repeating: " ", count: shift) + value + ",\n" + String(repeating: "\t", count: 63 - shift % 64) + value + "]"
                check(Array(text.utf8), "\(value) shift \(shift)", whole: false)
            }
        }
    }

    @Test func valuesAcrossBlockBoundaries() {
        Self.blockBoundaries()
    }

    /// Seeded strings of runs and escapes (valid and not, long and short) decoded by every variant
    /// the CPU has: the Swift scanner's text, or its error, each time; runs and escapes fall at every
    /// offset of the 16-, 32- and 64-byte steps.
    @Test func decodingVariantsAgreeOnSeededStrings() {
        let pieces = ["a", "bc", "\\\\", "\\\"", "\\/", "\\b\\f\\n\\r\\t", "\\u00e9", "\\uD83D\\uDE00", "\\uD800", "\\uDC00x",
                      "\\u12G4", "\\x", "C:", "é", "        ", "0123456789abcdefghijklmnopqrstuvwxyz", "\u{01}"]
        var random = Random(state: 23)
        var texts: [[UInt8]] = []
        for _ in 0..<1500 {
            let body = (0..<random.next(60)).map { _ in pieces[random.next(pieces.count)] }.joined()
            texts.append(Array("{\"behavior\": {\"summary\": {\"mutex\": [\"\(body)\", \"x\"]}}}".utf8))
        }
        let swift = texts.map { Self.verdict($0, native: false) + " \(Self.record($0, native: false, vector: false)?.mutexes ?? [])" }
        defer { cjs_decode_use_path(Int32(CJS_PATH_AVX512.rawValue)) }
        for path in Int32(CJS_PATH_SSE2.rawValue)...max(Int32(CJS_PATH_SSE2.rawValue), cjs_widest_path()) {
            cjs_decode_use_path(path)
            for (text, expected) in zip(texts, swift) {
                let native = Self.verdict(text, native: true) + " \(Self.record(text, native: true, vector: true)?.mutexes ?? [])"
                #expect(native == expected, "path \(path): \(String(decoding: text, as: UTF8.self))")
            }
        }
    }

    /// Nesting up to the cap and past it, from the top and from inside a walked field.
    @Test func deepNesting() {
        for depth in [1023, 1024, 1025, 5000] {
            Self.check([UInt8](repeating: 0x5B, count: depth) + [UInt8](repeating: 0x5D, count: depth), "arrays \(depth)")
            let objects = Array(repeating: Array("{\"a\":".utf8), count: depth).flatMap { $0 } + [0x31]
                + [UInt8](repeating: 0x7D, count: depth)
            Self.check(objects, "objects \(depth)")
            Self.check(Array("{\"strings\": ".utf8) + [UInt8](repeating: 0x5B, count: depth) + [UInt8](repeating: 0x5D, count: depth) + [0x7D],
                       "field \(depth)")
        }
        // The block skipper counts from the depth it starts at.
        let nested = [UInt8](repeating: 0x5B, count: 10) + [UInt8](repeating: 0x5D, count: 10)
        #if arch(x86_64)
        #expect(Self.blockEnd(nested, depth: JSONScanner.maxDepth - 10) == 20)
        #expect(Self.blockEnd(nested, depth: JSONScanner.maxDepth - 9) == nil)
        #endif
    }
}
