#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import cuckooml

/// Replays the committed inputs of the script-parser fuzzer (Fuzz/, `scripts/fuzz script-parser`)
/// through the calls it makes: a whole script as `source` reads it, and its last line as completion
/// splits a line being typed. Each must give commands or a syntax error, never a crash.
@Suite struct ScriptFuzzReplayTests {
    static let folder = TestPaths.packageRoot + "/Tests/CuckooMLTests/Fixtures/fuzz/script-parser"

    @Test func everyInputParsesOrFailsWithALine() throws {
        var names: [String] = []
        if let d = opendir(Self.folder) {
            while let e = readdir(d) {
                let name = withUnsafePointer(to: e.pointee.d_name) {
                    $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
                }
                if !name.hasPrefix(".") { names.append(name) }
            }
            closedir(d)
        }
        #expect(!names.isEmpty, "no inputs in \(Self.folder)")
        var parsed = 0, refused = 0
        for name in names.sorted() {
            let text = try readTextFile(Self.folder + "/" + name)
            do {
                _ = try ScriptParser.parse(text)
                parsed += 1
            } catch let error as LocatedError {
                #expect(error.line >= 1, "\(name)")
                refused += 1
            }
            let lastLine = text.split(separator: "\n", omittingEmptySubsequences: false).last.map(String.init) ?? ""
            _ = try ScriptParser.words(ofPartialLine: lastLine)
        }
        #expect(parsed > 0 && refused > 0, "the seeds cover a script that parses and one that does not")
    }
}
