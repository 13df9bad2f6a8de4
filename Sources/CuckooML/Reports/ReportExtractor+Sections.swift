/// The behaviour, network, signature and VirusTotal sections of both dialects.
extension ReportExtractor {
    // MARK: behavior

    mutating func readBehavior() throws(ScanFailure) {
        guard try scanner.beginObject() else { return }
        var first = true
        while let key = try scanner.nextKey(&first) {
            if key == "apistats" { try readAPIStats() }
            else if key == "processes" { try readProcesses() }
            else if key == "summary" { try readSummary() }
            else { try scanner.skipValue() }
        }
    }

    /// Cuckoo: `{pid: {api: count}}`, summed over processes.
    mutating func readAPIStats() throws(ScanFailure) {
        guard try scanner.beginObject() else { return }
        sawAPIStats = true
        var first = true
        while try scanner.nextKey(&first) != nil {
            guard try scanner.beginObject() else { continue }
            var firstAPI = true
            while let api = try scanner.nextKey(&firstAPI) {
                let name = scanner.numbered(api)
                if let count = try scanner.readInt() { statsAPICounts.add(name.id, ascii: name.ascii, max(0, count)) }
            }
        }
    }

    mutating func readProcesses() throws(ScanFailure) {
        guard try scanner.beginArray() else { return }
        var first = true
        while try scanner.nextElement(&first) {
            guard try scanner.beginObject() else { continue }
            var firstField = true
            var name: StringID? = nil, tracked = true
            while let key = try scanner.nextKey(&firstField) {
                if key == "process_name" { name = try scanner.readStringID() }
                else if key == "track" { tracked = try scanner.readBool() != false }
                else if key == "calls" && !sawAPIStats { try countCalls() }
                else { try scanner.skipValue() }
            }
            if let name {
                record.processNames.append(id: name)
                if !tracked { record.untrackedProcessNames.append(id: name) }
            }
        }
    }

    /// Counts `calls[].api` (CAPE and Cuckoo reports without `apistats`); everything else in a call
    /// (arguments, return values...) is skipped.
    mutating func countCalls() throws(ScanFailure) {
        guard try scanner.beginArray() else { return }
        var first = true
        while try scanner.nextElement(&first) {
            guard try scanner.beginObject() else { continue }
            var firstField = true
            while let key = try scanner.nextKey(&firstField) {
                if key == "api" { if let name = try scanner.readNumberedString() { callAPICounts.add(name.id, ascii: name.ascii, 1) } } else { try scanner.skipValue() }
            }
        }
    }

    mutating func readSummary() throws(ScanFailure) {
        guard try scanner.beginObject() else { return }
        var first = true
        while let key = try scanner.nextKey(&first) {
            // Cuckoo 2.0.x
            if key == "file_read" { try scanner.readStrings(into: &record.files[.read, default: []]) }
            else if key == "file_written" { try scanner.readStrings(into: &record.files[.written, default: []]) }
            else if key == "file_deleted" { try scanner.readStrings(into: &record.files[.deleted, default: []]) }
            else if key == "file_copied" { try scanner.readStringsFlattening(into: &record.files[.copied, default: []]) }
            else if key == "file_moved" { try scanner.readStringsFlattening(into: &record.files[.moved, default: []]) }
            else if key == "file_opened" { try scanner.readStrings(into: &record.files[.opened, default: []]) }
            else if key == "file_exists" { try scanner.readStrings(into: &record.files[.exists, default: []]) }
            else if key == "file_failed" { try scanner.readStrings(into: &record.files[.failed, default: []]) }
            else if key == "file_recreated" { try scanner.readStrings(into: &record.files[.recreated, default: []]) }
            else if key == "regkey_written" { try scanner.readStrings(into: &record.registryWritten) }
            else if key == "regkey_deleted" { try scanner.readStrings(into: &record.registryDeleted) }
            else if key == "regkey_opened" { try scanner.readStrings(into: &record.registryOpened) }
            else if key == "mutex" { try scanner.readStrings(into: &record.mutexes) }
            else if key == "dll_loaded" { try scanner.readStrings(into: &record.dllsLoaded) }
            else if key == "command_line" { try scanner.readStrings(into: &record.executedCommands) }
            else if key == "wmi_query" { try scanner.readStrings(into: &record.wmiQueries) }
            // CAPE
            else if key == "files" { capeEvidence = true; try scanner.readStrings(into: &record.files[.opened, default: []]) }
            else if key == "read_files" { capeEvidence = true; try scanner.readStrings(into: &record.files[.read, default: []]) }
            else if key == "write_files" { capeEvidence = true; try scanner.readStrings(into: &record.files[.written, default: []]) }
            else if key == "delete_files" { capeEvidence = true; try scanner.readStrings(into: &record.files[.deleted, default: []]) }
            else if key == "keys" { capeEvidence = true; try scanner.readStrings(into: &record.registryOpened) }
            else if key == "write_keys" { capeEvidence = true; try scanner.readStrings(into: &record.registryWritten) }
            else if key == "delete_keys" { capeEvidence = true; try scanner.readStrings(into: &record.registryDeleted) }
            else if key == "mutexes" { capeEvidence = true; try scanner.readStrings(into: &record.mutexes) }
            else if key == "executed_commands" { capeEvidence = true; try scanner.readStrings(into: &record.executedCommands) }
            else if key == "resolved_apis" { capeEvidence = true; try scanner.readStrings(into: &record.resolvedAPIs) }
            else if key == "api_calls" { capeEvidence = true; try readSummaryAPICalls() }
            else { try scanner.skipValue() }
        }
        // An empty list is the same as a missing one: no entry, so `files` only holds operations seen.
        record.files = record.files.filter { !$0.value.isEmpty }
    }

    /// CAPE's reduced reports: `api_calls: [{name, count}]`. A negative count (CAPE writes -1 when it
    /// lost count) is taken as 1: the API was called, how often is unknown.
    mutating func readSummaryAPICalls() throws(ScanFailure) {
        guard try scanner.beginArray() else { return }
        var counts = summaryAPICounts ?? APICountsBuilder()
        summaryAPICounts = nil
        var first = true
        while try scanner.nextElement(&first) {
            guard try scanner.beginObject() else { continue }
            var name: (id: StringID, ascii: Bool)?
            var count: Int?
            var firstField = true
            while let key = try scanner.nextKey(&firstField) {
                if key == "name" { name = try scanner.readNumberedString() }
                else if key == "count" { count = try scanner.readInt() }
                else { try scanner.skipValue() }
            }
            if let name, let count { counts.add(name.id, ascii: name.ascii, count < 0 ? 1 : count) }
        }
        summaryAPICounts = counts
    }

    // MARK: network

    mutating func readNetwork() throws(ScanFailure) {
        guard try scanner.beginObject() else { return }
        var first = true
        while let key = try scanner.nextKey(&first) {
            if key == "tcp" { record.tcpDestinations += try readStringField("dst") }
            else if key == "udp" { record.udpDestinations += try readStringField("dst") }
            else if key == "dns" { try readDNS() }
            else if key == "http" { try readHTTP() }
            else if key == "hosts" { try readHosts() }
            else { try scanner.skipValue() }
        }
    }

    /// `[{FIELD: "...", ...}]` → the string `FIELD` of each object (the `dst` of each connection, the
    /// `name` of each PE section or export); other fields and non-string values are skipped.
    mutating func readStringField(_ field: StaticString) throws(ScanFailure) -> StringList {
        var out: StringList = []
        guard try scanner.beginArray() else { return out }
        var first = true
        while try scanner.nextElement(&first) {
            guard try scanner.beginObject() else { continue }
            var firstField = true
            while let key = try scanner.nextKey(&firstField) {
                if key == field { if let value = try scanner.readStringID() { out.append(id: value) } } else { try scanner.skipValue() }
            }
        }
        return out
    }

    mutating func readDNS() throws(ScanFailure) {
        guard try scanner.beginArray() else { return }
        var first = true
        while try scanner.nextElement(&first) {
            guard try scanner.beginObject() else { continue }
            var firstField = true
            while let key = try scanner.nextKey(&firstField) {
                if key == "request" { if let request = try scanner.readStringID() { record.dnsRequests.append(id: request) } }
                else if key == "answers" { try readDNSAnswers() }
                else { try scanner.skipValue() }
            }
        }
    }

    /// Keeps the `data` of A-record answers.
    mutating func readDNSAnswers() throws(ScanFailure) {
        guard try scanner.beginArray() else { return }
        var first = true
        while try scanner.nextElement(&first) {
            guard try scanner.beginObject() else { continue }
            var type: String?
            var data: StringID?
            var firstField = true
            while let key = try scanner.nextKey(&firstField) {
                if key == "type" { type = try scanner.readString() }
                else if key == "data" { data = try scanner.readStringID() }
                else { try scanner.skipValue() }
            }
            if type == "A", let data { record.dnsAnswers.append(id: data) }
        }
    }

    mutating func readHTTP() throws(ScanFailure) {
        guard try scanner.beginArray() else { return }
        var first = true
        while try scanner.nextElement(&first) {
            guard try scanner.beginObject() else { continue }
            var host: StringID?
            var port: Int?
            var method: String?
            var uri: String?
            var userAgent: String?
            var firstField = true
            while let key = try scanner.nextKey(&firstField) {
                if key == "host" { host = try scanner.readStringID() }
                else if key == "port" { port = try scanner.readInt() }
                else if key == "method" { method = try scanner.readString() }
                else if key == "uri" { uri = try scanner.readString() }
                else if key == "user-agent" { userAgent = try scanner.readString() }
                else { try scanner.skipValue() }
            }
            if let host {
                record.httpHosts.append(id: host)
                record.httpRequests.append(HTTPRequest(host: StringTable.shared[host], port: port, method: method, uri: uri, userAgent: userAgent))
            }
        }
    }

    /// Cuckoo: `["1.2.3.4", ...]`; CAPE: `[{ip, hostname, ...}]`.
    mutating func readHosts() throws(ScanFailure) {
        guard try scanner.beginArray() else { return }
        var first = true
        while try scanner.nextElement(&first) {
            scanner.skipWhitespace()
            if scanner.p[0] == 0x7B {
                capeEvidence = true
                _ = try scanner.beginObject()
                var firstField = true
                while let key = try scanner.nextKey(&firstField) {
                    if key == "ip" { if let ip = try scanner.readStringID() { record.hosts.append(id: ip) } } else { try scanner.skipValue() }
                }
            } else if let host = try scanner.readStringID() {
                record.hosts.append(id: host)
            }
        }
    }

    // MARK: signatures

    mutating func readSignatures() throws(ScanFailure) {
        guard try scanner.beginArray() else { return }
        var first = true
        while try scanner.nextElement(&first) {
            guard try scanner.beginObject() else { continue }
            var name: String?
            var description: String?
            var firstField = true
            while let key = try scanner.nextKey(&firstField) {
                if key == "name" { name = try scanner.readString() }
                else if key == "description" { description = try scanner.readString() }
                else { try scanner.skipValue() }
            }
            if let name { record.signatures.append(Signature(name: name, description: description ?? "")) }
        }
    }

    // MARK: VirusTotal

    /// Cuckoo (VT v2): `{scans: {engine: {detected, result}}, positives, total}`, or a block that only
    /// says `{"summary": {"error": ...}}` (not scanned). CAPE: `results: [{vendor, sig}]` or
    /// `scans: {engine: {result}}`. A VT v3 file object (as `virustotal` modules that query the v3 API
    /// store it): `last_analysis_results: {engine: {category, result}}`, at the top or under
    /// `data.attributes` / `attributes`.
    mutating func readVirusTotal() throws(ScanFailure) {
        var vt = record.virusTotal ?? VirusTotalResults()
        guard try readVTFields(into: &vt, depth: 0) else { return }
        // CAPE often stores one scan twice (`results` and `scans`); an engine is one opinion.
        vt.scans.removeRepeatedEngines()
        record.virusTotal = vt
    }

    /// The keys of one VirusTotal object; false when the value is not an object.
    mutating func readVTFields(into vt: inout VirusTotalResults, depth: Int) throws(ScanFailure) -> Bool {
        guard try scanner.beginObject() else { return false }
        var first = true
        while let key = try scanner.nextKey(&first) {
            if key == "scans" { try readVTScans(into: &vt) }
            else if key == "results" { try readVTResults(into: &vt) }
            else if key == "last_analysis_results" { try readVTScans(into: &vt) }
            else if key == "last_analysis_stats" { try readVTv3Stats(into: &vt) }
            // v3 wraps the file object as {data: {attributes: {...}}}; two levels are all it uses.
            else if (key == "data" || key == "attributes") && depth < 2 { _ = try readVTFields(into: &vt, depth: depth + 1) }
            else if key == "positives" { vt.positives = try scanner.readInt() }
            else if key == "total" { vt.total = try scanner.readInt() }
            else if key == "summary" { try readVTSummary() }
            else if key == "error" { vtSaysNotScanned = true; try scanner.skipValue() }
            else if key == "response_code" { if try scanner.readInt() == 0 { vtSaysNotScanned = true } }
            else { try scanner.skipValue() }
        }
        return true
    }

    /// VT v3 `last_analysis_stats`: `malicious` is v2's `positives`, the sum of the counts its `total`.
    mutating func readVTv3Stats(into vt: inout VirusTotalResults) throws(ScanFailure) {
        guard try scanner.beginObject() else { return }
        var first = true
        var total = 0
        while let key = try scanner.nextKey(&first) {
            let count = try scanner.readInt() ?? 0
            if key == "malicious" { vt.positives = count }
            total += max(0, min(count, 1 << 20))
        }
        vt.total = total
    }

    mutating func readVTSummary() throws(ScanFailure) {
        guard try scanner.beginObject() else { return }
        var first = true
        while let key = try scanner.nextKey(&first) {
            if key == "error" { vtSaysNotScanned = true }
            try scanner.skipValue()
        }
    }

    /// v2 `scans` and v3 `last_analysis_results`, both `{engine: {...}}`: v2 says `detected`, v3 gives
    /// a `category` (`malicious`, or the weaker `suspicious` when it names something, detect the file)
    /// and may repeat the engine as `engine_name`. Without either, a non-empty result is a detection.
    mutating func readVTScans(into vt: inout VirusTotalResults) throws(ScanFailure) {
        guard try scanner.beginObject() else { return }
        sawScanResults = true
        var first = true
        while let engineKey = try scanner.nextKey(&first) {
            var engine = scanner.id(engineKey)
            guard try scanner.beginObject() else { continue }
            var detected: Bool?
            var category: String?
            var result: StringID?
            var firstField = true
            while let key = try scanner.nextKey(&firstField) {
                if key == "detected" { detected = try scanner.readBool() }
                else if key == "result" { result = try scanner.readStringID() }
                else if key == "category" { category = try scanner.readString() }
                else if key == "engine_name" { if let name = try scanner.readStringID(), !StringTable.shared[name].isEmpty { engine = name } }
                else { try scanner.skipValue() }
            }
            let named = result.map { StringTable.shared.withBytes($0) { !$0.isEmpty } } ?? false
            let flagged = detected ?? category.map { ($0 == "malicious" || $0 == "suspicious") && named } ?? named
            vt.scans.append(engineID: engine, detected: flagged, resultID: result)
        }
    }

    mutating func readVTResults(into vt: inout VirusTotalResults) throws(ScanFailure) {
        guard try scanner.beginArray() else { return }
        sawScanResults = true
        capeEvidence = true
        var first = true
        while try scanner.nextElement(&first) {
            guard try scanner.beginObject() else { continue }
            var vendor: StringID?
            var sig: StringID?
            var firstField = true
            while let key = try scanner.nextKey(&firstField) {
                if key == "vendor" { vendor = try scanner.readStringID() }
                else if key == "sig" { sig = try scanner.readStringID() }
                else { try scanner.skipValue() }
            }
            let named = sig.map { StringTable.shared.withBytes($0) { !$0.isEmpty } } ?? false
            if let vendor { vt.scans.append(engineID: vendor, detected: named, resultID: sig) }
        }
    }
}
