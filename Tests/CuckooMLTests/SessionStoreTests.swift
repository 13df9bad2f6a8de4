#if canImport(Glibc)
import Glibc
#endif
import CSQLite
import Testing
@testable import CuckooML

/// Field-by-field session comparison (Session and the results are not Equatable; NaN equals NaN here).
func sameSession(_ a: Session, _ b: Session) -> Bool {
    func same(_ x: [Double], _ y: [Double]) -> Bool {
        x.count == y.count && zip(x, y).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) }
    }
    guard a.samples == b.samples, a.index == b.index, a.features == b.features,
          a.featureConfiguration == b.featureConfiguration, a.labels == b.labels, a.settings == b.settings,
          a.linkage == b.linkage, a.lastClustered == b.lastClustered else { return false }
    switch (a.hdbscan, b.hdbscan) {
    case (nil, nil): break
    case let (x?, y?):
        guard x.parameters == y.parameters, x.labels == y.labels, same(x.probabilities, y.probabilities),
              same(x.outlierScores, y.outlierScores), same(x.persistence, y.persistence),
              x.condensedTree.count == y.condensedTree.count,
              zip(x.condensedTree, y.condensedTree).allSatisfy({ $0.parent == $1.parent && $0.child == $1.child && $0.childSize == $1.childSize && ($0.lambda == $1.lambda) }),
              same(x.coreDistances, y.coreDistances) else { return false }
    default: return false
    }
    switch (a.dbscan, b.dbscan) {
    case (nil, nil): return true
    case let (x?, y?): return x.parameters == y.parameters && x.labels == y.labels && x.isCore == y.isCore
    default: return false
    }
}

enum SessionFixtures {
    static func record(_ i: Int) -> ReportRecord {
        var r = ReportRecord()
        r.dialect = i % 2 == 0 ? .cuckoo : .cape
        r.fileSize = 1000 + i
        r.fileType = i % 3 == 0 ? nil : "PE32 executable (GUI) Intel 80386, for MS Windows"
        r.fileName = "sample_\(i).exe"
        r.md5 = String(repeating: "a", count: 32)
        r.sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        r.imports = [ImportedLibrary(dll: "KERNEL32.dll", functions: ["CreateFileW", "ExitProcess"]), ImportedLibrary(dll: "user32.dll", functions: [])]
        r.importedDLLCount = 2
        r.peTimestamp = i % 4 == 0 ? nil : -86400 * i
        r.versionInfo = [NameValue(name: "CompanyName", value: "Ünïcødé \u{202E}gpj.exe")]
        r.resourceLanguages = ["LANG_ENGLISH"]
        r.peidSignatures = []
        r.isSigned = i % 5 == 0
        r.files = [.read: ["C:\\a.txt"], .written: ["C:\\b.txt", ""], .deleted: []]
        r.registryWritten = ["HKEY_CURRENT_USER\\Software\\x"]
        r.mutexes = ["Global\\m\u{0}x"]
        r.dllsLoaded = ["ntdll.dll"]
        r.processNames = ["a.exe"]
        r.executedCommands = ["cmd /c \"echo\""]
        r.resolvedAPIs = ["kernel32.dll.Sleep"]
        r.apiCounts = ["NtClose": 12, "LdrLoadDll": i, "Negative": -1]
        r.tcpDestinations = ["10.0.0.1:80"]
        r.dnsRequests = ["evil.example"]
        r.signatures = [Signature(name: "antivm", description: "Detects VMs")]
        r.analyzerVersion = i % 2 == 0 ? "2.0-dev" : nil
        r.resourceSublanguages = ["SUBLANG_ENGLISH_US"]
        r.registryOpened = ["HKEY_LOCAL_MACHINE\\System"]
        r.httpRequests = [HTTPRequest(host: "evil.example", port: i % 2 == 0 ? 80 : nil, method: "GET", uri: "/gate.php")]
        r.hosts = ["10.0.0.1"]
        if i % 3 != 1 {
            var vt = VirusTotalResults()
            vt.notScanned = i % 3 == 2
            vt.scans = [EngineResult(engine: "Kaspersky", detected: true, result: "Trojan.Win32.Zbot"), EngineResult(engine: "ESET", detected: false, result: nil)]
            vt.positives = 1
            vt.total = 57
            r.virusTotal = vt
        }
        return r
    }

    /// A session with every part filled in: samples (one imported row), records, features, labels,
    /// both clusterings and non-default settings.
    static func full(samples n: Int = 7) -> Session {
        var session = Session()
        session.upsert((0..<n).map { i in
            Sample(id: i == 1 ? "row'; DROP TABLE samples;--" : "sample\(i)", path: i == 1 ? nil : "/reports/s\(i).json",
                   reportSize: 12345 + i, record: i == 1 ? nil : record(i))
        })
        var matrix = SparseMatrix(columnCount: 4)
        for i in 0..<n {
            matrix.appendRow(i % 2 == 0 ? [(0, 1.0), (2, 1.0)] : i == 3 ? [] : [(1, 2.5), (3, -0.125)])
        }
        session.fixture.featureConfiguration = FeatureConfiguration(kind: .full, groups: [.win, .file, .count], importFunctions: true,
                                                            minimumCoverage: 0.1, maximumCoverage: nil)
        session.fixture.features = FeatureSet(configuration: .simple, names: [":win:CreateFileW", ":count:mutex", "sig", "é"], matrix: matrix)
        session.fixture.labels = ["sample0": SampleLabel(family: "zbot", votes: 12, source: .virusTotal, engines: 40, runnerUp: "kelihos", runnerUpVotes: 3),
                          "sample2": .none,
                          "gone": SampleLabel(family: "x", votes: 0, source: .external)]
        session.fixture.hdbscan = HDBSCANResult(
            parameters: HDBSCANParameters(minSamples: 1, minClusterSize: 3, metric: .jaccard, selection: .leaf,
                                          epsilon: 0.25, alpha: 1.5, allowSingleCluster: true, deduplicate: true),
            labels: (0..<n).map { $0 % 3 - 1 },
            probabilities: (0..<n).map { $0 == 2 ? .nan : 1 / Double($0 + 1) },
            outlierScores: (0..<n).map { Double($0 % 8) / 7 },  // in [0, 1] at any n
            persistence: [0.1, .infinity, 0.3],
            condensedTree: [CondensedTreeRow(parent: n, child: n + 1, lambda: 0.5, childSize: 3),
                            CondensedTreeRow(parent: n, child: 0, lambda: .infinity, childSize: 1)]
                + (1..<n).map { CondensedTreeRow(parent: $0 < 4 ? n + 1 : n, child: $0, lambda: 2, childSize: 1) },
            coreDistances: (0..<n).map { Double($0) * 0.1 })
        session.fixture.dbscan = DBSCANResult(parameters: DBSCANParameters(eps: 0.3, minSamples: 2, metric: .cosine),
                                      labels: (0..<n).map { $0 % 2 == 0 ? 0 : -1 }, isCore: (0..<n).map { $0 == 0 })
        let noise: [Bool] = (0..<n).map { $0 % 4 == 3 }
        let linkageLabels: [Int] = (0..<n).map { noise[$0] ? -1 : $0 % 2 }
        let strengths: [Double] = (0..<n).map { noise[$0] ? 0 : 1 / Double($0 + 2) }
        let scores: [Double] = (0..<n).map { noise[$0] ? 1 : Double($0 % 10) / 9 }
        session.fixture.linkage = LinkageResult(parameters: LinkageParameters(threshold: 0.65, metric: .groupjaccard),
                                        labels: linkageLabels, strengths: strengths, outlierScores: scores)
        session.fixture.lastClustered = .linkage
        session.settings.threads = 3
        session.settings.color = false
        session.settings.ignoredLabels = ["none", "x"]
        return session
    }
}

@Suite struct SessionStoreTests {
    /// `records` encoded as `save` does (one string table for all) and decoded back through it.
    static func roundTrip(_ records: [ReportRecord]) throws -> [ReportRecord] {
        let table = RecordStringTableBuilder()
        let encoded = records.map { RecordCoding.encode($0, strings: table) }
        var strings: [String] = []
        try table.bytes.withUnsafeBytes { try RecordStrings.decode($0, into: &strings) }
        #expect(strings.count == table.count)
        return try strings.withUnsafeBufferPointer { table in
            try encoded.map { bytes in try bytes.withUnsafeBytes { try RecordCoding.decode($0, strings: table) } }
        }
    }

    @Test func recordCodingRoundTrips() throws {
        let records = (0..<6).map(SessionFixtures.record)
        #expect(try Self.roundTrip(records) == records)
        #expect(try Self.roundTrip([ReportRecord()]) == [ReportRecord()])
        // API names that are not ASCII (or not in byte order) are counted as a dictionary would.
        var accented = SessionFixtures.record(1)
        accented.apiCounts = ["\u{E9}tat": 2, "Zeta": 1]
        #expect(try Self.roundTrip([accented]) == [accented])
        let table = RecordStringTableBuilder()
        for r in records {
            let bytes = RecordCoding.encode(r, strings: table)
            let inline = RecordCoding.encodeInline(r)
            #expect(try inline.withUnsafeBytes { try RecordCoding.decode($0) } == r)
            // Every truncation is an error, never a crash.
            for cut in stride(from: 0, to: bytes.count, by: 3) {
                #expect(throws: RecordCoding.DecodeError.self) { try bytes[0..<cut].withUnsafeBytes { try RecordCoding.decode($0) } }
            }
            for cut in stride(from: 0, to: inline.count, by: 7) {
                #expect(throws: RecordCoding.DecodeError.self) { try inline[0..<cut].withUnsafeBytes { try RecordCoding.decode($0) } }
            }
        }
        #expect(try RecordCoding.encodeInline(ReportRecord()).withUnsafeBytes { try RecordCoding.decode($0) } == ReportRecord())
    }

    /// Equal strings are numbered once whether they share storage or not, and strings that differ only
    /// past 15 bytes (heap strings) or in normalisation (different bytes) are kept apart.
    @Test func theStringTableNumbersEqualBytesOnce() throws {
        let table = RecordStringTableBuilder()
        let long = "C:\\Windows\\System32\\kernel32.dll"
        let copy = String(decoding: Array(long.utf8), as: UTF8.self)  // equal, its own storage
        #expect(table.index(of: long) == 0)
        #expect(table.index(of: copy) == 0)
        #expect(table.index(of: long + "x") == 1)
        #expect(table.index(of: "short") == 2)
        #expect(table.index(of: String(decoding: Array("short".utf8), as: UTF8.self)) == 2)
        #expect(table.index(of: "\u{E9}") == 3)
        #expect(table.index(of: "e\u{301}") == 4, "canonically equal, different bytes: kept as written")
        #expect(table.index(of: "") == 5)
        #expect(table.count == 6)
        var strings: [String] = []
        try table.bytes.withUnsafeBytes { try RecordStrings.decode($0, into: &strings) }
        #expect(strings.map { Array($0.utf8) } == [long, long + "x", "short", "\u{E9}", "e\u{301}", ""].map { Array($0.utf8) })
        // Many strings: the tables grow and every one keeps its number; blocks cut at string ends.
        let many = (0..<50_000).map { "HKEY_LOCAL_MACHINE\\Software\\Key\($0)" }
        let numbers = many.map(table.index(of:))
        #expect(numbers == Array(6..<50_006))
        #expect(many.map(table.index(of:)) == numbers)
        var fromBlocks: [String] = []
        for block in table.blocks() {
            #expect(block.first == fromBlocks.count)
            try Array(block.bytes).withUnsafeBytes { try RecordStrings.decode($0, into: &fromBlocks) }
        }
        #expect(fromBlocks.count == table.count && Array(fromBlocks.suffix(50_000)) == many)
        #expect(table.blocks().count > 1)
    }

    @Test func saveAndOpenRoundTripTheWholeSession() throws {
        let dir = OutputFixtures.temporaryDirectory()
        let session = SessionFixtures.full()
        try SessionStore.save(session, to: dir + "/s.cml")
        let back = try SessionStore.open(dir + "/s.cml")
        #expect(sameSession(session, back))
        #expect(TestSupport.listDirectory(dir) == ["s.cml"], "no temporary file left behind")
        // Saving over an existing session replaces it.
        var smaller = Session()
        smaller.upsert([Sample(id: "only", path: nil, reportSize: 0, record: nil)])
        try SessionStore.save(smaller, to: dir + "/s.cml")
        #expect(sameSession(try SessionStore.open(dir + "/s.cml"), smaller))
        try SessionStore.save(Session(), to: dir + "/empty.cml")
        #expect(sameSession(try SessionStore.open(dir + "/empty.cml"), Session()))
    }

    /// A sampled family clustering keeps its mode, sample size and sampling counts through save and
    /// open, and says so when reopened; an exact one under mode=exact keeps its mode and no sampling.
    @Test func theLinkageModeAndSamplingRoundTrip() throws {
        let dir = OutputFixtures.temporaryDirectory()
        var session = SessionFixtures.full()
        let l = session.linkage!
        session.fixture.linkage = LinkageResult(
            parameters: LinkageParameters(threshold: 0.65, metric: .groupjaccard, mode: .sampled, sampleSize: 3),
            labels: l.labels, strengths: l.strengths, outlierScores: l.outlierScores,
            sampling: LinkageSampling(sampled: 3, rows: 7, placed: 3, leftovers: 1, rounds: 1))
        try SessionStore.save(session, to: dir + "/sampled.cml")
        let back = try SessionStore.open(dir + "/sampled.cml")
        #expect(sameSession(session, back))
        #expect(back.linkage?.parameters.mode == .sampled && back.linkage?.parameters.sampleSize == 3)
        #expect(back.linkage?.settings == "t=0.65 metric=groupjaccard mode=sampled sample=3; sampled: 3 of 7 (3 placed, 1 leftovers)")
        session.fixture.linkage = LinkageResult(parameters: LinkageParameters(threshold: 0.65, metric: .groupjaccard, mode: .exact),
                                                labels: l.labels, strengths: l.strengths, outlierScores: l.outlierScores)
        try SessionStore.save(session, to: dir + "/exact.cml")
        let exact = try SessionStore.open(dir + "/exact.cml")
        #expect(sameSession(session, exact) && exact.linkage?.sampling == nil && exact.linkage?.parameters.mode == .exact)
    }

    @Test func filesFromBeforeTheLabelDetailsOpenWithThe2016Rule() throws {
        let dir = OutputFixtures.temporaryDirectory()
        var session = SessionFixtures.full()
        session.settings.labelRule = .avclass
        try SessionStore.save(session, to: dir + "/s.cml")
        #expect(try SessionStore.open(dir + "/s.cml").settings.labelRule == .avclass)
        // An older file: no label-rule setting (its labels were the 2016 rule's), no label details.
        let db = try SQLiteDatabase(path: dir + "/s.cml", readOnly: false)
        try db.execute("DELETE FROM settings WHERE key = 'label-rule'")
        for column in ["engines", "runner_up", "runner_up_votes"] { try db.execute("ALTER TABLE labels DROP COLUMN \(column)") }
        let back = try SessionStore.open(dir + "/s.cml")
        #expect(back.settings.labelRule == .rule2016)
        #expect(back.labels["sample0"] == SampleLabel(family: "zbot", votes: 12, source: .virusTotal))
    }

    @Test func theFileAnswersTheIssuesQuery() throws {
        let dir = OutputFixtures.temporaryDirectory()
        try SessionStore.save(SessionFixtures.full(), to: dir + "/s.cml")
        let db = try SQLiteDatabase(path: dir + "/s.cml", readOnly: true)
        let q = try db.prepare("SELECT sample, label FROM membership JOIN labels USING(sample) WHERE algorithm = 'hdbscan' AND cluster = -1 ORDER BY sample")
        var rows: [String] = []
        while try q.step() { rows.append("\(q.string(0)!)=\(q.string(1)!)") }
        #expect(rows == ["sample0=zbot"])
        #expect(try db.integer("SELECT size FROM clusters WHERE algorithm = 'hdbscan' AND cluster = 0") == 2)
        #expect(try db.integer("SELECT json_extract(parameters, '$.min_cluster_size') FROM clusterings WHERE algorithm = 'hdbscan'") == 3)
        #expect(try db.integer("PRAGMA user_version") == SessionStore.schemaVersion)
    }

    private func expectRejected(_ path: String, _ fragment: String) {
        do {
            _ = try SessionStore.open(path)
            Issue.record("opened \(path)")
        } catch {
            #expect(error.reason.contains(fragment), "\(error)")
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func corruptForeignAndNewerFilesAreRejected() throws {
        let dir = OutputFixtures.temporaryDirectory()
        expectRejected(dir + "/missing.cml", "cannot read")
        expectRejected(dir, "is a directory")
        try OutputFixtures.write("{\"not\": \"sqlite\"}" + String(repeating: "x", count: 5000), to: dir + "/text.cml")
        expectRejected(dir + "/text.cml", "not a SQLite database")

        // A SQLite database of another application.
        do {
            let db = try SQLiteDatabase(path: dir + "/foreign.db", readOnly: false)
            try db.execute("CREATE TABLE t(x); INSERT INTO t VALUES(1);")
        }
        expectRejected(dir + "/foreign.db", "not a cuckooml session")

        // A version 1 file (before the family clustering): no linkage rows, no current clustering; it opens.
        var withoutLinkage = SessionFixtures.full()
        withoutLinkage.fixture.linkage = nil
        withoutLinkage.fixture.lastClustered = nil
        try SessionStore.save(withoutLinkage, to: dir + "/v1.cml")
        do {
            let db = try SQLiteDatabase(path: dir + "/v1.cml", readOnly: false)
            try db.execute("PRAGMA user_version = 1; UPDATE meta SET value = '1' WHERE key = 'schema_version'")
        }
        let v1 = try SessionStore.open(dir + "/v1.cml")
        #expect(v1.linkage == nil && v1.lastClustered == nil && v1.hdbscan?.labels == withoutLinkage.hdbscan?.labels)

        // A newer schema version.
        try SessionStore.save(SessionFixtures.full(), to: dir + "/newer.cml")
        do {
            let db = try SQLiteDatabase(path: dir + "/newer.cml", readOnly: false)
            try db.execute("PRAGMA user_version = 99")
        }
        expectRejected(dir + "/newer.cml", "newer")

        // Damaged content: a truncated file, and rows that break the session's invariants.
        try SessionStore.save(SessionFixtures.full(samples: 400), to: dir + "/whole.cml")
        let bytes = try TestSupport.readFile(dir + "/whole.cml")
        try AtomicFileWriter.write(String(decoding: bytes.prefix(bytes.count / 2), as: UTF8.self), to: dir + "/half.cml")
        var half = bytes.prefix(bytes.count / 2)
        let fd = open(dir + "/half.cml", O_WRONLY | O_TRUNC)
        _ = half.withUnsafeMutableBytes { write(fd, $0.baseAddress!, $0.count) }
        close(fd)
        expectRejected(dir + "/half.cml", "corrupt")

        try SessionStore.save(SessionFixtures.full(), to: dir + "/bad.cml")
        do {
            let db = try SQLiteDatabase(path: dir + "/bad.cml", readOnly: false)
            try db.execute("DELETE FROM membership WHERE row = 3 AND algorithm = 'hdbscan'")
        }
        expectRejected(dir + "/bad.cml", "membership")
        try SessionStore.save(SessionFixtures.full(), to: dir + "/bad2.cml")
        do {
            let db = try SQLiteDatabase(path: dir + "/bad2.cml", readOnly: false)
            try db.execute("UPDATE sample_features SET indices = x'0900000001000000' WHERE row = 0")
            try db.execute("UPDATE samples SET record = x'01020304' WHERE row = 2")
        }
        expectRejected(dir + "/bad2.cml", "corrupt")
    }

    /// A session saved before the string table (schema version 2, records of version 3 holding their
    /// strings): made here by rewriting a saved file as the previous version wrote it. It opens to the
    /// same session.
    @Test func sessionsSavedBeforeTheStringTableStillOpen() throws {
        let dir = OutputFixtures.temporaryDirectory()
        let session = SessionFixtures.full(samples: 40)
        try SessionStore.save(session, to: dir + "/old.cml")
        do {
            let db = try SQLiteDatabase(path: dir + "/old.cml", readOnly: false)
            try db.execute("BEGIN")
            let update = try db.prepare("UPDATE samples SET record = ? WHERE row = ?")
            for (row, sample) in session.samples.enumerated() {
                guard let record = sample.record else { continue }
                update.bind(1, blob: RecordCoding.encodeInline(record))
                update.bind(2, row)
                try update.run()
            }
            try db.execute("DROP TABLE record_strings; PRAGMA user_version = 2; UPDATE meta SET value = '2' WHERE key = 'schema_version'; COMMIT")
        }
        let back = try SessionStore.open(dir + "/old.cml")
        #expect(sameSession(session, back))
        // Saved again, it is a file of today's version that opens the same.
        try SessionStore.save(back, to: dir + "/new.cml")
        let db = try SQLiteDatabase(path: dir + "/new.cml", readOnly: true)
        #expect(try db.integer("PRAGMA user_version") == SessionStore.schemaVersion)
        #expect(try db.integer("SELECT count(*) FROM samples WHERE substr(record, 1, 1) = x'04'") == 39)
        #expect(sameSession(try SessionStore.open(dir + "/new.cml"), session))
    }

    /// Equal strings of different records share one storage after `open` (each is made once).
    @Test func openedRecordsShareTheirStrings() throws {
        let dir = OutputFixtures.temporaryDirectory()
        try SessionStore.save(SessionFixtures.full(samples: 10), to: dir + "/s.cml")
        let back = try SessionStore.open(dir + "/s.cml")
        let a = try #require(back.samples[0].record?.sha256), b = try #require(back.samples[2].record?.sha256)
        #expect(a.utf8.count > 15)
        #expect(unsafeBitCast(a, to: (UInt64, UInt64).self) == unsafeBitCast(b, to: (UInt64, UInt64).self))
    }

    /// A damaged string table, or a record naming a string past it, is refused with one line.
    @Test func aDamagedStringTableIsRejected() throws {
        let dir = OutputFixtures.temporaryDirectory()
        let damages = [
            ("UPDATE record_strings SET strings = substr(strings, 1, length(strings) - 1)", "string table block 0: string table is truncated"),
            ("DELETE FROM record_strings", "string index"),
            ("UPDATE record_strings SET first = 3", "string table block 0 starts at string 3, not 0"),
            ("UPDATE record_strings SET block = 5", "string table blocks are not numbered"),
            ("UPDATE samples SET record = x'04017f' WHERE row = 0", "string index 126 is past the string table"),
        ]
        for (k, (damage, fragment)) in damages.enumerated() {
            let path = dir + "/d\(k).cml"
            try SessionStore.save(SessionFixtures.full(), to: path)
            do {
                let db = try SQLiteDatabase(path: path, readOnly: false)
                try db.execute(damage)
            }
            expectRejected(path, "corrupt session")
            expectRejected(path, fragment)
        }
    }

    /// 10 000 samples with ~40 features each: the reopen time is printed, not asserted.
    @Test func tenThousandSamplesReopenQuickly() throws {
        let n = TestSupport.heavy ? 10_000 : 2_000
        var session = Session()
        let record = SessionFixtures.record(0)
        session.upsert((0..<n).map { Sample(id: "s\($0)", path: "/r/s\($0).json", reportSize: 100_000, record: record) })
        var matrix = SparseMatrix(columnCount: 2000)
        for i in 0..<n {
            matrix.appendRow((0..<40).map { (Int32(($0 * 47 + i) % 50 + $0 * 50), 1.0) })
        }
        session.fixture.features = FeatureSet(configuration: .full, names: (0..<2000).map { ":win:api\($0)" }, matrix: matrix)
        for i in 0..<n { session.fixture.labels["s\(i)"] = SampleLabel(family: "f\(i % 20)", votes: 5, source: .virusTotal) }
        session.fixture.hdbscan = HDBSCANResult(parameters: HDBSCANParameters(minSamples: 1, minClusterSize: 6),
                                        labels: (0..<n).map { $0 % 50 - 1 }, probabilities: [Double](repeating: 0.5, count: n),
                                        outlierScores: [Double](repeating: 0.1, count: n), persistence: [Double](repeating: 0.2, count: 49),
                                        condensedTree: (0..<n).map { CondensedTreeRow(parent: n, child: $0, lambda: 1, childSize: 1) },
                                        coreDistances: [Double](repeating: 1, count: n))
        let dir = OutputFixtures.temporaryDirectory()
        var start = timespec(), end = timespec()
        clock_gettime(CLOCK_MONOTONIC, &start)
        try SessionStore.save(session, to: dir + "/big.cml")
        clock_gettime(CLOCK_MONOTONIC, &end)
        let saveSeconds = Double(end.tv_sec - start.tv_sec) + Double(end.tv_nsec - start.tv_nsec) / 1e9
        clock_gettime(CLOCK_MONOTONIC, &start)
        let back = try SessionStore.open(dir + "/big.cml")
        clock_gettime(CLOCK_MONOTONIC, &end)
        let openSeconds = Double(end.tv_sec - start.tv_sec) + Double(end.tv_nsec - start.tv_nsec) / 1e9
        #expect(sameSession(session, back))
        print("session store: \(n) samples, save \(fixed(saveSeconds, 3)) s, open \(fixed(openSeconds, 3)) s")
    }
}
