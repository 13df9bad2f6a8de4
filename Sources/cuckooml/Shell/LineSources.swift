#if canImport(Glibc)
import Glibc
#endif
import CEditLine
import CuckooML

/// Where the input loop (`Shell.run`) gets its physical lines: the line editor, a script's text (a
/// file, `-c`, `source`) or a stream (a pipe or a redirected file). Continuations are joined by the
/// loop (`LogicalLines`), never here.
protocol LineSource {
    /// The next physical line; `continuing` while a command is being continued.
    mutating func next(continuing: Bool) -> LineInput
    /// Told each non-blank logical line the loop is about to run (the prompt keeps it in the history).
    mutating func accepted(_ logicalLine: String)
}

extension LineSource {
    mutating func accepted(_ logicalLine: String) {}
}

/// The lines of a whole text: a script file, `-c`, `source`. A final line break ends the last line.
struct TextLines: LineSource {
    private var lines: ArraySlice<Substring>

    init(_ text: String) {
        lines = LogicalLines.physicalLines(of: text)
    }

    mutating func next(continuing: Bool) -> LineInput {
        lines.popFirst().map { .line(String($0)) } ?? .endOfInput
    }
}

/// Lines read one at a time from a C stream (stdin from a pipe or a file), so each command runs as
/// soon as its line arrives. Bytes that are not UTF-8 are kept as `FileSystemPath` stand-ins.
struct StreamLines: LineSource {
    let stream: UnsafeMutablePointer<FILE>

    mutating func next(continuing: Bool) -> LineInput {
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        guard getline(&line, &capacity, stream) >= 0, let line else { return .endOfInput }
        // The loop drops the line break ("\n" or "\r\n", one Character in Swift).
        return .line(FileSystemPath.decode(cString: line))
    }
}

/// Lines typed at the prompt through libedit. The prompt shows the session (`Shell.prompt`), and
/// `...> ` while a command is being continued; what is run goes into the editor's and the saved history.
struct EditorLines: LineSource {
    let editor: LineEditor
    let history: HistoryStore
    let sink: any OutputSink
    let prompt: () -> String

    mutating func next(continuing: Bool) -> LineInput {
        let input = editor.readLine(prompt: continuing ? "...> " : prompt())
        if case .line = input { return input }
        sink.out("\n")  // Ctrl-C and Ctrl-D leave the cursor after the prompt: end that line
        return input
    }

    mutating func accepted(_ logicalLine: String) {
        editor.remember(logicalLine)
        history.add(logicalLine)
    }
}
