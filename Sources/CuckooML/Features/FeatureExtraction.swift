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
/// signature name as the 2016 "simple features" table was.
///
/// Decisions where the 2016 code is unclear or cannot apply: every count is the length of the list the
/// reader extracted (2016 counted copied files as source/destination pairs but moved files as paths;
/// here both are paths), `:count:http` counts HTTP requests with a host, DNS and TCP/UDP counts are of
/// distinct values as in 2016, an empty string yields no feature (2016 made an empty-named one), and
/// repeated version-info entries all contribute (2016 kept the last).
public struct FeatureExtractor {
    public let configuration: FeatureConfiguration
    private let packers: [PackerPattern]

    public init(configuration: FeatureConfiguration) {
        self.configuration = configuration
        self.packers = configuration.groups.contains(.pack) ? PackerPattern.all() : []
    }

    /// Every non-zero feature of the record (names may repeat; the value last given wins).
    public func features(of record: ReportRecord) -> [(name: String, value: Double)] {
        var out: [(name: String, value: Double)] = []
        extract(record) { out.append(($0, $1)) }
        return out
    }

    /// Calls `emit` for every feature of the record with a non-zero value.
    public func extract(_ r: ReportRecord, _ emit: (String, Double) -> Void) {
        if configuration.kind == .simple {
            for s in r.signatures where !s.name.isEmpty { emit(s.name, 1) }
            return
        }
        let groups = configuration.groups
        func bin(_ name: String, _ value: Int) { let b = FeatureValues.log3Bin(value); if b != 0 { emit(name, Double(b)) } }
        func count(_ name: String, _ value: Int) { if value != 0 { emit(":count:" + name, Double(value)) } }
        func grams(_ prefix: String, _ s: String?) {
            guard let s else { return }
            for g in FeatureValues.shapeTrigrams(s) { emit(prefix + g, 1) }
        }
        func version(_ name: String) -> [String] { r.versionInfo.filter { $0.name == name }.map(\.value) }

        if groups.contains(.meta) {
            if let size = r.fileSize { bin(":meta:size", size) }
            if let ts = r.peTimestamp { bin(":meta:timestamp", ts) }
            for field in ["FileDescription", "OriginalFilename"] { for v in version(field) { grams(":meta:", v) } }
            grams(":meta:", r.fileType)
        }
        if groups.contains(.sign) {
            if r.isSigned { emit(":sign:signed", 1) }
            for field in ["Comments", "ProductName", "LegalCopyright", "InternalName", "CompanyName"] {
                for v in version(field) { grams(":sign:", v) }
            }
        }
        if groups.contains(.pack) {
            for signature in r.peidSignatures {
                if let p = packers.first(where: { $0.matches(signature) }) { emit(":pack:" + p.source, 1) }
            }
        }
        let languages = distinctLanguages(r.resourceLanguages)
        if groups.contains(.pef) {
            for l in languages { emit(":pef:lang:" + l.lowercased(), 1) }
        }
        if groups.contains(.simp) {
            if let n = r.importedDLLCount, n != 0 { emit(":simp:count", Double(n)) }
            for lib in r.imports where !lib.dll.isEmpty {
                emit(":simp:" + lib.dll, 1)
                if configuration.importFunctions {
                    for f in lib.functions where !f.isEmpty { emit(":simp:" + lib.dll + ":" + f, 1) }
                }
            }
        }
        let processes = distinct(r.processNames)
        if groups.contains(.dimp) {
            for m in r.mutexes { grams(":dimp:mutex:", m) }
            for p in processes { emit(":dimp:proc:" + p, 1) }
            for d in r.dllsLoaded where !d.isEmpty { emit(":dimp:" + d, 1) }
        }
        let fileCounts = fileOperationCounts(r)
        if groups.contains(.file) {
            for op in [FileOperation.read, .written, .deleted, .copied, .moved] {
                for path in r.files[op] ?? [] where !path.isEmpty { emit(":file:touch:" + path, 1) }
            }
            for (name, n) in fileCounts { bin(":file:count:" + name, n) }
        }
        let tcp = distinct(r.tcpDestinations), udp = distinct(r.udpDestinations), dns = distinct(r.dnsRequests)
        if groups.contains(.net) {
            for peer in tcp + udp + dns + r.dnsAnswers + r.httpHosts where !peer.isEmpty { emit(":net:" + peer, 1) }
        }
        if groups.contains(.reg) {
            for k in r.registryWritten { emit(":reg:write:" + k, 1) }
            for k in r.registryDeleted { emit(":reg:del:" + k, 1) }
        }
        if groups.contains(.win) {
            for (api, n) in r.apiCounts where !api.isEmpty { bin(":win:" + api, n) }
        }
        if groups.contains(.count) {
            count("lang", languages.count)
            // Distinct DLL names: a DLL listed twice in the import table counts once, as in 2016.
            count("simp", distinct(r.imports.map(\.dll)).count)
            count("mutex", r.mutexes.count)
            count("proc", processes.count)
            count("dimp", r.dllsLoaded.count)
            for (name, n) in fileCounts { count("file:" + name, n) }
            count("tcp", tcp.count)
            count("udp", udp.count)
            count("dns", dns.count)
            count("http", r.httpHosts.count)
            count("reg:write", r.registryWritten.count)
            count("reg:del", r.registryDeleted.count)
            count("wapi", r.apiCounts.count)
        }
    }

    /// The nine file-operation counts in the 2016 order. `all` is the number of distinct paths over
    /// every operation (including recreated, as in 2016); the others are list lengths.
    func fileOperationCounts(_ r: ReportRecord) -> [(String, Int)] {
        var all = Set<String>()
        for paths in r.files.values { all.formUnion(paths) }
        func n(_ op: FileOperation) -> Int { r.files[op]?.count ?? 0 }
        return [("all", all.count), ("read", n(.read)), ("written", n(.written)), ("deleted", n(.deleted)),
                ("copied", n(.copied)), ("renamed", n(.moved)), ("opened", n(.opened)), ("exists", n(.exists)),
                ("failed", n(.failed))]
    }

    /// Languages and sublanguages without `LANG_`/`SUBLANG_`, first occurrence kept (as in 2016).
    func distinctLanguages(_ raw: [String]) -> [String] {
        distinct(raw.map { l in
            if l.hasPrefix("SUBLANG_") { return String(l.dropFirst(8)) }
            if l.hasPrefix("LANG_") { return String(l.dropFirst(5)) }
            return l
        }.filter { !$0.isEmpty })
    }

    func distinct(_ values: [String]) -> [String] {
        var seen = Set<String>()
        return values.filter { !$0.isEmpty && seen.insert($0).inserted }
    }
}

extension FeatureGroup {
    /// The group a feature name belongs to (`:win:CreateFileW` → `.win`); nil for other names.
    public static func of(_ name: String) -> FeatureGroup? {
        guard name.hasPrefix(":") else { return nil }
        let rest = name.utf8.dropFirst()
        guard let colon = rest.firstIndex(of: UInt8(ascii: ":")) else { return nil }
        return FeatureGroup(rawValue: String(decoding: rest[..<colon], as: UTF8.self))
    }

    /// The groups `features full groups=...` accepts.
    public static var fullGroups: [FeatureGroup] { allCases.filter { $0 != .signature } }
}
