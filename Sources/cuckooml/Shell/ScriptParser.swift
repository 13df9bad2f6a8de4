/// One command read from a script, a `-c` string or the prompt, with the line it started on.
struct ScriptCommand: Sendable, Equatable {
    var words: [String]
    var line: Int
    /// The command as written (for `--echo`, `--step` and history).
    var text: String
}

/// Script syntax: one command per line; `;` separates commands; `#` at the start of a word starts a
/// comment; double quotes group words, with `\"` and `\\` escapes inside them; a trailing `\`
/// continues the line. Outside quotes a backslash is literal, so Windows paths need no doubling.
enum ScriptParser {
    static func parse(_ text: String, firstLine: Int = 1) throws -> [ScriptCommand] {
        var commands: [ScriptCommand] = []
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.last == "\r" ? line.dropLast() : line
        }
        if lines.last?.isEmpty == true { lines.removeLast() }
        var i = 0
        while i < lines.count {
            let start = i
            var logical = String(lines[i])
            // A trailing backslash joins the next physical line (but not inside a comment).
            while endsWithContinuation(logical), i + 1 < lines.count {
                logical.removeLast()
                i += 1
                logical += " " + lines[i]
            }
            if endsWithContinuation(logical) { logical.removeLast() }
            i += 1
            do {
                for (words, source) in try split(logical) where !words.isEmpty {
                    commands.append(ScriptCommand(words: words, line: firstLine + start, text: source))
                }
            } catch let error as ShellError {
                throw LocatedError(line: firstLine + start, error: error)
            }
        }
        return commands
    }

    /// Words of a line still being typed (for completion): an open quote is closed at the end.
    static func words(ofPartialLine line: String) throws -> [String] {
        let segments = (try? split(line, tolerateOpenQuote: true)) ?? []
        return segments.last?.words ?? []
    }

    private static func endsWithContinuation(_ line: String) -> Bool {
        guard line.hasSuffix("\\") else { return false }
        // An even run of backslashes is escaped backslashes inside quotes, not a continuation.
        let run = line.reversed().prefix { $0 == "\\" }.count
        return run % 2 == 1
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
