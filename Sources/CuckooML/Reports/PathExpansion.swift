#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns `load` arguments into report files: a file is itself, a directory is every regular file in
/// it (sorted by name; sub-directories too with `recursive`, symbolic links to directories are not
/// followed), and an argument with `*`, `?` or `[` is a shell-style glob expanded by glob(3).
/// Paths that match nothing are returned as problems, never silently dropped.
public enum PathExpansion {
    public struct Result: Sendable, Equatable {
        public var files: [String] = []
        public var problems: [ReportError] = []
    }

    public static func expand(_ arguments: [String], recursive: Bool) -> Result {
        var result = Result()
        for argument in arguments {
            if isGlob(argument) {
                let matches = glob(argument)
                if matches.isEmpty {
                    result.problems.append(ReportError(path: argument, offset: nil, message: "no file matches this pattern"))
                }
                for match in matches { add(match, recursive: recursive, into: &result) }
            } else {
                add(argument, recursive: recursive, into: &result)
            }
        }
        return result
    }

    static func isGlob(_ s: String) -> Bool { s.utf8.contains { $0 == 0x2A || $0 == 0x3F || $0 == 0x5B } }

    private static func add(_ path: String, recursive: Bool, into result: inout Result) {
        var st = stat()
        guard FileSystemPath.with(path, { stat($0, &st) }) == 0 else {
            result.problems.append(ReportError(path: path, offset: nil, message: String(cString: strerror(errno))))
            return
        }
        switch st.st_mode & S_IFMT {
        case S_IFREG:
            result.files.append(path)
        case S_IFDIR:
            addDirectory(path, recursive: recursive, into: &result)
        default:
            result.problems.append(ReportError(path: path, offset: nil, message: "not a regular file or directory"))
        }
    }

    private static func addDirectory(_ directory: String, recursive: Bool, into result: inout Result) {
        guard let d = FileSystemPath.with(directory, { opendir($0) }) else {
            result.problems.append(ReportError(path: directory, offset: nil, message: String(cString: strerror(errno))))
            return
        }
        var names: [String] = []
        while let e = readdir(d) {
            let name = withUnsafePointer(to: e.pointee.d_name) {
                // Names are bytes: one that is not UTF-8 is kept exactly (see FileSystemPath).
                $0.withMemoryRebound(to: CChar.self, capacity: Int(NAME_MAX) + 1) { FileSystemPath.decode(cString: $0) }
            }
            if name != "." && name != ".." { names.append(name) }
        }
        closedir(d)
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        for name in names.sorted() {
            let path = prefix + name
            var st = stat()
            // lstat: a link to a directory is not followed (no cycles); a link to a file is read.
            // Whatever else is skipped gets one line: a link loop or a dangling link, a FIFO, a socket.
            guard FileSystemPath.with(path, { lstat($0, &st) }) == 0 else {
                result.problems.append(ReportError(path: path, offset: nil, message: errnoText()))
                continue
            }
            switch st.st_mode & S_IFMT {
            case S_IFREG:
                result.files.append(path)
            case S_IFDIR:
                if recursive { addDirectory(path, recursive: true, into: &result) }
            case S_IFLNK:
                var target = stat()
                guard FileSystemPath.with(path, { stat($0, &target) }) == 0 else {
                    result.problems.append(ReportError(path: path, offset: nil, message: "symbolic link: \(errnoText())"))
                    continue
                }
                switch target.st_mode & S_IFMT {
                case S_IFREG: result.files.append(path)
                case S_IFDIR: break
                default: result.problems.append(ReportError(path: path, offset: nil, message: "symbolic link to \(RegularFile.kindName(target.st_mode)), not a regular file"))
                }
            default:
                result.problems.append(ReportError(path: path, offset: nil, message: "not a regular file (\(RegularFile.kindName(st.st_mode)))"))
            }
        }
    }

    /// glob(3) matches, sorted; empty when nothing matches.
    static func glob(_ pattern: String) -> [String] {
        var g = glob_t()
        defer { globfree(&g) }
        #if canImport(Glibc)
        let status = FileSystemPath.with(pattern) { Glibc.glob($0, 0, nil, &g) }
        #else
        let status = Darwin.glob(pattern, 0, nil, &g)
        #endif
        guard status == 0 else { return [] }
        var out: [String] = []
        for i in 0..<Int(g.gl_pathc) {
            if let p = g.gl_pathv[i] { out.append(FileSystemPath.decode(cString: p)) }
        }
        return out
    }
}
