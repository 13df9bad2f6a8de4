/// Reads one Cuckoo or CAPE report into a `ReportRecord`: maps the file, scans it once, keeps only
/// the fields the features and labels need.
public enum ReportReader {
    /// Reads the report at `path`. `progress` receives the bytes scanned since its last call (for
    /// large files, every few MB; the rest when the file is done). Throws `ReportError` for a bad file
    /// and `Interrupted` when `control` is cancelled. Strings met before by `interner` share its storage.
    public static func read(path: String, control: TaskControl = .none,
                            progress: ((Int) -> Void)? = nil) throws -> ReportRecord {
        try read(path: path, control: control, interner: nil, progress: progress)
    }

    static func read(path: String, control: TaskControl, interner: StringInterner?, buffer: ReadBuffer? = nil,
                     progress: ((Int) -> Void)?) throws -> ReportRecord {
        let file: MappedFile
        do {
            file = try MappedFile(path: path, buffer: buffer)
        }
        var reported = 0
        let checkpoint: ((Int) -> Bool)? = file.isStreamed ? { offset in
            file.advance(to: offset)
            progress?(offset - reported)
            reported = offset
            return !control.isCancelled()
        } : nil
        var scanner = JSONScanner(base: file.base, count: file.size, onCheckpoint: checkpoint)
        // Without one of the loader's, the report's strings are still numbered through an interner of its own.
        scanner.interner = interner ?? StringInterner()
        var extractor = ReportExtractor(scanner: scanner)
        do throws(ScanFailure) {
            let record = try extractor.run()
            progress?(file.size - reported)
            return record
        } catch {
            throw reportError(error, path: path) ?? Interrupted()
        }
    }

    /// Reads a report held in memory (tests, tools); `path` names it in errors.
    public static func read(bytes: [UInt8], path: String = "<memory>") throws(ReportError) -> ReportRecord {
        try read(bytes: bytes, path: path, vector: true)
    }

    /// `read(bytes:path:)` on the vector (true) or scalar path of the scanner's byte-run scans, with
    /// the C value skipper (`native`) or the Swift steps alone.
    static func read(bytes: [UInt8], path: String, vector: Bool, native: Bool = true) throws(ReportError) -> ReportRecord {
        try withPadded(bytes) { buffer throws(ReportError) in
            var scanner = JSONScanner(base: buffer, count: bytes.count, vector: vector, native: native)
            scanner.interner = StringInterner()
            var extractor = ReportExtractor(scanner: scanner)
            do throws(ScanFailure) {
                return try extractor.run()
            } catch {
                throw reportError(error, path: path) ?? ReportError(path: path, offset: nil, message: "interrupted")
            }
        }
    }

    /// Checks that `bytes` is one well-formed JSON value (any type), without extracting anything.
    /// Throws the first error with its byte offset.
    public static func validate(bytes: [UInt8], path: String = "<memory>") throws(ReportError) {
        try validate(bytes: bytes, path: path, vector: true)
    }

    /// `validate(bytes:path:)` on the vector (true) or scalar path of the scanner's byte-run scans,
    /// with the C value skipper (`native`) or the Swift steps alone.
    static func validate(bytes: [UInt8], path: String, vector: Bool, native: Bool = true) throws(ReportError) {
        try withPadded(bytes) { buffer throws(ReportError) in
            var scanner = JSONScanner(base: buffer, count: bytes.count, vector: vector, native: native)
            do throws(ScanFailure) {
                scanner.skipWhitespace()
                try scanner.skipValue()
                try scanner.expectEnd()
            } catch {
                throw reportError(error, path: path) ?? ReportError(path: path, offset: nil, message: "interrupted")
            }
        }
    }

    /// Runs `body` on a copy of `bytes` followed by the zero padding the scanner's scans need.
    static func withPadded<R>(_ bytes: [UInt8], _ body: (UnsafePointer<UInt8>) throws(ReportError) -> R) throws(ReportError) -> R {
        let padding = JSONScanner.padding
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: bytes.count + padding)
        defer { buffer.deallocate() }
        buffer.initialize(repeating: 0, count: bytes.count + padding)
        bytes.withUnsafeBufferPointer { _ = UnsafeMutableBufferPointer(start: buffer, count: bytes.count).initialize(fromContentsOf: $0) }
        return try body(buffer)
    }

    private static func reportError(_ failure: ScanFailure, path: String) -> ReportError? {
        switch failure {
        case .malformed(let offset, let message): ReportError(path: path, offset: offset, message: message)
        case .cancelled: nil
        }
    }
}
