/// One command read from a script, a `-c` string or the prompt, with the line it started on.
struct ScriptCommand: Sendable, Equatable {
    var words: [String]
    var line: Int
    /// The command as written (for `--echo`, `--step` and history).
    var text: String
}

/// What a source of lines gives the input loop: a physical line (without its line break), Ctrl-C at
/// the prompt (the editor's only), or the end of input.
enum LineInput: Equatable {
    case line(String)
    case interrupted
    case endOfInput
}

/// Joins physical lines into logical ones by the shell's one continuation rule, for every input (the
/// prompt, a script file, `-c`, a pipe, `source`): a line that ends in an odd run of backslashes
/// continues on the next; that backslash is dropped and the two lines are joined by a space. (An even
/// run is escaped backslashes inside quotes.) A line break left on a line (`\r\n`, `\r`) is dropped
/// first, so CRLF scripts read the same. At the end of input a pending continuation ends the command.
struct LogicalLines {
    /// The number of the last physical line read.
    private(set) var lineNumber = 0

    init(firstLine: Int = 1) { lineNumber = firstLine - 1 }

    /// The next logical line and the number of its first physical line. `read(continuing)` gives the
    /// next physical line; `continuing` is true while a command is being continued (the prompt then
    /// shows `...> `). Ctrl-C on a continuation line drops the whole command.
    mutating func next(_ read: (_ continuing: Bool) -> LineInput) -> (input: LineInput, firstLine: Int) {
        let input = read(false)
        guard case .line(let first) = input else { return (input, lineNumber + 1) }
        lineNumber += 1
        let firstLine = lineNumber
        var logical = Self.withoutLineBreak(first)
        while Self.continues(logical) {
            logical.removeLast()
            switch read(true) {
            case .line(let more):
                lineNumber += 1
                logical += " " + Self.withoutLineBreak(more)
            case .interrupted:
                return (.interrupted, firstLine)
            case .endOfInput:
                return (.line(logical), firstLine)
            }
        }
        return (.line(logical), firstLine)
    }

    /// Whether a line continues on the next one.
    static func continues(_ line: String) -> Bool {
        // An even run of backslashes is escaped backslashes inside quotes, not a continuation.
        line.reversed().prefix { $0 == "\\" }.count % 2 == 1
    }

    /// The physical lines of a text. In Swift "\r\n" is one Character, so it is a separator of its own.
    static func physicalLines(of text: String) -> ArraySlice<Substring> {
        var lines = text.split(omittingEmptySubsequences: false) { $0 == "\n" || $0 == "\r\n" }[...]
        if lines.last?.isEmpty == true { lines.removeLast() }
        return lines
    }

    private static func withoutLineBreak(_ line: String) -> String {
        line.last == "\r" || line.last == "\r\n" || line.last == "\n" ? String(line.dropLast()) : line
    }
}

/// Script syntax: one command per line; `;` separates commands; `#` at the start of a word starts a
/// comment; double quotes group words, with `\"` and `\\` escapes inside them; a trailing `\`
/// continues the line (`LogicalLines`). Outside quotes a backslash is literal, so Windows paths need no
/// doubling.
enum ScriptParser {
    /// Every command of a whole script text.
    static func parse(_ text: String, firstLine: Int = 1) throws -> [ScriptCommand] {
        var lines = LogicalLines.physicalLines(of: text)
        var reader = LogicalLines(firstLine: firstLine)
        var commands: [ScriptCommand] = []
        while case (.line(let logical), let line) = reader.next({ _ in lines.popFirst().map { .line(String($0)) } ?? .endOfInput }) {
            commands += try parse(logicalLine: logical, line: line)
        }
        return commands
    }

    /// The commands of one logical line (continuations already joined), numbered with its first line.
    static func parse(logicalLine: String, line: Int) throws -> [ScriptCommand] {
        do {
            return try split(logicalLine).filter { !$0.words.isEmpty }.map { ScriptCommand(words: $0.words, line: line, text: $0.source) }
        } catch let error as ShellError {
            throw LocatedError(line: line, error: error)
        }
    }

    /// Words of a line still being typed (for completion): an open quote is closed at the end.
    static func words(ofPartialLine line: String) throws -> [String] {
        let segments = (try? split(line, tolerateOpenQuote: true)) ?? []
        return segments.last?.words ?? []
    }

    /// Splits one logical line into commands (at `;`) and words.
    static func split(_ line: String, tolerateOpenQuote: Bool = false) throws -> [(words: [String], source: String)] {
        var out: [(words: [String], source: String)] = []
        var words: [String] = []
        var word = ""
        var inWord = false
        var inQuotes = false
        var source = ""
        var iterator = Array(line)
        var k = 0
        func endWord() {
            if inWord { words.append(word) }
            word = ""
            inWord = false
        }
        func endCommand() {
            endWord()
            out.append((words, source.trimmingSpaces()))
            words = []
            source = ""
        }
        while k < iterator.count {
            let c = iterator[k]
            if inQuotes {
                if c == "\\", k + 1 < iterator.count, iterator[k + 1] == "\"" || iterator[k + 1] == "\\" {
                    word.append(iterator[k + 1])
                    source.append(c); source.append(iterator[k + 1])
                    k += 2
                    continue
                }
                source.append(c)
                if c == "\"" { inQuotes = false } else { word.append(c) }
                k += 1
                continue
            }
            switch c {
            case "\"":
                inQuotes = true
                inWord = true
                source.append(c)
            case " ", "\t":
                endWord()
                source.append(c)
            case ";":
                endCommand()
            case "#" where !inWord:
                k = iterator.count
                continue
            default:
                word.append(c)
                inWord = true
                source.append(c)
            }
            k += 1
        }
        if inQuotes && !tolerateOpenQuote { throw ShellError.syntax("unterminated quote") }
        iterator = []
        endCommand()
        return out
    }
}

/// An error tied to a line of a script.
struct LocatedError: Error {
    let line: Int
    let error: ShellError
}

/// Quotes a word for display so that it reads back as the same word.
func quoteWord(_ word: String) -> String {
    let needs = word.isEmpty || word.contains { $0 == " " || $0 == "\t" || $0 == "\"" || $0 == ";" || $0 == "#" }
    guard needs else { return word }
    return "\"" + word.replacingBackslashesAndQuotes() + "\""
}

extension String {
    fileprivate func replacingBackslashesAndQuotes() -> String {
        var out = ""
        for c in self {
            if c == "\\" || c == "\"" { out.append("\\") }
            out.append(c)
        }
        return out
    }
}
