import Testing
@testable import CuckooML

/// Session files keep every report's record in `RecordCoding`'s binary form, read back by field order
/// alone. These tests pin that order to `RecordCoding.fields` and to the bytes each version wrote, so a
/// field added to `ReportRecord`, or one moved in `encode`, without a new version fails here rather than
/// misreading saved sessions. After an intended change: bump `RecordCoding.version`, add the field's row
/// to `RecordCoding.fields`, and add the new version's bytes to `pinned` (keeping the old ones, which must
/// still decode). From version 4 a record holds indices into the session's string table, numbered in
/// the order `encode` first meets each string: the table's order is then the fields' order, and the
/// table's bytes are pinned beside the record's.
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
        4: """
            0401010180400203040501050106010e018dda96010107080109010a010b01010c010d010e010f011001110112011301
            140115011606011701180119011a011b011c01a07e1e1f011f0120210100012201240102010425262701270128012901
            2a2c012c
            """,
        3: """
            0301047e3031018040047e3033047e3034047e3035047e303601037e3037010166010e018dda960101037e3130017601
            037e313101037e313201037e31330101077772697474656e01037e313501037e313601037e313701037e313801037e31
            3901037e323001037e323101037e323201037e323301037e32340601037e323501037e323601037e323701037e323801
            037e323901037e333001a07e04474554022f01037e333101037e33320164010001037e333301027201020104047e3334
            047e3335047e333601037e333701037e333801037e333901037e3430047e343101037e3432
            """,
    ]

    /// The string table of `markedRecord()` alone in version 4: LEB128 byte count and UTF-8 bytes per string.
    static let pinnedStrings = """
        037e3031037e3033037e3034037e3035037e3036037e30370166037e31300176037e3131037e3132037e313307777269
        7474656e037e3135037e3136037e3137037e3138037e3139037e3230037e3231037e3232037e3233037e3234037e3235
        037e3236037e3237037e3238037e3239037e333003474554012f037e3331037e33320164037e33330172037e3334037e
        3335037e3336037e3337037e3338037e3339037e3430037e3431037e3432
        """

    /// `record` as `encode` writes it into a session of its own: its bytes and its string table's.
    static func encodedAlone(_ record: ReportRecord) -> (bytes: [UInt8], strings: [UInt8]) {
        let table = RecordStringTableBuilder()
        let bytes = RecordCoding.encode(record, strings: table)
        return (bytes, table.bytes)
    }

    /// The strings stored in a table's bytes.
    static func strings(_ table: [UInt8]) throws -> [String] {
        var out: [String] = []
        try table.withUnsafeBytes { try RecordStrings.decode($0, into: &out) }
        return out
    }

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

    /// Versions only grow down the table (a field joins at the end, in a new version); the last field
    /// came in the last inline version (version 4 changed how strings are held, not the fields).
    @Test func versionsGrowDownTheTable() {
        let versions = RecordCoding.fields.map(\.since)
        #expect(versions == versions.sorted())
        #expect(versions.first == 1 && versions.last == RecordCoding.inlineVersion && RecordCoding.inlineVersion < RecordCoding.version)
    }

    /// Where each marked field's marker first appears in `bytes`, in the field table's order (nil: missing).
    static func markerPositions(in bytes: [UInt8]) -> [(name: String, at: Int?)] {
        RecordCoding.fields.filter { !unmarked.contains($0.name) }.map { field in
            let needle = Array(marker(field.name).utf8)
            return (field.name, (0...max(0, bytes.count - needle.count)).first { Array(bytes[$0..<min(bytes.count, $0 + needle.count)]) == needle })
        }
    }

    /// Each marked field's marker appears in the table's order: in the string table (which numbers
    /// strings as `encode` meets them) for the current version, in the record itself for the inline one.
    @Test func encodeWritesTheFieldsInTheTablesOrder() {
        let (_, table) = Self.encodedAlone(Self.markedRecord())
        for (what, bytes) in [("string table", table), ("inline record", RecordCoding.encodeInline(Self.markedRecord()))] {
            var last = -1
            for (name, at) in Self.markerPositions(in: bytes) {
                guard let at else { Issue.record("\(name): its marker is not in the \(what)"); continue }
                #expect(at > last, "\(what): \(name) is written before the field listed above it")
                last = at
            }
        }
    }

    /// The encoding is byte for byte the pinned one of the current version (record and string table),
    /// the inline encoding the pinned one of the last inline version, and every pinned version still
    /// decodes to the record (older versions without the later fields).
    @Test func bytesArePinnedPerVersion() throws {
        let record = Self.markedRecord()
        let (encoded, table) = Self.encodedAlone(record)
        let current = try #require(Self.pinned[RecordCoding.version], "no pinned bytes for version \(RecordCoding.version): add them")
        #expect(Self.hex(encoded) == Self.hex(Self.bytes(current)), "the encoding changed without a new RecordCoding.version; now: \(Self.hex(encoded))")
        #expect(Self.hex(table) == Self.hex(Self.bytes(Self.pinnedStrings)), "the string table changed without a new RecordCoding.version; now: \(Self.hex(table))")
        let inline = try #require(Self.pinned[RecordCoding.inlineVersion])
        #expect(Self.hex(RecordCoding.encodeInline(record)) == Self.hex(Self.bytes(inline)), "the inline encoding changed")
        let strings = try Self.strings(Self.bytes(Self.pinnedStrings))
        for (version, hex) in Self.pinned {
            let bytes = Self.bytes(hex)
            #expect(bytes.first == version)
            let decoded = try bytes.withUnsafeBytes { raw in
                try strings.withUnsafeBufferPointer { try RecordCoding.decode(raw, strings: $0) }
            }
            var expected = record
            if version < 3 { expected.untrackedProcessNames = [] }
            #expect(decoded == expected, "version \(version)")
        }
    }

    /// A version 4 record names strings only by index: one past the table, or a table that is cut
    /// short, is a one-line error, never a crash or a wrong string.
    @Test func aBadStringIndexOrTableIsAnError() throws {
        let (encoded, table) = Self.encodedAlone(Self.markedRecord())
        let strings = try Self.strings(table)
        let fewer = Array(strings.dropLast())
        do {
            _ = try encoded.withUnsafeBytes { raw in try fewer.withUnsafeBufferPointer { try RecordCoding.decode(raw, strings: $0) } }
            Issue.record("decoded with a string missing")
        } catch {
            #expect("\(error)" == "string index \(strings.count - 1) is past the string table (\(strings.count - 1) strings)")
        }
        #expect(throws: RecordCoding.DecodeError.self) { try encoded.withUnsafeBytes { try RecordCoding.decode($0) } }
        // Every cut of the table inside a string is an error.
        for cut in 1..<table.count {
            var out: [String] = []
            guard (try? Array(table[0..<cut]).withUnsafeBytes { try RecordStrings.decode($0, into: &out) }) != nil else { continue }
            // A cut between strings decodes the strings before it.
            #expect(out == Array(strings.prefix(out.count)))
        }
        do {
            var out: [String] = []
            try Array(table.dropLast()).withUnsafeBytes { try RecordStrings.decode($0, into: &out) }
            Issue.record("decoded a cut table")
        } catch {
            #expect("\(error)" == "string table is truncated")
        }
    }
}
