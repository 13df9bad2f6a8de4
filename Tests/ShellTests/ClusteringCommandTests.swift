import Foundation
import Testing
@testable import cuckooml
import CuckooML
import TestScratch

/// The clustering commands end to end: import matrix → cluster → export clustering, compared with the
/// hdbscan library's results for the same matrix (the committed oracle fixture `dense60_ms2_mcs5`).
@Suite("clustering commands")
struct ClusteringCommandTests {
    static let fixtures: String = {
        var path = #filePath
        for _ in 0..<2 { path = String(path[..<path.lastIndex(of: "/")!]) }
        return path + "/CuckooMLTests/Fixtures/hdbscan"
    }()

    static func temporaryDirectory() -> String {
        TestScratch.directory()
    }

    /// Writes dense60.csv with a sample-id column and a label column, as an analyst's CSV would look.
    static func writeInput(_ dir: String) throws -> String {
        let lines = try String(contentsOfFile: fixtures + "/dense60.csv", encoding: .utf8).split(separator: "\n")
        var out = "id," + lines[0] + ",family\n"
        for (i, line) in lines.dropFirst().enumerated() { out += "s\(i)," + line + ",fam\(i % 3)\n" }
        let path = dir + "/points.csv"
        try out.write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    static func oracle(_ name: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: fixtures + "/\(name).json"))) as! [String: Any]
    }

    /// `set explain on` prints the engine plan before each clustering's result (and adds it to the JSON);
    /// off, the output is as before.
    @Test func explainPrintsThePlan() throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let input = try Self.writeInput(dir)
        let sink = CaptureSink()
        let shell = Shell(sink: sink)
        #expect(shell.runScript("""
            import matrix \(input) label=family
            set threads 1
            cluster hdbscan 2 5
            set explain on
            cluster hdbscan 2 5
            cluster hdbscan 1 5
            cluster dbscan 3 4
            cluster linkage 5 metric=euclidean
            set format json
            cluster hdbscan 1 5
            """, origin: "test"), "stderr: \(sink.stderr)")
        let lines = sink.stdout.split(separator: "\n").map(String.init)
        let plans = lines.filter { $0.hasPrefix("plan: ") }
        let engine = "plan: engine k-d-tree (3 columns (at most 16) under euclidean)"
        let hdbscan = engine + "; k-NN k-d-tree (exact neighbour lists from the tree); spanning tree boruvka"
            + " (Borůvka on the tree when the spanning tree is unique), may fall back to columnar-prim (tied mutual"
            + " reachabilities, found while running, need Prim's tie order); 1 thread"
        #expect(plans == [hdbscan, "plan: spanning tree taken: columnar-prim (fell back)",
                          hdbscan, "plan: spanning tree taken: boruvka",
                          engine + "; radius queries on the k-d tree; 1 thread",
                          engine + "; pair distances only; 1 thread"])
        // Before `set explain on` the result starts the output; after, the plan comes first.
        let heads = lines.indices.filter { lines[$0].hasPrefix("hdbscan: ") }
        #expect(heads.count == 3)
        #expect(heads.first.map { lines[..<$0].allSatisfy { !$0.hasPrefix("plan: ") } } == true)
        #expect(heads.count == 3 && lines[heads[1] - 2] == plans[0] && lines[heads[1] - 1] == plans[1])
        #expect(lines.last?.contains("\"plan\":\"plan: engine k-d-tree") == true)
    }

    @Test func importClusterExportRoundTrip() throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let input = try Self.writeInput(dir)
        let sink = CaptureSink()
        let shell = Shell(sink: sink)
        let ok = shell.runScript("""
            import matrix \(input) label=family
            cluster hdbscan 2 5
            export clustering \(dir)/out.csv
            """, origin: "test")
        #expect(ok, "stderr: \(sink.stderr)")
        let oracle = try Self.oracle("dense60_ms2_mcs5")
        let labels = (oracle["labels"] as! [NSNumber]).map(\.intValue)
        let probabilities = (oracle["probabilities"] as! [NSNumber]).map(\.doubleValue)
        let scores = (oracle["outlier_scores"] as! [NSNumber]).map(\.doubleValue)

        #expect(shell.session.samples.count == 60)
        #expect(shell.session.labels["s4"]?.family == "fam1")
        #expect(shell.session.features?.configuration.kind == .imported)
        #expect(shell.session.hdbscan?.labels == labels)

        let rows = try String(contentsOfFile: dir + "/out.csv", encoding: .utf8).split(separator: "\n")
        #expect(rows.first == "sample,label,probability,outlier_score")
        #expect(rows.count == 61)
        for (i, row) in rows.dropFirst().enumerated() {
            let f = row.split(separator: ",").map(String.init)
            #expect(f[0] == "s\(i)")
            #expect(Int(f[1]) == labels[i], "row \(i)")
            #expect(abs(Double(f[2])! - probabilities[i]) <= 1e-9, "row \(i) probability")
            #expect(abs(Double(f[3])! - scores[i]) <= 1e-9, "row \(i) outlier score")
        }
    }

    @Test func commandsPrintTextAndJSON() throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let input = try Self.writeInput(dir)
        let sink = CaptureSink()
        let shell = Shell(sink: sink, options: Shell.Options(forceJSON: true))
        let ok = shell.runScript("""
            import matrix \(input) label=family
            cluster hdbscan 2 5
            clusters
            show cluster 0
            show cluster -1
            show tree
            cluster dbscan 1.5 4
            """, origin: "test")
        #expect(ok, "stderr: \(sink.stderr)")
        let docs = sink.stdout.split(separator: "\n").map { try! JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        #expect(docs.count == 7)
        #expect(docs[1]["clusters"] as? Int == 3 && docs[1]["noise"] as? Int == 5)
        #expect((docs[1]["sizes"] as? [Int])?.reduce(0, +) == 55)
        let clusters = docs[2]["clusters"] as! [[String: Any]]
        #expect(clusters.count == 3 && clusters.allSatisfy { $0["medoid"] is String })
        #expect((docs[4]["members"] as! [Any]).count == 5)
        let root = docs[5]["root"] as! [String: Any]
        #expect(root["size"] as? Int == 60 && root["id"] as? Int == 60)
        // DBSCAN against scikit-learn's fixture for the same matrix.
        let sk = try Self.oracle("dbscan_dense60_eps15_ms4")
        #expect(shell.session.dbscan?.labels == (sk["labels"] as! [NSNumber]).map(\.intValue))
    }

    @Test func defaultsAndUsageErrors() throws {
        let dir = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let input = try Self.writeInput(dir)
        let sink = CaptureSink()
        let shell = Shell(sink: sink)
        #expect(!shell.runScript("cluster hdbscan", origin: "test"))  // nothing to cluster yet
        #expect(sink.stderr.contains("no feature matrix"))
        #expect(!shell.runScript("import matrix \(input)", origin: "test"))  // the family column is not numeric
        #expect(sink.stderr.contains("column 'family': 'fam0' is not a number"))
        #expect(shell.runScript("import matrix \(input) label=family\ncluster hdbscan", origin: "test"))
        #expect(shell.session.hdbscan?.parameters.minClusterSize == 5 && shell.session.hdbscan?.parameters.minSamples == 5)
        #expect(shell.session.samples.first?.id == "s0")
        #expect(!shell.runScript("cluster hdbscan 3", origin: "test"))
        #expect(sink.stderr.contains("give both MIN_SAMPLES and MIN_CLUSTER_SIZE"))
        #expect(!shell.runScript("show cluster 7", origin: "test"))
        // A bad row names the file, the line and the column; the session keeps its previous matrix.
        let bad = dir + "/bad.csv"
        try "a,b\n1,2\n3,x\n".write(toFile: bad, atomically: false, encoding: .utf8)
        #expect(!shell.runScript("import matrix \(bad)", origin: "test"))
        #expect(sink.stderr.contains("bad.csv: line 3, column 'b': 'x' is not a number"))
        #expect(shell.session.samples.count == 60)
    }
}
