#if canImport(Glibc)
import Glibc
#endif
import Testing

/// Locations tests read from. Fixtures are committed numbers beside the tests; `../shared` (data and
/// the reference oracle) exists on developer and CI machines only, so tests that need it skip cleanly
/// when it is absent (a user's fresh clone).
enum TestSupport {
    /// The package root (the directory holding Package.swift).
    static let packageRoot: String = {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<path.lastIndex(of: "/")!]) }
        return path
    }()

    /// `Tests/CuckooMLTests/Fixtures`.
    static let fixtures = packageRoot + "/Tests/CuckooMLTests/Fixtures"

    /// `../shared` beside the repository, or nil when it is not there.
    /// `CUCKOOML_SHARED` names it elsewhere (a git worktree has no `../shared` beside it).
    static let shared: String? = {
        let override = getenv("CUCKOOML_SHARED").map { String(cString: $0) }
        let path = override ?? packageRoot + "/../shared"
        return access(path + "/README.md", R_OK) == 0 ? path : nil
    }()

    static var hasShared: Bool { shared != nil }

    /// Heavy cases (big corpora, large n) run only with CUCKOOML_HEAVY=1.
    static var heavy: Bool { getenv("CUCKOOML_HEAVY").map { String(cString: $0) == "1" } ?? false }

    static func readFile(_ path: String) throws -> [UInt8] {
        guard let f = fopen(path, "rb") else { throw TestFileError(path: path) }
        defer { fclose(f) }
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = fread(&buf, 1, buf.count, f)
            if n > 0 { out.append(contentsOf: buf[0..<n]) }
            if n < buf.count { break }
        }
        return out
    }

    static func readText(_ path: String) throws -> String { String(decoding: try readFile(path), as: UTF8.self) }

    /// Entries of a directory (names only, sorted).
    static func listDirectory(_ path: String) -> [String] {
        guard let d = opendir(path) else { return [] }
        defer { closedir(d) }
        var names: [String] = []
        while let e = readdir(d) {
            let name = withUnsafePointer(to: e.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }
}

struct TestFileError: Error { let path: String }
