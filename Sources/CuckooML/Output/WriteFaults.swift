/// Fault injection for the write paths (tests only): makes writes under one directory fail part-way,
/// as a full disk would, where a small filesystem cannot be mounted. `AtomicFileWriter` fails with
/// ENOSPC once `bytes` have been written to a file there; `SessionStore.save` caps the database at
/// that many bytes, so SQLite itself runs out of room ("database or disk is full").
enum WriteFaults {
    struct Fault: Sendable {
        var directory: String
        var bytes: Int
    }

    private static let current = Locked<Fault?>(nil)

    /// Starts failing writes of more than `bytes` bytes into `directory` (and below it).
    static func failWrites(under directory: String, after bytes: Int) {
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        current.withLock { $0 = Fault(directory: prefix, bytes: bytes) }
    }

    static func clear() { current.withLock { $0 = nil } }

    /// How many bytes a file at `path` may take before writes fail; nil when no fault applies.
    static func limit(for path: String) -> Int? {
        current.withLock { fault in
            guard let fault, path.hasPrefix(fault.directory) else { return nil }
            return fault.bytes
        }
    }
}
