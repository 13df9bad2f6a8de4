#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import CuckooML
import TestScratch

/// A fresh temporary directory for one test.
func makeTemporaryDirectory() -> String { TestScratch.directory() }

@Suite struct FeatureExportTests {
    func featureSet() -> FeatureSet {
        var m = SparseMatrix(columnCount: 3)
        m.appendRow([(0, 1), (2, 3)])
        m.appendRow([])
        m.appendRow([(1, 0.5)])
        return FeatureSet(configuration: .full, names: [":net:a,b", ":reg:write:say \"hi\"", ":win:Sleep"], matrix: m)
    }

    @Test func csvIsDenseAndQuoted() throws {
        let dir = makeTemporaryDirectory()
        let path = dir + "/f.csv"
        try FeatureExport.writeCSV(featureSet(), samples: ["s1", "two\nlines", "s,3"], to: path)
        let text = try TestSupport.readText(path)
        let expected = "sample,\":net:a,b\",\":reg:write:say \"\"hi\"\"\",:win:Sleep\n"
            + "s1,1,0,3\n"
            + "\"two\nlines\",0,0,0\n"
            + "\"s,3\",0,0.5,0\n"
        #expect(text == expected)
        #expect(TestSupport.listDirectory(dir) == ["f.csv"], "no temporary file left behind")
    }

    @Test func labelsCSV() throws {
        let dir = makeTemporaryDirectory()
        let path = dir + "/labels.csv"
        try FeatureExport.writeLabelsCSV(samples: ["a", "b,c"], labels: [SampleLabel(family: "zeus", votes: 7, source: .virusTotal), .none], to: path)
        #expect(try TestSupport.readText(path) == "sample,label,votes,engines,runner_up,runner_up_votes\na,zeus,7,0,,0\n\"b,c\",none,0,0,,0\n")
    }

    @Test func unwritableDirectoryIsAClearError() {
        #expect(throws: OutputError.self) {
            try FeatureExport.writeLabelsCSV(samples: [], labels: [], to: "/nonexistent-dir/labels.csv")
        }
    }
}

@Suite struct ExternalLabelTests {
    func samples() -> [Sample] {
        var r1 = ReportRecord()
        r1.md5 = "AABBCCDDEEFF00112233445566778899"
        var r2 = ReportRecord()
        r2.sha256 = String(repeating: "ab", count: 32)
        return [Sample(id: "2", path: nil, reportSize: 0, record: r1), Sample(id: "4", path: nil, reportSize: 0, record: r2),
                Sample(id: "6", path: nil, reportSize: 0, record: nil)]
    }

    @Test func avclassOutputMatchesByMD5() throws {
        let labels = try ExternalLabels.parse("aabbccddeeff00112233445566778899\tzbot\nffffffffffffffffffffffffffffffff\tSINGLETON:ffff\n", path: "av.tsv")
        let (matched, unmatched) = labels.match(samples())
        #expect(matched == ["2": SampleLabel(family: "zbot", votes: 0, source: .external)])
        #expect(unmatched.map(\.line) == [2])
    }

    @Test func csvWithHeaderMatchesByIdAndSHA256() throws {
        let text = "family,sample\r\nzeus,4.json\n\"kelihos, old\",6\n\nsality,99\n"
        let labels = try ExternalLabels.parse(text, path: "l.csv")
        #expect(labels.rows.map(\.family) == ["zeus", "kelihos, old", "sality"])
        let (matched, unmatched) = labels.match(samples())
        #expect(matched["4"]?.family == "zeus")
        #expect(matched["6"]?.family == "kelihos, old")
        #expect(unmatched.map(\.key) == ["99"])
        let withBOM = try ExternalLabels.parse("\u{FEFF}sample\tfamily\n2\tzeus\n", path: "b.tsv")
        #expect(withBOM.rows.map(\.key) == ["2"])
        let bySha = try ExternalLabels.parse("sha256,label\n\(String(repeating: "AB", count: 32)),emotet\n", path: "s.csv")
        #expect(bySha.match(samples()).labels["4"]?.family == "emotet")
    }

    @Test func malformedFilesAreOneLineErrors() {
        #expect(throws: LabelFileError(path: "e.csv", reason: "no labels in the file")) { try ExternalLabels.parse("\n\n", path: "e.csv") }
        #expect(throws: LabelFileError.self) { try ExternalLabels.parse("justonecolumn\n", path: "x.csv") }
        #expect(throws: LabelFileError(path: "y.csv", reason: "line 3: expected at least 2 fields, found 1")) {
            try ExternalLabels.parse("sample,family\na,b\nlonely\n", path: "y.csv")
        }
    }

    @Test func sessionRelabelKeepsExternalLabels() {
        var session = Session()
        var scanned = ReportRecord()
        var vt = VirusTotalResults()
        vt.scans = EngineResults(repeatElement(EngineResult(engine: "e", detected: true, result: "Win32/Zorbex.A"), count: 6))
        scanned.virusTotal = vt
        session.upsert([Sample(id: "a", path: "/a.json", reportSize: 1, record: scanned),
                        Sample(id: "b", path: "/b.json", reportSize: 1, record: scanned),
                        Sample(id: "c", path: "/c.json", reportSize: 1, record: ReportRecord())])
        session.applyExternalLabels(["b": SampleLabel(family: "custom", votes: 0, source: .external), "zz": .none])
        session.settings.labelRule = .rule2016
        session.relabel()
        #expect(session.labels["a"] == SampleLabel(family: "zorbex", votes: 6, source: .virusTotal, engines: 6))
        #expect(session.labels["b"]?.family == "custom")
        #expect(session.labels["c"] == SampleLabel.none)
        #expect(session.labels["zz"] == nil)
    }

    @Test(arguments: LabelRule.allCases)
    func refreshDerivedGivesWhatRebuildAndRelabelGive(rule: LabelRule) throws {
        var session = Session()
        session.settings.labelRule = rule
        var samples: [Sample] = []
        for i in 0..<60 {
            var record = i % 3 == 0 ? FeatureFixtures.cape : FeatureFixtures.cuckoo
            var vt = VirusTotalResults()
            vt.scans = EngineResults((0..<(i % 9)).map { EngineResult(engine: "e\($0)", detected: true, result: "Win32/Fam\(["a", "b", "c", "d"][i % 4])x.\($0)") })
            record.virusTotal = vt
            record.apiCounts["Api\(i % 7)"] = i
            samples.append(Sample(id: "s\(i)", path: "/s\(i).json", reportSize: i * 37 % 11, record: record))
        }
        session.upsert(samples)
        session.applyExternalLabels(["s5": SampleLabel(family: "custom", votes: 0, source: .external)])
        var sequential = session
        try sequential.rebuildFeatures()
        sequential.relabel()
        try session.refreshDerived()
        #expect(session.features == sequential.features)
        #expect(session.labels == sequential.labels)
        #expect(session.labels["s5"]?.family == "custom")
        #expect(Set(session.labels.values.map(\.family)).count > 2)
    }

    @Test func rebuildFeaturesDropsClusterings() throws {
        var session = Session()
        session.upsert([Sample(id: "a", path: nil, reportSize: 0, record: FeatureFixtures.cuckoo)])
        session.fixture.featureConfiguration = .simple
        session.fixture.hdbscan = HDBSCANResult(parameters: HDBSCANParameters(minSamples: 1, minClusterSize: 2), labels: [0], probabilities: [1], outlierScores: [0],
                                        persistence: [1], condensedTree: [], coreDistances: [])
        try session.rebuildFeatures()
        #expect(session.hdbscan == nil)
        #expect(session.features?.names == ["allocates_rwx", "packer_upx"])
    }
}
