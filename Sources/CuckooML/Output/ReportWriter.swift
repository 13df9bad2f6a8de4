#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CPlatform
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
    /// How many of `written` already held exactly their annotated copy (a save of the same
    /// clustering into the same directory) and were left as they were.
    public var unchanged = 0
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
/// `JSONAnnotatingCopier` for the exact rules). Each thread holds one report at a time (read whole
/// up to `wholeFileLimit`, streamed beyond); see `SaveDurability` for when files reach the disk.
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
            // The mode, and how many samples a sampled clustering linked exactly of how many.
            let fields: [(String, JSONValue)] = [
                ("clusterID", .int(l.labels[i])),
                ("strength", .double(l.strengths[i])),
                ("outlierScore", .double(l.outlierScores[i])),
                ("threshold", .double(l.parameters.threshold)),
                ("metric", .string(l.parameters.metric.rawValue)),
                ("mode", .string(l.parameters.mode.rawValue)),
            ]
            members.append(("linkage", .object(fields + (l.sampling.map { [("sampled", .int($0.sampled)), ("of", .int($0.rows))] } ?? []))))
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
                            durability: SaveDurability = .batched,
                            control: TaskControl = .none) throws -> ReportSaveSummary {
        guard !session.clusterings.isEmpty else {
            throw Refusal(description: "nothing to save: the session has no clustering yet (run cluster first)")
        }
        // A directory made just now holds no source report: nothing to look up (a stat per report).
        let fresh = try makeDirectories(directory)
        var summary = ReportSaveSummary(directory: directory)
        var sources = Set<FileID>()
        if !fresh {
            for sample in session.samples {
                if let path = sample.path, let id = FileID(path: path) { sources.insert(id) }
            }
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
            if !fresh, let id = FileID(path: target), sources.contains(id) { overwrites.append(target) }
            plan.append((i, source, target))
        }
        if !overwrites.isEmpty && !inPlace {
            throw Refusal(description: "\(escapeForTerminal(directory)) holds loaded reports: \(overwrites.count) would be overwritten (e.g. \(escapeForTerminal(overwrites[0]))); add in-place to overwrite them")
        }
        // Copies run on two threads (creating and writing files is half kernel time); the summary
        // lists them in plan order whichever thread wrote them.
        #if os(Linux)
        let syncTarget = durability == .batched ? FileSystemPath.with(directory, { open($0, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }) : -1
        #else
        let syncTarget: Int32 = -1   // no syncfs: each file is fsynced
        #endif
        defer { if syncTarget >= 0 { close(syncTarget) } }
        let outcomes = copyAll(plan.map { ($0.source, $0.target, $0.index) }, session: session, keepIdentical: !fresh,
                               syncTarget: syncTarget >= 0 ? syncTarget : nil, control: control)
        try control.checkCancellation()
        for (k, step) in plan.enumerated() {
            switch outcomes[k] {
            case .success(let copied):
                summary.written.append(step.target)
                summary.bytesRead += copied.bytesRead
                summary.nullsWritten += copied.nullsWritten
                if copied.unchanged { summary.unchanged += 1 }
            case .failure(let error):
                summary.failures.append(.init(sample: session.samples[step.index].id, reason: error.description))
            case nil:
                break
            }
        }
        return summary
    }

    /// What one copy read and wrote.
    struct Copied: Sendable, Equatable {
        var bytesRead: Int
        var nullsWritten: Int
        /// The target already held exactly this copy and was left as it was.
        var unchanged = false
    }

    /// Copies each (source, target, sample row) on up to two threads; nil for copies not made
    /// because of a cancellation. With `syncTarget` (a descriptor on the output directory), copies are
    /// published in batches: one `syncfs` makes a batch's temporary files durable, then they are
    /// renamed; without it (or where `syncfs` does not exist) each file is fsynced before its rename.
    /// With `keepIdentical`, a target that already holds exactly its copy is left alone.
    private static func copyAll(_ plan: [(String, String, Int)], session: Session, keepIdentical: Bool, syncTarget: Int32?,
                                control: TaskControl) -> [Result<Copied, ReportCopyError>?] {
        var outcomes = [Result<Copied, ReportCopyError>?](repeating: nil, count: plan.count)
        let next = Atomic<Int>(0), done = Atomic<Int>(0), bytes = Atomic<Int>(0)
        outcomes.withUnsafeMutableBufferPointer { buffer in
            let slots = CopySlots(base: buffer.baseAddress!)
            let work: @Sendable (Int) -> Void = { _ in
                // One read buffer per thread, reused for every report it copies, and one for the
                // targets already there.
                var scratch: [UInt8] = [], existing: [UInt8] = []
                var batch = PublishBatch(syncTarget: syncTarget)
                defer { if !control.isCancelled() { batch.publish(into: slots, isCancelled: control.isCancelled) } }
                while !control.isCancelled() {
                    let k = next.add(1, ordering: .relaxed).oldValue
                    guard k < plan.count else { return }
                    let (source, target, row) = plan[k]
                    do throws(ReportCopyError) {
                        let copy = try writeCopy(source: source, to: target, annotation: clusteringAnnotation(for: row, in: session),
                                                 scratch: &scratch, keepIdentical: keepIdentical, existing: &existing,
                                                 isCancelled: control.isCancelled)
                        _ = bytes.add(copy.bytesRead, ordering: .relaxed)
                        guard let writer = copy.writer else {
                            slots.base[k] = .success(Copied(bytesRead: copy.bytesRead, nullsWritten: copy.nullsWritten, unchanged: true))
                            continue
                        }
                        if batch.syncTarget == nil {
                            do throws(OutputError) { try writer.commit() } catch { throw ReportCopyError(error.description) }
                            slots.base[k] = .success(Copied(bytesRead: copy.bytesRead, nullsWritten: copy.nullsWritten))
                        } else {
                            do throws(OutputError) { try writer.finishUnsynced() } catch { throw ReportCopyError(error.description) }
                            batch.add(k, (writer, copy.bytesRead, copy.nullsWritten))
                            if batch.isFull { batch.publish(into: slots, isCancelled: control.isCancelled) }
                        }
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
    private struct CopySlots: @unchecked Sendable { let base: UnsafeMutablePointer<Result<Copied, ReportCopyError>?> }

    /// How `save` makes its files durable. Every file is written to a temporary file beside its
    /// target and renamed into place only once its bytes are on disk, so neither a reader nor a crash
    /// ever shows half a report; the policies differ in how many disk round trips that costs.
    public enum SaveDurability: Sendable, Equatable {
        /// fsync each file before its rename: one synchronous disk write (data and inode) per report,
        /// which bounds a save of 10 000 small reports by the disk's latency, not its bandwidth.
        case eachFile
        /// Temporary files are written without waiting for the disk (their write-back is started);
        /// every `PublishBatch.maximumBytes` (or `maximumFiles`) per thread one `syncfs` on the
        /// output's filesystem waits for them all together, then they are renamed. `eachFile` where there is no `syncfs` (not Linux). A
        /// Ctrl-C or crash leaves at most one batch of temporary files, never a renamed partial file.
        case batched
    }

    /// One thread's copies written but not yet renamed (`SaveDurability.batched`).
    private struct PublishBatch {
        /// Large enough that a sync covers many files, small enough that a Ctrl-C (which waits for a
        /// sync in progress) or a crash does not lose much; each file's write-back starts when it is
        /// closed, so the sync mostly waits for the last few.
        static let maximumBytes = 32 << 20
        static let maximumFiles = 512

        var syncTarget: Int32?
        var pending: [(slot: Int, writer: AtomicFileWriter, bytesRead: Int, nullsWritten: Int)] = []
        var bytes = 0

        var isFull: Bool { bytes >= Self.maximumBytes || pending.count >= Self.maximumFiles }

        mutating func add(_ slot: Int, _ copy: (writer: AtomicFileWriter, bytesRead: Int, nullsWritten: Int)) {
            pending.append((slot, copy.writer, copy.bytesRead, copy.nullsWritten))
            bytes += copy.bytesRead
        }

        /// Syncs the filesystem once, then renames each pending file into place; a file that cannot
        /// be synced or renamed is a failure of its sample (its temporary file is removed). On a
        /// cancellation during the sync the batch is dropped: its temporary files are removed.
        mutating func publish(into slots: CopySlots, isCancelled: () -> Bool) {
            guard let target = syncTarget, !pending.isEmpty else { return }
            let syncError: String?
            switch ReportWriter.syncFilesystem(target, isCancelled: isCancelled) {
            case .synced: syncError = nil
            case .failed(let reason): syncError = reason
            case .cancelled:
                pending.removeAll()
                bytes = 0
                return
            }
            for copy in pending {
                do throws(OutputError) {
                    if let syncError { throw OutputError(path: copy.writer.path, reason: "cannot flush: \(syncError)") }
                    try copy.writer.publish()
                    slots.base[copy.slot] = .success(Copied(bytesRead: copy.bytesRead, nullsWritten: copy.nullsWritten))
                } catch {
                    slots.base[copy.slot] = .failure(ReportCopyError(error.description))
                }
            }
            pending.removeAll(keepingCapacity: true)
            bytes = 0
        }
    }

    private enum SyncOutcome { case synced, failed(String), cancelled }

    /// Where the batches' syncs run: a queue of its own gets a thread of its own, whatever the
    /// copying threads are doing.
    private static let syncQueue = DispatchQueue(label: "cuckooml.save.syncfs")

    /// What a sync left for the thread waiting on it.
    private final class SyncState: Sendable {
        let finished = DispatchSemaphore(value: 0)
        let error = Atomic<Int32>(0)
    }

    /// `syncfs` on the filesystem of `fd`, waited for in steps of 10 ms so that a Ctrl-C does not
    /// wait for the disk: a sync also writes back what other programs left dirty on the filesystem,
    /// which can take seconds. On a cancellation the sync goes on alone on a duplicate descriptor
    /// and touches nothing of the caller's when it ends.
    private static func syncFilesystem(_ fd: Int32, isCancelled: () -> Bool) -> SyncOutcome {
        let own = dup(fd)
        guard own >= 0 else { return .failed(errnoText()) }
        let state = SyncState()
        syncQueue.async {
            let failed = cml_syncfs(own) != 0
            state.error.store(failed ? max(errno, 1) : 0, ordering: .relaxed)
            close(own)
            state.finished.signal()
        }
        while state.finished.wait(timeout: .now() + .milliseconds(10)) == .timedOut {
            if isCancelled() { return .cancelled }
        }
        let error = state.error.load(ordering: .relaxed)
        return error == 0 ? .synced : .failed(String(cString: strerror(error)))
    }

    /// Streams one report from `source` to `target` with `info.clustering` set; nothing is left at
    /// `target` on failure. Returns the bytes read and how many `null`s replaced non-finite numbers.
    public static func copy(source: String, to target: String, annotation: JSONValue,
                            isCancelled: () -> Bool = { false }) throws(ReportCopyError) -> (bytesRead: Int, nullsWritten: Int) {
        var scratch: [UInt8] = [], existing: [UInt8] = []
        let copy = try writeCopy(source: source, to: target, annotation: annotation, scratch: &scratch, keepIdentical: false,
                                 existing: &existing, isCancelled: isCancelled)
        do { try copy.writer?.commit() } catch { throw ReportCopyError(error.description) }
        return (copy.bytesRead, copy.nullsWritten)
    }

    /// Reports up to this size are read whole into the thread's buffer and copied by splicing
    /// (`JSONAnnotatingCopier.copy(document:)`); larger ones are streamed in chunks.
    static let wholeFileLimit = 64 << 20

    /// Writes the annotated copy of `source` to a temporary file beside `target`, not yet in place:
    /// the caller commits or publishes the writer (dropping it removes the file). With `keepIdentical`,
    /// a target that is a regular file holding exactly the copy already (read into `existing`) is
    /// left as it is and no writer is made (nil): saving the same clustering again rewrote every
    /// file, and replacing a file costs the kernel more than reading it (freeing the old blocks).
    static func writeCopy(source: String, to target: String, annotation: JSONValue, scratch: inout [UInt8],
                          keepIdentical: Bool, existing: inout [UInt8], isCancelled: () -> Bool) throws(ReportCopyError)
        -> (writer: AtomicFileWriter?, bytesRead: Int, nullsWritten: Int) {
        // The source may have become a FIFO since it was loaded: RegularFile refuses it without blocking.
        let fd: Int32
        do { fd = try RegularFile.open(source) } catch { throw ReportCopyError("\(escapeForTerminal(source)): cannot open: \(error.reason)") }
        defer { close(fd) }
        let whole: Int?
        do { whole = try readWhole(fd, into: &scratch, limit: wholeFileLimit) } catch {
            throw ReportCopyError("\(escapeForTerminal(source)): \(error.reason)")
        }
        func makeWriter() throws(ReportCopyError) -> AtomicFileWriter {
            do { return try AtomicFileWriter(path: target) } catch { throw ReportCopyError(error.description) }
        }
        var copier = JSONAnnotatingCopier(member: "clustering", value: annotation.serialized)
        let read: Int
        var writer: AtomicFileWriter?
        do {
            if let whole {
                if isCancelled() { throw ReportCopyError("interrupted") }
                var inserted: [UInt8] = []
                read = try scratch.withUnsafeBytes { raw in
                    let document = UnsafeRawBufferPointer(rebasing: raw[0..<whole])
                    guard let runs = copier.splicedRuns(document: document, inserted: &inserted) else {
                        let made = try makeWriter()
                        writer = made
                        made.reserve(whole + 4096)
                        return try copier.copy(document: document, to: { bytes in try made.write(bytes) }, isCancelled: isCancelled)
                    }
                    try inserted.withUnsafeBytes { text in
                        let pieces = runs.map { UnsafeRawBufferPointer(rebasing: ($0.fromDocument ? document : text)[$0.start..<$0.start + $0.count]) }
                        if keepIdentical && holds(target, exactly: pieces, buffer: &existing) { return }
                        let made = try makeWriter()
                        writer = made
                        try made.write(gathering: pieces)
                    }
                    return whole
                }
            } else {
                let made = try makeWriter()
                writer = made
                read = try copier.copy(from: fd, to: { bytes in try made.write(bytes) }, isCancelled: isCancelled)
            }
        } catch let error as ReportCopyError {
            throw ReportCopyError("\(escapeForTerminal(source)): \(error.reason)")
        } catch {
            throw ReportCopyError("\(error)")
        }
        return (writer, read, copier.nullsWritten + nonFiniteCount(annotation))
    }

    /// Whether `path` is a regular file (not a link to one) holding exactly `pieces` end to end.
    /// Anything else — missing, another kind of file, unreadable, another size or other bytes —
    /// counts as different, and the copy is written. Read in chunks, so a copy that differs (a new
    /// clustering: `info` comes first in Cuckoo's reports) costs a chunk, not the whole file.
    static func holds(_ path: String, exactly pieces: [UnsafeRawBufferPointer], buffer: inout [UInt8]) -> Bool {
        let total = pieces.reduce(0) { $0 + $1.count }
        let fd = FileSystemPath.with(path) { open($0, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC) }
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, Int(st.st_size) == total else { return false }
        if buffer.count < Self.comparedChunk { buffer = [UInt8](repeating: 0, count: Self.comparedChunk) }
        return buffer.withUnsafeMutableBytes { raw in
            let chunk = raw.baseAddress!
            var piece = 0, inPiece = 0, left = total
            // One byte past the size is asked for at the end, so a file that grew since fstat is noticed.
            while true {
                let wanted = left > 0 ? min(Self.comparedChunk, left) : 1
                var got = 0
                while got < wanted {
                    let n = read(fd, chunk + got, wanted - got)
                    if n < 0 { if errno == EINTR { continue }; return false }
                    if n == 0 { break }
                    got += n
                }
                if left == 0 { return got == 0 }
                guard got == wanted else { return false }
                var at = 0
                while at < got {
                    let p = pieces[piece]
                    let n = min(p.count - inPiece, got - at)
                    if n > 0 && memcmp(chunk + at, p.baseAddress! + inPiece, n) != 0 { return false }
                    at += n
                    inPiece += n
                    if inPiece == p.count { piece += 1; inPiece = 0 }
                }
                left -= got
            }
        }
    }

    /// How much of an existing copy `holds` reads at a time.
    static let comparedChunk = 1 << 18

    /// Reads the regular file `fd` whole into `buffer`, followed by `JSONAnnotatingCopier.documentPadding`
    /// zero bytes; returns its size, or nil (with the file offset back at 0) when it is larger than
    /// `limit`.
    static func readWhole(_ fd: Int32, into buffer: inout [UInt8], limit: Int) throws(ReportCopyError) -> Int? {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw ReportCopyError("cannot read: \(errnoText())") }
        let padding = JSONAnnotatingCopier.documentPadding
        guard Int(st.st_size) <= limit else { return nil }
        // One byte more than the size, so a file that grew since fstat is noticed.
        let wanted = Int(st.st_size) + 1 + padding
        if buffer.count < wanted { buffer = [UInt8](repeating: 0, count: max(wanted, 1 << 18)) }
        var total = 0
        while true {
            if buffer.count - total <= padding {
                guard total <= limit else {
                    guard lseek(fd, 0, SEEK_SET) == 0 else { throw ReportCopyError("cannot read: \(errnoText())") }
                    return nil
                }
                buffer.append(contentsOf: repeatElement(0, count: buffer.count))
            }
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + total, $0.count - total - padding) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ReportCopyError("read failed: \(errnoText())")
            }
            if n == 0 { break }
            total += n
        }
        buffer.withUnsafeMutableBytes { _ = memset($0.baseAddress! + total, 0, padding) }
        return total
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
/// Returns whether this call created `path` itself (so it is empty).
@discardableResult
func makeDirectories(_ path: String) throws(OutputError) -> Bool {
    var st = stat()
    if FileSystemPath.with(path, { stat($0, &st) }) == 0 {
        guard (st.st_mode & S_IFMT) == S_IFDIR else { throw OutputError(path: path, reason: "exists and is not a directory") }
        return false
    }
    let parent = parentDirectory(of: path)
    if parent != path && parent != "." && parent != "/" { try makeDirectories(parent) }
    if FileSystemPath.with(path, { mkdir($0, 0o755) }) != 0 {
        guard errno == EEXIST else { throw OutputError(path: path, reason: "cannot create directory: \(errnoText())") }
        return false
    }
    return true
}
