import Testing
@testable import CuckooML

/// Session files keep every report's record in `RecordCoding`'s binary form, read back by field order
/// alone. These tests pin that order to `RecordCoding.fields` and to the bytes each version wrote, so a
/// field added to `ReportRecord`, or one moved in `encode`, without a new version fails here rather than
/// misreading saved sessions. After an intended change: bump `RecordCoding.version`, add the field's row
/// to `RecordCoding.fields`, and add the new version's bytes to `pinned` (keeping the old ones, which must
/// still decode).
@Suite struct RecordCodingPinTests {
    /// The marker of a field: its position in the table, e.g. `~07`.
    static func marker(_ name: String) -> String {
        let i = RecordCoding.fields.firstIndex { $0.name == name }!
        return "~" + (i < 10 ? "0" : "") + String(i)
    }

    /// Fields without a string of their own to find in the bytes (numbers and flags); the pinned bytes
    /// hold their place.
    static let unmarked: Set<String> = ["dialect", "fileSize", "importedDLLCount", "peTimestamp", "isSigned"]

    /// A record with every field set, each string field to its marker.
    static func markedRecord() -> ReportRecord {
        var r = ReportRecord()
        let m = marker
        r.dialect = .cape
        r.analyzerVersion = m("analyzerVersion")
        r.fileSize = 4096
        r.fileType = m("fileType")
        r.fileName = m("fileName")
        r.md5 = m("md5")
        r.sha256 = m("sha256")
        r.imports = [ImportedLibrary(dll: m("imports"), functions: ["f"])]
        r.importedDLLCount = 7
        r.peTimestamp = -1_234_567
        r.versionInfo = [NameValue(name: m("versionInfo"), value: "v")]
        r.resourceLanguages = [m("resourceLanguages")]
        r.resourceSublanguages = [m("resourceSublanguages")]
        r.peidSignatures = [m("peidSignatures")]
        r.isSigned = true
        r.files = [.written: [m("files")]]
        r.registryWritten = [m("registryWritten")]
        r.registryDeleted = [m("registryDeleted")]
        r.registryOpened = [m("registryOpened")]
        r.mutexes = [m("mutexes")]
        r.dllsLoaded = [m("dllsLoaded")]
        r.processNames = [m("processNames")]
        r.executedCommands = [m("executedCommands")]
        r.resolvedAPIs = [m("resolvedAPIs")]
        r.apiCounts = [m("apiCounts"): 3]
        r.tcpDestinations = [m("tcpDestinations")]
        r.udpDestinations = [m("udpDestinations")]
        r.dnsRequests = [m("dnsRequests")]
        r.dnsAnswers = [m("dnsAnswers")]
        r.httpHosts = [m("httpHosts")]
        r.httpRequests = [HTTPRequest(host: m("httpRequests"), port: 8080, method: "GET", uri: "/",
                                      userAgent: m("httpRequests.userAgent"))]
        r.hosts = [m("hosts")]
        r.signatures = [Signature(name: m("signatures"), description: "d")]
        var vt = VirusTotalResults()
        vt.scans = [EngineResult(engine: m("virusTotal"), detected: true, result: "r")]
        vt.positives = 1
        vt.total = 2
        r.virusTotal = vt
        r.sha1 = m("sha1")
        r.imphash = m("imphash")
        r.pdbPath = m("pdbPath")
        r.sectionNames = [m("sectionNames")]
        r.resourceNames = [m("resourceNames")]
        r.exports = [m("exports")]
        r.wmiQueries = [m("wmiQueries")]
        r.untrackedProcessNames = [m("untrackedProcessNames")]
        return r
    }

    /// `markedRecord()` as each version encoded it (hex; line breaks and spaces are ignored).
    static let pinned: [UInt8: String] = [
        3: """
            0301047e3031018040047e3033047e3034047e3035047e303601037e3037010166010e018dda960101037e3130017601
            037e313101037e313201037e31330101077772697474656e01037e313501037e313601037e313701037e313801037e31
            3901037e323001037e323101037e323201037e323301037e32340601037e323501037e323601037e323701037e323801
            037e323901037e333001a07e04474554022f01037e333101037e33320164010001037e333301027201020104047e3334
            047e3335047e333601037e333701037e333801037e333901037e3430047e343101037e3432
            """,
    ]

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
    }

    static func bytes(_ hex: String) -> [UInt8] {
        let digits = Array(hex.utf8.filter { $0 != UInt8(ascii: "\n") && $0 != UInt8(ascii: " ") })
        return stride(from: 0, to: digits.count - 1, by: 2).map { UInt8(String(decoding: digits[$0...$0 + 1], as: UTF8.self), radix: 16)! }
    }

    @Test func theTableNamesEveryFieldOfTheRecordOnce() {
        let stored = Set(Mirror(reflecting: ReportRecord()).children.compactMap(\.label))
        let top = RecordCoding.fields.map(\.name).filter { !$0.contains(".") }
        #expect(Set(top) == stored, "fields of ReportRecord not in RecordCoding.fields: \(stored.subtracting(top).sorted()); gone: \(Set(top).subtracting(stored).sorted())")
        #expect(top.count == Set(top).count, "a field listed twice")
    }

    /// Versions only grow down the table (a field joins at the end, in a new version) and the last is
    /// the version written.
    @Test func versionsGrowDownTheTable() {
        let versions = RecordCoding.fields.map(\.since)
        #expect(versions == versions.sorted())
        #expect(versions.first == 1 && versions.last == RecordCoding.version)
    }

    /// Each marked field's marker appears in the encoding in the table's order.
    @Test func encodeWritesTheFieldsInTheTablesOrder() {
        let encoded = RecordCoding.encode(Self.markedRecord())
        var last = -1
        for (name, _) in RecordCoding.fields where !Self.unmarked.contains(name) {
            let needle = Array(Self.marker(name).utf8)
            let at = (0...(encoded.count - needle.count)).first { Array(encoded[$0..<$0 + needle.count]) == needle }
            guard let at else { Issue.record("\(name): its marker is not in the encoding"); continue }
            #expect(at > last, "\(name) is written before the field listed above it")
            last = at
        }
    }

    /// The encoding is byte for byte the pinned one of the current version, and every pinned version
    /// still decodes to the record (older versions without the later fields).
    @Test func bytesArePinnedPerVersion() throws {
        let record = Self.markedRecord()
        let encoded = RecordCoding.encode(record)
        let current = try #require(Self.pinned[RecordCoding.version], "no pinned bytes for version \(RecordCoding.version): add them")
        #expect(Self.hex(encoded) == Self.hex(Self.bytes(current)), "the encoding changed without a new RecordCoding.version; now: \(Self.hex(encoded))")
        for (version, hex) in Self.pinned {
            let bytes = Self.bytes(hex)
            #expect(bytes.first == version)
            let decoded = try bytes.withUnsafeBytes { try RecordCoding.decode($0) }
            var expected = record
            if version < 3 { expected.untrackedProcessNames = [] }
            #expect(decoded == expected, "version \(version)")
        }
    }
}
