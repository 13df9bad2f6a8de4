#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import CuckooML
import TestScratch

/// Bad input gives one `FILE: byte N: message` error, never a crash; hostile shapes are generated here.
@Suite struct ReportsHostileTests {
    static func error(_ bytes: [UInt8]) -> ReportError? {
        do {
            _ = try ReportReader.read(bytes: bytes, path: "bad.json")
            return nil
        } catch {
            return error
        }
    }

    static func error(_ text: String) -> ReportError? { error(Array(text.utf8)) }

    @Test(arguments: [
        ("", 0, "empty file"),
        ("   \n ", 5, "no JSON value"),
        ("[1, 2]", 0, "expected a JSON object at the top level, found an array"),
        ("\"report\"", 0, "found a string"),
        ("42", 0, "found a number"),
        ("null", 0, "found null"),
        ("{\"a\": 1} x", 9, "after the end of the JSON document"),
        ("{\"a\": 1}}", 8, "after the end"),
        ("{\"a\" 1}", 5, "expected ':'"),
        ("{\"a\": 1,}", 8, "expected a string key"),
        ("{\"a\": [1,]}", 9, "expected a value"),
        ("{\"a\": [1 2]}", 9, "expected ',' or ']'"),
        ("{a: 1}", 1, "expected a string key"),
        ("{\"a\": tru}", 6, "invalid literal"),
        ("{\"a\": 01}", 7, "expected ',' or '}'"),
        ("{\"a\": -}", 7, "expected a digit"),
        ("{\"a\": 1.}", 8, "digit after '.'"),
        ("{\"a\": 1e}", 8, "exponent"),
        ("{\"a\": \"x\\q\"}", 9, "invalid escape '\\q'"),
        ("{\"a\": \"\\u12G4\"}", 11, "invalid \\u escape"),
        ("{\"a\": \"tab\there\"}", 10, "control character"),
        ("{\"a\": {\"b\": [1, {\"c\": 2]}}", 23, "expected ',' or '}'"),
        ("{\"static\": {\"pe_imports\": [{\"dll\": \"x\" \"imports\": []}]}}", 39, "expected ',' or '}'"),
    ])
    func malformedJSON(_ text: String, _ offset: Int, _ message: String) throws {
        let e = try #require(Self.error(text), "accepted: \(text)")
        #expect(e.offset == offset, "\(e)")
        #expect(e.message.contains(message), "\(e)")
        #expect(e.description == "bad.json: byte \(offset): \(e.message)")
        #expect(!e.description.contains("\n"))
    }

    @Test func everyTruncationOfAReportIsAnError() throws {
        let full = Array(ReportsReaderTests.cuckoo.utf8)
        _ = try ReportReader.read(bytes: full)
        // Every strict prefix that ends before the closing brace is incomplete JSON.
        let last = full.lastIndex(of: 0x7D)!
        for n in 0..<last {
            let e = Self.error(Array(full[0..<n]))
            #expect(e != nil, "prefix of \(n) bytes accepted")
            if let e, n > 0 { #expect(e.offset! <= n, "\(e)") }
        }
        let e = try #require(Self.error(Array(full[0..<(full.count / 2)])))
        #expect(e.message.contains("unexpected end of file"))
        #expect(e.offset == full.count / 2)
    }

    @Test func hundredThousandNestedArraysStopAtTheDepthCap() throws {
        let depth = 100_000
        let bytes = Array("{\"strings\": ".utf8) + [UInt8](repeating: 0x5B, count: depth) + [UInt8](repeating: 0x5D, count: depth) + [0x7D]
        let e = try #require(Self.error(bytes))
        #expect(e.message.contains("nesting deeper than 1024"))
        #expect(e.offset == 12 + 1023)
        // Inside a field the reader walks, too.
        let objects = Array("{\"behavior\": {\"summary\": {\"mutex\": ".utf8)
            + Array(repeating: Array("{\"a\":".utf8), count: depth).flatMap { $0 } + [0x31]
            + [UInt8](repeating: 0x7D, count: depth + 3)
        #expect(Self.error(objects)?.message.contains("nesting deeper") == true)
        // 1 000 levels are fine.
        let ok = Array("{\"strings\": ".utf8) + [UInt8](repeating: 0x5B, count: 1000) + [UInt8](repeating: 0x5D, count: 1000) + [0x7D]
        #expect(Self.error(ok) == nil)
    }

    @Test func validateAcceptsAnyValueAndMatchesTheGrammar() throws {
        for good in ["0", "-0.5e+10", "[]", "{}", "\"\\u00e9\"", "[true,false,null]", " {\"a\":[{}]} "] {
            #expect(throws: Never.self) { try ReportReader.validate(bytes: Array(good.utf8)) }
        }
        for bad in ["", "[", "{\"a\"}", "[1,]", "tru", "\"abc", "1 2", "[-]", "+1", ".5", "NaN"] {
            #expect(throws: ReportError.self) { try ReportReader.validate(bytes: Array(bad.utf8)) }
        }
    }

    @Test func nulBytesAndBinaryGarbage() throws {
        #expect(Self.error([0x7B, 0x00, 0x7D])?.offset == 1)
        #expect(Self.error([0xFF, 0xFE, 0x7B, 0x7D])?.message.contains("top level") == true)
        // A raw NUL inside a string is a control character, not the end of the file.
        let e = try #require(Self.error(Array("{\"a\": \"x".utf8) + [0] + Array("y\"}".utf8)))
        #expect(e.offset == 8 && e.message.contains("control character"))
        // Deterministic pseudo-random garbage never crashes.
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for round in 0..<300 {
            var bytes: [UInt8] = [0x7B]
            for _ in 0..<(round % 64) {
                state = state &* 6364136223846793005 &+ 1442695040888963407
                bytes.append(Array("{}[]\":,\\ a1-.etrufnl\u{0}".utf8)[Int(state >> 58) % 21])
            }
            _ = Self.error(bytes)
        }
    }

    @Test func filesThatCannotBeReadAreOneLineErrors() throws {
        #expect(throws: ReportError.self) { try ReportReader.read(path: "/nonexistent/x.json") }
        do {
            _ = try ReportReader.read(path: "/nonexistent/x.json")
        } catch let e as ReportError {
            #expect(e.description == "/nonexistent/x.json: No such file or directory")
        }
        do {
            _ = try ReportReader.read(path: "/tmp")
        } catch let e as ReportError {
            #expect(e.description == "/tmp: not a regular file (a directory)")
        }
    }

    /// A 2 GB report (huge skipped `strings` and `behavior.processes[].calls`) reads with bounded memory.
    @Test(.enabled(if: TestSupport.heavy)) func twoGigabyteReportWithBoundedMemory() throws {
        let path = TestScratch.directory() + "/heavy.json"
        defer { unlink(path) }
        guard let f = fopen(path, "wb") else { throw TestFileError(path: path) }
        func put(_ s: String) { _ = s.utf8CString.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count - 1, f) } }
        put("{\"target\": {\"file\": {\"size\": 7, \"md5\": \"m\"}}, \"strings\": [")
        let chunk = Array(repeating: "\"This program cannot be run in DOS mode \\u00e9\"", count: 20_000).joined(separator: ", ")
        var written = 0
        while written < 1_100_000_000 {
            if written > 0 { put(", ") }
            put(chunk)
            written += chunk.utf8.count + 2
        }
        put("], \"behavior\": {\"processes\": [{\"process_name\": \"a.exe\", \"calls\": [")
        let call = "{\"api\": \"NtCreateFile\", \"arguments\": [{\"name\": \"FileName\", \"value\": \"C:\\\\x\"}], \"return\": \"0x0\"}"
        let calls = Array(repeating: call, count: 10_000).joined(separator: ", ")
        var callCount = 0
        while written < 2_150_000_000 {
            if callCount > 0 { put(", ") }
            put(calls)
            callCount += 10_000
            written += calls.utf8.count + 2
        }
        put("]}]}}")
        fclose(f)
        let before = Self.peakRSS()
        let r = try ReportReader.read(path: path)
        let after = Self.peakRSS()
        #expect(r.md5 == "m" && r.processNames == ["a.exe"])
        #expect(r.apiCounts == ["NtCreateFile": callCount])
        #expect(after - before < 200 << 20, "peak RSS grew by \(after - before) bytes")
    }

    static func peakRSS() -> Int {
        guard let text = try? TestSupport.readText("/proc/self/status") else { return 0 }
        for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) * 1024
        }
        return 0
    }
}

/// The checkpoints large files use (page release, Ctrl-C) fire inside long values and do not change
/// what is read.
@Suite struct ReportsCheckpointTests {
    static func extract(_ text: String, interval: Int, _ onCheckpoint: @escaping (Int) -> Bool) throws(ScanFailure) -> ReportRecord {
        let bytes = Array(text.utf8) + [UInt8](repeating: 0, count: JSONScanner.padding)
        return try bytes.withUnsafeBufferPointer { buffer throws(ScanFailure) in
            let scanner = JSONScanner(base: buffer.baseAddress!, count: bytes.count - JSONScanner.padding, interval: interval, onCheckpoint: onCheckpoint)
            var extractor = ReportExtractor(scanner: scanner)
            return try extractor.run()
        }
    }

    @Test func checkpointsDoNotChangeTheRecord() throws {
        let long = String(repeating: "x", count: 5000)
        // A long skipped string first, then a whole report's worth of fields.
        let text = "{\"padding\": \"\(long)\", " + ReportsReaderTests.cape.drop { $0 != "{" }.dropFirst()
        var offsets: [Int] = []
        let record = try Self.extract(text, interval: 64) { offsets.append($0); return true }
        #expect(record == (try ReportsReaderTests.read(text)))
        #expect(offsets.count > 50)
        #expect(offsets == offsets.sorted())
    }

    @Test func cancellingAtACheckpointStopsTheScan() {
        let text = "{\"strings\": [\"" + String(repeating: "y", count: 10_000) + "\"]}"
        var calls = 0
        #expect(throws: ScanFailure.self) {
            _ = try Self.extract(text, interval: 256) { _ in calls += 1; return calls < 3 }
        }
        #expect(calls == 3)
    }
}
