#if canImport(Glibc)
import Glibc
#endif
import TestScratch

/// A scratch directory removed when the value goes away.
final class TemporaryDirectory {
    let path: String

    init() throws {
        path = TestScratch.directory()
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
