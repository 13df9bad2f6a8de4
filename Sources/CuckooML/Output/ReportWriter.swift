#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Synchronization

/// What `save` did: the files written and, per sample, why one was not.
public struct ReportSaveSummary: Sendable, Equatable {
    public struct Failure: Sendable, Equatable {
        public var sample: String
        public var reason: String
    }
    public var directory: String
    public var written: [String] = []
    public var failures: [Failure] = []
    /// Samples with no source report (rows of an imported matrix), left out.
    public var skipped: [String] = []
    /// Bytes read from the source reports.
    public var bytesRead = 0
    /// `NaN`/`Infinity` tokens in the sources (and non-finite values of ours) written as `null`.
    public var nullsWritten = 0
}

/// Writes annotated copies of the loaded reports (`save DIR`): each report with
/// `info.clustering = {"hdbscan": {...}, "dbscan": {...}, "linkage": {...}}` (those the session has), everything else byte for byte (see
/// `JSONAnnotatingCopier` for the exact rules). Reports are streamed, never held in memory.
public enum ReportWriter {
    /// Errors that stop the whole save before anything is written.
    public struct Refusal: Error, Equatable, CustomStringConvertible {
        public var description: String
    }

    /// The `info.clustering` value for sample `i`: non-finite numbers are written as `null`.
    public static func clusteringAnnotation(for i: Int, in session: Session) -> JSONValue {
        var members: [(String, JSONValue)] = []
        if let h = session.hdbscan {
            members.append(("hdbscan", [
                "clusterID": .int(h.labels[i]),
                "clusterProbability": .double(h.probabilities[i]),
                "outlierScore": .double(h.outlierScores[i]),
                "min_samples": .int(h.parameters.minSamples),
                "min_cluster_size": .int(h.parameters.minClusterSize),
            ]))
        }
        if let d = session.dbscan {
            members.append(("dbscan", [
                "clusterID": .int(d.labels[i]),
                "eps": .double(d.parameters.eps),
                "min_samples": .int(d.parameters.minSamples),
            ]))
        }
        if let l = session.linkage {
            members.append(("linkage", [
                "clusterID": .int(l.labels[i]),
                "strength": .double(l.strengths[i]),
                "outlierScore": .double(l.outlierScores[i]),
                "threshold": .double(l.parameters.threshold),
                "metric": .string(l.parameters.metric.rawValue),
            ]))
        }
        return .object(members)
    }

    /// The file name a sample's copy gets: its source file's name. Refuses names that could land
    /// outside the directory or confuse a terminal (they come from malware file names).
    public static func outputName(for sample: Sample) throws(ReportCopyError) -> String {
        guard let path = sample.path else { throw ReportCopyError("no source report") }
        let name = path.split(separator: "/", omittingEmptySubsequences: true).last.map(String.init) ?? ""
        if name.isEmpty || name == "." || name == ".." {
            throw ReportCopyError("refusing output name '\(escapeForTerminal(name))': not a file name")
        }
        for scalar in name.unicodeScalars {
            if scalar.value == 0 || scalar == "/" || scalar == "\\" {
                throw ReportCopyError("refusing output name '\(escapeForTerminal(name))': it contains a path separator or NUL")
            }
            if isUnsafeForTerminal(scalar) && !FileSystemPath.isRawByte(scalar) {
                throw ReportCopyError("refusing output name '\(escapeForTerminal(name))': it contains control characters")
            }
        }
        return name
    }

    /// Copies every loaded report into `directory` (created if missing). A malformed or unreadable
    /// source is reported in the summary and the others are still written; each file is atomic.
    /// Throws `Refusal` before writing anything when a copy would overwrite a source report and
    /// `inPlace` is false, or when there is nothing to write.
    public static func save(_ session: Session, to directory: String, inPlace: Bool = false,
                            control: TaskControl = .none) throws -> ReportSaveSummary {
        guard !session.clusterings.isEmpty else {
            throw Refusal(description: "nothing to save: the session has no clustering yet (run cluster first)")
        }
        try makeDirectories(directory)
        var summary = ReportSaveSummary(directory: directory)
        var sources = Set<FileID>()
        for sample in session.samples {
            if let path = sample.path, let id = FileID(path: path) { sources.insert(id) }
        }
        // Plan every target first, so a refusal leaves the directory untouched.
        var plan: [(index: Int, source: String, target: String)] = []
        var targets: [String: String] = [:]
        var overwrites: [String] = []
        for (i, sample) in session.samples.enumerated() {
            guard let source = sample.path else { summary.skipped.append(sample.id); continue }
            let name: String
            do { name = try outputName(for: sample) } catch {
                summary.failures.append(.init(sample: sample.id, reason: error.description))
                continue
            }
            let target = directory + "/" + name
            if let other = targets[name] {
                summary.failures.append(.init(sample: sample.id, reason: "another sample (\(escapeForTerminal(other))) is also written to \(escapeForTerminal(name))"))
                continue
            }
            targets[name] = sample.id
            if let id = FileID(path: target), sources.contains(id) { overwrites.append(target) }
            plan.append((i, source, target))
        }
        if !overwrites.isEmpty && !inPlace {
            throw Refusal(description: "\(escapeForTerminal(directory)) holds loaded reports: \(overwrites.count) would be overwritten (e.g. \(escapeForTerminal(overwrites[0]))); add in-place to overwrite them")
        }
        // Copies run on two threads (creating and writing files is half kernel time); the summary
        // lists them in plan order whichever thread wrote them.
        let outcomes = copyAll(plan.map { ($0.source, $0.target, $0.index) }, session: session, control: control)
        try control.checkCancellation()
        for (k, step) in plan.enumerated() {
            switch outcomes[k] {
            case .success(let (read, nulls)):
                summary.written.append(step.target)
                summary.bytesRead += read
                summary.nullsWritten += nulls
            case .failure(let error):
                summary.failures.append(.init(sample: session.samples[step.index].id, reason: error.description))
            case nil:
                break
            }
        }
        return summary
    }

    /// Copies each (source, target, sample row) on up to two threads; nil for copies not made
    /// because of a cancellation.
    private static func copyAll(_ plan: [(String, String, Int)], session: Session, control: TaskControl)
        -> [Result<(Int, Int), ReportCopyError>?] {
        var outcomes = [Result<(Int, Int), ReportCopyError>?](repeating: nil, count: plan.count)
        let next = Atomic<Int>(0), done = Atomic<Int>(0), bytes = Atomic<Int>(0)
        outcomes.withUnsafeMutableBufferPointer { buffer in
            let slots = CopySlots(base: buffer.baseAddress!)
            let work: @Sendable (Int) -> Void = { _ in
                while !control.isCancelled() {
                    let k = next.add(1, ordering: .relaxed).oldValue
                    guard k < plan.count else { return }
                    let (source, target, row) = plan[k]
                    do throws(ReportCopyError) {
                        let copied = try copy(source: source, to: target, annotation: clusteringAnnotation(for: row, in: session),
                                              isCancelled: control.isCancelled)
                        slots.base[k] = .success(copied)
                        _ = bytes.add(copied.bytesRead, ordering: .relaxed)
                    } catch {
                        if control.isCancelled() { return }
                        slots.base[k] = .failure(error)
                    }
                    let finished = done.add(1, ordering: .relaxed).newValue
                    control.report(Progress(phase: "save", done: finished, total: plan.count, bytes: bytes.load(ordering: .relaxed)))
                }
            }
            let workers = min(plan.count, ReportLoader.coreCount() > 1 ? 2 : 1)
            if workers <= 1 { work(0) } else { DispatchQueue.concurrentPerform(iterations: workers, execute: work) }
        }
        return outcomes
    }

    /// Each copying thread writes only the slots of the copies it took.
    private struct CopySlots: @unchecked Sendable { let base: UnsafeMutablePointer<Result<(Int, Int), ReportCopyError>?> }

    /// Streams one report from `source` to `target` with `info.clustering` set; nothing is left at
    /// `target` on failure. Returns the bytes read and how many `null`s replaced non-finite numbers.
    public static func copy(source: String, to target: String, annotation: JSONValue,
                            isCancelled: () -> Bool = { false }) throws(ReportCopyError) -> (bytesRead: Int, nullsWritten: Int) {
        // The source may have become a FIFO since it was loaded: RegularFile refuses it without blocking.
        let fd: Int32
        do { fd = try RegularFile.open(source) } catch { throw ReportCopyError("\(escapeForTerminal(source)): cannot open: \(error.reason)") }
        defer { close(fd) }
        let writer: AtomicFileWriter
        do { writer = try AtomicFileWriter(path: target) } catch { throw ReportCopyError(error.description) }
        var copier = JSONAnnotatingCopier(member: "clustering", value: annotation.serialized)
        let read: Int
        do {
            read = try copier.copy(from: fd, to: { bytes in try writer.write(bytes) }, isCancelled: isCancelled)
        } catch let error as ReportCopyError {
            throw ReportCopyError("\(escapeForTerminal(source)): \(error.reason)")
        } catch {
            throw ReportCopyError("\(error)")
        }
        do { try writer.commit() } catch { throw ReportCopyError(error.description) }
        return (read, copier.nullsWritten + nonFiniteCount(annotation))
    }

    private static func nonFiniteCount(_ value: JSONValue) -> Int {
        switch value {
        case .double(let d): d.isFinite ? 0 : 1
        case .array(let items): items.reduce(0) { $0 + nonFiniteCount($1) }
        case .object(let members): members.reduce(0) { $0 + nonFiniteCount($1.1) }
        default: 0
        }
    }
}

/// A file's identity (device, inode), to tell whether two paths name the same file.
struct FileID: Hashable {
    var device: UInt64
    var inode: UInt64
    init?(path: String) {
        var st = stat()
        guard FileSystemPath.with(path, { stat($0, &st) }) == 0 else { return nil }
        device = UInt64(st.st_dev)
        inode = UInt64(st.st_ino)
    }
}

/// `mkdir -p`: creates `path` and any missing parents; fails when a component is not a directory.
func makeDirectories(_ path: String) throws(OutputError) {
    var st = stat()
    if FileSystemPath.with(path, { stat($0, &st) }) == 0 {
        guard (st.st_mode & S_IFMT) == S_IFDIR else { throw OutputError(path: path, reason: "exists and is not a directory") }
        return
    }
    let parent = parentDirectory(of: path)
    if parent != path && parent != "." && parent != "/" { try makeDirectories(parent) }
    if FileSystemPath.with(path, { mkdir($0, 0o755) }) != 0 && errno != EEXIST {
        throw OutputError(path: path, reason: "cannot create directory: \(errnoText())")
    }
}
