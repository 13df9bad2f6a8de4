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

    static func defaultPath() -> String? {
        if let state = getenvString("XDG_STATE_HOME"), state.hasPrefix("/") {
            let dir = state + "/cuckooml"
            mkdir(dir, 0o700)
            return dir + "/history"
        }
        guard let home = getenvString("HOME") else { return nil }
        return home + "/.cuckooml_history"
    }

    func add(_ line: String) {
        let trimmed = line.trimmingSpaces()
        guard !trimmed.isEmpty, !trimmed.contains("\n"), trimmed != entries.last else { return }
        entries.append(trimmed)
        if entries.count > HistoryStore.limit { entries.removeFirst(entries.count - HistoryStore.limit) }
    }

    /// Writes the history atomically; a failure is not worth interrupting the analyst for.
    func save() {
        guard let path else { return }
        try? AtomicFileWriter.write(entries.joined(separator: "\n") + "\n", to: path)
    }
}
