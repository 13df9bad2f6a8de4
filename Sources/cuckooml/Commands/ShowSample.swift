import CuckooML

/// `show SAMPLE`: everything the reader extracted from one report, as the features see it.
enum ShowSample {
    /// Items listed per field in text output; JSON output has them all.
    static let listLimit = 8

    static func run(_ arguments: Arguments, _ context: inout CommandContext) throws -> CommandOutput {
        let id = try arguments.required("sample")
        guard let sample = context.session.sample(id: id) else {
            let near = suggestion(for: id, among: context.session.samples.map(\.id)).map { "; did you mean '\(escapeForTerminal($0))'?" } ?? ""
            throw ShellError.failed("no sample '\(escapeForTerminal(id))'\(near)")
        }
        let label = context.session.labels[id]
        return CommandOutput(text: text(sample, label: label), json: json(sample, label: label))
    }

    // MARK: Text

    static func text(_ s: Sample, label: SampleLabel?) -> String {
        var out: [String] = []
        func field(_ name: String, _ value: String?) {
            if let value, !value.isEmpty { out.append(rightPad(name, 14) + value) }
        }
        func list<Items: Collection<String>>(_ name: String, _ items: Items) {
            guard !items.isEmpty else { return }
            let shown = items.prefix(listLimit).map(escapeForTerminal)
            out.append(rightPad(name, 14) + "\(items.count): " + shown.first!)
            for item in shown.dropFirst() { out.append(String(repeating: " ", count: 14 + "\(items.count): ".count) + item) }
            if items.count > listLimit { out.append(String(repeating: " ", count: 14) + "... \(items.count - listLimit) more") }
        }
        field("sample", escapeForTerminal(s.id))
        field("report", s.path.map(escapeForTerminal).map { $0 + " (\(formatSize(s.reportSize)))" })
        field("label", label.map(describe))
        guard let r = s.record else {
            out.append("(no report record: an imported matrix row)")
            return out.joined(separator: "\n")
        }
        field("dialect", r.dialect.rawValue + (r.analyzerVersion.map { " " + escapeForTerminal($0) } ?? ""))
        field("file", [r.fileName.map(escapeForTerminal), r.fileSize.map { formatSize($0) }].compactMap { $0 }.joined(separator: ", "))
        field("type", r.fileType.map(escapeForTerminal))
        field("md5", r.md5.map(escapeForTerminal))
        field("sha256", r.sha256.map(escapeForTerminal))
        field("pe timestamp", r.peTimestamp.map(formatTimestamp))
        field("signed", r.isSigned ? "yes" : nil)
        list("imports", r.imports.map { "\($0.dll) (\($0.functions.count))" })
        list("version info", r.versionInfo.map { "\($0.name) = \($0.value)" })
        list("languages", r.resourceLanguages)
        list("peid", r.peidSignatures)
        list("processes", r.processNames)
        let apis = r.apiCounts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        if !apis.isEmpty {
            field("api calls", "\(apis.reduce(0) { $0 + $1.value }) calls of \(apis.count) APIs")
            list("top apis", apis.map { "\($0.key) \($0.value)" })
        }
        for op in FileOperation.allCases { list("files " + op.rawValue, r.files[op] ?? []) }
        list("reg written", r.registryWritten)
        list("reg deleted", r.registryDeleted)
        list("reg opened", r.registryOpened)
        list("mutexes", r.mutexes)
        list("dlls loaded", r.dllsLoaded)
        list("commands", r.executedCommands)
        list("resolved apis", r.resolvedAPIs)
        list("hosts", r.hosts)
        list("tcp", r.tcpDestinations)
        list("udp", r.udpDestinations)
        list("dns", r.dnsRequests)
        list("dns answers", r.dnsAnswers)
        list("http", r.httpRequests.map { ($0.method.map { $0 + " " } ?? "") + ($0.uri ?? $0.host) })
        list("signatures", r.signatures.map { $0.name + ($0.description.isEmpty ? "" : ": " + $0.description) })
        if let vt = r.virusTotal {
            if vt.notScanned {
                field("virustotal", "not scanned")
            } else {
                let detected = vt.scans.filter(\.detected)
                field("virustotal", "\(vt.positives ?? detected.count)/\(vt.total ?? vt.scans.count) engines detect it")
                list("detections", detected.map { "\($0.engine): \($0.result ?? "")" })
            }
        }
        return out.joined(separator: "\n")
    }

    /// `zbot (5 of 41 engines, virustotal; runner-up kelihos 3)`: the votes, the detecting engines
    /// and the closest other family.
    static func describe(_ label: SampleLabel) -> String {
        var parts = ["\(label.votes) vote\(label.votes == 1 ? "" : "s")"]
        if label.engines > 0 { parts[0] += " of \(label.engines) detecting engine\(label.engines == 1 ? "" : "s")" }
        parts.append(label.source.rawValue)
        if let runnerUp = label.runnerUp {
            let tie = label.runnerUpVotes == label.votes ? ", a tie broken by name" : ""
            parts.append("runner-up \(escapeForTerminal(runnerUp)) \(label.runnerUpVotes)\(tie)")
        }
        return "\(escapeForTerminal(label.family)) (\(parts.joined(separator: "; ")))"
    }

    // MARK: JSON

    static func json(_ s: Sample, label: SampleLabel?) -> JSONValue {
        func strings(_ items: some Sequence<String>) -> JSONValue { .array(items.map { .string($0) }) }
        func opt(_ v: String?) -> JSONValue { v.map { .string($0) } ?? .null }
        func opt(_ v: Int?) -> JSONValue { v.map { .int($0) } ?? .null }
        var members: [(String, JSONValue)] = [
            ("sample", .string(s.id)), ("path", opt(s.path)), ("report_size", .int(s.reportSize)),
            ("label", label.map { .object([("family", .string($0.family)), ("votes", .int($0.votes)), ("source", .string($0.source.rawValue)),
                                           ("engines", .int($0.engines)), ("runner_up", $0.runnerUp.map { .string($0) } ?? .null),
                                           ("runner_up_votes", .int($0.runnerUpVotes))]) } ?? .null),
        ]
        guard let r = s.record else { return .object(members) }
        members += [
            ("dialect", .string(r.dialect.rawValue)), ("version", opt(r.analyzerVersion)),
            ("file", .object([("name", opt(r.fileName)), ("size", opt(r.fileSize)), ("type", opt(r.fileType)),
                              ("md5", opt(r.md5)), ("sha256", opt(r.sha256))])),
            ("pe", .object([
                ("timestamp", opt(r.peTimestamp)),
                ("imported_dll_count", opt(r.importedDLLCount)),
                ("imports", .array(r.imports.map { .object([("dll", .string($0.dll)), ("functions", strings($0.functions))]) })),
                ("versioninfo", .array(r.versionInfo.map { .object([("name", .string($0.name)), ("value", .string($0.value))]) })),
                ("languages", strings(r.resourceLanguages)), ("sublanguages", strings(r.resourceSublanguages)),
                ("peid", strings(r.peidSignatures)), ("signed", .bool(r.isSigned)),
            ])),
            ("behavior", .object([
                ("processes", strings(r.processNames)),
                ("api_counts", .object(r.apiCounts.sorted { $0.key < $1.key }.map { ($0.key, .int($0.value)) })),
                ("files", .object(FileOperation.allCases.compactMap { op in r.files[op].map { (op.rawValue, strings($0)) } })),
                ("registry_written", strings(r.registryWritten)), ("registry_deleted", strings(r.registryDeleted)),
                ("registry_opened", strings(r.registryOpened)), ("mutexes", strings(r.mutexes)),
                ("dlls_loaded", strings(r.dllsLoaded)), ("executed_commands", strings(r.executedCommands)),
                ("resolved_apis", strings(r.resolvedAPIs)),
            ])),
            ("network", .object([
                ("hosts", strings(r.hosts)), ("tcp", strings(r.tcpDestinations)), ("udp", strings(r.udpDestinations)),
                ("dns", strings(r.dnsRequests)), ("dns_answers", strings(r.dnsAnswers)),
                ("http", .array(r.httpRequests.map { .object([("host", .string($0.host)), ("port", opt($0.port)),
                                                             ("method", opt($0.method)), ("uri", opt($0.uri))]) })),
            ])),
            ("signatures", .array(r.signatures.map { .object([("name", .string($0.name)), ("description", .string($0.description))]) })),
            ("virustotal", r.virusTotal.map { vt in
                .object([("not_scanned", .bool(vt.notScanned)), ("positives", opt(vt.positives)), ("total", opt(vt.total)),
                         ("scans", .array(vt.scans.map { .object([("engine", .string($0.engine)), ("detected", .bool($0.detected)),
                                                                  ("result", opt($0.result))]) }))])
            } ?? .null),
        ]
        return .object(members)
    }
}
