#if canImport(Glibc)
import Glibc
#endif
import CuckooML

/// The command history: loaded from and saved to a plain text file, one command per line
/// (`$XDG_STATE_HOME/cuckooml/history`, else `~/.cuckooml_history`). The line editor is fed from it.
final class HistoryStore: @unchecked Sendable {
    let path: String?
    private(set) var entries: [String] = []
    static let limit = 2000

    init(path: String?) {
        self.path = path
        if let path, let text = try? readTextFile(path) {
            entries = text.split(separator: "\n").map(String.init).filter { !$0.isEmpty }
        }
    }

    /// Why the history cannot be kept, said once (at the prompt's start or at the first failed save).
    private(set) var problem: String?
    private var problemSaid = false

    static func defaultPath() -> String? {
        defaultPath(stateHome: getenvString("XDG_STATE_HOME"), home: getenvString("HOME"))
    }

    /// `$XDG_STATE_HOME/cuckooml/history` (the directory and any missing parents created with mode
    /// 700, as the XDG spec asks: the history holds what the analyst typed), else `~/.cuckooml_history`.
    static func defaultPath(stateHome: String?, home: String?) -> String? {
        if let state = stateHome, state.hasPrefix("/") {
            let dir = state + "/cuckooml"
            makePrivateDirectories(dir)
            return dir + "/history"
        }
        guard let home else { return nil }
        return home + "/.cuckooml_history"
    }

    /// `mkdir -p` with mode 700 for every directory it creates; existing ones are left as they are.
    static func makePrivateDirectories(_ path: String) {
        var st = stat()
        guard stat(path, &st) != 0 else { return }
        let parent = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        if !parent.isEmpty && parent != path { makePrivateDirectories(parent) }
        mkdir(path, 0o700)
    }

    /// The reason the history will not be saved, the first time it is asked for; nil afterwards.
    func takeProblem() -> String? {
        if problem == nil, let path {
            let dir = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
            if access(dir.isEmpty ? "/" : dir, W_OK) != 0 {
                problem = "command history cannot be saved in \(escapeForTerminal(dir)): \(String(cString: strerror(errno)))"
            }
        }
        guard let problem, !problemSaid else { return nil }
        problemSaid = true
        return problem
    }

    func add(_ line: String) {
        let trimmed = line.trimmingSpaces()
        guard !trimmed.isEmpty, !trimmed.contains("\n"), trimmed != entries.last else { return }
        entries.append(trimmed)
        if entries.count > HistoryStore.limit { entries.removeFirst(entries.count - HistoryStore.limit) }
    }

    /// Writes the history atomically. A failure does not interrupt the analyst; it is said once
    /// (`takeProblem`).
    func save() {
        guard let path else { return }
        do { try AtomicFileWriter.write(entries.joined(separator: "\n") + "\n", to: path) } catch {
            if problem == nil { problem = "command history not saved: \(error)" }
        }
    }
}
