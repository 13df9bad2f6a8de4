/// The dialect a report was written in; detected per file by the reader.
public enum ReportDialect: String, Sendable, Codable {
    case cuckoo
    case cape
}

/// What the reader extracts from one report: exactly the fields the features and labels need, in a
/// dialect-neutral shape. Everything else in the report is skipped while scanning and never built.
///
/// Missing sections leave their fields empty (or nil); that is not an error.
public struct ReportRecord: Sendable, Equatable {
    public var dialect: ReportDialect = .cuckoo
    /// `info.version`, e.g. "2.0-dev" or "2.4-CAPE".
    public var analyzerVersion: String?

    // target.file
    public var fileSize: Int?
    public var fileType: String?
    public var fileName: String?
    public var md5: String?
    public var sha1: String?
    public var sha256: String?

    // static (Cuckoo) / target.file.pe (CAPE)
    public var imports: [ImportedLibrary] = []
    public var importedDLLCount: Int?
    /// PE timestamp as seconds since the epoch (the reports hold "YYYY-MM-DD hh:mm:ss" strings).
    public var peTimestamp: Int?
    public var versionInfo: [NameValue] = []
    /// `language` of each PE resource that has one (e.g. "LANG_ENGLISH").
    public var resourceLanguages: StringList = []
    /// `sublanguage` of each PE resource that has one (e.g. "SUBLANG_ENGLISH_US").
    public var resourceSublanguages: StringList = []
    public var peidSignatures: StringList = []
    /// Whether the static section reports an Authenticode signature.
    public var isSigned: Bool = false
    /// `pe_imphash` (Cuckoo) / `imphash` (CAPE).
    public var imphash: String?
    /// `pdb_path` (Cuckoo) / `pdbpath` (CAPE): the debug-symbol path the linker wrote.
    public var pdbPath: String?
    /// `name` of each PE section (e.g. ".text", "UPX0").
    public var sectionNames: StringList = []
    /// `name` of each PE resource (e.g. "RT_ICON", "CUSTOM").
    public var resourceNames: StringList = []
    /// Exported function names, with CAPE's `exported_dll_name` first when it has one.
    public var exports: StringList = []

    // behavior.summary, behavior.processes, behavior.apistats
    public var files: [FileOperation: StringList] = [:]
    public var registryWritten: StringList = []
    public var registryDeleted: StringList = []
    /// Keys opened (Cuckoo `regkey_opened`, CAPE `keys`); not among the 2016 features, kept for `show`
    /// and for feature groups that want them.
    public var registryOpened: StringList = []
    public var mutexes: StringList = []
    public var dllsLoaded: StringList = []
    public var processNames: StringList = []
    /// The names of the processes marked `"track": false` (also in `processNames`): processes the
    /// sandbox attached to for its own use, such as the `lsass.exe` in every Cuckoo 2.0 report.
    public var untrackedProcessNames: StringList = []
    public var executedCommands: StringList = []
    public var resolvedAPIs: StringList = []
    /// WMI queries (Cuckoo `wmi_query`).
    public var wmiQueries: StringList = []
    /// API name → call count summed over processes. Taken from Cuckoo's `behavior.apistats` when
    /// present, else CAPE's `behavior.summary.api_calls`, else by counting `behavior.processes[].calls[].api`.
    /// A negative count in `api_calls` (CAPE writes -1 when it lost count) is recorded as 1: the API was
    /// called, how often is unknown.
    public var apiCounts = APICounts()

    // network
    public var tcpDestinations: StringList = []
    public var udpDestinations: StringList = []
    public var dnsRequests: StringList = []
    /// A-record answers of DNS requests.
    public var dnsAnswers: StringList = []
    public var httpHosts: StringList = []
    /// `network.http` requests (host, port, method, URI and user agent; the raw request `data` is not kept).
    public var httpRequests: [HTTPRequest] = []
    /// `network.hosts`: plain addresses (Cuckoo) or the `ip` of each host object (CAPE).
    public var hosts: StringList = []

    public var signatures: [Signature] = []
    public var virusTotal: VirusTotalResults?

    public init() {}
}

public struct ImportedLibrary: Sendable, Equatable {
    public var dll: String
    public var functions: StringList
    public init(dll: String, functions: StringList) { self.dll = dll; self.functions = functions }
    public init(dll: String, functions: [String]) { self.dll = dll; self.functions = StringList(functions) }
}

public struct HTTPRequest: Sendable, Equatable {
    public var host: String
    public var port: Int?
    public var method: String?
    public var uri: String?
    /// The request's `user-agent` field.
    public var userAgent: String?
    public init(host: String, port: Int?, method: String?, uri: String?, userAgent: String? = nil) {
        self.host = host; self.port = port; self.method = method; self.uri = uri; self.userAgent = userAgent
    }
}

public struct NameValue: Sendable, Equatable {
    public var name: String
    public var value: String
    public init(name: String, value: String) { self.name = name; self.value = value }
}

public struct Signature: Sendable, Equatable {
    public var name: String
    public var description: String
    public init(name: String, description: String) { self.name = name; self.description = description }
}

/// File operations recorded in behaviour summaries (Cuckoo names; CAPE's are mapped onto these).
public enum FileOperation: String, Sendable, CaseIterable, Codable {
    case read, written, deleted, copied, moved, opened, exists, failed, recreated
}

public struct VirusTotalResults: Sendable, Equatable {
    /// True when the block only says the file was not scanned; such a report is labelled `none`.
    public var notScanned: Bool = false
    public var scans = EngineResults()
    public var positives: Int?
    public var total: Int?
    public init() {}
}

public struct EngineResult: Sendable, Equatable {
    public var engine: String
    public var detected: Bool
    public var result: String?
    public init(engine: String, detected: Bool, result: String?) {
        self.engine = engine; self.detected = detected; self.result = result
    }
}
