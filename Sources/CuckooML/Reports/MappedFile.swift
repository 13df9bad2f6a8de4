#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only memory map of a whole report file followed by at least one page of zero bytes, so the
/// scanner may load 8 bytes at a time anywhere before `end` without a bounds check: a NUL byte marks
/// the end (JSON text never contains a raw NUL that the scanner would accept).
///
/// Small files are mapped with `MAP_POPULATE` (cheaper than faulting page by page). Large files are
/// mapped lazily and the scanner calls `release(upTo:)` as it moves on, so pages already scanned leave
/// the process's resident set and peak RSS does not grow with the report size.
///
/// Given a `ReadBuffer`, a file up to `populateLimit` is read into it instead: for the typical report
/// of tens of KB, mapping costs more than the copy (page tables built and torn down per file, and an
/// unmap on one thread interrupts the others to flush their TLBs), so a loader thread reuses one
/// buffer for all its small files.
final class MappedFile {
    let base: UnsafePointer<UInt8>
    let size: Int
    /// 0 when the bytes are in a `ReadBuffer` (nothing to unmap).
    private let mappingLength: Int
    /// Offset below which pages were already handed back to the kernel.
    private var releasedUpTo = 0
    private var prefetchedUpTo = 0

    /// Files up to this size are populated eagerly; larger ones are streamed through a window.
    static let populateLimit = 32 << 20
    /// How far ahead of the scanner large files are read (asynchronous read-ahead).
    static let window = 16 << 20
    static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    var isStreamed: Bool { size > MappedFile.populateLimit }

    /// Maps `path`; throws a message (errno text) when the file cannot be opened or mapped.
    init(path: String, buffer: ReadBuffer? = nil) throws(ReportError) {
        // A FIFO planted among reports must not hang the load: RegularFile refuses it without blocking.
        let fd: Int32
        do { fd = try RegularFile.open(path) } catch { throw ReportError(path: path, offset: nil, message: error.reason) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw ReportError(path: path, offset: nil, message: MappedFile.errnoText()) }
        var size = Int(st.st_size)
        let page = MappedFile.pageSize
        if let buffer, size <= MappedFile.populateLimit {
            size = try buffer.fill(fd, size: size, padding: page, path: path)
            self.base = UnsafePointer(buffer.bytes)
            self.size = size
            self.mappingLength = 0
            return
        }
        let fileSpan = (size + page - 1) / page * page
        let length = fileSpan + page
        // Reserve the whole span (file + one zero page) first, then map the file over its start.
        guard let reserved = mmap(nil, length, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
              reserved != MAP_FAILED else {
            throw ReportError(path: path, offset: nil, message: "cannot map: " + MappedFile.errnoText())
        }
        if size > 0 {
            var flags = MAP_PRIVATE | MAP_FIXED
            #if os(Linux)
            if size <= MappedFile.populateLimit { flags |= MAP_POPULATE }
            #endif
            let mapped = mmap(reserved, fileSpan, PROT_READ, flags, fd, 0)
            guard mapped == reserved else {
                let message = MappedFile.errnoText()
                munmap(reserved, length)
                throw ReportError(path: path, offset: nil, message: "cannot map: " + message)
            }
            if size > MappedFile.populateLimit { _ = madvise(reserved, fileSpan, MADV_SEQUENTIAL) }
        }
        self.base = UnsafePointer(reserved.assumingMemoryBound(to: UInt8.self))
        self.size = size
        self.mappingLength = length
        if isStreamed { advance(to: 0) }
    }

    deinit { if mappingLength > 0 { munmap(UnsafeMutableRawPointer(mutating: base), mappingLength) } }

    /// Called as the scanner passes `offset`: drops pages well behind it and asks for the next window.
    func advance(to offset: Int) {
        guard isStreamed else { return }
        let page = MappedFile.pageSize
        // Keep one window behind the cursor: nothing older is looked at again.
        let releasable = (offset - MappedFile.window) / page * page
        if releasable > releasedUpTo {
            _ = madvise(UnsafeMutableRawPointer(mutating: base + releasedUpTo), releasable - releasedUpTo, MADV_DONTNEED)
            releasedUpTo = releasable
        }
        let wanted = min(size, offset + 2 * MappedFile.window) / page * page
        if wanted > prefetchedUpTo {
            let from = max(prefetchedUpTo, offset / page * page)
            if wanted > from { _ = madvise(UnsafeMutableRawPointer(mutating: base + from), wanted - from, MADV_WILLNEED) }
            prefetchedUpTo = wanted
        }
    }

    static func errnoText() -> String { String(cString: strerror(errno)) }
}

/// One loader thread's buffer for the small files it reads (see `MappedFile`), grown as needed and
/// reused, so reading a report allocates nothing.
final class ReadBuffer {
    private(set) var bytes: UnsafeMutablePointer<UInt8>
    private var capacity: Int

    init() {
        capacity = 1 << 20
        bytes = .allocate(capacity: capacity)
    }

    deinit { bytes.deallocate() }

    /// Reads the `size` bytes of the open file `fd` followed by `padding` zero bytes; returns how many
    /// bytes were read (fewer when the file shrank meanwhile: its end is where reading stopped).
    func fill(_ fd: Int32, size: Int, padding: Int, path: String) throws(ReportError) -> Int {
        if size + padding > capacity {
            bytes.deallocate()
            capacity = max(size + padding, capacity * 2)
            bytes = .allocate(capacity: capacity)
        }
        var done = 0
        while done < size {
            let n = read(fd, bytes + done, size - done)
            if n < 0 {
                if errno == EINTR { continue }
                throw ReportError(path: path, offset: nil, message: "read error: " + MappedFile.errnoText())
            }
            if n == 0 { break }
            done += n
        }
        (bytes + done).initialize(repeating: 0, count: padding)
        return done
    }
}
