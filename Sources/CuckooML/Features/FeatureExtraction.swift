/// Turns one report record into named feature values, named as the 2016 cuckooml project named them
/// (`:win:CreateFileW`, `:meta:aa.`, `:count:wapi`), so results can be compared with its notebooks.
///
/// Group by group (a group is the text between the first two colons):
/// - `meta`: `:meta:size` and `:meta:timestamp` (log3 bins), shape 3-grams of FileDescription,
///   OriginalFilename and the file type.
/// - `sign`: `:sign:signed`, shape 3-grams of Comments, ProductName, LegalCopyright, InternalName and
///   CompanyName (the five version-info strings the 2016 code read; other version-info entries such
///   as FileVersion are ignored as they were then).
/// - `pack`: `:pack:<pattern>` for the first 2016 packer pattern matching each PEiD signature.
/// - `pef`: `:pef:lang:<language>` for resource languages and sublanguages without their `LANG_` /
///   `SUBLANG_` prefix, lower-cased.
/// - `simp`: `:simp:<dll>` per statically imported DLL as written, plus `:simp:<dll>:<function>` with
///   `imports=functions`, and `:simp:count` (the report's imported-DLL count, as in 2016).
/// - `dimp`: `:dimp:mutex:<3-gram>` of mutex names, `:dimp:proc:<process name>`, `:dimp:<loaded dll>`.
/// - `file`: `:file:touch:<path>` for read, written, deleted, copied and moved paths, and
///   `:file:count:<op>` log3 bins for all/read/written/deleted/copied/renamed/opened/exists/failed
///   (`renamed` is the 2016 name for moved files; `all` counts distinct paths over every operation).
/// - `net`: `:net:<address or host>` for TCP/UDP destinations, DNS requests and their A answers, HTTP hosts.
/// - `reg`: `:reg:write:<key>`, `:reg:del:<key>`.
/// - `win`: `:win:<API>`, the log3 bin of the API's call count summed over processes.
/// - `count`: the 21 raw counts `:count:lang|simp|mutex|proc|dimp|tcp|udp|dns|http|wapi`,
///   `:count:file:<op>` (9), `:count:reg:write|del`.
///
/// Simple features (`features simple`) are one binary feature per signature name, named by the bare
/// signature name as the 2016 "simple features" table was. The family features (`features families`)
/// are described in `FamilyFeatures.swift`.
///
/// Decisions where the 2016 code is unclear or cannot apply: every count is the length of the list the
/// reader extracted (2016 counted copied files as source/destination pairs but moved files as paths;
/// here both are paths), `:count:http` counts HTTP requests with a host, DNS and TCP/UDP counts are of
/// distinct values as in 2016, an empty string yields no feature (2016 made an empty-named one), and
/// repeated version-info entries all contribute (2016 kept the last).
public struct FeatureExtractor {
    public let configuration: FeatureConfiguration
    private let packers = PackerPattern.Matcher()

    public init(configuration: FeatureConfiguration) {
        self.configuration = configuration
    }

    /// Every non-zero feature of the record (names may repeat; the value last given wins).
    public func features(of record: ReportRecord) -> [(name: String, value: Double)] {
        var out: [(name: String, value: Double)] = []
        extract(record) { out.append(($0, $1)) }
        return out
    }

    /// Calls `emit` for every feature of the record with a non-zero value.
    public func extract(_ r: ReportRecord, _ emit: (String, Double) -> Void) {
        extractKeyed(r) { prefix, suffix, value in emit(Self.prefixes[prefix] + suffix, value) }
    }

    /// The fixed name starts `extractKeyed` reports by number. Names with no variable part (counts,
    /// bins of a fixed quantity) are whole prefixes with an empty suffix.
    static let prefixes: [String] = [
        "", ":meta:size", ":meta:timestamp", ":meta:", ":sign:signed", ":sign:", ":pack:", ":pef:lang:",
        ":simp:count", ":simp:", ":dimp:mutex:", ":dimp:proc:", ":dimp:", ":file:touch:", ":net:",
        ":reg:write:", ":reg:del:", ":win:",
    ] + fileCountNames.map { ":file:count:" + $0 } + countNames.map { ":count:" + $0 }
        + fileCountNames.map { ":count:file:" + $0 }
        + familyPrefixes

    /// Whether a name under prefix `p` may also be spelled with another prefix (one prefix starts the
    /// other: `:dimp:` + `proc:x` is `:dimp:proc:` + `x`). Names under the other prefixes are told
    /// apart by their rest alone. The empty prefix is left out: simple features use it and nothing else.
    static let ambiguousPrefixes: [Bool] = prefixes.enumerated().map { p, prefix in
        p != 0 && prefixes.enumerated().contains { q, other in
            q != 0 && q != p && (other.hasPrefix(prefix) || prefix.hasPrefix(other))
        }
    }

    static let fileCountNames = ["all", "read", "written", "deleted", "copied", "renamed", "opened", "exists", "failed"]
    static let countNames = ["lang", "simp", "mutex", "proc", "dimp", "tcp", "udp", "dns", "http", "reg:write", "reg:del", "wapi"]

    /// As `extract`, but each name is given as a prefix number (into `prefixes`) and the rest, so a
    /// caller can recognise names it has seen without building them (the name is `prefixes[p] + rest`;
    /// different splits may spell the same name).
    func extractKeyed(_ r: ReportRecord, _ emit: (Int, String, Double) -> Void) {
        if configuration.kind == .simple {
            for s in r.signatures where !s.name.isEmpty { emit(0, s.name, 1) }
            return
        }
        if configuration.kind == .families {
            extractFamilies(r, emit)
            return
        }
        let groups = configuration.groups
        let fileCountBase = 18, countBase = fileCountBase + 9, countFileBase = countBase + 12
        func bin(_ prefix: Int, _ suffix: String, _ value: Int) {
            let b = FeatureValues.log3Bin(value); if b != 0 { emit(prefix, suffix, Double(b)) }
        }
        func count(_ index: Int, _ value: Int) { if value != 0 { emit(countBase + index, "", Double(value)) } }
        func grams(_ prefix: Int, _ s: String?) {
            guard let s else { return }
            FeatureValues.forEachShapeTrigram(s) { emit(prefix, $0, 1) }
        }
        func version(_ name: String) -> [String] { r.versionInfo.filter { $0.name == name }.map(\.value) }

        if groups.contains(.meta) {
            if let size = r.fileSize { bin(1, "", size) }
            if let ts = r.peTimestamp { bin(2, "", ts) }
            for field in ["FileDescription", "OriginalFilename"] { for v in version(field) { grams(3, v) } }
            grams(3, r.fileType)
        }
        if groups.contains(.sign) {
            if r.isSigned { emit(4, "", 1) }
            for field in ["Comments", "ProductName", "LegalCopyright", "InternalName", "CompanyName"] {
                for v in version(field) { grams(5, v) }
            }
        }
        if groups.contains(.pack) {
            for signature in r.peidSignatures {
                if let source = packers.firstMatch(signature) { emit(6, source, 1) }
            }
        }
        let languages = distinctLanguages(r.resourceLanguages)
        if groups.contains(.pef) {
            for l in languages { emit(7, l.lowercased(), 1) }
        }
        if groups.contains(.simp) {
            if let n = r.importedDLLCount, n != 0 { emit(8, "", Double(n)) }
            for lib in r.imports where !lib.dll.isEmpty {
                emit(9, lib.dll, 1)
                if configuration.importFunctions {
                    for f in lib.functions where !f.isEmpty { emit(9, lib.dll + ":" + f, 1) }
                }
            }
        }
        let processes = distinct(r.processNames)
        if groups.contains(.dimp) {
            for m in r.mutexes { grams(10, m) }
            for p in processes { emit(11, p, 1) }
            for d in r.dllsLoaded where !d.isEmpty { emit(12, d, 1) }
        }
        let fileCounts = fileOperationCounts(r)
        if groups.contains(.file) {
            for op in [FileOperation.read, .written, .deleted, .copied, .moved] {
                for path in r.files[op] ?? [] where !path.isEmpty { emit(13, path, 1) }
            }
            for (i, (_, n)) in fileCounts.enumerated() { bin(fileCountBase + i, "", n) }
        }
        let tcp = distinct(r.tcpDestinations), udp = distinct(r.udpDestinations), dns = distinct(r.dnsRequests)
        if groups.contains(.net) {
            for list in [tcp, udp, dns, r.dnsAnswers.strings, r.httpHosts.strings] {
                for peer in list where !peer.isEmpty { emit(14, peer, 1) }
            }
        }
        if groups.contains(.reg) {
            for k in r.registryWritten { emit(15, k, 1) }
            for k in r.registryDeleted { emit(16, k, 1) }
        }
        if groups.contains(.win) {
            for (api, n) in r.apiCounts where !api.isEmpty { bin(17, api, n) }
        }
        if groups.contains(.count) {
            count(0, languages.count)
            // Distinct DLL names: a DLL listed twice in the import table counts once, as in 2016.
            count(1, distinct(r.imports.map(\.dll)).count)
            count(2, r.mutexes.count)
            count(3, processes.count)
            count(4, r.dllsLoaded.count)
            for (i, (_, n)) in fileCounts.enumerated() { if n != 0 { emit(countFileBase + i, "", Double(n)) } }
            count(5, tcp.count)
            count(6, udp.count)
            count(7, dns.count)
            count(8, r.httpHosts.count)
            count(9, r.registryWritten.count)
            count(10, r.registryDeleted.count)
            count(11, r.apiCounts.count)
        }
    }

    /// The nine file-operation counts in the 2016 order. `all` is the number of distinct paths over
    /// every operation (including recreated, as in 2016); the others are list lengths.
    func fileOperationCounts(_ r: ReportRecord) -> [(String, Int)] {
        let all = StringList.distinctCount(r.files.values)
        func n(_ op: FileOperation) -> Int { r.files[op]?.count ?? 0 }
        return [("all", all), ("read", n(.read)), ("written", n(.written)), ("deleted", n(.deleted)),
                ("copied", n(.copied)), ("renamed", n(.moved)), ("opened", n(.opened)), ("exists", n(.exists)),
                ("failed", n(.failed))]
    }

    /// Languages and sublanguages without `LANG_`/`SUBLANG_`, first occurrence kept (as in 2016).
    func distinctLanguages(_ raw: some Sequence<String>) -> [String] {
        distinct(raw.map { l in
            if l.hasPrefix("SUBLANG_") { return String(l.dropFirst(8)) }
            if l.hasPrefix("LANG_") { return String(l.dropFirst(5)) }
            return l
        }.filter { !$0.isEmpty })
    }

    func distinct(_ values: some Sequence<String>) -> [String] {
        var seen = Set<String>()
        return values.filter { !$0.isEmpty && seen.insert($0).inserted }
    }
}

extension FeatureGroup {
    /// The group a feature name belongs to (`:win:CreateFileW` → `.win`); nil for other names.
    public static func of(_ name: String) -> FeatureGroup? { caseIndex(of: name).map { ordered[$0] } }

    /// `allCases` made once (the synthesised property builds a new array at every use).
    static let ordered = allCases

    /// The position in `allCases` of a name's group, nil for other names. Called once per column
    /// whenever the feature space is described, so the group is read from the name's bytes as one
    /// integer: no String is made, and a String-backed enum's `init(rawValue:)` compares the text
    /// with every case in turn (and its `==` and hashing go through the raw value too).
    static func caseIndex(of name: String) -> Int? {
        let colon = UInt8(ascii: ":")
        var key: UInt64 = 0
        var length = -1
        for byte in name.utf8 {
            if length < 0 {
                guard byte == colon else { return nil }
                length = 0
            } else if byte == colon {
                return packedNames.first { $0.key == key && $0.length == length }?.index
            } else {
                length += 1
                guard length <= 8 else { return longNamed(name) }
                key = key << 8 | UInt64(byte)
            }
        }
        return nil
    }

    /// Each group's name packed big-endian into an integer, as `caseIndex` packs the text between
    /// the colons, with the group's position in `allCases`.
    private static let packedNames: [(key: UInt64, length: Int, index: Int)] = ordered.enumerated().compactMap { index, group in
        let bytes = Array(group.rawValue.utf8)
        guard bytes.count <= 8 else { return nil }
        return (bytes.reduce(0) { $0 << 8 | UInt64($1) }, bytes.count, index)
    }

    /// Groups whose name does not fit the 8-byte key (`signature`).
    private static func longNamed(_ name: String) -> Int? {
        let rest = name.utf8.dropFirst()
        guard let colon = rest.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        let text = String(decoding: rest[..<colon], as: UTF8.self)
        return ordered.firstIndex { $0.rawValue == text }
    }

    /// The 2016 groups, the ones `features full groups=...` accepts.
    public static let fullGroups: [FeatureGroup] = [.meta, .sign, .pack, .pef, .simp, .dimp, .file, .net, .reg, .win, .count]

    /// The family groups, the ones `features families groups=...` accepts (in `allCases` order).
    public static let familyGroups: [FeatureGroup] = allCases.filter { !fullGroups.contains($0) && $0 != .signature }
}
