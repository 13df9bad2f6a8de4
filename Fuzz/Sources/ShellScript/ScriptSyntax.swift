import CuckooML

/// The shell's script syntax as the fuzzer drives it: a whole script as `source` and `-c` read it,
/// and the last line as completion splits a line still being typed.
public enum ScriptSyntax {
    public static func exercise(_ text: String) {
        _ = try? ScriptParser.parse(text)
        let lastLine = text.split(separator: "\n", omittingEmptySubsequences: false).last.map(String.init) ?? ""
        _ = try? ScriptParser.words(ofPartialLine: lastLine)
    }
}
