/// Storage fitted to what a record holds, for records kept in a session by the hundred thousand.
extension ReportRecord {
    /// Gives every list exactly the storage its elements need. Lists are filled by appending, which
    /// grows their storage by doubling: without this a loaded report kept up to twice the memory its
    /// lists need (e.g. 80 antivirus results in room for 128) for as long as it stays in the session.
    mutating func fitStorage() {
        fit(&imports)
        for i in imports.indices { imports[i].functions.fitStorage() }
        fit(&versionInfo)
        for op in FileOperation.allCases where files[op] != nil { files[op]!.fitStorage() }
        for path in [\ReportRecord.resourceLanguages, \.resourceSublanguages, \.peidSignatures, \.sectionNames,
                     \.resourceNames, \.exports, \.registryWritten, \.registryDeleted, \.registryOpened, \.mutexes,
                     \.dllsLoaded, \.processNames, \.untrackedProcessNames, \.executedCommands, \.resolvedAPIs,
                     \.wmiQueries, \.tcpDestinations, \.udpDestinations, \.dnsRequests, \.dnsAnswers, \.httpHosts, \.hosts] {
            self[keyPath: path].fitStorage()
        }
        fit(&httpRequests); fit(&signatures)
        virusTotal?.scans.fitStorage()
    }
}

/// Replaces `list`'s storage by one of exactly its count when it has more room than that.
@inline(__always)
func fit<T>(_ list: inout [T]) {
    guard list.capacity > list.count else { return }
    if list.isEmpty { list = []; return }
    list = [T](unsafeUninitializedCapacity: list.count) { buffer, initialized in
        initialized = list.withUnsafeBufferPointer { buffer.initialize(fromContentsOf: $0) }
    }
}
