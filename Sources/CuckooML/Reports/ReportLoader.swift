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
        let outcomes = OutcomeSlots(count)
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
                var counted = 0
                var readSize: Int?
                do {
                    let record = try ReportReader.read(path: path, control: control, interner: interner, buffer: buffer) { delta in
                        counted += delta
                        let total = bytes.add(delta, ordering: .relaxed).newValue
                        control.report(Progress(phase: "load", done: done.load(ordering: .relaxed), total: count, bytes: total))
                    }
                    // Every byte read was reported: no second stat of the file.
                    readSize = counted
                    // The sample is made here, on the workers, not in the serial assembly below.
                    outcomes.put(i, Sample(id: sampleID(forPath: path), path: path, reportSize: counted, record: record))
                } catch let error as ReportError {
                    outcomes.failures[i] = error
                } catch {
                    cancelled.store(true, ordering: .relaxed)
                    return
                }
                let size = readSize ?? fileSize(path)
                outcomes.sizes[i] = size
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
        for i in 0..<count {
            result.bytes += outcomes.sizes[i]
            if let error = outcomes.failures[i] { result.failures.append(error) }
        }
        // Exactly one Sample (its record inline, ~500 bytes) per file, no doubling slack, each moved
        // out of its slot bit for bit, so the record is held once, by its Sample.
        result.samples = outcomes.moveSamples()
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

    /// What the workers read, by file: the sample, or why there is none, and the bytes. Each worker
    /// writes only the slots of the files it took; they are read after every worker has finished.
    /// Samples are moved out as raw memory (`moveSamples`): copying one out of an enum and into the
    /// result array retained and released every list and string of its record, on one thread while
    /// the other waited (a second of `load` at 100 000 reports, with the file names cut to ids).
    final class OutcomeSlots: @unchecked Sendable {
        let count: Int
        private let samples: UnsafeMutablePointer<Sample>
        private let filled: UnsafeMutablePointer<Bool>
        let failures: DisjointSlots<ReportError?>
        let sizes: DisjointSlots<Int>

        init(_ count: Int) {
            self.count = count
            samples = .allocate(capacity: max(1, count))
            filled = .allocate(capacity: max(1, count))
            filled.initialize(repeating: false, count: max(1, count))
            failures = DisjointSlots(count, repeating: nil)
            sizes = DisjointSlots(count, repeating: 0)
        }

        func put(_ i: Int, _ sample: consuming Sample) {
            (samples + i).initialize(to: sample)
            filled[i] = true
        }

        /// The samples in file order, moved out of their slots (which are left empty).
        func moveSamples() -> [Sample] {
            let n = (0..<count).reduce(0) { $0 + (filled[$1] ? 1 : 0) }
            return [Sample](unsafeUninitializedCapacity: n) { buffer, initialized in
                for i in 0..<count where filled[i] {
                    (buffer.baseAddress! + initialized).moveInitialize(from: samples + i, count: 1)
                    filled[i] = false
                    initialized += 1
                }
            }
        }

        deinit {
            for i in 0..<count where filled[i] { (samples + i).deinitialize(count: 1) }
            samples.deallocate()
            filled.deallocate()
        }
    }
}
