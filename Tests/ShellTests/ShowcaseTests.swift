#if canImport(Glibc)
import Glibc
#endif
import Testing
import CuckooML
@testable import cuckooml

/// Replays `scripts/showcase.cml` and checks its transcript against `Golden/showcase.txt`. Paths are
/// made absolute (sample_data in the package, out/ in a scratch directory) and normalised back, and
/// the few numbers that depend on the machine (load speed, report size) are masked.
/// Regenerate after an intended change with CUCKOOML_UPDATE_GOLDEN=1.
@Suite struct ShowcaseTests {
    static let golden = TestPaths.packageRoot + "/Tests/ShellTests/Golden/showcase.txt"

    @Test func transcriptMatchesTheGoldenFile() throws {
        let root = TestPaths.packageRoot
        let out = try TemporaryDirectory()
        let script = try TestText.read(root + "/scripts/showcase.cml")
            .replacingAll("sample_data/", with: root + "/sample_data/")
            .replacingAll(" out/", with: " " + out.path + "/out/")
        let sink = CaptureSink()
        let shell = Shell(sink: sink, options: Shell.Options(echo: true))
        #expect(shell.runScript(script, origin: "showcase.cml"), "\(sink.stderr)")
        // Only notes (the family step rebuilds the features, which drops the 2016 clustering).
        #expect(sink.stderr.split(separator: "\n").allSatisfy { $0.hasPrefix("note: ") }, "\(sink.stderr)")
        let transcript = Self.normalise(sink.stdout, root: root, out: out.path)
        if getenv("CUCKOOML_UPDATE_GOLDEN") != nil {
            try out.write("golden", transcript)
            _ = system("cp '\(out.file("golden"))' '\(Self.golden)'")
        }
        let expected = try TestText.read(Self.golden)
        let (got, want) = (transcript.split(separator: "\n", omittingEmptySubsequences: false),
                           expected.split(separator: "\n", omittingEmptySubsequences: false))
        if let first = zip(got, want).enumerated().first(where: { $0.element.0 != $0.element.1 }) {
            Issue.record("line \(first.offset + 1) differs:\n  got:  \(first.element.0)\n  want: \(first.element.1)")
        }
        #expect(got.count == want.count)
        // The files the last step writes are there.
        for name in ["reports_clustered", "clustering.csv", "plots", "map.svg", "report.html", "session.cuckooml"] {
            #expect(access(out.path + "/out/" + name, F_OK) == 0, "missing out/\(name)")
        }
    }

    static func normalise(_ text: String, root: String, out: String) -> String {
        text.replacingAll(out + "/", with: "").replacingAll(root + "/", with: "")
            .split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
                var line = String(line)
                if line.hasPrefix("loaded "), let start = line.firstRange(" MB in "), let end = line.firstRange(" MB/s)") {
                    line = String(line[..<start.upperBound]) + "… s (…" + String(line[end.lowerBound...])
                }
                if line.hasPrefix("wrote "), line.hasSuffix(" bytes)"), let comma = line.lastRange(", ") {
                    line = String(line[..<comma.upperBound]) + "… bytes)"
                }
                return line
            }.joined(separator: "\n")
    }
}

extension String {
    func firstRange(_ needle: String) -> Range<String.Index>? {
        var i = startIndex
        while i < endIndex {
            if self[i...].hasPrefix(needle) { return i..<index(i, offsetBy: needle.count) }
            i = index(after: i)
        }
        return nil
    }

    func lastRange(_ needle: String) -> Range<String.Index>? {
        var i = endIndex
        while i > startIndex {
            i = index(before: i)
            if self[i...].hasPrefix(needle) { return i..<index(i, offsetBy: needle.count) }
        }
        return nil
    }

    func replacingAll(_ needle: String, with replacement: String) -> String {
        guard !needle.isEmpty else { return self }
        var out = ""
        var rest = self[...]
        while let r = String(rest).firstRange(needle) {
            let s = String(rest)
            out += s[..<r.lowerBound] + replacement
            rest = Substring(s[r.upperBound...])
        }
        return out + rest
    }
}
