#if canImport(Glibc)
import Glibc
#endif
import Testing
import CuckooML
@testable import cuckooml

/// Issue 13, bug 8, with a real `kill -9`: the temporary file a killed `save` leaves says what it is,
/// and the next write into the directory removes it.
@Suite(.serialized) struct KilledWriteTests {
    static func partials(_ dir: String) -> [String] {
        guard let d = opendir(dir) else { return [] }
        defer { closedir(d) }
        var names: [String] = []
        while let e = readdir(d) {
            let name = withUnsafePointer(to: e.pointee.d_name) { $0.withMemoryRebound(to: CChar.self, capacity: 256) { FileSystemPath.decode(cString: $0) } }
            if name.hasPrefix(".cuckooml-partial-") { names.append(name) }
        }
        return names
    }

    @Test func aKilledSaveLeavesANamedFileTheNextWriteRemoves() throws {
        let dir = try TemporaryDirectory()
        let out = dir.file("out")
        let reports = TestPaths.packageRoot + "/sample_data/reports"
        var left: [String] = []
        for _ in 0..<5 where left.isEmpty {
            _ = system("rm -rf '\(out)'")
            guard let run = ProcessRun.run(["-c", "load \(reports); cluster hdbscan 1 6; save \(out)"], seconds: 120,
                                           killWhen: { !Self.partials(out).isEmpty }) else { return }
            #expect(run.status == 128 + SIGKILL || run.status == 0)
            left = Self.partials(out)
        }
        try #require(!left.isEmpty, "a killed save left a temporary file")
        for name in left {
            // .cuckooml-partial-PID-HOST-NAME.json-XXXXXX: the report it was writing.
            #expect(name.contains(".json-"), "\(name)")
        }
        let sink = CaptureSink()
        #expect(Shell(sink: sink).runScript("load \(reports)/[a-f]*.json; cluster hdbscan 1 2; export clustering \(out)/c.csv", origin: "t"), "\(sink.stderr)")
        #expect(Self.partials(out).isEmpty, "the next write into the directory removed \(left)")
    }
}
