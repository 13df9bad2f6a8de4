#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CPlatform
import Dispatch
import Synchronization

/// What `ReportLoader.load` produced: the samples read (in the order of the expanded paths), the files
/// that could not be read with why, and how much work it was.
public struct LoadResult: Sendable {
    public var samples: [Sample] = []
    public var failures: [ReportError] = []
    /// Bytes of the files read (successfully or not).
    public var bytes: Int = 0
    public var seconds: Double = 0
    /// Files attempted (after expanding directories and globs).
    public var files: Int = 0

    public var megabytesPerSecond: Double { seconds > 0 ? Double(bytes) / 1_048_576 / seconds : 0 }
}

/// Reads many report files in parallel, one file per task, each worker pulling the next file index.
public enum ReportLoader {
    /// Expands `paths` (files, directories, globs; see `PathExpansion`) and reads every report.
    /// `threads` 0 means one per core. Progress goes to `control.report` as (files done, bytes);
    /// cancellation (`control.isCancelled`) stops the workers and throws `Interrupted`.
    public static func load(paths: [String], recursive: Bool = false, threads: Int = 0,
                            control: TaskControl = .none) throws(Interrupted) -> LoadResult {
        let expansion = PathExpansion.expand(paths, recursive: recursive)
        var result = try load(files: expansion.files, threads: threads, control: control)
        result.failures = expansion.problems + result.failures
        return result
    }

    /// Reads the given report files (no expansion).
    public static func load(files: [String], threads: Int = 0, control: TaskControl = .none) throws(Interrupted) -> LoadResult {
        let started = monotonicClock()
        let count = files.count
        let workers = max(1, min(threads > 0 ? threads : coreCount(), count))
        // One slot per file; each worker writes only the slots of the files it took, and the slots
        // are read only after every worker has finished.
        let outcomes = DisjointSlots<(Outcome?, Int)>(count, repeating: (nil, 0))
        let next = Atomic<Int>(0)
        let done = Atomic<Int>(0)
        let bytes = Atomic<Int>(0)
        let cancelled = Atomic<Bool>(false)
        // Largest files first: a big report taken last would leave the other workers idle while
        // one thread scans it (directory order often puts the biggest near the end).
        let schedule = workers > 1 ? largestFirst(files) : Array(0..<count)
        StringTable.shared.reserve(count * Self.newStringsPerReport)

        let work: @Sendable (Int) -> Void = { _ in
            // Each worker shares the strings of the reports it read (see `StringInterner`).
            let interner = StringInterner()
            let buffer = ReadBuffer()
            while !cancelled.load(ordering: .relaxed) {
                let taken = next.add(1, ordering: .relaxed).oldValue
                guard taken < count else { return }
                let i = schedule[taken]
                if control.isCancelled() { cancelled.store(true, ordering: .relaxed); return }
                let path = files[i]
                let outcome: Outcome
                var counted = 0
                var readSize: Int?
                do {
                    let record = try ReportReader.read(path: path, control: control, interner: interner, buffer: buffer) { delta in
                        counted += delta
                        let total = bytes.add(delta, ordering: .relaxed).newValue
                        control.report(Progress(phase: "load", done: done.load(ordering: .relaxed), total: count, bytes: total))
                    }
                    outcome = .record(record)
                    // Every byte read was reported: no second stat of the file.
                    readSize = counted
                } catch let error as ReportError {
                    outcome = .failure(error)
                } catch {
                    cancelled.store(true, ordering: .relaxed)
                    return
                }
                let size = readSize ?? fileSize(path)
                outcomes[i] = (outcome, size)
                if size > counted { _ = bytes.add(size - counted, ordering: .relaxed) }
                let finished = done.add(1, ordering: .relaxed).newValue
                control.report(Progress(phase: "load", done: finished, total: count, bytes: bytes.load(ordering: .relaxed)))
            }
        }
        if workers == 1 {
            work(0)
        } else {
            DispatchQueue.concurrentPerform(iterations: workers, execute: work)
        }
        if cancelled.load(ordering: .relaxed) || control.isCancelled() { throw Interrupted() }
        // The workers' interner tables and scratch are done with: their pages go back before the
        // features and labels are built on top of the records (37 MB off the peak at 100 000).
        cml_release_free_memory()

        var result = LoadResult()
        result.files = count
        // Exactly one Sample (its record inline, ~500 bytes) per file: no doubling slack.
        result.samples.reserveCapacity(count)
        for i in 0..<count {
            // Moved out of the slot, so the record is held once, by its Sample.
            let (outcome, size) = outcomes.take(i, leaving: (nil, 0))
            result.bytes += size
            switch consume outcome {
            case .record(let record):
                result.samples.append(Sample(id: sampleID(forPath: files[i]), path: files[i], reportSize: size, record: record))
            case .failure(let error):
                result.failures.append(error)
            case nil:
                break
            }
        }
        result.seconds = monotonicClock() - started
        return result
    }

    /// Strings a report brings that the reports before it did not (generated corpora: ~22-24 at
    /// 30 000 and 100 000 reports), to size the string table once.
    static let newStringsPerReport = 24

    /// The sample id of a report: its file name without a `.json` extension.
    public static func sampleID(forPath path: String) -> String {
        let name = path.split(separator: "/", omittingEmptySubsequences: true).last.map(String.init) ?? path
        return name.hasSuffix(".json") && name.count > 5 ? String(name.dropLast(5)) : name
    }

    /// The indices of `files` by decreasing size (ties and unreadable files in list order).
    static func largestFirst(_ files: [String]) -> [Int] {
        let sizes = files.map(fileSize)
        return files.indices.sorted { sizes[$0] != sizes[$1] ? sizes[$0] > sizes[$1] : $0 < $1 }
    }

    static func coreCount() -> Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    static func fileSize(_ path: String) -> Int {
        var st = stat()
        return FileSystemPath.with(path) { stat($0, &st) } == 0 ? Int(st.st_size) : 0
    }

    static func monotonicClock() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
    }

    enum Outcome: Sendable {
        case record(ReportRecord)
        case failure(ReportError)
    }
}
