import Testing
@testable import CuckooML
@testable import cuckooml

/// What `clusters`, `show cluster` and `compare` say a family shares.
@Suite struct ExplanationCommandTests {
    /// A long file path holding a terminal escape: printed escaped and shortened, whole in JSON.
    static let hostile = ":file:C:\\Users\\x\\AppData\\Roaming\\Microsoft\\Windows\\Start Menu\\Programs\\Startup\\evil\u{1B}[2J.exe"
    /// The matrix of the library's FamilyExplanationTests, with a hostile name for `:file:x` (it now sorts
    /// before `:file:w`): clusters
    /// 0 = s0-s2, 1 = s3-s4, s5 is noise.
    static func session() -> Session {
        let names = [":win:A", ":win:B", hostile, ":file:y", ":net:z", "plain", ":file:w"]
        let rows: [[Int32]] = [[0, 1, 2, 6], [0, 1, 3], [0, 2, 6], [1, 3, 4], [3, 4], [0, 1, 3, 4, 5]]
        var matrix = SparseMatrix(columnCount: names.count)
        for r in rows { matrix.appendRow(r.map { ($0, 1.0) }) }
        var s = Session()
        s.upsert((0..<6).map { Sample(id: "s\($0)", path: nil, reportSize: 0, record: nil) })
        s.fixture.features = FeatureSet(configuration: .full, names: names, matrix: matrix)
        s.fixture.hdbscan = HDBSCANResult(parameters: HDBSCANParameters(), labels: [0, 0, 0, 1, 1, -1], probabilities: [1, 1, 0.5, 1, 1, 0],
                                  outlierScores: [0, 0, 0.5, 0, 0, 1], persistence: [1, 1], condensedTree: [], coreDistances: [])
        return s
    }

    @Test func clustersNameWhatEachClusterSharesUnderItsRow() {
        let (out, err, _) = runShell("clusters", session: Self.session())
        #expect(err == "")
        let lines = out.split(separator: "\n").map(String.init)
        #expect(lines.count == 6)
        #expect(lines[2] == "         shares: :win:A · :file:C:\\Users\\x\\App…artup\\evil\\e[2J.exe · :file:w")
        #expect(lines[4] == "         shares: :net:z · :file:y")
        #expect(lines[5] == "noise: 1")
        let json = runShell("clusters", session: Self.session(), json: true).out
        #expect(json.contains(#""shared_features":[{"feature":":net:z","group":"net","members":2,"cluster_size":2,"holders":3,"recall":1.0,"precision":0.6666666666666666,"score":0.8},"#))
        #expect(json.contains(#"evil\u001b[2J.exe","group":"file","members":2,"cluster_size":3,"holders":2,"#))
    }

    @Test func showClusterGivesTheTokensByGroupWithTheirCounts() {
        let (out, err, _) = runShell("show cluster 0", session: Self.session())
        #expect(err == "")
        #expect(out.hasSuffix("""

            shared features, by group (recall = members having it / 3, precision = members / holders):
              group  token                                                         members  holders  recall  precision  score
              win    A                                                                 3/3        4    100%        75%   0.86
              file   C:\\Users\\x\\AppData\\Roaming\\Mic…rograms\\Startup\\evil\\e[2J.exe      2/3        2     67%       100%   0.80
                     w                                                                 2/3        2     67%       100%   0.80

            """))
        let json = runShell("show cluster 1", session: Self.session(), json: true).out
        #expect(json.hasSuffix(#""shared_features":[{"group":"net","features":[{"feature":":net:z","group":"net","members":2,"cluster_size":2,"holders":3,"recall":1.0,"precision":0.6666666666666666,"score":0.8}]},{"group":"file","features":[{"feature":":file:y","group":"file","members":2,"cluster_size":2,"holders":4,"recall":1.0,"precision":0.5,"score":0.6666666666666666}]}]}"# + "\n"))
        // Noise is no family: its members only.
        let noise = runShell("show cluster -1", session: Self.session()).out
        #expect(!noise.contains("shared features"))
        #expect(!runShell("show cluster -1", session: Self.session(), json: true).out.contains("shared_features"))
    }

    /// The counts `show cluster` prints for sample_data equal a direct count over the feature matrix.
    @Test func sampleDataCountsMatchADirectCount() throws {
        let sink = CaptureSink()
        let shell = Shell(sink: sink, options: Shell.Options(forceJSON: true))
        #expect(shell.runScript("load \(CompareCommandTests.reports); cluster hdbscan 1 6", origin: "test"))
        let s = shell.session
        let (features, labels) = (try #require(s.features), try #require(s.hdbscan).labels)
        for cluster in 0..<((labels.max() ?? -1) + 1) {
            let e = try #require(try FamilyExplanation.explain(matrix: features.matrix, names: features.names,
                                                                assignments: labels, clusters: [cluster]).first)
            #expect(!e.top.isEmpty)
            for f in e.groups.flatMap(\.features) {
                let holders = (0..<labels.count).filter { features.matrix.row($0).columns.contains(Int32(f.column)) }
                #expect(f.holders == holders.count)
                #expect(f.members == holders.filter { labels[$0] == cluster }.count)
                #expect(f.clusterSize == labels.filter { $0 == cluster }.count)
                #expect(f.name == features.names[f.column])
            }
        }
    }

    @Test func compareMarksWhichExplainingFeaturesTheSampleHas() throws {
        let sink = CaptureSink()
        let shell = Shell(sink: sink)
        #expect(shell.runScript("load \(CompareCommandTests.reports); cluster hdbscan 1 6", origin: "test"))
        let s = shell.session
        let h = try #require(s.hdbscan)
        let row = try #require(h.labels.indices.first { h.labels[$0] >= 0 && h.probabilities[$0] == 1 })
        #expect(shell.runScript("compare \(s.samples[row].path!)", origin: "test"))
        let features = try #require(s.features)
        let e = try #require(try FamilyExplanation.explain(matrix: features.matrix, names: features.names,
                                                            assignments: h.labels, clusters: [h.labels[row]]).first)
        let has = e.top.filter { features.matrix.row(row).columns.contains(Int32($0.column)) }
        #expect(sink.stdout.contains("what cluster \(h.labels[row]) shares: the sample has \(has.count) of its \(e.top.count) explaining features"))
        for f in e.top {
            let mark = has.contains(f) ? "has" : "lacks"
            #expect(sink.stdout.split(separator: "\n").contains { $0.hasPrefix("  " + shortenMiddle(escapeForTerminal(f.name), to: 60)) && $0.hasSuffix(mark) })
        }
    }
    /// After `cluster hdbscan` then `cluster` (the family clustering, now current), compare places the
    /// report among the families and explains the family it joins, from the family clustering's members:
    /// not from HDBSCAN's cluster of the same number, which the session still holds.
    @Test func compareExplainsTheClusteringItPlacedIn() throws {
        let sink = CaptureSink()
        let shell = Shell(sink: sink)
        #expect(shell.runScript("load \(CompareCommandTests.reports); features families; cluster hdbscan; cluster", origin: "test"))
        let s = shell.session
        let (h, l) = (try #require(s.hdbscan), try #require(s.linkage))
        let features = try #require(s.features)
        func top(_ labels: [Int], _ cluster: Int) throws -> [SharedFeature] {
            try #require(try FamilyExplanation.explain(matrix: features.matrix, names: features.names,
                                                        assignments: labels, clusters: [cluster]).first).top
        }
        // A family member whose cluster number explains differently under HDBSCAN.
        var found: Int?
        for r in l.labels.indices where l.labels[r] >= 0 && l.strengths[r] == 1 {
            if try top(l.labels, l.labels[r]) != top(h.labels, l.labels[r]) { found = r; break }
        }
        let row = try #require(found)
        let cluster = l.labels[row]
        let family = try top(l.labels, cluster)
        #expect(shell.runScript("compare \(s.samples[row].path!)", origin: "test"))
        let lines = sink.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.hasPrefix("  joins cluster \(cluster): ") })
        let head = try #require(lines.lastIndex { $0.hasPrefix("what cluster \(cluster) shares: ") })
        #expect(lines[head].hasSuffix(" of its \(family.count) explaining features"))
        let listed = Array(lines[(head + 2)...].prefix(family.count))
        #expect(listed.count == family.count)
        for (line, f) in zip(listed, family) {
            #expect(line.hasPrefix("  " + SharedFeatureText.name(f, width: SharedFeatureText.cellWidth)), "\(line)")
        }
    }
}
