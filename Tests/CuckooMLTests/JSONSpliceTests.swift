#if canImport(Glibc)
import Glibc
#endif
import CJSONScan
import Testing
@testable import CuckooML

/// `save DIR`'s fast path: the C planner (`cja_plan`) and the splice in `JSONAnnotatingCopier.copy(document:)`
/// must give exactly the bytes (and errors, and `null` counts) of the byte-by-byte scanner.
@Suite struct JSONSpliceTests {
    private static let value = #"{"x":1}"#

    /// What one path produced: the output or the error, and the nulls written.
    private struct Outcome: Equatable {
        var output: [UInt8]?
        var error: String?
        var nulls: Int
    }

    /// Through `copy(document:)` (the planner, or the scanner when it declines).
    private func spliced(_ bytes: [UInt8]) -> Outcome {
        var copier = JSONAnnotatingCopier(member: "clustering", value: Self.value)
        let padded = bytes + [UInt8](repeating: 0, count: JSONAnnotatingCopier.documentPadding)
        var out: [UInt8] = []
        do {
            let read = try padded.withUnsafeBytes { raw in
                try copier.copy(document: UnsafeRawBufferPointer(rebasing: raw[0..<bytes.count]), to: { out.append(contentsOf: $0) })
            }
            #expect(read == bytes.count)
            return Outcome(output: out, error: nil, nulls: copier.nullsWritten)
        } catch {
            return Outcome(output: nil, error: "\(error)", nulls: 0)
        }
    }

    /// Through the streaming scanner alone, from a file (today's path for reports over the size limit).
    private func streamed(_ bytes: [UInt8]) -> Outcome {
        // Small documents go through a pipe (the pipe buffer holds them), so thousands of mutations
        // do not create and delete thousands of files.
        if bytes.count < 32_768 {
            var ends: [Int32] = [0, 0]
            guard pipe(&ends) == 0 else { return Outcome(output: nil, error: "pipe failed", nulls: 0) }
            _ = bytes.withUnsafeBytes { write(ends[1], $0.baseAddress!, $0.count) }
            close(ends[1])
            defer { close(ends[0]) }
            return streamed(from: ends[0])
        }
        let dir = OutputFixtures.temporaryDirectory()
        let path = dir + "/in.json"
        let fd = open(path, O_WRONLY | O_CREAT, 0o644)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) }
        close(fd)
        let input = open(path, O_RDONLY)
        defer { close(input); unlink(path); rmdir(dir) }
        return streamed(from: input)
    }

    private func streamed(from input: Int32) -> Outcome {
        var copier = JSONAnnotatingCopier(member: "clustering", value: Self.value)
        var out: [UInt8] = []
        do {
            try copier.copy(from: input, to: { out.append(contentsOf: $0) })
            return Outcome(output: out, error: nil, nulls: copier.nullsWritten)
        } catch {
            return Outcome(output: nil, error: "\(error)", nulls: 0)
        }
    }

    /// Whether the planner itself accepts `bytes` (no byte-order mark) rather than declining.
    private func planned(_ bytes: [UInt8]) -> Bool {
        let padded = bytes + [UInt8](repeating: 0, count: 64)
        var edits = [cja_edit](repeating: cja_edit(), count: 256)
        let member = Array("clustering".utf8)
        return padded.withUnsafeBufferPointer { b in
            member.withUnsafeBufferPointer { m in
                edits.withUnsafeMutableBufferPointer { cja_plan(b.baseAddress!, bytes.count, m.baseAddress!, m.count, $0.baseAddress!, $0.count) }
            }
        } >= 0
    }

    /// The splice's exact bytes for `input`, checked against the scanner and against `expected`;
    /// `fast`: whether the planner must take it (false: it must leave it to the scanner).
    private func check(_ input: [UInt8], _ expected: String, nulls: Int = 0, fast: Bool = true,
                       sourceLocation: SourceLocation = #_sourceLocation) {
        let a = spliced(input), b = streamed(input)
        #expect(a == b, "splice and scanner differ", sourceLocation: sourceLocation)
        #expect(a.output.map { String(decoding: $0, as: UTF8.self) } == expected, sourceLocation: sourceLocation)
        #expect(a.nulls == nulls, sourceLocation: sourceLocation)
        let body = input.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(input.dropFirst(3)) : input
        #expect(planned(body) == fast, "planner \(fast ? "declined" : "accepted")", sourceLocation: sourceLocation)
    }

    private func check(_ input: String, _ expected: String, nulls: Int = 0, fast: Bool = true,
                       sourceLocation: SourceLocation = #_sourceLocation) {
        check(Array(input.utf8), expected, nulls: nulls, fast: fast, sourceLocation: sourceLocation)
    }

    @Test func insertsIntoInfoOrAddsInfo() {
        check(#"{"info": {"id": 1}, "a": []}"#, #"{"info": {"id": 1,"clustering":{"x":1}}, "a": []}"#)
        check(#"{"info": {}}"#, #"{"info": {"clustering":{"x":1}}}"#)
        check("{\"info\": {\n\t}\n}", "{\"info\": {\n\t\"clustering\":{\"x\":1}}\n}")
        check(#"{"a": {"info": {}}}"#, #"{"a": {"info": {}},"info":{"clustering":{"x":1}}}"#)
        check("{}", #"{"info":{"clustering":{"x":1}}}"#)
        check("\r\n{ }\r\n", "\r\n{ \"info\":{\"clustering\":{\"x\":1}}}\r\n")
        // `info` last, after a long `behavior`; `info` twice: both get the member.
        check(#"{"behavior": {"calls": [[1, "a\"b"], []]}, "info": {"x": null}}"#,
              #"{"behavior": {"calls": [[1, "a\"b"], []]}, "info": {"x": null,"clustering":{"x":1}}}"#)
        check(#"{"info": {"a": 1}, "info": {}}"#, #"{"info": {"a": 1,"clustering":{"x":1}}, "info": {"clustering":{"x":1}}}"#)
        // Nested `clustering` or `info` elsewhere is left alone.
        check(#"{"info": {"a": {"clustering": 2}}}"#, #"{"info": {"a": {"clustering": 2},"clustering":{"x":1}}}"#)
    }

    @Test func replacesExistingMembers() {
        check(#"{"info" : { "id": 3, "clustering" :  {"old": [1, {"info": "}"}]} , "v": "2" }}"#,
              #"{"info" : { "id": 3, "clustering" :  {"x":1} , "v": "2" }}"#)
        check(#"{"info": {"clustering": 1, "clustering": "s"}}"#, #"{"info": {"clustering": {"x":1}, "clustering": {"x":1}}}"#)
        // A replaced NaN is not counted as a null written; others are.
        check(#"{"a": [NaN, Infinity, -Infinity, 1], "info": {"clustering": NaN}}"#,
              #"{"a": [null, null, null, 1], "info": {"clustering": {"x":1}}}"#, nulls: 3)
        check(#"{"info": {"clustering": [NaN]}, "b": -Infinity}"#, #"{"info": {"clustering": {"x":1}}, "b": null}"#, nulls: 1)
    }

    @Test func byteOrderMarkAndWhitespaceVariants() {
        check([0xEF, 0xBB, 0xBF] + Array(#"{"info": {}}"#.utf8), #"{"info": {"clustering":{"x":1}}}"#)
        check([0xEF, 0xBB, 0xBF] + Array(" {}\t".utf8), " {\"info\":{\"clustering\":{\"x\":1}}}\t")
        check("\t{\"a\"\r\n:\n[ ]\t,\"info\"\t:\t{\"b\" : true }  }  ", "\t{\"a\"\r\n:\n[ ]\t,\"info\"\t:\t{\"b\" : true ,\"clustering\":{\"x\":1}}  }  ")
        // UTF-8 of every length, escapes, numbers of every form, all kept byte for byte.
        let text = #"{"s": "é€😀\u00e9\n\\\/", "n": [0, -0, 1.5e3, -1.25E-7, 12345678901234567890], "info": {"k": "ü"}}"#
        check(text, String(text.dropLast(2)) + #","clustering":{"x":1}}}"#)
    }

    @Test func declinesWhatTheScannerDecodesOrRejects() {
        // An escaped name may be `info`: left to the scanner, which decodes it.
        check(#"{"\u0069nfo": {"clustering": 1}}"#, #"{"\u0069nfo": {"clustering": {"x":1}}}"#, fast: false)
        check(#"{"info": {"clust\u0065ring": 1}}"#, #"{"info": {"clust\u0065ring": {"x":1}}}"#, fast: false)
        // Escaped names deeper down do not matter.
        check(#"{"a": {"\u0069nfo": 1}}"#, #"{"a": {"\u0069nfo": 1},"info":{"clustering":{"x":1}}}"#)
        // Past the planner's edit capacity (256): the scanner has no limit.
        let many = "{\"a\": [" + Array(repeating: "NaN", count: 300).joined(separator: ",") + "]}"
        check(many, "{\"a\": [" + Array(repeating: "null", count: 300).joined(separator: ",") + "],\"info\":{\"clustering\":{\"x\":1}}}",
              nulls: 300, fast: false)
    }

    @Test func malformedDocumentsGiveTheScannersError() {
        let cases: [[UInt8]] = [
            [], Array("   ".utf8), Array(#"{"a": 1"#.utf8), Array(#"{"a": "abc"#.utf8), Array("[1]".utf8),
            Array(#"{"a": 01}"#.utf8), Array(#"{"a": tru}"#.utf8), Array(#"{"a": [1,]}"#.utf8), Array(#"{"a": 1,}"#.utf8),
            Array(#"{"a" 1}"#.utf8), Array(#"{"a": 1} x"#.utf8), Array("{\"a\": \"\u{01}\"}".utf8), Array(#"{"a": "\x"}"#.utf8),
            Array(#"{"a": "\u12g4"}"#.utf8), Array(#"{"info": 3}"#.utf8), Array(#"{"info": [1]}"#.utf8),
            Array(#"{"info": "s"}"#.utf8), Array(#"{"a": +1}"#.utf8), Array(#"{"a": 1.}"#.utf8), Array(#"{"a": .5}"#.utf8),
            Array(#"{"a": 1e}"#.utf8), Array(#"{"a": nan}"#.utf8), Array(#"{"a": 1}}"#.utf8), Array(#"{"a": [}"#.utf8),
            Array(#"{"a": {]}"#.utf8), Array("{\"a\": 1}\0".utf8), Array("{\"a\"\0: 1}".utf8),
            Array(#"{"a": ""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8),        // bad continuation
            Array(#"{"a": ""#.utf8) + [0xC0, 0xAF] + Array(#""}"#.utf8),        // overlong
            Array(#"{"a": ""#.utf8) + [0xED, 0xA0, 0x80] + Array(#""}"#.utf8),  // surrogate
            Array(#"{"a": ""#.utf8) + [0xF4, 0x90, 0x80, 0x80] + Array(#""}"#.utf8), // past U+10FFFF
            Array(#"{"a": ""#.utf8) + [0xE2, 0x82] + Array(#""}"#.utf8),        // cut short
            Array(#"{"a": "\"#.utf8), Array(#"{"a": "\u00"#.utf8), Array(Array(#"{"a": "é"#.utf8).dropLast(1)),
            Array(("{\"a\":" + String(repeating: "[", count: 2000) + String(repeating: "]", count: 2000) + "}").utf8),
        ]
        for input in cases {
            let a = spliced(input), b = streamed(input)
            #expect(a == b, "\(String(decoding: input.prefix(40), as: UTF8.self))")
            if input.count < 100 { #expect(a.error != nil && !a.error!.contains("\n"), "\(String(decoding: input, as: UTF8.self))") }
        }
        // Deep but valid nesting goes to the scanner (the planner's stack is 1 024) with the same copy.
        let deep = "{\"a\":" + String(repeating: "[", count: 2000) + String(repeating: "]", count: 2000) + "}"
        check(deep, String(deep.dropLast()) + ",\"info\":{\"clustering\":{\"x\":1}}}", fast: false)
    }

    /// Mutations of a report-like document (a byte changed, dropped or inserted, the end cut off):
    /// whatever the planner makes of them, the copy is the scanner's.
    @Test func mutatedDocumentsCopyAsTheScannerDoes() {
        let base = Array(#"{"target": {"file": {"name": "a\"b.exe", "size": 12, "é": "€😀"}}, "info": {"id": 3, "clustering": {"old": [1, NaN]}, "v": "2.0"}, "behavior": {"calls": [[1.5e3, -0, true, false, null, "\u00e9\n"], {"info": {}}]}, "x": -Infinity}"#.utf8)
        let alphabet: [UInt8] = Array(#"{}[]:,"\ 0-+.eEaNIuf"#.utf8) + [0x00, 0x0A, 0x1F, 0x80, 0xC3, 0xE2, 0xED, 0xF4, 0xFF]
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ n: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(n))
        }
        var accepted = 0
        for round in 0..<(TestSupport.heavy ? 1_000_000 : 5000) {
            var doc = base
            for _ in 0..<(1 + next(3)) {
                let at = next(doc.count)
                switch next(4) {
                case 0: doc[at] = alphabet[next(alphabet.count)]
                case 1: doc.remove(at: at)
                case 2: doc.insert(alphabet[next(alphabet.count)], at: at)
                default: doc.removeLast(next(doc.count))
                }
                if doc.isEmpty { break }
            }
            let a = spliced(doc), b = streamed(doc)
            #expect(a == b, "round \(round): \(String(decoding: doc, as: UTF8.self))")
            if a.output != nil { accepted += 1 }
        }
        #expect(accepted > 100, "the mutations should leave some documents valid")
    }

    /// The repository's sample reports (real CAPE and Cuckoo reports, and the broken ones): the
    /// planner takes every valid one, and each copy (or error) is the scanner's.
    @Test func sampleReportsCopyAsTheScannerDoes() throws {
        var files: [String] = []
        for sub in ["reports", "new", "broken"] {
            let dir = TestSupport.packageRoot + "/sample_data/" + sub
            files += TestSupport.listDirectory(dir).filter { $0.hasSuffix(".json") }.map { dir + "/" + $0 }
        }
        #expect(files.count > 100)
        var planned = 0, valid = 0
        for path in files {
            let bytes = try TestSupport.readFile(path)
            let a = spliced(bytes), b = streamed(bytes)
            #expect(a == b, "\(path)")
            if a.output != nil {
                valid += 1
                let body = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes
                if self.planned(body) { planned += 1 }
            }
        }
        // Only documents the planner leaves to the scanner by design (nesting past 1 024 levels) are
        // copied the slow way.
        #expect(valid > 100 && planned >= valid - 1, "\(planned) of \(valid) valid reports planned")
    }

    @Test func saveWritesByEitherDurabilityTheSameFilesAndNamesTheTruncatedOne() throws {
        let src = OutputFixtures.temporaryDirectory()
        try OutputFixtures.write(#"{"info": {"id": 1, "clustering": {"hdbscan": 0}}, "x": "é"}"#, to: src + "/a.json")
        try OutputFixtures.write("\u{FEFF}{\"x\": [1, NaN]}", to: src + "/b.json")
        try OutputFixtures.write(#"{"x": [1, 2"#, to: src + "/c.json")
        try OutputFixtures.write(#"{"info": {}}"#, to: src + "/d.json")
        let paths = ["a", "b", "c", "d"].map { src + "/\($0).json" }
        let session = OutputFixtures.clusteredSession(paths: paths, dbscan: true)
        var outputs: [[String: String]] = []
        for durability in [ReportWriter.SaveDurability.batched, .eachFile] {
            let out = OutputFixtures.temporaryDirectory()
            let summary = try ReportWriter.save(session, to: out, durability: durability)
            #expect(summary.written == ["a", "b", "d"].map { out + "/\($0).json" })
            #expect(summary.failures.count == 1 && summary.failures[0].sample == "c")
            let reason = summary.failures.first?.reason ?? ""
            #expect(reason.contains(src + "/c.json") && reason.contains("truncated") && !reason.contains("\n"))
            #expect(summary.nullsWritten == 1)
            #expect(TestSupport.listDirectory(out) == ["a.json", "b.json", "d.json"], "no temporary file is left")
            var files: [String: String] = [:]
            for name in ["a", "b", "d"] { files[name] = try TestSupport.readText(out + "/\(name).json") }
            outputs.append(files)
        }
        #expect(outputs[0] == outputs[1])
        #expect(outputs[0]["b"] == #"{"x": [1, null],"info":{"clustering":{"hdbscan":{"clusterID":1,"clusterProbability":0.3333333333333333,"outlierScore":0.125,"min_samples":1,"min_cluster_size":6},"dbscan":{"clusterID":1,"eps":0.5,"min_samples":3}}}}"#)
    }
}
