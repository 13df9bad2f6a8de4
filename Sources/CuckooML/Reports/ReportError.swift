/// Why one report file could not be read; rendered as the one line `FILE: byte N: what is wrong`
/// (or `FILE: what is wrong` when the problem is not at a position, e.g. the file cannot be opened).
public struct ReportError: Error, Sendable, Equatable, CustomStringConvertible {
    public var path: String
    /// Byte offset in the file where reading stopped; nil for problems with the file itself.
    public var offset: Int?
    public var message: String

    public init(path: String, offset: Int?, message: String) {
        self.path = path
        self.offset = offset
        self.message = message
    }

    public var description: String {
        if let offset { return "\(path): byte \(offset): \(message)" }
        return "\(path): \(message)"
    }
}

/// How scanning a buffer stops early: bad JSON at an offset, or the analyst interrupting.
enum ScanFailure: Error {
    case malformed(offset: Int, message: String)
    case cancelled
}
