import CuckooML

/// `load PATH... [recursive]`: reads Cuckoo/CAPE reports into the session (appending; a sample id
/// loaded again is replaced, with a warning). Bad files are reported one line each and skipped.
struct LoadCommand: ShellCommand {
    static let spec = CommandSpec(
        name: "load",
        summary: "Load Cuckoo or CAPE JSON reports (files, directories, globs)",
        discussion: """
            Each report becomes a sample named by its file name without .json. A directory means every
            regular file in it (and in its sub-directories with 'recursive'); quote globs such as
            "reports/*.json" or let the shell pass them through. Reports are read in parallel ('set threads N').
            A file that is not a valid report is skipped with one line 'FILE: byte N: what is wrong';
            the others still load, and load then counts as failed (a script stops there; exit status 1).
            Loading a sample id that is already loaded replaces it.
            """,
        arguments: [
            .positional("path", .path, repeating: true, help: "report files, directories or glob patterns"),
            .flag("recursive", help: "descend into sub-directories"),
        ],
        examples: ["load sample_data/reports", "load ../shared/data/cuckoo-reports/1*.json", "load reports recursive"])

    static func run(_ arguments: Arguments, _ context: inout CommandContext) throws -> CommandOutput {
        let paths = arguments.strings("path")
        guard !paths.isEmpty else { throw ShellError.usage("missing PATH") }
        let result = try context.session.readReports(paths: paths, recursive: arguments.has("recursive"), control: context.control)
        for failure in result.failures { context.note(escapeForTerminal(failure.description)) }
        guard !result.samples.isEmpty else {
            if result.failures.isEmpty { throw ShellError.failed("no report files in \(paths.map(escapeForTerminal).joined(separator: " "))") }
            throw ShellError.failed("no reports loaded (\(result.failures.count) skipped)")
        }

        // The same id twice in one load: the later file wins, like a later load would. (In a block of
        // its own: the table is gone before the features are built.)
        do {
            var seen: [String: String] = [:]
            // By index: iterating the samples would copy each (retaining every string of its record).
            for i in result.samples.indices {
                let id = result.samples[i].id, path = result.samples[i].path ?? ""
                if let earlier = seen[id] {
                    context.note("warning: \(escapeForTerminal(id)) appears twice (\(escapeForTerminal(earlier)), \(escapeForTerminal(path))); keeping the last")
                }
                seen[id] = path
            }
        }
        let replaced = context.session.loaded(among: result.samples)
        for id in replaced {
            context.note("warning: \(escapeForTerminal(id)) was already loaded; replaced")
        }
        try context.session.add(result.samples, control: context.control)

        let derived = derivedSummary(context.session)
        return CommandOutput(text: summaryText(result, replaced: replaced.count, total: context.session.samples.count) + "\n" + derived.text,
                             json: summaryJSON(result, replaced: replaced, total: context.session.samples.count, derived: derived.json),
                             incomplete: result.failures.isEmpty ? nil : "\(result.failures.count) of \(result.failures.count + result.samples.count) files could not be loaded")
    }

    /// Features and labels after a change of samples: `features 2345 (full) · labelled 160 of 200 (10 families)`.
    static func derivedSummary(_ session: Session) -> (text: String, json: [(String, JSONValue)]) {
        let features = session.features?.names.count ?? 0
        let families = Set(session.labels.values.map(\.family)).subtracting([SampleLabel.noneFamily])
        let labelled = session.labels.values.filter { $0.family != SampleLabel.noneFamily }.count
        let kind = session.featureConfiguration.kind.rawValue
        let text = "features \(features) (\(kind)) · labelled \(labelled) of \(session.samples.count) (\(families.count) famil\(families.count == 1 ? "y" : "ies"))"
        return (text, [("features", .int(features)), ("labelled", .int(labelled)), ("families", .int(families.count))])
    }

    static func summaryText(_ r: LoadResult, replaced: Int, total: Int) -> String {
        let mb = Double(r.bytes) / 1_048_576
        var line = "loaded \(r.samples.count) report\(r.samples.count == 1 ? "" : "s")"
        if replaced > 0 { line += " (\(replaced) replaced)" }
        line += ", \(fixed(mb, 1)) MB in \(fixed(r.seconds, 2)) s (\(fixed(r.megabytesPerSecond, 0)) MB/s)"
        if r.samples.count != total { line += "; \(total) in the session" }
        if !r.failures.isEmpty {
            let reasons = reasonCounts(r.failures).map { "\($0.count) \($0.reason)" }.joined(separator: ", ")
            line += "\nskipped \(r.failures.count): \(reasons)"
        }
        return line
    }

    static func summaryJSON(_ r: LoadResult, replaced: [String], total: Int, derived: [(String, JSONValue)]) -> JSONValue {
        .object([
            ("loaded", .int(r.samples.count)),
            ("replaced", .array(replaced.map { .string($0) })),
            ("skipped", .array(r.failures.map { f in
                .object([("path", .string(f.path)), ("offset", f.offset.map { .int($0) } ?? .null), ("message", .string(f.message))])
            })),
            ("files", .int(r.files)),
            ("bytes", .int(r.bytes)),
            ("seconds", .double(r.seconds)),
            ("mb_per_s", .double(r.megabytesPerSecond)),
            ("samples", .int(total)),
        ] + derived)
    }

    /// Failure messages grouped by their kind (the text before any detail such as "found 'x'").
    static func reasonCounts(_ failures: [ReportError]) -> [(reason: String, count: Int)] {
        var counts: [String: Int] = [:]
        var order: [String] = []
        for f in failures {
            let reason = escapeForTerminal(String(f.message.split(separator: ",", maxSplits: 1).first ?? Substring(f.message)))
            if counts[reason] == nil { order.append(reason) }
            counts[reason, default: 0] += 1
        }
        return order.map { ($0, counts[$0]!) }
    }
}
