/// Reads one Cuckoo or CAPE report into a `ReportRecord`: maps the file, scans it once, keeps only
/// the fields the features and labels need.
public enum ReportReader {
    /// Reads the report at `path`. `progress` receives the bytes scanned since its last call (for
    /// large files, every few MB; the rest when the file is done). Throws `ReportError` for a bad file
    /// and `Interrupted` when `control` is cancelled.
    public static func read(path: String, control: TaskControl = .none,
                            progress: ((Int) -> Void)? = nil) throws -> ReportRecord {
        let file: MappedFile
        do {
            file = try MappedFile(path: path)
        }
        var reported = 0
        let checkpoint: ((Int) -> Bool)? = file.isStreamed ? { offset in
            file.advance(to: offset)
            progress?(offset - reported)
            reported = offset
            return !control.isCancelled()
        } : nil
        let scanner = JSONScanner(base: file.base, count: file.size, onCheckpoint: checkpoint)
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
        // The scanner needs zero bytes after the end for its 8-byte loads.
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: bytes.count + 16)
        defer { buffer.deallocate() }
        buffer.initialize(repeating: 0, count: bytes.count + 16)
        bytes.withUnsafeBufferPointer { _ = UnsafeMutableBufferPointer(start: buffer, count: bytes.count).initialize(fromContentsOf: $0) }
        let scanner = JSONScanner(base: buffer, count: bytes.count)
        var extractor = ReportExtractor(scanner: scanner)
        do throws(ScanFailure) {
            return try extractor.run()
        } catch {
            throw reportError(error, path: path) ?? ReportError(path: path, offset: nil, message: "interrupted")
        }
    }

    /// Checks that `bytes` is one well-formed JSON value (any type), without extracting anything.
    /// Throws the first error with its byte offset.
    public static func validate(bytes: [UInt8], path: String = "<memory>") throws(ReportError) {
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: bytes.count + 16)
        defer { buffer.deallocate() }
        buffer.initialize(repeating: 0, count: bytes.count + 16)
        bytes.withUnsafeBufferPointer { _ = UnsafeMutableBufferPointer(start: buffer, count: bytes.count).initialize(fromContentsOf: $0) }
        var scanner = JSONScanner(base: buffer, count: bytes.count)
        do throws(ScanFailure) {
            scanner.skipWhitespace()
            try scanner.skipValue()
            try scanner.expectEnd()
        } catch {
            throw reportError(error, path: path) ?? ReportError(path: path, offset: nil, message: "interrupted")
        }
    }

    private static func reportError(_ failure: ScanFailure, path: String) -> ReportError? {
        switch failure {
        case .malformed(let offset, let message): ReportError(path: path, offset: offset, message: message)
        case .cancelled: nil
        }
    }
}
