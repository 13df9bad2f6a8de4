#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import CuckooML
import TestScratch

/// A scratch directory removed when the value goes away.
final class ScratchDirectory {
    let path: String

    init() {
        path = TestScratch.directory()
    }

    deinit { remove(path) }

    @discardableResult
    func write(_ name: String, _ text: String) -> String {
        let full = path + "/" + name
        if let slash = name.lastIndex(of: "/") { mkdir(path + "/" + name[..<slash], 0o755) }
        let f = fopen(full, "wb")!
        _ = text.utf8CString.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count - 1, f) }
        fclose(f)
        return full
    }

    private func remove(_ p: String) {
        for name in TestSupport.listDirectory(p) {
            let child = p + "/" + name
            var st = stat()
            if lstat(child, &st) == 0, st.st_mode & S_IFMT == S_IFDIR { remove(child) } else { unlink(child) }
        }
        rmdir(p)
    }
}

/// Where the real reports are (see `TestSupport.shared`).
enum ReportsTestData {
    static let shared: String? = TestSupport.shared
    static var hasShared: Bool { shared != nil }
}

@Suite struct ReportsLoaderTests {
    @Test func expandsFilesDirectoriesAndGlobs() throws {
        let dir = ScratchDirectory()
        dir.write("b.json", "{}")
        dir.write("a.json", "{}")
        dir.write("notes.txt", "{}")
        dir.write("sub/c.json", "{}")
        let flat = PathExpansion.expand([dir.path], recursive: false)
        #expect(flat.files == [dir.path + "/a.json", dir.path + "/b.json", dir.path + "/notes.txt"])
        let deep = PathExpansion.expand([dir.path], recursive: true)
        #expect(deep.files.count == 4 && deep.files.last == dir.path + "/sub/c.json")
        let globbed = PathExpansion.expand([dir.path + "/[ab].js?n", dir.path + "/*.none", dir.path + "/missing.json"], recursive: false)
        #expect(globbed.files == [dir.path + "/a.json", dir.path + "/b.json"])
        #expect(globbed.problems.map(\.description) == [dir.path + "/*.none: no file matches this pattern",
                                                        dir.path + "/missing.json: No such file or directory"])
    }

    @Test(arguments: [1, 2, 0])
    func loadsGoodFilesAndReportsBadOnes(threads: Int) throws {
        let dir = ScratchDirectory()
        dir.write("good1.json", ReportsReaderTests.cuckoo)
        dir.write("good2.json", ReportsReaderTests.cape)
        dir.write("empty.json", "")
        dir.write("truncated.json", String(ReportsReaderTests.cuckoo.prefix(100)))
        dir.write("array.json", "[]")
        dir.write("plain", "{\"target\": {\"file\": {\"md5\": \"x\"}}}")
        let updates = Locked<[Progress]>([])
        let control = TaskControl(report: { p in updates.withLock { $0.append(p) } })
        let result = try ReportLoader.load(paths: [dir.path], threads: threads, control: control)
        #expect(result.files == 6)
        #expect(result.samples.map(\.id) == ["good1", "good2", "plain"])
        #expect(result.samples[0].record?.dialect == .cuckoo && result.samples[1].record?.dialect == .cape)
        #expect(result.samples[2].record?.md5 == "x")
        #expect(result.samples[0].reportSize == ReportsReaderTests.cuckoo.utf8.count)
        #expect(result.failures.map(\.description) == [
            dir.path + "/array.json: byte 0: expected a JSON object at the top level, found an array",
            dir.path + "/empty.json: byte 0: empty file",
            dir.path + "/truncated.json: byte 100: unexpected end of file (truncated JSON?)",
        ])
        let total = ReportsReaderTests.cuckoo.utf8.count * 1 + ReportsReaderTests.cape.utf8.count + 100 + 2
            + "{\"target\": {\"file\": {\"md5\": \"x\"}}}".utf8.count
        #expect(result.bytes == total)
        let last = try #require(updates.withLock { $0.max { $0.done < $1.done } })
        #expect(last.done == 6 && last.total == 6 && last.bytes == total)
    }

    /// A FIFO among the reports is rejected at once, never opened for a blocking read.
    @Test func fifoIsNotAReport() throws {
        let dir = ScratchDirectory()
        dir.write("a.json", "{}")
        #expect(mkfifo(dir.path + "/pipe.json", 0o644) == 0)
        let result = try ReportLoader.load(paths: [dir.path, dir.path + "/pipe.json"], threads: 1)
        #expect(result.samples.map(\.id) == ["a"])
        // Once from the directory listing, once named explicitly.
        #expect(result.failures.map(\.description) == [dir.path + "/pipe.json: not a regular file (a FIFO)",
                                                       dir.path + "/pipe.json: not a regular file or directory"])
        #expect(throws: ReportError(path: dir.path + "/pipe.json", offset: nil, message: "not a regular file (a FIFO)")) {
            try ReportReader.read(path: dir.path + "/pipe.json")
        }
    }

    @Test func cancellationThrowsInterrupted() throws {
        let dir = ScratchDirectory()
        for i in 0..<20 { dir.write("r\(i).json", "{}") }
        let control = TaskControl(isCancelled: { true })
        #expect(throws: Interrupted.self) { try ReportLoader.load(paths: [dir.path], threads: 2, control: control) }
    }

    @Test func sampleIDs() {
        #expect(ReportLoader.sampleID(forPath: "/a/b/10.json") == "10")
        #expect(ReportLoader.sampleID(forPath: "x.JSON") == "x.JSON")
        #expect(ReportLoader.sampleID(forPath: "report") == "report")
        #expect(ReportLoader.sampleID(forPath: ".json") == ".json")
    }

    /// UTF-8 bytes of the summary strings, version-info values and signature descriptions.
    static func stringBytes(_ r: ReportRecord) -> Int {
        let lists = Array(r.files.values) + [r.registryWritten, r.registryDeleted, r.registryOpened, r.mutexes,
                                             r.dllsLoaded, r.executedCommands, r.resolvedAPIs]
        return lists.joined().reduce(0) { $0 + $1.utf8.count }
            + r.versionInfo.reduce(0) { $0 + $1.value.utf8.count } + r.signatures.reduce(0) { $0 + $1.description.utf8.count }
    }

    /// Every real report loads, and the counts of every field match an independent Python `json` reading
    /// (`Fixtures/reports/counts.tsv`, made by `Fixtures/reports/make_counts.py`).
    @Test(.enabled(if: ReportsTestData.hasShared)) func realReportsMatchPythonCounts() throws {
        let data = ReportsTestData.shared! + "/data"
        let cuckoo = try ReportLoader.load(paths: [data + "/cuckoo-reports"], threads: 2)
        let cape = try ReportLoader.load(paths: [data + "/cape-reports"], threads: 2)
        #expect(cuckoo.failures == [] && cape.failures == [])
        #expect(cuckoo.samples.count == 94 && cape.samples.count == 5)
        let byID = Dictionary(uniqueKeysWithValues: (cuckoo.samples + cape.samples).map { ($0.id, $0) })
        let rows = try TestSupport.readText(TestSupport.fixtures + "/reports/counts.tsv").split(separator: "\n").map {
            $0.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
        }
        let header = rows[0]
        #expect(rows.count == 100)
        for row in rows.dropFirst() {
            let expected = Dictionary(uniqueKeysWithValues: zip(header, row))
            let id = expected["id"]!
            let r = try #require(byID[id]?.record, "\(id) not loaded")
            func opt(_ v: Int?) -> String { v.map(String.init) ?? "" }
            let actual: [String: String] = [
                "corpus": expected["corpus"]!, "id": id, "dialect": r.dialect.rawValue,
                "file_size": opt(r.fileSize), "pe_timestamp": opt(r.peTimestamp),
                "dlls": "\(r.imports.count)", "functions": "\(r.imports.reduce(0) { $0 + $1.functions.count })",
                "imported_dll_count": opt(r.importedDLLCount), "versioninfo": "\(r.versionInfo.count)",
                "languages": "\(r.resourceLanguages.count)", "signatures": "\(r.signatures.count)",
                "api_distinct": "\(r.apiCounts.count)", "api_total": "\(r.apiCounts.values.reduce(0, +))",
                "processes": "\(r.processNames.count)",
                "file_read": "\(r.files[.read]?.count ?? 0)", "file_written": "\(r.files[.written]?.count ?? 0)",
                "file_deleted": "\(r.files[.deleted]?.count ?? 0)", "file_copied": "\(r.files[.copied]?.count ?? 0)",
                "file_moved": "\(r.files[.moved]?.count ?? 0)", "file_opened": "\(r.files[.opened]?.count ?? 0)",
                "file_exists": "\(r.files[.exists]?.count ?? 0)", "file_failed": "\(r.files[.failed]?.count ?? 0)",
                "file_recreated": "\(r.files[.recreated]?.count ?? 0)",
                "reg_written": "\(r.registryWritten.count)", "reg_deleted": "\(r.registryDeleted.count)",
                "reg_opened": "\(r.registryOpened.count)", "mutexes": "\(r.mutexes.count)",
                "dlls_loaded": "\(r.dllsLoaded.count)", "commands": "\(r.executedCommands.count)",
                "resolved_apis": "\(r.resolvedAPIs.count)", "tcp": "\(r.tcpDestinations.count)",
                "udp": "\(r.udpDestinations.count)", "dns": "\(r.dnsRequests.count)", "dns_a": "\(r.dnsAnswers.count)",
                "http": "\(r.httpHosts.count)", "hosts": "\(r.hosts.count)",
                "vt_scans": "\(r.virusTotal?.scans.count ?? 0)",
                "vt_detected": "\(r.virusTotal?.scans.filter(\.detected).count ?? 0)",
                "vt_positives": opt(r.virusTotal?.positives),
                "vt_not_scanned": r.virusTotal?.notScanned == true ? "1" : "0",
                "string_bytes": "\(Self.stringBytes(r))",
            ]
            for column in header {
                #expect(actual[column] == expected[column], "\(id) \(column): reader \(actual[column] ?? "?") vs python \(expected[column] ?? "?")")
            }
        }
        // A few values checked by hand against the files.
        #expect(byID["10"]?.record?.analyzerVersion == "2.0-dev")
        #expect(byID["10"]?.record?.peTimestamp == 1434960553)      // "2015-06-22 08:09:13"
        #expect(byID["491f359c0cf2588e"]?.record?.md5 == "5b3379f09881a7b18f6f0a0eb8449dbb")
        #expect(byID["avast-min-0000a657"]?.record?.apiCounts["NtDelayExecution"] == 1)
        #expect(byID["avast-min-0000a657"]?.record?.apiCounts["RtlAllocateHeap"] == 22257)
    }
}
