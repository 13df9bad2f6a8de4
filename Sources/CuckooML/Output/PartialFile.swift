#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// The temporary files atomic writes go through, named so that an analyst who finds one knows what it
/// is — `.cuckooml-partial-4711-host-report.html-Ab12Cd` is an unfinished `report.html` of process 4711
/// on `host` — and so that a later cuckooml can tell when it is left over: after `kill -9` (or a crash,
/// or a power cut) nothing removes it, and a `save` of 100 MB reports leaves 100 MB behind.
///
/// The first write into a directory removes the partial files there whose owner is gone: our naming,
/// our host, our user, a regular file, and a process id that no longer exists. A file of a process
/// that is still running (another cuckooml writing into the same directory) is never touched; nor is
/// one from another host (the directory may be shared over NFS), nor anything named otherwise.
public enum PartialFile {
    static let prefix = ".cuckooml-partial-"

    /// Creates a new, empty temporary file beside `target` (same directory, so the final rename is
    /// atomic) with `mode` less the umask (private by default); returns its descriptor and path.
    /// Cleans up stale partial files first.
    static func create(beside target: String, mode: mode_t = 0o600) throws(OutputError) -> (fd: Int32, path: String) {
        let dir = parentDirectory(of: target)
        removeStale(in: dir)
        var name = target.split(separator: "/").last.map(String.init) ?? "file"
        // Keep the whole name within NAME_MAX (255 bytes) whatever the target's length.
        if name.utf8.count > 100 { name = String(decoding: FileSystemPath.bytes(name).prefix(100), as: UTF8.self) }
        let stem = dir + "/" + prefix + "\(getpid())-\(hostTag)-" + name + "-"
        // mkstemp's naming and O_EXCL, but created with `mode` (mkstemp's is 0600: a copy made
        // readable needed an fchmod more per file).
        for _ in 0..<100 {
            let path = stem + uniqueSuffix()
            let fd = FileSystemPath.with(path) { open($0, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, mode) }
            if fd >= 0 { return (fd, path) }
            if errno != EEXIST { break }
        }
        throw OutputError(path: target, reason: "cannot create a file in \(escapeForTerminal(dir)): \(errnoText())")
    }

    /// Six letters and digits, different for each call in this process (a counter mixed with a
    /// random seed), so names only collide with leftovers, which O_EXCL refuses.
    private static func uniqueSuffix() -> String {
        var x = suffixSeed &+ suffixCounter.add(1, ordering: .relaxed).oldValue &* 0x9E37_79B9_7F4A_7C15
        x = (x ^ (x >> 31)) &* 0xBF58_476D_1CE4_E5B9
        x ^= x >> 29
        var out = [UInt8](repeating: 0, count: 6)
        for k in 0..<6 {
            out[k] = suffixAlphabet[Int(x % 62)]
            x /= 62
        }
        return String(decoding: out, as: UTF8.self)
    }
    private static let suffixAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789".utf8)
    private static let suffixSeed = UInt64.random(in: 0...UInt64.max)
    private static let suffixCounter = Atomic<UInt64>(0)

    /// Whether the process's umask clears any of `mode`'s bits (read once from /proc/self/status:
    /// `umask()` can only be read by setting it, which would race with other threads creating
    /// files); true when it cannot be read, so callers then set the mode explicitly.
    static func umaskClears(_ mode: mode_t) -> Bool { processUmask.map { $0 & mode != 0 } ?? true }
    private static let processUmask: mode_t? = {
        guard let status = try? RegularFile.read("/proc/self/status", limit: 1 << 16) else { return nil }
        for line in String(decoding: status, as: UTF8.self).split(separator: "\n") where line.hasPrefix("Umask:") {
            return mode_t(String(line.dropFirst(6).filter { $0 != " " && $0 != "\t" }), radix: 8)
        }
        return nil
    }()

    /// This host's name reduced to letters, digits and `_` (so `-` only separates the name's fields).
    static let hostTag: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        let name = gethostname(&buffer, buffer.count - 1) == 0 ? buffer.withUnsafeBufferPointer { FileSystemPath.decode(cString: $0.baseAddress!) } : "host"
        let tag = String(name.prefix(32).map { $0.isASCII && ($0.isLetter || $0.isNumber) ? $0 : "_" })
        return tag.isEmpty ? "host" : tag
    }()

    /// Directories already cleaned by this process (a save writes hundreds of files into one).
    private static let cleaned = Locked<Set<String>>([])

    /// Removes the stale partial files in `dir` (see the type's comment); returns their names.
    @discardableResult
    public static func removeStale(in dir: String) -> [String] {
        guard cleaned.withLock({ $0.insert(dir).inserted }) else { return [] }
        guard let d = FileSystemPath.with(dir, { opendir($0) }) else { return [] }
        var names: [String] = []
        while let e = readdir(d) {
            let name = withUnsafePointer(to: e.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { FileSystemPath.decode(cString: $0) }
            }
            if name.hasPrefix(prefix) { names.append(name) }
        }
        closedir(d)
        var removed: [String] = []
        for name in names where isStale(name, in: dir) {
            if FileSystemPath.with(dir + "/" + name, { unlink($0) }) == 0 { removed.append(name) }
        }
        return removed
    }

    /// Ours (this host, this user, a regular file) and its process is gone.
    static func isStale(_ name: String, in dir: String) -> Bool {
        let fields = name.dropFirst(prefix.count).split(separator: "-", maxSplits: 2, omittingEmptySubsequences: false)
        guard fields.count == 3, let pid = Int32(fields[0]), pid > 0, fields[1] == hostTag[...] else { return false }
        var st = stat()
        guard FileSystemPath.with(dir + "/" + name, { lstat($0, &st) }) == 0,
              (st.st_mode & S_IFMT) == S_IFREG, st.st_uid == getuid() else { return false }
        // kill(pid, 0) fails with ESRCH only when no such process exists; EPERM means it exists.
        return pid != getpid() && kill(pid, 0) != 0 && errno == ESRCH
    }

    /// Forgets which directories were cleaned (tests).
    static func resetCleanedDirectories() { cleaned.withLock { $0.removeAll() } }
}
