#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import CuckooML
@testable import cuckooml
import TestScratch

/// `assess`, `anomalies`, `export anomalies` and `sweep` on a hand-built session.
@Suite struct AssessmentCommandTests {
    static let ids = ["s0", "s1", "s2\u{1B}[31m", "s3", "=s4,x", "s5"]

    /// Six samples: truth a a b b b c, clusters 0 0 0 1 1 −1, one :count: feature.
    static func session(clustered: Bool = true, labelled: Bool = true) -> Session {
        var s = Session()
        s.upsert(ids.map { Sample(id: $0, path: nil, reportSize: 0, record: nil) })
        var m = SparseMatrix(columnCount: 2)
        let rows: [[Double]] = [[1, 1], [1, 1], [1, 2], [0, 10], [0, 11], [1, 100]]
        for r in rows { m.appendRow(r.enumerated().map { (Int32($0.offset), $0.element) }) }
        s.fixture.features = FeatureSet(configuration: .full, names: [":win:A", ":count:file:all"], matrix: m)
        if labelled {
            for (id, family) in zip(ids, ["a", "a", "b", "b", "b", "c"]) {
                s.fixture.labels[id] = SampleLabel(family: family, votes: 5, source: .virusTotal)
            }
        }
        if clustered {
            s.fixture.hdbscan = HDBSCANResult(parameters: HDBSCANParameters(minSamples: 1, minClusterSize: 2),
                                      labels: [0, 0, 0, 1, 1, -1], probabilities: [1, 1, 0.5, 1, 0.85, 0],
                                      outlierScores: [0, 0.1, 0.6, 0, 0.2, 0.9], persistence: [0.5, 0.5],
                                      condensedTree: [], coreDistances: [])
        }
        return s
    }

    static func run(_ session: Session, _ script: String, json: Bool = false) -> (out: String, err: String, ok: Bool) {
        let sink = CaptureSink()
        let shell = Shell(sink: sink, options: Shell.Options(forceJSON: json), session: session)
        let ok = shell.runScript(script, origin: "test")
        return (sink.stdout, sink.stderr, ok)
    }

    static func expectedAssessment(noise: NoiseHandling = .keep, ignored: Set<String> = []) throws -> Assessment {
        let s = session()
        return try #require(try Assessment.assess(truth: ["a", "a", "b", "b", "b", "c"], predicted: s.hdbscan!.labels,
                                                  points: .sparse(s.features!.matrix), metric: .euclidean,
                                                  noise: noise, ignoredLabels: ignored))
    }

    @Test func assessPrintsEveryMetricAsJSON() throws {
        let r = Self.run(Self.session(), "assess", json: true)
        #expect(r.ok)
        let a = try Self.expectedAssessment()
        let s = a.scores
        let expected: JSONValue = .object([
            ("ari", .double(s.adjustedRandIndex)), ("ami_max", .double(s.adjustedMutualInformationMax)),
            ("ami_arithmetic", .double(s.adjustedMutualInformationArithmetic)), ("homogeneity", .double(s.homogeneity)),
            ("completeness", .double(s.completeness)), ("v_measure", .double(s.vMeasure)),
            ("fowlkes_mallows", .double(s.fowlkesMallows)), ("silhouette", .double(try #require(a.silhouette))),
            ("precision", .double(5.0 / 6)), ("recall", .double(5.0 / 6)), ("f_measure", .double(s.fMeasure)),
            ("clusters", 2), ("noise", 1), ("samples", 6),
        ])
        #expect(r.out == expected.serialized + "\n")
        #expect(abs(s.fMeasure - 5.0 / 6) < 1e-15)
        // scikit-learn 1.9.1 on the same labels and matrix.
        #expect(abs(s.adjustedRandIndex - 0.3181818181818182) < 1e-12)
        #expect(abs(s.adjustedMutualInformationMax - 0.41182763103317394) < 1e-12)
        #expect(abs(try #require(a.silhouette) - 0.7601597730098497) < 1e-12)
    }

    @Test func assessTextTableAndNoiseHandling() throws {
        let keep = Self.run(Self.session(), "assess")
        #expect(keep.out.hasPrefix("hdbscan: 6 samples assessed, 2 clusters, 1 noise (kept as cluster -1)\n"))
        #expect(keep.out.contains("precision (Malheur)                        0.8333\n"))
        #expect(keep.out.contains("silhouette (euclidean)"))
        let drop = Self.run(Self.session(), "assess noise=drop", json: true)
        #expect(drop.out.contains("\"clusters\":2,\"noise\":1,\"samples\":5}"))
        // Ignoring "c" removes the only noise sample as well.
        let ignored = Self.run(Self.session(), "set ignore-labels c\nassess", json: true)
        #expect(ignored.out.hasSuffix("\"clusters\":2,\"noise\":0,\"samples\":5}\n"))
        let a = try Self.expectedAssessment(ignored: ["c"])
        #expect(ignored.out.contains("\"ari\":\(JSONValue.format(a.scores.adjustedRandIndex)),"))
    }

    /// `sample=N seed=S`: scikit-learn's sampled silhouette, said so in the table and the JSON; `seed=`
    /// alone is refused (the exact silhouette has no seed).
    @Test func assessSampledSilhouette() throws {
        let sample = SilhouetteSample(size: 4, seed: 2)
        let want = try #require(try Silhouette.score(points: .sparse(Self.session().features!.matrix),
                                                     labels: Self.session().hdbscan!.labels, metric: .euclidean,
                                                     sample: sample))
        let text = Self.run(Self.session(), "assess sample=4 seed=2")
        #expect(text.ok)
        #expect(text.out.contains("silhouette (euclidean, sample of 4, seed 2)"))
        let json = Self.run(Self.session(), "assess sample=4 seed=2", json: true)
        #expect(json.out.contains("\"silhouette\":\(JSONValue.double(want).serialized),\"silhouette_sample\":{\"size\":4,\"seed\":2},"))
        let exact = Self.run(Self.session(), "assess", json: true)
        #expect(!exact.out.contains("silhouette_sample"))
        let seedAlone = Self.run(Self.session(), "assess seed=2")
        #expect(!seedAlone.ok)
        #expect(seedAlone.err.contains("seed= applies to a sampled silhouette"))
    }

    @Test func assessReadsDBSCANInItsMetric() throws {
        var session = Self.session()
        session.fixture.dbscan = DBSCANResult(parameters: DBSCANParameters(eps: 2, minSamples: 2, metric: .manhattan),
                                      labels: [0, 0, 0, 1, 1, -1], isCore: [true, true, true, true, true, false])
        let r = Self.run(session, "assess algorithm=dbscan noise=drop")
        #expect(r.ok)
        #expect(r.out.hasPrefix("dbscan: 5 samples assessed, 2 clusters, 1 noise (dropped)\n"))
        let expected = try #require(try Silhouette.score(points: .sparse(session.features!.matrix.selectingRows([0, 1, 2, 3, 4])),
                                                         labels: [0, 0, 0, 1, 1], metric: .manhattan))
        #expect(r.out.contains("silhouette (manhattan)" + String(repeating: " ", count: 21) + fixed(expected, 4) + "\n"))
    }

    @Test func assessNeedsAClusteringAndLabels() {
        let noClustering = Self.run(Self.session(clustered: false), "assess")
        #expect(!noClustering.ok && noClustering.err.contains("no hdbscan clustering"))
        let noDBSCAN = Self.run(Self.session(), "assess algorithm=dbscan")
        #expect(!noDBSCAN.ok && noDBSCAN.err.contains("no dbscan clustering"))
        let noLabels = Self.run(Self.session(labelled: false), "assess")
        #expect(!noLabels.ok && noLabels.err.contains("no ground-truth labels"))
        let noSoftClustering = Self.run(Self.session(clustered: false), "anomalies")
        #expect(!noSoftClustering.ok && noSoftClustering.err.contains("run 'cluster hdbscan' first"))
    }

    @Test func anomaliesListTheFourKinds() {
        let r = Self.run(Self.session(), "anomalies", json: true)
        #expect(r.ok)
        let expected: JSONValue = .object([
            ("thresholds", .object([("probability", 0.9), ("outlier", 0.5), ("homogeneity", 0.2)])),
            ("counts", .object([("noise", 1), ("low_probability", 2), ("high_outlier_score", 1), ("homogeneity", 0)])),
            ("anomalies", .array([
                .object([("sample", "s5"), ("kind", "noise"), ("cluster", -1), ("label", "c"), ("value", 0.9), ("threshold", nil)]),
                .object([("sample", .string(Self.ids[2])), ("kind", "low_probability"), ("cluster", 0), ("label", "b"),
                         ("value", 0.5), ("threshold", 0.9)]),
                .object([("sample", "=s4,x"), ("kind", "low_probability"), ("cluster", 1), ("label", "b"),
                         ("value", 0.85), ("threshold", 0.9)]),
                .object([("sample", .string(Self.ids[2])), ("kind", "high_outlier_score"), ("cluster", 0), ("label", "b"),
                         ("value", 0.6), ("threshold", 0.5)]),
            ])),
        ])
        #expect(r.out == expected.serialized + "\n")

        let text = Self.run(Self.session(), "anomalies homogeneity=0.4")
        #expect(text.out.contains("homogeneity: 1 (threshold 0.400)"))
        #expect(text.out.contains("s2\\e[31m"))
        #expect(!text.out.contains("\u{1B}"))
        #expect(text.out.contains("  s5           -1  c      0.9000\n"))
    }

    @Test func anomaliesCountsUsePandasQuartiles() {
        let r = Self.run(Self.session(), "anomalies counts", json: true)
        #expect(r.out == #"{":count:file:all":{"q1":1.25,"q3":10.75,"iqr":9.5,"outliers":["s5"],"suspects":[]}}"# + "\n")
        let text = Self.run(Self.session(), "anomalies counts")
        #expect(text.out == "1 :count: features, 1 with outliers or suspects\n:count:file:all  Q1 1.25  Q3 10.75  IQR 9.50\n  outliers: s5\n")
    }

    @Test func exportAnomaliesWritesCSV() throws {
        let dir = TestScratch.directory()
        defer { unlink(dir + "/a.csv"); rmdir(dir) }
        let r = Self.run(Self.session(), "export anomalies \"\(dir)/a.csv\"", json: true)
        #expect(r.ok, "\(r.err)")
        #expect(r.out == "{\"path\":\"\(dir)/a.csv\",\"rows\":4}\n")
        let csv = String(decoding: try #require(readAll(dir + "/a.csv")), as: UTF8.self)
        #expect(csv == """
            sample,kind,value,threshold
            s5,noise,0.9,
            \(Self.ids[2]),low_probability,0.5,0.9
            "'=s4,x",low_probability,0.85,0.9
            \(Self.ids[2]),high_outlier_score,0.6,0.5

            """)
        let missingDir = Self.run(Self.session(), "export anomalies \(dir)/nowhere/a.csv")
        #expect(!missingDir.ok && missingDir.err.contains("nowhere"))
    }

    @Test func sweepMarksTheBestVMeasure() throws {
        let r = Self.run(Self.session(), "sweep hdbscan min_samples=1..2 min_cluster_size=2..3", json: true)
        #expect(r.ok, "\(r.err)")
        let s = Self.session()
        let rows = try Sweep.hdbscan(points: .sparse(s.features!.matrix), truth: ["a", "a", "b", "b", "b", "c"],
                                     minSamples: 1...2, minClusterSizes: 2...3, base: s.hdbscan!.parameters)
        let best = try #require(Sweep.bestVMeasure(rows))
        #expect(rows.count == 4)
        for (i, row) in rows.enumerated() {
            let a = try #require(row.assessment)
            let fragment = "{\"min_samples\":\(row.minSamples),\"min_cluster_size\":\(row.minClusterSize),\"best\":\(i == best),"
                + "\"ari\":\(JSONValue.format(a.scores.adjustedRandIndex)),"
            #expect(r.out.contains(fragment), "row \(i) missing: \(fragment)")
        }
        let text = Self.run(Self.session(), "sweep hdbscan min_samples=1..2 min_cluster_size=2..3")
        let lines = text.out.split(separator: "\n")
        #expect(lines.count == 6)
        #expect(lines.filter { $0.hasPrefix("*") }.count == 1)
        #expect(lines[best + 1].hasPrefix("*"))
        // The session keeps its own clustering.
        #expect(text.ok)
        let bad = Self.run(Self.session(), "sweep hdbscan min_cluster_size=5..3")
        #expect(!bad.ok && bad.err.contains("min_cluster_size= must run upwards"))
        let tooSmall = Self.run(Self.session(), "sweep hdbscan min_cluster_size=1..3")
        #expect(!tooSmall.ok)
    }

    private func readAll(_ path: String) -> [UInt8]? {
        guard let f = fopen(path, "rb") else { return nil }
        defer { fclose(f) }
        var out: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = fread(&buffer, 1, buffer.count, f)
            out += buffer[0..<n]
            if n < buffer.count { return out }
        }
    }
}
