/// The compact binary form of a `ReportRecord` stored in a session file (`samples.record`).
///
/// Layout: one version byte, then the record's fields in the order of version 1 (the fields the 2016
/// features need, nearly in declaration order), then the fields version 2 added for the family features
/// (sha1, imphash, PDB path, section, resource and export names, WMI queries, and each HTTP request's
/// user agent), then the field version 3 added (the untracked process names). Version 4 has the fields
/// of version 3 but holds each string as its index in the session's string table (`RecordStrings`)
/// instead of its bytes. Records of earlier versions (sessions saved before) still decode, with the
/// later fields empty. Integers are LEB128 varints (zigzag for signed values); a string is a varint
/// index (version 4) or a varint byte count and UTF-8 bytes (versions 1 to 3); an optional is a varint
/// 0 (nil) or its value preceded by 1 (strings: index or count + 1); a list is a varint count and its
/// items; `files` is a list of (operation name, list of paths); `apiCounts` is sorted (by bytes from
/// version 4, by `String` order before) so equal records encode to equal bytes. Binary rather than
/// JSON because reopening 100 000 sessions' worth of records must take a few seconds.
enum RecordCoding {
    /// The version `encode` writes.
    static let version: UInt8 = 4
    /// The last version holding its strings inline; `encodeInline` writes it (sessions as saved before
    /// the string table, for tests).
    static let inlineVersion: UInt8 = 3

    /// The field table: every field of `ReportRecord` in the order `encode` writes it, with the version
    /// that added it (a part of a nested value written in a later version is `parent.part`). `encode` and
    /// `decode` are written out by hand; `RecordCodingPinTests` holds them to this table and to pinned
    /// bytes of each version, so a field added to `ReportRecord`, or one moved, without a new `version`
    /// (and its row here, and its pinned bytes) fails a test instead of misreading saved sessions.
    /// (Version 4 added no field: it changed how strings are held.)
    static let fields: [(name: String, since: UInt8)] = [
        ("dialect", 1), ("analyzerVersion", 1), ("fileSize", 1), ("fileType", 1), ("fileName", 1), ("md5", 1),
        ("sha256", 1), ("imports", 1), ("importedDLLCount", 1), ("peTimestamp", 1), ("versionInfo", 1),
        ("resourceLanguages", 1), ("resourceSublanguages", 1), ("peidSignatures", 1), ("isSigned", 1), ("files", 1),
        ("registryWritten", 1), ("registryDeleted", 1), ("registryOpened", 1), ("mutexes", 1), ("dllsLoaded", 1),
        ("processNames", 1), ("executedCommands", 1), ("resolvedAPIs", 1), ("apiCounts", 1), ("tcpDestinations", 1),
        ("udpDestinations", 1), ("dnsRequests", 1), ("dnsAnswers", 1), ("httpHosts", 1), ("httpRequests", 1),
        ("hosts", 1), ("signatures", 1), ("virusTotal", 1),
        ("sha1", 2), ("imphash", 2), ("pdbPath", 2), ("sectionNames", 2), ("resourceNames", 2), ("exports", 2),
        ("wmiQueries", 2), ("httpRequests.userAgent", 2),
        ("untrackedProcessNames", 3),
    ]

    struct DecodeError: Error, CustomStringConvertible {
        var description: String
    }

    /// `r` in the current version, its strings numbered in (and added to) `strings`.
    static func encode(_ r: ReportRecord, strings: RecordStringTableBuilder) -> [UInt8] {
        var bytes: [UInt8] = []
        encode(r, strings: strings, appendingTo: &bytes)
        return bytes
    }

    /// `encode(r, strings:)` appended to `bytes` (`save` keeps every record in one buffer).
    static func encode(_ r: ReportRecord, strings: RecordStringTableBuilder, appendingTo bytes: inout [UInt8]) {
        var w = ByteWriter()
        w.table = strings
        swap(&w.bytes, &bytes)  // the buffer moves in and out, never copied
        w.bytes.append(version)
        encodeFields(r, &w)
        swap(&w.bytes, &bytes)
    }

    /// `r` in `inlineVersion`, its strings' bytes in the record, as sessions were saved before version 4.
    static func encodeInline(_ r: ReportRecord) -> [UInt8] {
        var w = ByteWriter()
        w.bytes.append(inlineVersion)
        encodeFields(r, &w)
        return w.bytes
    }

    private static func encodeFields(_ r: ReportRecord, _ w: inout ByteWriter) {
        w.uint(r.dialect == .cuckoo ? 0 : 1)
        w.optionalString(r.analyzerVersion)
        w.optionalInt(r.fileSize)
        w.optionalString(r.fileType)
        w.optionalString(r.fileName)
        w.optionalString(r.md5)
        w.optionalString(r.sha256)
        w.uint(UInt64(r.imports.count))
        for library in r.imports {
            w.string(library.dll)
            w.strings(library.functions)
        }
        w.optionalInt(r.importedDLLCount)
        w.optionalInt(r.peTimestamp)
        w.uint(UInt64(r.versionInfo.count))
        for pair in r.versionInfo { w.string(pair.name); w.string(pair.value) }
        w.strings(r.resourceLanguages)
        w.strings(r.resourceSublanguages)
        w.strings(r.peidSignatures)
        w.uint(r.isSigned ? 1 : 0)
        let operations = FileOperation.allCases.filter { r.files[$0] != nil }
        w.uint(UInt64(operations.count))
        for op in operations { w.string(op.rawValue); w.strings(r.files[op]!) }
        for list in [r.registryWritten, r.registryDeleted, r.registryOpened, r.mutexes, r.dllsLoaded, r.processNames,
                     r.executedCommands, r.resolvedAPIs] { w.strings(list) }
        w.uint(UInt64(r.apiCounts.count))
        // `APICounts` keeps its names sorted by bytes: the table version writes that order as it is.
        if w.table != nil {
            r.apiCounts.forEachNumbered { name, count in w.stringID(name); w.int(count) }
        } else {
            for (name, count) in r.apiCounts.sorted(by: { $0.key < $1.key }) { w.string(name); w.int(count) }
        }
        for list in [r.tcpDestinations, r.udpDestinations, r.dnsRequests, r.dnsAnswers, r.httpHosts] { w.strings(list) }
        w.uint(UInt64(r.httpRequests.count))
        for request in r.httpRequests {
            w.string(request.host); w.optionalInt(request.port); w.optionalString(request.method); w.optionalString(request.uri)
        }
        w.strings(r.hosts)
        w.uint(UInt64(r.signatures.count))
        for s in r.signatures { w.string(s.name); w.string(s.description) }
        if let vt = r.virusTotal {
            w.uint(1)
            w.uint(vt.notScanned ? 1 : 0)
            w.uint(UInt64(vt.scans.count))
            if w.table != nil {
                for k in vt.scans.indices {
                    let scan = vt.scans[k]
                    w.string(scan.engine); w.uint(scan.detected ? 1 : 0); w.optionalStringID(vt.scans.resultID(k))
                }
            } else {
                for scan in vt.scans { w.string(scan.engine); w.uint(scan.detected ? 1 : 0); w.optionalString(scan.result) }
            }
            w.optionalInt(vt.positives)
            w.optionalInt(vt.total)
        } else {
            w.uint(0)
        }
        // Version 2.
        w.optionalString(r.sha1)
        w.optionalString(r.imphash)
        w.optionalString(r.pdbPath)
        for list in [r.sectionNames, r.resourceNames, r.exports, r.wmiQueries] { w.strings(list) }
        for request in r.httpRequests { w.optionalString(request.userAgent) }
        // Version 3.
        w.strings(r.untrackedProcessNames)
    }

    /// The record encoded in `bytes`. A version 4 record takes its strings from `strings` (the
    /// session's string table); an older one decodes its own, sharing the storage of strings met
    /// before by `interner`.
    static func decode(_ bytes: UnsafeRawBufferPointer, strings: UnsafeBufferPointer<String> = UnsafeBufferPointer(start: nil, count: 0),
                       ids: UnsafeBufferPointer<StringID>? = nil, interner: StringInterner? = nil) throws(DecodeError) -> ReportRecord {
        var rd = ByteReader(bytes: bytes)
        rd.interner = interner
        let encoding = try rd.byte()
        guard (1...version).contains(encoding) else { throw DecodeError(description: "record encoding version is not 1 to \(version)") }
        if encoding >= 4 {
            rd.table = strings
            // Without the numbers of the table's strings (tests), each is numbered as it is read.
            rd.ids = ids
        }
        var r = ReportRecord()
        switch try rd.uint() {
        case 0: r.dialect = .cuckoo
        case 1: r.dialect = .cape
        default: throw DecodeError(description: "unknown report dialect")
        }
        r.analyzerVersion = try rd.optionalString()
        r.fileSize = try rd.optionalInt()
        r.fileType = try rd.optionalString()
        r.fileName = try rd.optionalString()
        r.md5 = try rd.optionalString()
        r.sha256 = try rd.optionalString()
        // Every list is made with room for exactly its count (no `fitStorage` copy afterwards).
        let importCount = try rd.count()
        r.imports.reserveCapacity(importCount)
        for _ in 0..<importCount {
            r.imports.append(ImportedLibrary(dll: try rd.string(), functions: try rd.stringList()))
        }
        r.importedDLLCount = try rd.optionalInt()
        r.peTimestamp = try rd.optionalInt()
        let versionInfoCount = try rd.count()
        r.versionInfo.reserveCapacity(versionInfoCount)
        for _ in 0..<versionInfoCount { r.versionInfo.append(NameValue(name: try rd.string(), value: try rd.string())) }
        r.resourceLanguages = try rd.stringList()
        r.resourceSublanguages = try rd.stringList()
        r.peidSignatures = try rd.stringList()
        r.isSigned = try rd.uint() != 0
        for _ in 0..<(try rd.count()) {
            let name = try rd.string()
            guard let op = FileOperation(rawValue: name) else { throw DecodeError(description: "unknown file operation") }
            r.files[op] = try rd.stringList()
        }
        r.registryWritten = try rd.stringList()
        r.registryDeleted = try rd.stringList()
        r.registryOpened = try rd.stringList()
        r.mutexes = try rd.stringList()
        r.dllsLoaded = try rd.stringList()
        r.processNames = try rd.stringList()
        r.executedCommands = try rd.stringList()
        r.resolvedAPIs = try rd.stringList()
        let apiCount = try rd.count()
        var pairs: [(StringID, Int)] = []
        pairs.reserveCapacity(apiCount)
        for _ in 0..<apiCount { pairs.append((try rd.stringID(), try rd.int())) }
        // Saved counts are in their own order; other input is counted as a dictionary would (a
        // repeated name keeps its last count).
        r.apiCounts = APICounts(ascendingASCII: pairs)
            ?? APICounts(Dictionary(pairs.map { (StringTable.shared[$0.0], $0.1) }, uniquingKeysWith: { _, last in last }))
        r.tcpDestinations = try rd.stringList()
        r.udpDestinations = try rd.stringList()
        r.dnsRequests = try rd.stringList()
        r.dnsAnswers = try rd.stringList()
        r.httpHosts = try rd.stringList()
        let requestCount = try rd.count()
        r.httpRequests.reserveCapacity(requestCount)
        for _ in 0..<requestCount {
            r.httpRequests.append(HTTPRequest(host: try rd.string(), port: try rd.optionalInt(),
                                              method: try rd.optionalString(), uri: try rd.optionalString()))
        }
        r.hosts = try rd.stringList()
        let signatureCount = try rd.count()
        r.signatures.reserveCapacity(signatureCount)
        for _ in 0..<signatureCount { r.signatures.append(Signature(name: try rd.string(), description: try rd.string())) }
        if try rd.uint() != 0 {
            var vt = VirusTotalResults()
            vt.notScanned = try rd.uint() != 0
            let scanCount = try rd.count()
            vt.scans.reserveCapacity(scanCount)
            for _ in 0..<scanCount {
                vt.scans.append(engineID: try rd.stringID(), detected: try rd.uint() != 0, resultID: try rd.optionalStringID())
            }
            vt.positives = try rd.optionalInt()
            vt.total = try rd.optionalInt()
            r.virusTotal = vt
        }
        if encoding >= 2 {
            r.sha1 = try rd.optionalString()
            r.imphash = try rd.optionalString()
            r.pdbPath = try rd.optionalString()
            r.sectionNames = try rd.stringList()
            r.resourceNames = try rd.stringList()
            r.exports = try rd.stringList()
            r.wmiQueries = try rd.stringList()
            for i in r.httpRequests.indices { r.httpRequests[i].userAgent = try rd.optionalString() }
        }
        if encoding >= 3 { r.untrackedProcessNames = try rd.stringList() }
        guard rd.position == bytes.count else { throw DecodeError(description: "trailing bytes after the record") }
        return r
    }
}

/// Appends varints, strings and little-endian numbers to a byte array.
struct ByteWriter {
    var bytes: [UInt8] = []
    /// Where strings are numbered (record version 4); nil writes their bytes instead.
    var table: RecordStringTableBuilder?

    mutating func uint(_ v: UInt64) { Self.appendVarint(v, to: &bytes) }

    static func appendVarint(_ v: UInt64, to bytes: inout [UInt8]) {
        var v = v
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7F) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func int(_ v: Int) { uint(UInt64(bitPattern: Int64((v << 1) ^ (v >> 63)))) }

    mutating func optionalInt(_ v: Int?) {
        if let v { uint(1); int(v) } else { uint(0) }
    }

    mutating func string(_ s: String) {
        if let table { uint(UInt64(table.index(of: s))); return }
        uint(UInt64(s.utf8.count))
        bytes.append(contentsOf: s.utf8)
    }

    mutating func optionalString(_ s: String?) {
        guard let s else { uint(0); return }
        if let table { uint(UInt64(table.index(of: s)) + 1); return }
        uint(UInt64(s.utf8.count) + 1)
        bytes.append(contentsOf: s.utf8)
    }

    /// A string held by its number in `StringTable.shared` (the same index or bytes as `string`).
    mutating func stringID(_ id: StringID) {
        if let table { uint(UInt64(table.index(ofID: id))); return }
        string(StringTable.shared[id])
    }

    mutating func optionalStringID(_ id: StringID?) {
        guard let id else { uint(0); return }
        if let table { uint(UInt64(table.index(ofID: id)) + 1); return }
        optionalString(StringTable.shared[id])
    }

    mutating func strings(_ list: StringList) {
        uint(UInt64(list.count))
        if let table {
            for id in list.ids { uint(UInt64(table.index(ofID: id))) }
            return
        }
        for s in list { string(s) }
    }

    mutating func strings(_ list: [String]) {
        uint(UInt64(list.count))
        if let table {
            // Elements looked up where they are: no retain and release of each string.
            list.withUnsafeBufferPointer { items in
                for k in items.indices { uint(UInt64(table.index(at: items.baseAddress! + k))) }
            }
            return
        }
        for s in list { string(s) }
    }
}

/// Reads what `ByteWriter` wrote, checking every length and string index against the bytes and
/// strings there are.
struct ByteReader {
    let bytes: UnsafeRawBufferPointer
    var position = 0
    var interner: StringInterner?
    /// The string table of a record that holds indices (version 4); nil: strings are inline.
    var table: UnsafeBufferPointer<String>?
    /// The `StringID` of each of `table`'s strings.
    var ids: UnsafeBufferPointer<StringID>?
    /// What is read, for errors ("record is truncated").
    var what = "record"

    init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    private func truncated() -> RecordCoding.DecodeError { RecordCoding.DecodeError(description: "\(what) is truncated") }

    mutating func byte() throws(RecordCoding.DecodeError) -> UInt8 {
        guard position < bytes.count else { throw truncated() }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func uint() throws(RecordCoding.DecodeError) -> UInt64 {
        var v: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            guard shift < 64 else { throw RecordCoding.DecodeError(description: "varint too long") }
            v |= UInt64(b & 0x7F) << shift
            if b < 0x80 { return v }
            shift += 7
        }
    }

    mutating func int() throws(RecordCoding.DecodeError) -> Int {
        let u = try uint()
        return Int(Int64(bitPattern: (u >> 1) ^ (0 &- (u & 1))))
    }

    /// A list length, refused when it could not fit in the bytes left (every item takes a byte).
    mutating func count() throws(RecordCoding.DecodeError) -> Int {
        // Read first: `fitting(try uint())` would take `self` (its position) before the read moved it.
        let n = try uint()
        return try fitting(n)
    }

    mutating func optionalInt() throws(RecordCoding.DecodeError) -> Int? {
        try uint() == 0 ? nil : try int()
    }

    mutating func string() throws(RecordCoding.DecodeError) -> String {
        let stored = try uint()
        return try string(stored: stored)
    }

    /// A string stored with its count (or index) + 1 (0 is nil): an inline count may be one past the
    /// bytes left when the string ends the record, so it is checked after taking the 1 off.
    mutating func optionalString() throws(RecordCoding.DecodeError) -> String? {
        let stored = try uint()
        return stored == 0 ? nil : try string(stored: stored - 1)
    }

    /// The string a stored number stands for: an index into the file's table, else its inline count.
    private mutating func string(stored: UInt64) throws(RecordCoding.DecodeError) -> String {
        if let table { return try tableString(stored, table) }
        let n = try fitting(stored)
        defer { position += n }
        return text(position, n)
    }

    /// A string's number in `StringTable.shared`: the table's (version 4), else its bytes' (through
    /// `interner` when there is one).
    mutating func stringID() throws(RecordCoding.DecodeError) -> StringID {
        let stored = try uint()
        return try stringID(stored: stored)
    }

    mutating func optionalStringID() throws(RecordCoding.DecodeError) -> StringID? {
        let stored = try uint()
        return stored == 0 ? nil : try stringID(stored: stored - 1)
    }

    private mutating func stringID(stored: UInt64) throws(RecordCoding.DecodeError) -> StringID {
        if let ids { return try tableID(stored, ids) }
        if let table { return StringTable.shared.id(of: try tableString(stored, table)) }
        let n = try fitting(stored)
        defer { position += n }
        return textID(position, n)
    }

    /// A count (of bytes or of items of at least a byte) refused when it is more than the bytes left.
    private func fitting(_ count: UInt64) throws(RecordCoding.DecodeError) -> Int {
        guard count <= UInt64(bytes.count - position) else { throw truncated() }
        return Int(count)
    }

    @inline(__always)
    private func tableID(_ index: UInt64, _ ids: UnsafeBufferPointer<StringID>) throws(RecordCoding.DecodeError) -> StringID {
        guard index < UInt64(ids.count) else {
            throw RecordCoding.DecodeError(description: "string index \(index) is past the string table (\(ids.count) strings)")
        }
        return ids[Int(index)]
    }

    private func textID(_ start: Int, _ count: Int) -> StringID {
        let base = bytes.baseAddress.map { UnsafePointer($0.advanced(by: start).assumingMemoryBound(to: UInt8.self)) }
        let text = UnsafeBufferPointer(start: count > 0 ? base : nil, count: count)
        if let interner { return interner.id(text) }
        return StringTable.shared.id(UnsafeRawBufferPointer(text), hash: ByteHash.hash(UnsafeRawBufferPointer(text)))
    }

    @inline(__always)
    private func tableString(_ index: UInt64, _ table: UnsafeBufferPointer<String>) throws(RecordCoding.DecodeError) -> String {
        guard index < UInt64(table.count) else {
            throw RecordCoding.DecodeError(description: "string index \(index) is past the string table (\(table.count) strings)")
        }
        return table[Int(index)]
    }

    /// Typed UTF-8 buffers take String's fast contiguous path.
    private func text(_ start: Int, _ count: Int) -> String {
        guard count > 0 else { return "" }
        let base = bytes.baseAddress!.advanced(by: start).assumingMemoryBound(to: UInt8.self)
        if let interner { return interner.string(UnsafeBufferPointer(start: base, count: count)) }
        return String(decoding: UnsafeBufferPointer(start: base, count: count), as: UTF8.self)
    }

    mutating func stringList() throws(RecordCoding.DecodeError) -> StringList {
        let n = try count()
        var out: [StringID] = []
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(try stringID()) }
        return StringList(ids: out)
    }

    mutating func strings() throws(RecordCoding.DecodeError) -> [String] {
        let n = try count()
        var out: [String] = []
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(try string()) }
        return out
    }
}
