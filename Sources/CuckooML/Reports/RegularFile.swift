#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Why a file could not be read; one line naming it.
public struct FileReadError: Error, Equatable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public init(path: String, reason: String) { self.path = path; self.reason = reason }
    public var description: String { "\(escapeForTerminal(path)): \(reason)" }
}

/// Every file cuckooml reads (reports, matrices, label files, scripts, session files) is opened here.
/// Only regular files are read: a FIFO planted where a report was would block a plain `open` (until a
/// writer comes) and then `read` (forever), and a device may never end. The open is non-blocking, the
/// type is checked on the opened descriptor (not on the name, which could change in between), and
/// only then is blocking I/O turned back on.
public enum RegularFile {
    /// A descriptor for reading `path`, which is a regular file. The caller closes it.
    public static func open(_ path: String) throws(FileReadError) -> Int32 {
        let fd = FileSystemPath.with(path) { Glibc.open($0, O_RDONLY | O_CLOEXEC | O_NONBLOCK) }
        guard fd >= 0 else { throw FileReadError(path: path, reason: errnoText()) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let reason = errnoText()
            close(fd)
            throw FileReadError(path: path, reason: reason)
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw FileReadError(path: path, reason: "not a regular file (\(kindName(st.st_mode)))")
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        return fd
    }

    /// Checks that `path` is a regular file now (for readers that open the file themselves, such as SQLite).
    public static func check(_ path: String) throws(FileReadError) { close(try open(path)) }

    /// The whole file, refused when larger than `limit` bytes.
    public static func read(_ path: String, limit: Int) throws(FileReadError) -> [UInt8] {
        let fd = try open(path)
        defer { close(fd) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress!, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw FileReadError(path: path, reason: "read error: \(errnoText())")
            }
            if n == 0 { return out }
            out.append(contentsOf: buffer[0..<n])
            if out.count > limit { throw FileReadError(path: path, reason: "larger than \(limit >> 20) MB") }
        }
    }

    static func kindName(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFIFO: "a FIFO"
        case S_IFSOCK: "a socket"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        case S_IFLNK: "a symbolic link"
        case S_IFDIR: "a directory"
        default: "not a file"
        }
    }
}
