/// The family feature space (`features families`, what `load` builds): binary features named
/// `:GROUP:TOKEN`, built from the report alone (never from VirusTotal), with tokens normalised by
/// `FamilyTokenNormaliser` and tokens seen in fewer than 2 samples dropped (`FeatureBuilder`). The
/// group of a feature is the text between its first two colons; groups are meant to be weighed
/// equally by a group-weighted distance, so a group holds one kind of evidence.
///
/// Behaviour:
/// - `alert`: signature names, except VirusTotal's (`antivirus_virustotal`);
/// - `api`: API names called (`apistats`, or CAPE's call summary);
/// - `mutex`: mutex names;
/// - `loaded`: DLLs loaded at run time (file name without directory or `.dll`);
/// - `path`: `read:`, `write:`, `delete:`, `copy:`, `move:` + path (the operations the 2016 `file`
///   group used: what the sample did, not what its libraries opened);
/// - `key`: `write:`, `delete:` + registry key (as the 2016 `reg` group);
/// - `cmd`: command lines; `proc`: process names, but not of processes marked `"track": false` (the
///   sandbox's own, see `trackedProcessNames`);
/// - `domain`: DNS requests; `ip`: contacted hosts (`network.hosts`), digits kept;
/// - `http`: `host:`, `agent:` (user agent) and `path:` + the request path's shape (query values dropped);
/// - `wmi`: WMI queries.
/// Static:
/// - `import`: `dll:function` imported by name; `library`: imported DLLs; `imphash`: the import hash;
/// - `section`: section names, up to the first NUL (`sectionName`); `resource`: resource names and languages (`lang_english`...);
/// - `version`: version-info `name=value`; `pdb`: the PDB path and its file name; `peid`: PEiD
///   signatures; `export`: exported names (and CAPE's exported DLL name);
/// - `target`: `type:` + the file type, `size:` + floor(log2(file size)).
extension FeatureExtractor {
    /// The family features' fixed name starts, by number from `familyBase` in `prefixes`.
    enum FamilyName: Int, CaseIterable {
        case alert, api, mutex, loaded, pathRead, pathWrite, pathDelete, pathCopy, pathMove, keyWrite, keyDelete
        case cmd, proc, domain, ip, httpHost, httpAgent, httpPath, wmi
        case `import`, library, imphash, section, resource, version, pdb, peid, export, targetType, targetSize

        var prefix: String {
            switch self {
            case .pathRead: ":path:read:"
            case .pathWrite: ":path:write:"
            case .pathDelete: ":path:delete:"
            case .pathCopy: ":path:copy:"
            case .pathMove: ":path:move:"
            case .keyWrite: ":key:write:"
            case .keyDelete: ":key:delete:"
            case .httpHost: ":http:host:"
            case .httpAgent: ":http:agent:"
            case .httpPath: ":http:path:"
            case .targetType: ":target:type:"
            case .targetSize: ":target:size:"
            default: ":\(self):"
            }
        }
    }

    static let familyPrefixes = FamilyName.allCases.map(\.prefix)

    /// The file operations of the `path` group (the ones the 2016 `file` group used).
    static let familyFileOperations: [(FileOperation, FamilyName)] = [
        (.read, .pathRead), (.written, .pathWrite), (.deleted, .pathDelete), (.copied, .pathCopy), (.moved, .pathMove),
    ]

    /// Calls `emit` with each family token (prefix number, token, 1).
    func extractFamilies(_ r: ReportRecord, _ emit: (Int, String, Double) -> Void) {
        extractFamilies(r) { prefix, text, raw, normaliser in
            let token = raw.map { Self.rawToken(text ?? StringTable.shared[$0.number!], $0, &normaliser).token } ?? text!
            if !token.isEmpty { emit(prefix, token, 1) }
        }
    }

    /// Where a raw report string comes from and how its token is made: normalised, with its number
    /// in `StringTable.shared` or none (a string cut from one, such as a section name up to its NUL);
    /// a DLL's library token (`libraryName`), with the number when it has one; or an imported
    /// function (the text, numbered) of a library, whose token is `library:function`.
    enum RawString {
        case numbered(StringID), unnumbered
        case library(StringID?)
        case imported(library: String, function: StringID)

        /// The number of the raw string (an imported function's), when it has one.
        var number: StringID? {
            switch self {
            case .numbered(let id), .library(let id?), .imported(_, let id): id
            case .unnumbered, .library(nil): nil
            }
        }
    }

    /// The token of a raw report string (empty: no feature), and whether one of the record's own
    /// names was replaced in it (then the token is this record's alone).
    static func rawToken(_ text: String, _ raw: RawString, _ normaliser: inout FamilyTokenNormaliser) -> (token: String, usedSelf: Bool) {
        switch raw {
        case .numbered, .unnumbered:
            return normaliser.normaliseReportingSelf(text)
        case .library:
            return libraryToken(text, &normaliser)
        case .imported(let library, _):
            let (dll, dllSelf) = libraryToken(library, &normaliser)
            guard !dll.isEmpty else { return ("", dllSelf) }
            let (function, functionSelf) = normaliser.normaliseReportingSelf(text)
            return (function.isEmpty ? "" : dll + ":" + function, dllSelf || functionSelf)
        }
    }

    /// Calls `sink` with each family feature as (prefix number, text, nil for a token or where the
    /// text comes from when it is a raw report string still to be normalised, the record's
    /// normaliser). Handing raw strings over with their numbers lets `FeatureBuilder` find a string
    /// it has seen before by its number, without normalising it again. The text of a numbered raw
    /// string is not given (nil: `StringTable.shared[raw.number!]`, which may be empty, for no
    /// feature): most are found by number, and making the `String` retained and released storage
    /// that both feature threads share, for every string of every record.
    func extractFamilies(_ r: ReportRecord, _ sink: (Int, String?, RawString?, inout FamilyTokenNormaliser) -> Void) {
        let groups = configuration.groups
        let base = Self.familyBase
        let table = StringTable.shared
        var normaliser = FamilyTokenNormaliser(record: r)
        func add(_ name: FamilyName, _ token: String) { if !token.isEmpty { sink(base + name.rawValue, token, nil, &normaliser) } }
        func raw(_ name: FamilyName, _ value: String, _ source: RawString) { sink(base + name.rawValue, value, source, &normaliser) }
        func each(_ group: FeatureGroup, _ name: FamilyName, _ values: StringList) {
            guard groups.contains(group) else { return }
            for id in values.ids { numbered(name, .numbered(id)) }
        }
        func numbered(_ name: FamilyName, _ source: RawString) { sink(base + name.rawValue, nil, source, &normaliser) }

        if groups.contains(.alert) {
            for s in r.signatures where !s.name.isEmpty {
                let token = normaliser.normalise(s.name)
                if !ASCIISearch.contains(token, "virustotal") && !ASCIISearch.contains(token, "virus_total") { add(.alert, token) }
            }
        }
        if groups.contains(.api) {
            r.apiCounts.forEachNumbered { id, _ in numbered(.api, .numbered(id)) }
        }
        each(.mutex, .mutex, r.mutexes)
        if groups.contains(.loaded) { for id in r.dllsLoaded.ids { numbered(.loaded, .library(id)) } }
        if groups.contains(.path) {
            for (op, name) in Self.familyFileOperations { each(.path, name, r.files[op] ?? []) }
        }
        each(.key, .keyWrite, r.registryWritten)
        each(.key, .keyDelete, r.registryDeleted)
        each(.cmd, .cmd, r.executedCommands)
        if groups.contains(.proc) { each(.proc, .proc, Self.trackedProcessNames(r)) }
        if groups.contains(.domain) { for d in r.dnsRequests where !d.isEmpty { add(.domain, Self.hostToken(d, &normaliser)) } }
        if groups.contains(.ip) { for h in r.hosts where !h.isEmpty { add(.ip, normaliser.plain(h)) } }
        if groups.contains(.http) {
            for request in r.httpRequests {
                if !request.host.isEmpty { add(.httpHost, Self.hostToken(request.host, &normaliser)) }
                if let agent = request.userAgent, !agent.isEmpty { add(.httpAgent, normaliser.normalise(agent)) }
                if let uri = request.uri, !uri.isEmpty { add(.httpPath, normaliser.normalise(Self.pathShape(uri))) }
            }
        }
        each(.wmi, .wmi, r.wmiQueries)
        if groups.contains(.import) {
            for lib in r.imports {
                for id in lib.functions.ids { numbered(.import, .imported(library: lib.dll, function: id)) }
            }
        }
        if groups.contains(.library) { for lib in r.imports { raw(.library, lib.dll, .library(nil)) } }
        if groups.contains(.imphash), let h = r.imphash, !h.isEmpty { add(.imphash, normaliser.plain(h)) }
        if groups.contains(.section) {
            for id in r.sectionNames.ids {
                let name = table[id], n = Self.sectionName(name)
                if !n.isEmpty { raw(.section, String(n), n.endIndex == name.endIndex ? .numbered(id) : .unnumbered) }
            }
        }
        each(.resource, .resource, r.resourceNames)
        each(.resource, .resource, r.resourceLanguages)
        each(.resource, .resource, r.resourceSublanguages)
        if groups.contains(.version) {
            for pair in r.versionInfo where !pair.name.isEmpty && !pair.value.isEmpty {
                add(.version, normaliser.normalise(pair.name + "=" + pair.value))
            }
        }
        if groups.contains(.pdb), let pdb = r.pdbPath, !pdb.isEmpty {
            add(.pdb, normaliser.normalise(pdb))
            let name = Self.lastComponent(pdb)
            if name.count < pdb.count { add(.pdb, normaliser.normalise(name)) }
        }
        each(.peid, .peid, r.peidSignatures)
        each(.export, .export, r.exports)
        if groups.contains(.target) {
            if let type = r.fileType, !type.isEmpty { add(.targetType, normaliser.normalise(type)) }
            if let size = r.fileSize, size > 0 { add(.targetSize, String(Int.bitWidth - 1 - size.leadingZeroBitCount)) }
        }
    }

    /// Where the family prefixes start in `prefixes`.
    static let familyBase = prefixes.count - familyPrefixes.count

    /// A DLL's token: its file name without directory or `.dll`, normalised (`C:\WINDOWS\system32\
    /// KERNEL32.DLL`, `kernel32.dll` and `KERNEL32` are all `kernel0`, digit runs being 0), and
    /// whether one of the record's own names was replaced in it.
    static func libraryToken(_ dll: String, _ normaliser: inout FamilyTokenNormaliser) -> (token: String, usedSelf: Bool) {
        var (name, usedSelf) = normaliser.normaliseReportingSelf(lastComponent(dll))
        if name.hasSuffix(".dll") { name.removeLast(4) }
        return (name, usedSelf)
    }

    /// A host name's token: an address of digits, dots and colons as it is (its digits are its identity), a
    /// name normalised.
    static func hostToken(_ host: String, _ normaliser: inout FamilyTokenNormaliser) -> String {
        let isAddress = host.utf8.allSatisfy { $0 == UInt8(ascii: ".") || $0 &- 48 < 10 || $0 == UInt8(ascii: ":") }
        return isAddress ? normaliser.plain(host) : normaliser.normalise(host)
    }

    /// A PE section name as the loader reads it: up to the first NUL. The name field is 8 bytes padded
    /// with NULs, and what follows the first NUL is leftover bytes that differ between builds of one
    /// family (`.text\x00\xea8`); Cuckoo writes the bytes escaped as text (`\x00`), CAPE may keep a NUL.
    static func sectionName(_ name: String) -> Substring {
        let utf8 = name.utf8
        var i = utf8.startIndex
        while i != utf8.endIndex {
            let b = utf8[i]
            if b == 0 { return name[..<i] }
            if b == UInt8(ascii: "\\") && utf8[i...].starts(with: #"\x00"#.utf8) { return name[..<i] }
            i = utf8.index(after: i)
        }
        return name[...]
    }

    /// The names of the processes the analysis tracked: a process the sandbox marks `"track": false`
    /// (Cuckoo 2.0 lists the `lsass.exe` its analyzer uses in every report) is the sandbox's, not the
    /// sample's. The 2016 groups keep every name.
    static func trackedProcessNames(_ r: ReportRecord) -> StringList {
        guard !r.untrackedProcessNames.isEmpty else { return r.processNames }
        var untracked: [String: Int] = [:]
        for name in r.untrackedProcessNames { untracked[name, default: 0] += 1 }
        return r.processNames.filter { name in
            guard let n = untracked[name], n > 0 else { return true }
            untracked[name] = n - 1
            return false
        }
    }

    /// The text after the last `\` or `/`.
    static func lastComponent(_ path: String) -> String {
        guard let slash = path.utf8.lastIndex(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "/") }) else { return path }
        return String(path[path.utf8.index(after: slash)...])
    }

    /// A URI's path and query keys without the scheme, host, query values and fragment:
    /// `http://h.example/gate.php?id=42&k=x#top` → `/gate.php?id=&k=`.
    static func pathShape(_ uri: String) -> String {
        var rest = Substring(uri)
        // `scheme://host` before the first `/` that is not part of `://`.
        if let colon = rest.firstIndex(of: ":"), rest[colon...].hasPrefix("://"),
           !rest[..<colon].contains(where: { $0 == "/" || $0 == "?" }) {
            rest = rest[rest.index(colon, offsetBy: 3)...]
            rest = rest.firstIndex(of: "/").map { rest[$0...] } ?? "/"
        }
        if let hash = rest.firstIndex(of: "#") { rest = rest[..<hash] }
        guard let question = rest.firstIndex(of: "?") else { return String(rest) }
        let keys = rest[rest.index(after: question)...].split(separator: "&", omittingEmptySubsequences: false).map { pair in
            (pair.firstIndex(of: "=").map { pair[..<$0] } ?? pair) + "="
        }
        return rest[..<question] + "?" + keys.joined(separator: "&")
    }
}
