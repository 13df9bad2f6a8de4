#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CPlatform

/// Errors from writing output files; messages name the path and what went wrong.
public struct OutputError: Error, Equatable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public init(path: String, reason: String) { self.path = path; self.reason = reason }
    public var description: String { "\(path): \(reason)" }
}

/// Writes a file atomically: the bytes go to a temporary file beside the target, are flushed, and the
/// temporary is renamed over the target, so readers never see a half-written file and a failure
/// leaves any previous file intact.
public final class AtomicFileWriter {
    public let path: String
    private let temporaryPath: String
    private var fd: Int32
    private var committed = false
    private var buffer: [UInt8] = []
    private var written = 0
    /// Bytes after which writes fail (`WriteFaults`, tests only).
    private let faultLimit: Int?

    public init(path: String) throws(OutputError) {
        self.path = path
        (self.fd, self.temporaryPath) = try PartialFile.create(beside: path, mode: 0o644)
        faultLimit = WriteFaults.limit(for: path)
        // Created 0644 less the umask; files are 0644 whatever the umask (as ever).
        if PartialFile.umaskClears(0o644) { fchmod(fd, 0o644) }
    }

    public func write(_ s: String) throws(OutputError) { try write(Array(s.utf8)) }

    public func write<C: Collection>(_ bytes: C) throws(OutputError) where C.Element == UInt8 {
        buffer.append(contentsOf: bytes)
        if buffer.count >= 1 << 20 { try flush() }
    }

    private func flush() throws(OutputError) {
        var offset = 0
        while offset < buffer.count {
            var n = buffer.withUnsafeBytes { Glibc.write(fd, $0.baseAddress! + offset, min($0.count - offset, faultLimit.map { max(0, $0 - written) } ?? Int.max)) }
            if let limit = faultLimit, n == 0, written >= limit { n = -1; errno = ENOSPC }
            if n < 0 {
                if errno == EINTR { continue }
                throw OutputError(path: path, reason: "write failed: \(errnoText())")
            }
            offset += n
            written += n
        }
        buffer.removeAll(keepingCapacity: true)
    }

    /// Writes `pieces` in order, straight from where they are (one `writev` for a report spliced
    /// from its source buffer and the few inserted bytes, instead of assembling a copy first).
    func write(gathering pieces: [UnsafeRawBufferPointer]) throws(OutputError) {
        guard faultLimit == nil else {
            for piece in pieces { try write(piece) }
            return
        }
        try flush()
        var vectors = pieces.compactMap { $0.isEmpty ? nil : iovec(iov_base: UnsafeMutableRawPointer(mutating: $0.baseAddress), iov_len: $0.count) }
        var first = 0
        while first < vectors.count {
            let n = vectors.withUnsafeMutableBufferPointer { writev(fd, $0.baseAddress! + first, Int32(min($0.count - first, 1024))) }
            if n < 0 {
                if errno == EINTR { continue }
                throw OutputError(path: path, reason: "write failed: \(errnoText())")
            }
            if n == 0 { throw OutputError(path: path, reason: "write failed: nothing written") }
            written += n
            var left = n
            while left > 0 {
                if left >= vectors[first].iov_len {
                    left -= vectors[first].iov_len
                    first += 1
                } else {
                    vectors[first].iov_base = vectors[first].iov_base! + left
                    vectors[first].iov_len -= left
                    left = 0
                }
            }
        }
    }

    /// Flushes, syncs and renames the temporary file into place.
    public func commit() throws(OutputError) {
        precondition(!committed, "committed twice")
        try flush()
        if fsync(fd) != 0 {
            throw OutputError(path: path, reason: "cannot flush: \(errnoText())")
        }
        try publish()
    }

    /// Writes out what is buffered and closes the temporary file without syncing it (its write-back
    /// is started, not waited for): the caller makes it durable some other way (one `syncfs` for a
    /// batch of files, see `ReportWriter`) and then calls `publish()`. Dropping the writer before
    /// that removes the temporary file.
    func finishUnsynced() throws(OutputError) {
        precondition(!committed, "committed twice")
        try flush()
        cml_start_writeback(fd)
        close(fd)
        fd = -1
    }

    /// Renames the temporary file into place (after `finishUnsynced()` and a sync, or from `commit()`).
    func publish() throws(OutputError) {
        precondition(!committed, "committed twice")
        if fd >= 0 {
            close(fd)
            fd = -1
        }
        if FileSystemPath.with(temporaryPath, { from in FileSystemPath.with(path) { rename(from, $0) } }) != 0 {
            throw OutputError(path: path, reason: "cannot rename into place: \(errnoText())")
        }
        committed = true
    }

    /// Makes room for `bytes` in the write buffer (up to the flush size), so a file of known size is
    /// buffered without regrowing.
    func reserve(_ bytes: Int) {
        buffer.reserveCapacity(min(bytes, 1 << 20) + 4096)
    }

    /// An uncommitted writer removes its temporary file, so failures leave nothing behind.
    deinit {
        if fd >= 0 { close(fd) }
        if !committed { FileSystemPath.with(temporaryPath) { _ = unlink($0) } }
    }

    /// Writes a whole file atomically in one call.
    public static func write(_ contents: String, to path: String) throws(OutputError) {
        let writer = try AtomicFileWriter(path: path)
        try writer.write(contents)
        try writer.commit()
    }
}

func parentDirectory(of path: String) -> String {
    guard let slash = path.lastIndex(of: "/") else { return "." }
    return slash == path.startIndex ? "/" : String(path[..<slash])
}
