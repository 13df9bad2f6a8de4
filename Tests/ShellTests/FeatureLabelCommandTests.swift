#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import cuckooml
@testable import CuckooML
import TestScratch

/// A session of five hand-made samples: three `zorbex` (VirusTotal), one `none`, and one with an
/// external label holding terminal control characters, with a few API and network features each.
func makeFeatureSession() -> Session {
    func record(_ family: String?, apis: [String: Int], hosts: [String] = [], md5: String) -> ReportRecord {
        var r = ReportRecord()
        r.md5 = md5
        r.apiCounts = APICounts(apis)
        r.dnsRequests = StringList(hosts)
        r.signatures = [Signature(name: "sig_" + String(apis.count), description: "")]
        if let family {
            var vt = VirusTotalResults()
            vt.scans = EngineResults(repeatElement(EngineResult(engine: "e", detected: true, result: "Win32/\(family).A"), count: 6))
            r.virusTotal = vt
        }
        return r
    }
    var s = Session()
    // The label numbers below are the 2016 rule's (six copies of one engine's result).
    s.settings.labelRule = .rule2016
    s.upsert([
        Sample(id: "s1", path: "/r/s1.json", reportSize: 100, record: record("Zorbex", apis: ["NtClose": 1, "Sleep": 3], md5: "11111111111111111111111111111111")),
        Sample(id: "s2", path: "/r/s2.json", reportSize: 100, record: record("Zorbex", apis: ["NtClose": 2], hosts: ["a.example"], md5: "22222222222222222222222222222222")),
        Sample(id: "s3", path: "/r/s3.json", reportSize: 100, record: record("Zorbex", apis: ["NtClose": 7], md5: "33333333333333333333333333333333")),
        Sample(id: "s4", path: "/r/s4.json", reportSize: 100, record: record(nil, apis: ["Sleep": 1], md5: "44444444444444444444444444444444")),
        Sample(id: "s5", path: "/r/s5.json", reportSize: 100, record: record(nil, apis: ["Sleep": 1, "NtClose": 1], md5: "55555555555555555555555555555555")),
    ])
    // These tests were written for the 2016 features (load builds the family features by default).
    s.fixture.featureConfiguration = .full
    try! s.rebuildFeatures()
    s.relabel()
    s.applyExternalLabels(["s5": SampleLabel(family: "Evil\u{1B}]0;x\u{07}name", votes: 0, source: .external)])
    return s
}

/// Runs a script against a session and returns stdout, stderr and the shell.
func runShell(_ script: String, session: Session, json: Bool = false, color: Bool = false) -> (out: String, err: String, shell: Shell) {
    let sink = CaptureSink()
    var terminal = TerminalInfo.plain
    terminal.color = color
    let shell = Shell(sink: sink, terminal: terminal, options: Shell.Options(forceJSON: json), session: session)
    shell.runScript(script, origin: "test")
    return (sink.stdout, sink.stderr, shell)
}

@Suite struct FeatureCommandTests {
    @Test func featuresAloneDescribesTheSpace() {
        let (out, err, _) = runShell("features", session: makeFeatureSession())
        #expect(err == "")
        #expect(out == """
            feature space: full, 5 samples
            group    features  non-zeros
            :net:           1          1
            :win:           2          7
            :count:         2          6
            total           5         14  density 56.00%

            """)
    }

    @Test func featuresFullWithGroupsAndSimple() {
        var (out, _, shell) = runShell("features full groups=win", session: makeFeatureSession())
        #expect(shell.session.features?.names == [":win:NtClose", ":win:Sleep"])
        #expect(out.hasPrefix("feature space: full groups=win, 5 samples\n"))
        (out, _, shell) = runShell("features simple", session: makeFeatureSession())
        #expect(shell.session.features?.names == ["sig_1", "sig_2"])
        #expect(out.contains("\nsignature         2          5\ntotal             2          5  density 50.00%\n"))
        let bad = runShell("features full groups=win,nett", session: makeFeatureSession())
        #expect(bad.err.contains("unknown feature group 'nett'; did you mean 'net'?"))
    }

    @Test func featuresFilterDropsRareColumnsAndClusterings() {
        var session = makeFeatureSession()
        session.fixture.hdbscan = HDBSCANResult(parameters: HDBSCANParameters(minSamples: 1, minClusterSize: 2), labels: [0, 0, 0, -1, -1], probabilities: [1, 1, 1, 0, 0],
                                        outlierScores: [0, 0, 0, 1, 1], persistence: [1], condensedTree: [], coreDistances: [])
        let (out, err, shell) = runShell("features filter coverage=0.5", session: session)
        #expect(out.hasPrefix("kept 3 of 5 features (dropped 2)\n"))
        #expect(shell.session.features?.names.contains(":net:a.example") == false)
        #expect(shell.session.hdbscan == nil)
        #expect(err.contains("clustering was dropped"))
        let json = runShell("features filter coverage=0.5 max=0.7", session: makeFeatureSession(), json: true)
        #expect(json.out.contains("\"dropped\":"))
        #expect(runShell("features filter", session: makeFeatureSession()).err.contains("give coverage= and/or max="))
        #expect(runShell("features filter coverage=2", session: makeFeatureSession()).err.contains("coverage= must be between 0.0 and 1.0"))
    }
}

@Suite struct LabelCommandTests {
    @Test func labelCountsAsEscapedBarChart() {
        let (out, err, _) = runShell("labels", session: makeFeatureSession())
        #expect(err == "")
        let full: String = String(repeating: "█", count: 40)
        let third: String = String(repeating: "█", count: 13) + "▍"
        let lines: [String] = [
            "5 samples, 3 labels",
            "zorbex              " + full + " 3",
            "Evil\\e]0;x\\x07name  " + third + " 1",
            "none                " + third + " 1",
            "rule 2016: the most common family token, if at least 5 engines name it",
        ]
        #expect(out == lines.joined(separator: "\n") + "\n")
    }

    @Test func perClusterCountsWithNoiseFirstAndJSON() {
        var session = makeFeatureSession()
        session.fixture.hdbscan = HDBSCANResult(parameters: HDBSCANParameters(minSamples: 1, minClusterSize: 2), labels: [0, 0, 1, -1, 1], probabilities: [1, 1, 1, 0, 1],
                                        outlierScores: [0, 0, 0, 1, 0], persistence: [1, 1], condensedTree: [], coreDistances: [])
        let (out, _, _) = runShell("labels", session: session)
        let blocks = out.split(separator: "\n\n").map(String.init)
        #expect(blocks.count == 3)
        #expect(blocks[2].hasSuffix("\nrule 2016: the most common family token, if at least 5 engines name it\n"))
        #expect(blocks[0] == "noise: 1 sample\n  none  " + String(repeating: "█", count: 20) + " 1")
        #expect(blocks[1] == "cluster 0: 2 samples\n  zorbex  ████████████████████████████████████████ 2")
        #expect(blocks[2].hasPrefix("cluster 1: 2 samples\n"))
        let json = runShell("labels", session: session, json: true).out
        #expect(json == "{\"-1\":{\"none\":1},\"0\":{\"zorbex\":2},\"1\":{\"Evil\\u001b]0;x\\u0007name\":1,\"zorbex\":1}}\n")
        let one = runShell("labels 0", session: session, json: true).out
        #expect(one == "{\"0\":{\"zorbex\":2}}\n")
        #expect(runShell("labels 7", session: session).err.contains("no cluster 7 (clusters: 0..1, -1 for noise)"))
    }

    @Test func colourOnlyWhenAllowed() {
        #expect(!runShell("labels", session: makeFeatureSession()).out.contains("\u{1B}["))
        #expect(runShell("labels", session: makeFeatureSession(), color: true).out.contains("\u{1B}[36m"))
    }

    @Test func ignoreSetsAndClearsTheSetting() {
        var (out, _, shell) = runShell("labels ignore=none,foo", session: makeFeatureSession())
        #expect(out == "ignoring labels: foo, none\n")
        #expect(shell.session.settings.ignoredLabels == ["none", "foo"])
        (out, _, shell) = runShell("labels ignore=none; labels", session: makeFeatureSession())
        #expect(!out.contains("\nnone "))
        #expect(out.contains("(ignoring: none)"))
        (out, _, shell) = runShell("labels ignore=none; labels ignore=", session: makeFeatureSession())
        #expect(out.hasSuffix("no labels ignored\n"))
        #expect(shell.session.settings.ignoredLabels.isEmpty)
    }

    @Test func ruleSwitchesTheLabellerAndTheSessionKeepsIt() throws {
        // makeFeatureSession labels with the 2016 rule: six identical results from one engine.
        var (out, err, shell) = runShell("labels rule=avclass", session: makeFeatureSession())
        #expect(err == "")
        #expect(shell.session.settings.labelRule == .avclass)
        #expect(shell.session.labels["s1"] == SampleLabel(family: "none", votes: 0, source: .virusTotal, engines: 6))
        #expect(shell.session.labels["s5"]?.source == .external)
        #expect(out.hasPrefix("5 samples, 2 labels\n") && out.contains("\nrule avclass: 0 samples decided by a narrow margin"))
        (out, err, shell) = runShell("set label-rule 2016", session: shell.session)
        #expect(out == "label-rule = 2016\n" && err == "")
        #expect(shell.session.labels["s1"] == SampleLabel(family: "zorbex", votes: 6, source: .virusTotal, engines: 6))
        let dir = temporaryDirectory()
        (_, err, shell) = runShell("labels rule=avclass; session save \(dir)/s.cml; set label-rule 2016; session open \(dir)/s.cml",
                                   session: makeFeatureSession())
        #expect(err == "")
        #expect(shell.session.settings.labelRule == .avclass && shell.session.labels["s1"]?.family == "none")
        #expect(runShell("labels rule=1999", session: makeFeatureSession()).err.contains("avclass"))
        #expect(runShell("set label-rule 1999", session: makeFeatureSession()).err.contains("label-rule takes avclass or 2016"))
    }

    @Test func showAndExportGiveVotesEnginesAndRunnerUp() throws {
        var record = ReportRecord()
        var vt = VirusTotalResults()
        vt.scans = [EngineResult(engine: "Kaspersky", detected: true, result: "Trojan.Win32.Zorbex.a"),
                    EngineResult(engine: "ESET-NOD32", detected: true, result: "Win32/Zorbex.B"),
                    EngineResult(engine: "Microsoft", detected: true, result: "Trojan:Win32/Kiwor\u{1B}[2J.A"),
                    EngineResult(engine: "Avira", detected: false, result: nil)]
        record.virusTotal = vt
        var session = Session()
        session.upsert([Sample(id: "z", path: "/r/z.json", reportSize: 10, record: record)])
        session.relabel()
        let dir = temporaryDirectory()
        let (out, err, _) = runShell("show z; export labels \(dir)/l.csv", session: session)
        #expect(err == "")
        #expect(out.contains("label         zorbex (2 votes of 3 detecting engines; virustotal; runner-up kiwor 1)\n"))
        #expect(try readFile(dir + "/l.csv") == "sample,label,votes,engines,runner_up,runner_up_votes\nz,zorbex,2,3,kiwor,1\n")
        let json = runShell("show z", session: session, json: true).out
        #expect(json.contains(#""label":{"family":"zorbex","votes":2,"source":"virustotal","engines":3,"runner_up":"kiwor","runner_up_votes":1}"#))
    }

    @Test func loadExternalLabelsReportsUnmatchedRows() throws {
        let dir = temporaryDirectory()
        let file = dir + "/avclass.tsv"
        try writeFile(file, "11111111111111111111111111111111\tcustom\n99999999999999999999999999999999\tother\n")
        let (out, err, shell) = runShell("labels load \(file)", session: makeFeatureSession())
        #expect(err == "")
        #expect(out == "labelled 1 sample from \(file) (1 families)\n1 row matched no loaded sample:\n  line 2: 99999999999999999999999999999999\n")
        #expect(shell.session.labels["s1"] == SampleLabel(family: "custom", votes: 0, source: .external))
        let bad = runShell("labels load \(dir)/missing.tsv", session: makeFeatureSession())
        #expect(bad.err.contains("missing.tsv"))
    }
}

@Suite struct ExportCommandTests {
    @Test func exportsFeaturesAndLabels() throws {
        let dir = temporaryDirectory()
        let (out, err, _) = runShell("export features \(dir)/f.csv; export features \(dir)/f.svmlight; export labels \(dir)/l.csv",
                                     session: makeFeatureSession())
        #expect(err == "")
        #expect(out.contains("wrote \(dir)/f.csv (5 samples × 5 features, csv)"))
        let csv = try readFile(dir + "/f.csv")
        #expect(csv.hasPrefix("sample,:count:dns,:count:wapi,:net:a.example,:win:NtClose,:win:Sleep\ns1,0,2,0,1,1\n"))
        let svm = try readFile(dir + "/f.svmlight")
        #expect(svm.contains("\n2 2:2 4:1 5:1\n"))
        #expect(try readFile(dir + "/f.svmlight.samples").hasPrefix("sample\tlabel\tfamily\ns1\t2\tzorbex\n"))
        #expect(try readFile(dir + "/f.svmlight.features").hasPrefix(":count:dns\n:count:wapi\n"))
        let labels = try readFile(dir + "/l.csv")
        #expect(labels.hasPrefix("sample,label,votes,engines,runner_up,runner_up_votes\ns1,zorbex,6,6,,0\n"))
        #expect(labels.contains("s4,none,0,0,,0\n"))
    }

    @Test func exportNeedsASubcommandAndAKnownFormat() {
        #expect(runShell("export", session: makeFeatureSession()).err.contains("export needs a subcommand: features, labels"))
        #expect(runShell("export features x.txt", session: makeFeatureSession()).err.contains("must end in .csv or .svmlight"))
        #expect(runShell("export labels /nonexistent-dir/x.csv", session: makeFeatureSession()).err.contains("/nonexistent-dir/x.csv"))
    }
}

func temporaryDirectory() -> String { TestScratch.directory() }

func writeFile(_ path: String, _ text: String) throws {
    guard let f = fopen(path, "wb") else { throw ShellError.failed("cannot write \(path)") }
    _ = text.utf8CString.withUnsafeBufferPointer { fwrite($0.baseAddress!, 1, $0.count - 1, f) }
    fclose(f)
}

func readFile(_ path: String) throws -> String { try readTextFile(path) }

extension String {
    func padding(_ width: Int) -> String { rightPad(self, width) }
}
