#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import CuckooML
@testable import cuckooml

/// Issue 13, bug 2: everything `session save` is given comes back equal after `session open`. Every
/// command that reads the session gives the same `--json` document, and the same files, before the
/// save and after the open.
@Suite struct SessionRoundTripTests {
    static let reports = TestPaths.packageRoot + "/sample_data/reports"

    /// Commands that only read the session (the ones that write files do so into `out`).
    static func readingCommands(_ out: String) -> [String] {
        [
            "status", "samples", "samples 0*", "features", "labels", "labels 0", "clusters", "clusters algorithm=dbscan",
            "show settings", "show cluster 0", "show cluster 0 algorithm=dbscan", "show tree", "show tree depth=2",
            "show 21768fff15dae5ab", "assess", "assess noise=drop", "assess algorithm=dbscan", "anomalies",
            "anomalies counts", "compare \(TestPaths.packageRoot)/sample_data/new/suspicious.json",
            "compare \(TestPaths.packageRoot)/sample_data/new",
            "export features \(out)/features.csv", "export labels \(out)/labels.csv",
            "export clustering \(out)/clustering.csv", "export clustering \(out)/dbscan.csv algorithm=dbscan",
            "export anomalies \(out)/anomalies.csv", "report \(out)/report.html", "plot labels \(out)/plots",
        ]
    }

    static func outputs(_ shell: Shell, _ sink: CaptureSink, _ out: String) -> [String] {
        readingCommands(out).map { command in
            let before = sink.stdout.count
            #expect(shell.runScript(command, origin: "test"), "\(command): \(sink.stderr)")
            return String(sink.stdout.dropFirst(before))
        }
    }

    static func files(_ dir: String) throws -> [String: String] {
        var contents: [String: String] = [:]
        for name in ["features.csv", "labels.csv", "clustering.csv", "dbscan.csv", "anomalies.csv", "report.html"] {
            contents[name] = try TestText.read(dir + "/" + name)
        }
        return contents
    }

    @Test func everyCommandAnswersTheSameAfterSaveAndOpen() throws {
        let dir = try TemporaryDirectory()
        let sink = CaptureSink()
        var options = Shell.Options()
        options.forceJSON = true
        let shell = Shell(sink: sink, options: options)
        #expect(shell.runScript("""
            load \(Self.reports)
            features filter coverage=0.1
            cluster hdbscan 1 6
            cluster dbscan 0.5 2 metric=jaccard
            set ignore-labels none
            """, origin: "test"))
        try #require(mkdir(dir.file("a"), 0o755) == 0 && mkdir(dir.file("b"), 0o755) == 0)
        let before = Self.outputs(shell, sink, dir.file("a"))
        #expect(shell.runScript("session save \(dir.file("s.cml"))", origin: "test"))

        let reopened = CaptureSink()
        let other = Shell(sink: reopened, options: options)
        #expect(other.runScript("session open \(dir.file("s.cml"))", origin: "test"), "\(reopened.stderr)")
        let after = Self.outputs(other, reopened, dir.file("b"))
        for (k, command) in Self.readingCommands("").enumerated() {
            // File paths differ between the two runs (a/ and b/); the rest must not.
            let a = before[k].replacingOccurrences(of: dir.file("a"), with: "OUT")
            let b = after[k].replacingOccurrences(of: dir.file("b"), with: "OUT")
            #expect(a == b, "\(command) differs after session open")
        }
        #expect(!before.joined().contains("\"stability\":null"), "the tree has its stabilities")
        #expect(try Self.files(dir.file("a")) == Self.files(dir.file("b")))
    }
}

/// Issue 13, bug 1, as the issue reproduced it: a membership one past the last cluster.
@Suite struct CorruptSessionCommandTests {
    @Test func sessionOpenRefusesAClusterOnePastTheLast() throws {
        let dir = try TemporaryDirectory()
        let sink = CaptureSink()
        let shell = Shell(sink: sink)
        #expect(shell.runScript("load \(SessionRoundTripTests.reports); cluster hdbscan 1 6; session save \(dir.file("s.db"))", origin: "t"))
        do {
            let db = try SQLiteDatabase(path: dir.file("s.db"), readOnly: false)
            try db.execute("UPDATE membership SET cluster = (SELECT MAX(cluster) + 1 FROM membership) WHERE row = 1")
        }
        let fresh = Shell(sink: sink)
        #expect(fresh.runScript("load \(SessionRoundTripTests.reports)/[a-f]*.json", origin: "t"))
        let before = fresh.session.samples.map(\.id)
        #expect(!fresh.runScript("session open \(dir.file("s.db"))", origin: "t"))
        let message = try #require(sink.stderr.split(separator: "\n").last)
        #expect(message.contains("s.db: corrupt session: hdbscan: ") && message.contains("cluster"), "\(message)")
        #expect(fresh.session.samples.map(\.id) == before && fresh.session.hdbscan == nil, "the session is unchanged")
        #expect(fresh.runScript("clusters", origin: "t") == false, "no clustering to list, and no trap")
    }
}

extension String {
    func replacingOccurrences(of target: String, with replacement: String) -> String {
        guard !target.isEmpty else { return self }
        var out = ""
        var rest = self[...]
        while let range = rest.range(of: target) {
            out += rest[..<range.lowerBound] + replacement
            rest = rest[range.upperBound...]
        }
        return out + rest
    }
}

/// A session opened from a file without label evidence gathers it once, at the first `session save`,
/// and keeps it: the next save and `compare` reuse it, and the files hold the same evidence.
@Suite struct SessionSaveKeepsLabelEvidenceTests {
    @Test func theFirstSaveKeepsTheEvidenceItGathers() throws {
        let dir = try TemporaryDirectory()
        let sink = CaptureSink()
        let shell = Shell(sink: sink)
        #expect(shell.runScript("load \(SessionRoundTripTests.reports); session save \(dir.file("a.cml"))", origin: "t"), "\(sink.stderr)")
        let gathered = try #require(shell.session.labelEvidence)
        do { try SQLiteDatabase(path: dir.file("a.cml"), readOnly: false).execute("DROP TABLE label_evidence") }
        let other = Shell(sink: sink)
        #expect(other.runScript("session open \(dir.file("a.cml"))", origin: "t"), "\(sink.stderr)")
        #expect(other.session.labelEvidence == nil, "the file had none")
        #expect(other.runScript("session save \(dir.file("b.cml"))", origin: "t"), "\(sink.stderr)")
        let kept = try #require(other.session.labelEvidence)
        #expect(kept.ids == gathered.ids && kept.evidence.stored == gathered.evidence.stored)
        let reopened = try SessionStore.open(dir.file("b.cml"))
        #expect(reopened.labelEvidence?.evidence.stored == gathered.evidence.stored)
    }
}
