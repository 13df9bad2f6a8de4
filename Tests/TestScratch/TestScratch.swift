#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Scratch directories for tests. Each lives under one directory per test process, which is removed
/// when the process exits, so a run leaves nothing in /tmp even where a test never cleans up after
/// itself (a failed `#require`, a path handed to the shell, a suite's shared fixture).
public enum TestScratch {
    /// A new empty directory.
    public static func directory() -> String {
        make(root + "/XXXXXX")
    }

    private static let root: String = {
        let path = make("/tmp/cuckooml-tests-XXXXXX")
        rootAtExit = strdup(path)
        atexit {
            guard let root = rootAtExit else { return }
            _ = system("rm -rf -- '\(String(cString: root))'")
        }
        return path
    }()

    private static func make(_ pattern: String) -> String {
        var template = Array(pattern.utf8CString)
        return template.withUnsafeMutableBufferPointer { buffer in
            guard let made = mkdtemp(buffer.baseAddress!) else { fatalError("cannot make a directory like \(pattern)") }
            return String(cString: made)
        }
    }
}

// Read by the exit handler, which cannot capture; written once, by `root`'s initialiser.
nonisolated(unsafe) private var rootAtExit: UnsafeMutablePointer<CChar>?
