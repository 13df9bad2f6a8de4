#if canImport(Glibc)
import Glibc
#endif

/// A scratch directory removed when the value goes away.
final class TemporaryDirectory {
    let path: String

    init() throws {
        var template = Array("/tmp/cuckooml-test-XXXXXX".utf8CString)
        guard let made = template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) else {
            throw TemporaryDirectoryError()
        }
        path = String(cString: made)
    }

    func write(_ name: String, _ contents: String) throws {
        guard let f = fopen(path + "/" + name, "wb") else { throw TemporaryDirectoryError() }
        fputs(contents, f)
        fclose(f)
    }

    func file(_ name: String) -> String { path + "/" + name }

    deinit { _ = system("rm -rf '\(path)'") }
}

struct TemporaryDirectoryError: Error {}
