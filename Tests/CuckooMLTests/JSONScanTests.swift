import CJSONScan
import Testing
@testable import CuckooML

/// The byte-run scans of `CJSONScan`: the vector and scalar forms agree with each other and with a
/// plain byte-by-byte definition, and the scanner gives the same verdict (record or error, offset and
/// message) on either path.
@Suite struct JSONScanTests {
    /// Deterministic pseudo-random numbers (64-bit LCG, top bits).
    struct Random {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(state >> 33) % bound
        }
    }

    static func isWhitespace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 }
    static func endsStringRun(_ c: UInt8) -> Bool { c == 0x22 || c == 0x5C || c < 0x20 }

    /// Runs `body` on `bytes` followed by 16 zero bytes, as the scans require.
    static func withPadded<R>(_ bytes: [UInt8], _ body: (UnsafePointer<UInt8>) -> R) -> R {
        let padded = bytes + [UInt8](repeating: 0, count: 16)
        return padded.withUnsafeBufferPointer { body($0.baseAddress!) }
    }

    @Test func vectorFormExistsOnX86() {
        #if arch(x86_64)
        #expect(cjs_has_vector() == 1)
        #else
        #expect(cjs_has_vector() == 0)
        #endif
    }

    /// Whitespace runs of every length up to 80 from every start, mixed with other bytes.
    @Test func skipWhitespaceMatchesTheDefinition() {
        var random = Random(state: 1)
        let alphabet: [UInt8] = [0x20, 0x20, 0x20, 0x20, 0x0A, 0x0D, 0x09, 0x00, 0x01, 0x1F, 0x21, 0x22, 0x7B, 0xFF, 0x80, 0x0B, 0x0C]
        for round in 0..<400 {
            var bytes: [UInt8] = []
            let runLength = round % 80
            for _ in 0..<runLength { bytes.append([0x20, 0x0A, 0x0D, 0x09][random.next(4)]) }
            for _ in 0..<(random.next(40)) { bytes.append(alphabet[random.next(alphabet.count)]) }
            Self.withPadded(bytes) { base in
                for start in 0...bytes.count {
                    var expected = start
                    while expected < bytes.count && Self.isWhitespace(bytes[expected]) { expected += 1 }
                    let vector = cjs_skip_whitespace_vector(base + start) - base
                    let scalar = cjs_skip_whitespace_scalar(base + start) - base
                    #expect(vector == expected && scalar == expected, "round \(round) start \(start)")
                }
            }
        }
    }

    /// The first `"`, `\` or control byte, from every start; when `limit` comes first both forms stop
    /// at the same 16-byte step at or past it, before the stop byte.
    @Test func stringStopMatchesTheDefinition() {
        var random = Random(state: 2)
        let plain: [UInt8] = [0x20, 0x41, 0x7A, 0x7F, 0x80, 0xC3, 0xA9, 0xFF, 0x5B, 0x7D, 0x2F, 0x21, 0x23, 0x5D]
        let stops: [UInt8] = [0x22, 0x5C, 0x00, 0x01, 0x09, 0x0A, 0x1F]
        for round in 0..<400 {
            var bytes: [UInt8] = []
            for _ in 0..<(round % 90) { bytes.append(plain[random.next(plain.count)]) }
            if round % 3 != 0 { bytes.append(stops[random.next(stops.count)]) }
            for _ in 0..<(random.next(20)) { bytes.append(random.next(4) == 0 ? stops[random.next(stops.count)] : plain[random.next(plain.count)]) }
            Self.withPadded(bytes) { base in
                for start in 0...bytes.count {
                    var stop = start
                    while stop < bytes.count && !Self.endsStringRun(bytes[stop]) { stop += 1 }
                    for limitOffset in [start + 1, start + 16, start + 40, bytes.count + 17] {
                        let limit = base + limitOffset
                        let vector = cjs_string_stop_vector(base + start, limit) - base
                        let scalar = cjs_string_stop_scalar(base + start, limit) - base
                        #expect(vector == scalar, "round \(round) start \(start) limit \(limitOffset)")
                        if vector != stop {
                            // Stopped early for the limit: a whole number of 16-byte steps, before the stop byte.
                            #expect(vector >= limitOffset && vector < limitOffset + 16 && vector < stop
                                    && (vector - start) % 16 == 0, "round \(round) start \(start) limit \(limitOffset)")
                        }
                    }
                }
            }
        }
    }

    static func verdict(_ text: [UInt8], vector: Bool) -> String {
        do {
            let record = try ReportReader.read(bytes: text, path: "x.json", vector: vector)
            return "record \(record.md5 ?? "-") \(record.signatures.count) \(record.apiCounts.count)"
        } catch {
            return error.description
        }
    }

    static func validity(_ text: [UInt8], vector: Bool) -> String {
        do {
            try ReportReader.validate(bytes: text, path: "x.json", vector: vector)
            return "valid"
        } catch {
            return error.description
        }
    }

    /// Same verdict on both paths for the hostile examples, every truncation and seeded mutations of
    /// a report (bytes flipped to structural characters, control bytes, backslashes, spaces).
    @Test func bothPathsGiveTheSameVerdicts() {
        let report = Array(ReportsReaderTests.cuckoo.utf8)
        var inputs: [[UInt8]] = [report]
        for n in stride(from: 0, to: report.count, by: 1) { inputs.append(Array(report[0..<n])) }
        var random = Random(state: 3)
        let replacements: [UInt8] = [0x22, 0x5C, 0x00, 0x01, 0x09, 0x0A, 0x20, 0x7B, 0x7D, 0x5B, 0x5D, 0x2C, 0x3A, 0x75, 0x31, 0x2E]
        for _ in 0..<600 {
            var bytes = report
            for _ in 0...random.next(3) { bytes[random.next(bytes.count)] = replacements[random.next(replacements.count)] }
            inputs.append(bytes)
        }
        var errors = 0
        for bytes in inputs {
            let vector = Self.verdict(bytes, vector: true)
            #expect(vector == Self.verdict(bytes, vector: false))
            #expect(Self.validity(bytes, vector: true) == Self.validity(bytes, vector: false))
            if !vector.hasPrefix("record") { errors += 1 }
        }
        // The mutations are hostile enough to matter: most inputs fail, and the untouched report does not.
        #expect(errors > inputs.count / 2)
        #expect(Self.verdict(report, vector: true).hasPrefix("record 0123456789abcdef0123456789abcdef 2"))
    }

    /// Errors inside long strings and after long whitespace runs land on the exact byte on both paths,
    /// whichever 16-byte step the bad byte falls in.
    @Test func errorsAtEveryPositionOfALongRun() {
        for vector in [true, false] {
            for n in 0..<70 {
                let body = String(repeating: "a", count: n)
                let control = Array("{\"a\": \"\(body)".utf8) + [0x01] + Array("\"}".utf8)
                #expect(Self.verdict(control, vector: vector) == "x.json: byte \(7 + n): control character byte 0x01 inside a string")
                let escape = Array("{\"a\": \"\(body)\\x\"}".utf8)
                #expect(Self.verdict(escape, vector: vector) == "x.json: byte \(8 + n): invalid escape '\\x' in a string")
                let unterminated = Array("{\"strings\": [\"\(body)".utf8)
                #expect(Self.verdict(unterminated, vector: vector)
                        == "x.json: byte \(14 + n): unexpected end of file (truncated JSON?)")
                let spaces = Array("{\"a\":\(String(repeating: " ", count: n))\n\t\r x}".utf8)
                #expect(Self.verdict(spaces, vector: vector) == "x.json: byte \(9 + n): expected a value, found 'x'")
                let fine = Array("{\"strings\": [\"\(body)\\u00e9\\\"\",\(String(repeating: " ", count: n))1]}".utf8)
                #expect(Self.verdict(fine, vector: vector).hasPrefix("record"))
            }
        }
    }

    /// The depth cap and the checkpoints inside long strings behave the same on the scalar path.
    @Test func depthCapAndCheckpointsOnTheScalarPath() throws {
        let deep = Array("{\"strings\": ".utf8) + [UInt8](repeating: 0x5B, count: 5000) + [UInt8](repeating: 0x5D, count: 5000) + [0x7D]
        #expect(Self.verdict(deep, vector: false) == "x.json: byte \(12 + 1023): nesting deeper than 1024 levels")
        #expect(Self.verdict(deep, vector: true) == Self.verdict(deep, vector: false))
        let text = "{\"strings\": [\"" + String(repeating: "y", count: 10_000) + "\"], \"target\": {\"file\": {\"md5\": \"m\"}}}"
        for vector in [true, false] {
            let bytes = Array(text.utf8) + [UInt8](repeating: 0, count: JSONScanner.padding)
            var offsets: [Int] = []
            let record = try bytes.withUnsafeBufferPointer { buffer throws(ScanFailure) in
                let scanner = JSONScanner(base: buffer.baseAddress!, count: bytes.count - JSONScanner.padding, interval: 100, vector: vector) {
                    offsets.append($0)
                    return true
                }
                var extractor = ReportExtractor(scanner: scanner)
                return try extractor.run()
            }
            #expect(record.md5 == "m")
            #expect(offsets.count >= 80 && offsets == offsets.sorted(), "\(offsets.count) checkpoints")
        }
    }
}

/// Real reports (from ../shared) give equal records on every path: vector or scalar byte-run scans,
/// C skippers and decoder or the Swift steps alone.
@Suite struct JSONScanRealReportTests {
    @Test(.enabled(if: TestSupport.hasShared)) func realReportsReadTheSameOnEveryPath() throws {
        let directory = TestSupport.shared! + "/data/cuckoo-reports"
        let names = TestSupport.listDirectory(directory).filter { $0.hasSuffix(".json") }.sorted().prefix(16)
        #expect(names.count == 16)
        for name in names {
            let bytes = try TestSupport.readFile(directory + "/" + name)
            let swift = try ReportReader.read(bytes: bytes, path: name, vector: true, native: false)
            for (vector, native) in [(true, true), (false, true), (false, false)] {
                let other = try ReportReader.read(bytes: bytes, path: name, vector: vector, native: native)
                #expect(other == swift, "\(name) vector \(vector) native \(native)")
            }
        }
    }
}
