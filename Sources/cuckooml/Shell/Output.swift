#if canImport(Glibc)
import Glibc
#endif
import CuckooML

/// What a command returns: text for people and a JSON document for `--json`. Rendering happens in one
/// place (the runner) so a whole session can be captured and golden-tested.
struct CommandOutput: Sendable {
    var text: String
    var json: JSONValue
    /// Set when the command did part of what it was asked (some reports could not be read or
    /// written): what it did is kept and printed, and then the command counts as failed — a script
    /// stops (or, with --keep-going, goes on and exits 1) and `-c` exits non-zero.
    var incomplete: String?

    init(text: String = "", json: JSONValue = ["ok": true], incomplete: String? = nil) {
        self.text = text
        self.json = json
        self.incomplete = incomplete
    }

    static let empty = CommandOutput()
}

/// Where the shell writes: stdout for results, stderr for messages and progress. Tests capture both.
protocol OutputSink: AnyObject, Sendable {
    func out(_ text: String)
    func err(_ text: String)
}

final class StandardSink: OutputSink, @unchecked Sendable {
    func out(_ text: String) { writeAll(1, text) }
    func err(_ text: String) { writeAll(2, text) }

    private func writeAll(_ fd: Int32, _ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 { if errno == EINTR { continue }; return }
            offset += n
        }
        bytes.removeAll()
    }
}

/// Collects output in memory (tests, golden transcripts).
final class CaptureSink: OutputSink, @unchecked Sendable {
    private(set) var stdout = ""
    private(set) var stderr = ""
    func out(_ text: String) { stdout += text }
    func err(_ text: String) { stderr += text }
}

/// What the shell knows about the terminal it draws on.
struct TerminalInfo: Sendable {
    var stdoutIsTTY: Bool
    var stderrIsTTY: Bool
    /// Colour only on a TTY, never when NO_COLOR is set, and not when the analyst turned it off.
    var color: Bool
    var width: Int

    static let plain = TerminalInfo(stdoutIsTTY: false, stderrIsTTY: false, color: false, width: 100)

    static func detect() -> TerminalInfo {
        let outTTY = isatty(1) == 1
        let noColor = getenv("NO_COLOR").map { String(cString: $0).isEmpty == false } ?? false
        var ws = winsize()
        let width = ioctl(1, UInt(TIOCGWINSZ), &ws) == 0 && ws.ws_col > 0 ? Int(ws.ws_col) : 100
        return TerminalInfo(stdoutIsTTY: outTTY, stderrIsTTY: isatty(2) == 1, color: outTTY && !noColor, width: width)
    }
}
