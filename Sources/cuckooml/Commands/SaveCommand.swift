import CuckooML

/// `save DIR [in-place]`: annotated copies of the loaded reports, with each sample's clustering in
/// `info.clustering`.
struct SaveCommand: ShellCommand {
    static let spec = CommandSpec(
        name: "save",
        summary: "Write copies of the loaded reports with their clustering in info.clustering",
        discussion: """
            Each loaded report is copied into DIR (created if missing) with
            info.clustering.hdbscan = {clusterID, clusterProbability, outlierScore, min_samples,
            min_cluster_size} (and info.clustering.dbscan = {clusterID, eps, min_samples} after a DBSCAN
            run, info.clustering.linkage = {clusterID, strength, outlierScore, threshold, metric} after
            'cluster'); the rest of the report is copied byte for byte. Each report is read whole, one per
            thread (over 64 MB: streamed), and written atomically: to a temporary file renamed into place
            once its bytes are on disk (one filesystem sync per batch of files, not one per file). NaN and
            Infinity (in the report or in the values)
            are written as null, so the copies are strict JSON. A report that cannot be read or written
            is reported and the others are still written; save then counts as failed (exit status 1). The source reports are never overwritten unless in-place is given.
            A file already in DIR that holds exactly its copy (a second save of the same clustering) is
            read, found equal and left as it is rather than replaced; the count says how many were.
            """,
        arguments: [
            .positional("dir", .path, help: "directory for the copies"),
            .flag("in-place", help: "allow overwriting the loaded reports themselves"),
        ],
        examples: ["save annotated", "save reports in-place"])

    static func run(_ arguments: Arguments, _ context: inout CommandContext) throws -> CommandOutput {
        let dir = try arguments.required("dir")
        guard !context.session.isEmpty else { throw ShellError.failed("nothing to save: no samples are loaded") }
        let summary: ReportSaveSummary
        do {
            summary = try ReportWriter.save(context.session, to: dir, inPlace: arguments.has("in-place"), control: context.control)
        } catch let error as ReportWriter.Refusal {
            throw ShellError.failed(error.description)
        } catch let error as OutputError {
            throw ShellError.failed(escapeForTerminal(error.description))
        }
        for failure in summary.failures {
            context.note("warning: \(escapeForTerminal(failure.sample)): \(failure.reason)")
        }
        if !summary.skipped.isEmpty {
            context.note("note: \(summary.skipped.count) imported rows have no report to copy")
        }
        var text = "wrote \(summary.written.count) report\(summary.written.count == 1 ? "" : "s") to \(escapeForTerminal(dir))"
        if summary.unchanged > 0 { text += " (\(summary.unchanged) already held their copy and were left as they were)" }
        if !summary.failures.isEmpty { text += "; \(summary.failures.count) failed" }
        if summary.nullsWritten > 0 { text += "; \(summary.nullsWritten) NaN/Infinity written as null" }
        let json: JSONValue = [
            "directory": .string(dir),
            "written": .int(summary.written.count),
            "files": JSONValue(summary.written),
            "unchanged": .int(summary.unchanged),
            "failed": .array(summary.failures.map { ["sample": .string($0.sample), "error": .string($0.reason)] }),
            "skipped": JSONValue(summary.skipped),
            "bytes_read": .int(summary.bytesRead),
            "nulls_written": .int(summary.nullsWritten),
        ]
        return CommandOutput(text: text, json: json, incomplete: summary.failures.isEmpty ? nil
                             : "\(summary.failures.count) of \(summary.failures.count + summary.written.count) reports could not be written")
    }
}
