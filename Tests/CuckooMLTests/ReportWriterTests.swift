#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import CuckooML

@Suite struct ReportWriterTests {
    /// Copies `text` through the annotating copier in chunks of every awkward size.
    private func annotate(_ text: String, value: String = #"{"x":1}"#) throws -> String {
        let dir = OutputFixtures.temporaryDirectory()
        let source = dir + "/in.json", target = dir + "/out.json"
        try OutputFixtures.write(text, to: source)
        _ = try ReportWriter.copy(source: source, to: target, annotation: .object([]))
        _ = target
        var copier = JSONAnnotatingCopier(member: "clustering", value: value)
        let fd = open(source, O_RDONLY)
        defer { close(fd) }
        var out: [UInt8] = []
        try copier.copy(from: fd, to: { out.append(contentsOf: $0) })
        return String(decoding: out, as: UTF8.self)
    }

    @Test func replacesExistingClusteringAndKeepsTheRestByteForByte() throws {
        let source = """
            {"target": {"file": {"name": "a\\u0022b.exe", "size": 12}},
              "info" : { "id": 3, "clustering" :  {"old": [1, 2, {"x": "}"}]} , "version": "2.0-dev" },
             "behavior": [1.5e3, -0, true, false, null, "\\u00e9\\n"]}
            """
        let out = try annotate(source)
        #expect(out == """
            {"target": {"file": {"name": "a\\u0022b.exe", "size": 12}},
              "info" : { "id": 3, "clustering" :  {"x":1} , "version": "2.0-dev" },
             "behavior": [1.5e3, -0, true, false, null, "\\u00e9\\n"]}
            """)
    }

    @Test func insertsClusteringIntoInfoOrAddsInfo() throws {
        #expect(try annotate(#"{"info": {"id": 1}, "a": []}"#) == #"{"info": {"id": 1,"clustering":{"x":1}}, "a": []}"#)
        #expect(try annotate(#"{"info": {}}"#) == #"{"info": {"clustering":{"x":1}}}"#)
        #expect(try annotate(#"{"a": {"info": {}}}"#) == #"{"a": {"info": {}},"info":{"clustering":{"x":1}}}"#)
        #expect(try annotate("{}") == #"{"info":{"clustering":{"x":1}}}"#)
        #expect(try annotate("\n{ }\n") == "\n{ \"info\":{\"clustering\":{\"x\":1}}}\n")
        // An escaped member name is the same name; repeated members are all replaced.
        #expect(try annotate(#"{"\u0069nfo": {"clustering": 1, "clustering": "s"}}"#)
                == #"{"\u0069nfo": {"clustering": {"x":1}, "clustering": {"x":1}}}"#)
        // Nested `clustering` elsewhere is left alone.
        #expect(try annotate(#"{"info": {"a": {"clustering": 2}}}"#) == #"{"info": {"a": {"clustering": 2},"clustering":{"x":1}}}"#)
    }

    @Test func nonFiniteTokensBecomeNull() throws {
        #expect(try annotate(#"{"a": [NaN, Infinity, -Infinity, 1], "info": {"clustering": NaN}}"#)
                == #"{"a": [null, null, null, 1], "info": {"clustering": {"x":1}}}"#)
    }

    @Test func malformedInputIsOneLineError() throws {
        let cases: [(String, String)] = [
            ("", "empty file"),
            (#"{"a": 1"#, "truncated"),
            (#"{"a": "abc"#, "inside a string"),
            (#"[1]"#, "top level is not a JSON object"),
            (#"{"a": 01}"#, "invalid literal"),
            (#"{"a": tru}"#, "invalid literal"),
            (#"{"a": [1,]}"#, "unexpected character"),
            (#"{"a": 1,}"#, "expected a member name"),
            (#"{"a" 1}"#, "expected ':'"),
            (#"{"a": 1} x"#, "after the JSON document"),
            ("{\"a\": \"\u{01}\"}", "control character"),
            (#"{"a": "\x"}"#, "invalid escape"),
            (#"{"info": 3}"#, "`info` is not an object"),
            (#"{"info": [1]}"#, "`info` is not an object"),
            (#"{"info": null}"#, "`info` is not an object"),
            (String(repeating: "[", count: 10), "top level"),
            ("{\"a\":" + String(repeating: "[", count: 200_000), "nested deeper"),
        ]
        for (text, expected) in cases {
            do {
                _ = try annotate(text)
                Issue.record("accepted \(text.prefix(30))")
            } catch let error as ReportCopyError {
                #expect(error.description.contains(expected), "\(text.prefix(30)): \(error)")
                #expect(!error.description.contains("\n"))
            }
        }
        // Invalid UTF-8 inside a string.
        let dir = OutputFixtures.temporaryDirectory()
        let fd = open(dir + "/bad.json", O_WRONLY | O_CREAT, 0o644)
        let bytes: [UInt8] = Array(#"{"a": ""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8)
        _ = bytes.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) }
        close(fd)
        #expect(throws: ReportCopyError.self) {
            _ = try ReportWriter.copy(source: dir + "/bad.json", to: dir + "/out.json", annotation: [:])
        }
        #expect(TestSupport.listDirectory(dir) == ["bad.json"], "a failed copy leaves nothing behind")
    }

    @Test func hugeStringsAndChunkBoundariesSurvive() throws {
        // Strings, escapes and multi-byte UTF-8 straddling the 1 MiB chunk boundary.
        let big = String(repeating: "ab\\\"é€😀", count: 200_000)
        let text = #"{"s": ""# + big + #"", "info": {"n": 12345678901234567890, "e": -1.25E-7}}"#
        let out = try annotate(text)
        #expect(out == #"{"s": ""# + big + #"", "info": {"n": 12345678901234567890, "e": -1.25E-7,"clustering":{"x":1}}}"#)
        for pad in [1_048_570, 1_048_575, 1_048_576, 1_048_577] {
            let t = "{\"p\": \"" + String(repeating: "x", count: pad) + "\", \"num\": 1234.5, \"info\": {\"clustering\": [1, \"é\"]}}"
            #expect(try annotate(t) == "{\"p\": \"" + String(repeating: "x", count: pad) + "\", \"num\": 1234.5, \"info\": {\"clustering\": {\"x\":1}}}")
        }
    }

    @Test func saveWritesAnnotatedCopiesAndReportsFailures() throws {
        let src = OutputFixtures.temporaryDirectory()
        try OutputFixtures.write(#"{"info": {"id": 1, "clustering": {"hdbscan": 0}}, "x": "é"}"#, to: src + "/a.json")
        try OutputFixtures.write(#"{"x": [1, 2]}"#, to: src + "/b.json")
        try OutputFixtures.write(#"{"x": [1, 2"#, to: src + "/c.json")
        let session = OutputFixtures.clusteredSession(paths: ["a", "b", "c"].map { src + "/\($0).json" }, dbscan: true)
        let out = OutputFixtures.temporaryDirectory() + "/made/here"
        let summary = try ReportWriter.save(session, to: out)
        #expect(summary.written == [out + "/a.json", out + "/b.json"])
        #expect(summary.failures.count == 1 && summary.failures[0].sample == "c")
        #expect(summary.failures[0].reason.contains("c.json") && summary.failures[0].reason.contains("truncated"))
        #expect(try TestSupport.readText(out + "/a.json") == #"{"info": {"id": 1, "clustering": {"hdbscan":{"clusterID":0,"clusterProbability":0.5,"outlierScore":0.0,"min_samples":1,"min_cluster_size":6},"dbscan":{"clusterID":0,"eps":0.5,"min_samples":3}}}, "x": "é"}"#)
        #expect(try TestSupport.readText(out + "/b.json") == #"{"x": [1, 2],"info":{"clustering":{"hdbscan":{"clusterID":1,"clusterProbability":0.3333333333333333,"outlierScore":0.125,"min_samples":1,"min_cluster_size":6},"dbscan":{"clusterID":1,"eps":0.5,"min_samples":3}}}}"#)
        #expect(TestSupport.listDirectory(out) == ["a.json", "b.json"])
    }

    /// A second save of the same clustering into the same directory reads each copy already there,
    /// finds it equal and leaves it (same inode, same bytes); a copy that would differ, or a target
    /// that is not a regular file, is written as before.
    @Test func savingAgainLeavesIdenticalCopiesAlone() throws {
        let src = OutputFixtures.temporaryDirectory()
        for name in ["a", "b", "c", "d"] { try OutputFixtures.write(#"{"x": ""# + name + #"", "info": {}}"#, to: src + "/\(name).json") }
        var session = OutputFixtures.clusteredSession(paths: ["a", "b", "c", "d"].map { src + "/\($0).json" })
        let out = OutputFixtures.temporaryDirectory() + "/out"
        let first = try ReportWriter.save(session, to: out)
        #expect(first.written.count == 4 && first.unchanged == 0)
        let copies = ["a", "b", "c", "d"].map { out + "/\($0).json" }
        let inodes = copies.map { FileID(path: $0) }
        let bytes = try copies.map { try TestSupport.readFile($0) }

        let second = try ReportWriter.save(session, to: out)
        #expect(second.written == copies && second.unchanged == 4 && second.failures.isEmpty)
        #expect(second.bytesRead == first.bytesRead)
        #expect(copies.map { FileID(path: $0) } == inodes, "left as they were, not replaced")
        #expect(try copies.map { try TestSupport.readFile($0) } == bytes)

        // b's clustering changes; c's copy was edited to other bytes of the same size; d's is a link
        // to an identical copy elsewhere (a regular file must take its place).
        session.fixture.hdbscan!.labels[1] = 0
        var edited = bytes[2]
        edited[edited.firstIndex(of: UInt8(ascii: "c"))!] = UInt8(ascii: "C")
        try OutputFixtures.write(String(decoding: edited, as: UTF8.self), to: copies[2])
        let elsewhere = OutputFixtures.temporaryDirectory() + "/d.json"
        try OutputFixtures.write(String(decoding: bytes[3], as: UTF8.self), to: elsewhere)
        unlink(copies[3])
        #expect(symlink(elsewhere, copies[3]) == 0)
        let third = try ReportWriter.save(session, to: out)
        #expect(third.written == copies && third.unchanged == 1)
        #expect(FileID(path: copies[0]) == inodes[0])
        #expect(try TestSupport.readText(copies[1]).contains(#""hdbscan":{"clusterID":0,"#))
        #expect(try TestSupport.readFile(copies[2]) == bytes[2])
        var st = stat()
        #expect(lstat(copies[3], &st) == 0 && (st.st_mode & S_IFMT) == S_IFREG)
        #expect(try TestSupport.readFile(copies[3]) == bytes[3])
    }

    /// Copies larger than `holds`' chunk: equal ones are kept, one byte changed anywhere (here in
    /// the last chunk, past a chunk boundary) makes the copy written again.
    @Test func identicalLargeCopiesAreComparedChunkByChunk() throws {
        let src = OutputFixtures.temporaryDirectory()
        let big = String(repeating: "0123456789abcdef", count: 3 * ReportWriter.comparedChunk / 16 + 5)
        try OutputFixtures.write(#"{"info": {}, "s": ""# + big + #""}"#, to: src + "/a.json")
        let session = OutputFixtures.clusteredSession(paths: [src + "/a.json"])
        let out = OutputFixtures.temporaryDirectory()
        let copy = out + "/a.json"
        _ = try ReportWriter.save(session, to: out)
        let bytes = try TestSupport.readFile(copy)
        #expect(bytes.count > 3 * ReportWriter.comparedChunk)
        #expect(try ReportWriter.save(session, to: out).unchanged == 1)
        var edited = bytes
        edited[edited.count - 10] = UInt8(ascii: "X")
        try OutputFixtures.write(String(decoding: edited, as: UTF8.self), to: copy)
        #expect(try ReportWriter.save(session, to: out).unchanged == 0)
        #expect(try TestSupport.readFile(copy) == bytes)
    }

    @Test func nonFiniteAnnotationValuesAreNull() throws {
        let src = OutputFixtures.temporaryDirectory()
        try OutputFixtures.write("{}", to: src + "/a.json")
        var session = OutputFixtures.clusteredSession(paths: [src + "/a.json"])
        // A session holds no infinite score (`SessionValidation`), but NaN (unknown) in both.
        session.fixture.hdbscan!.probabilities[0] = .nan
        session.fixture.hdbscan!.outlierScores[0] = .nan
        let out = OutputFixtures.temporaryDirectory()
        let summary = try ReportWriter.save(session, to: out)
        #expect(summary.nullsWritten == 2)
        #expect(try TestSupport.readText(out + "/a.json").contains(#""clusterProbability":null,"outlierScore":null"#))
    }

    @Test func refusesToOverwriteSourcesUnlessInPlace() throws {
        let src = OutputFixtures.temporaryDirectory()
        try OutputFixtures.write(#"{"info": {}}"#, to: src + "/a.json")
        let session = OutputFixtures.clusteredSession(paths: [src + "/a.json"])
        #expect(throws: ReportWriter.Refusal.self) { try ReportWriter.save(session, to: src) }
        #expect(try TestSupport.readText(src + "/a.json") == #"{"info": {}}"#)
        let summary = try ReportWriter.save(session, to: src, inPlace: true)
        #expect(summary.written == [src + "/a.json"])
        #expect(try TestSupport.readText(src + "/a.json").hasPrefix(#"{"info": {"clustering":{"hdbscan":{"clusterID":0,"#))
        #expect(TestSupport.listDirectory(src) == ["a.json"])
    }

    @Test func refusesNamesThatEscapeTheDirectory() throws {
        for bad in ["/x/..", "/x/.", "/x/a\u{1B}]0;b.json", "/x/a\u{0}b", "/x/evil\\..\\b.json", "/"] {
            let sample = Sample(id: "s", path: bad, reportSize: 0, record: nil)
            #expect(throws: ReportCopyError.self, "\(bad)") { try ReportWriter.outputName(for: sample) }
        }
        #expect(try ReportWriter.outputName(for: Sample(id: "s", path: "../../etc/passwd.json", reportSize: 0, record: nil)) == "passwd.json")
        // A refused sample is reported; the rest are written, and nothing lands outside DIR.
        let src = OutputFixtures.temporaryDirectory()
        try OutputFixtures.write("{}", to: src + "/ok.json")
        var session = OutputFixtures.clusteredSession(paths: [src + "/ok.json", src + "/.."])
        session.fixture.samples[1].path = src + "/a\u{07}.json"
        let out = OutputFixtures.temporaryDirectory()
        let summary = try ReportWriter.save(session, to: out)
        #expect(summary.written == [out + "/ok.json"])
        #expect(summary.failures.count == 1 && summary.failures[0].reason.contains("control characters"))
        #expect(!summary.failures[0].reason.contains("\u{07}"))
    }

    @Test func interruptionStopsWithoutPartialFiles() throws {
        let src = OutputFixtures.temporaryDirectory()
        try OutputFixtures.write(#"{"a": 1}"#, to: src + "/a.json")
        let session = OutputFixtures.clusteredSession(paths: [src + "/a.json"])
        let out = OutputFixtures.temporaryDirectory()
        #expect(throws: Interrupted.self) { try ReportWriter.save(session, to: out, control: TaskControl(isCancelled: { true })) }
        #expect(TestSupport.listDirectory(out).isEmpty)
    }

    @Test func refusesWithoutAClustering() throws {
        var session = Session()
        session.upsert([Sample(id: "a", path: "/nonexistent/a.json", reportSize: 0, record: nil)])
        #expect(throws: ReportWriter.Refusal.self) { try ReportWriter.save(session, to: "/nonexistent/out") }
    }
}

@Suite struct ReportWriterSharedTests {
    /// Every real report copies cleanly, and copying a copy changes nothing (the annotation is
    /// replaced, not added twice). Checked once by hand with Python's json: the copies equal the
    /// sources apart from `info.clustering`.
    @Test(.enabled(if: TestSupport.hasShared)) func realReportsCopyAndRecopyIdentically() throws {
        let dir = TestSupport.shared! + "/data/cuckoo-reports"
        let names = TestSupport.listDirectory(dir).filter { $0.hasSuffix(".json") }
        let session = OutputFixtures.clusteredSession(paths: names.map { dir + "/" + $0 }, dbscan: true)
        let first = OutputFixtures.temporaryDirectory()
        let summary = try ReportWriter.save(session, to: first)
        #expect(summary.failures.isEmpty, "\(summary.failures)")
        #expect(summary.written.count == names.count)
        var again = session
        for i in again.samples.indices { again.fixture.samples[i].path = first + "/" + names[i] }
        let second = OutputFixtures.temporaryDirectory()
        _ = try ReportWriter.save(again, to: second)
        for name in names.prefix(20) {
            #expect(try TestSupport.readFile(first + "/" + name) == TestSupport.readFile(second + "/" + name), "\(name)")
        }
    }
}
