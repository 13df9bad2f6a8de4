import Foundation
import Testing
import CuckooML
@testable import cuckooml

/// The family clustering (`cluster`, `cluster linkage`) as a first-class session clustering: every
/// command that reads a clustering works on it, with values checked against the library.
@Suite("family clustering commands")
struct FamilyClusteringCommandTests {
    static let reports = TestPaths.packageRoot + "/sample_data/reports"

    static func clustered(_ extra: String = "") -> (Shell, CaptureSink) {
        let sink = CaptureSink()
        let shell = Shell(sink: sink)
        #expect(shell.runScript("load \(reports); cluster" + (extra.isEmpty ? "" : "; " + extra), origin: "test"),
                "stderr: \(sink.stderr)")
        return (shell, sink)
    }

    @Test func clusterAloneIsCompleteLinkageOnGroupJaccard() throws {
        let (shell, sink) = Self.clustered()
        let session = shell.session
        let linkage = try #require(session.linkage)
        #expect(linkage.parameters == .families)
        #expect(session.lastClustered == .linkage && session.currentClustering?.algorithm == .linkage)
        let direct = try CompleteLinkage.fit(points: session.features!.points, parameters: .families)
        #expect(linkage == direct)
        #expect(sink.stdout.contains("linkage: \(linkage.clusterCount) clusters, \(linkage.noiseCount) noise of 200 (t=0.7 metric=groupjaccard)"))
        #expect(session.summary.hasSuffix("linkage \(linkage.clusterCount) clusters"))
        // Every cluster is a complete-linkage cluster at 0.7: all pairs within the cut.
        let engine = NeighbourhoodEngines.make(points: session.features!.points, metric: .groupjaccard)
        for members in SessionClustering(linkage).members {
            for a in members { for b in members where a < b { #expect(engine.distance(a, b) <= 0.7) } }
        }
        #expect(shell.runScript("cluster linkage 0.5 metric=jaccard", origin: "test"))
        #expect(shell.session.linkage?.parameters == LinkageParameters(threshold: 0.5, metric: .jaccard))
    }

    @Test func listingAssessingAndLabelsUseTheCurrentClustering() throws {
        let (shell, sink) = Self.clustered("clusters; show cluster 0; assess; labels 0; anomalies; status")
        let linkage = try #require(shell.session.linkage)
        let out = sink.stdout
        let size0 = linkage.labels.filter { $0 == 0 }.count
        #expect(out.contains("cluster 0: \(size0) members (linkage)"))
        #expect(out.contains("sample") && out.contains("strength") && out.contains("outlier_score"))
        let truth = shell.session.labelColumn
        let a = try #require(try Assessment.assess(truth: truth, predicted: linkage.labels,
                                                   points: shell.session.features!.points, metric: .groupjaccard))
        #expect(out.contains("linkage: 200 samples assessed, \(linkage.clusterCount) clusters, \(linkage.noiseCount) noise"))
        #expect(out.contains("V-measure                                  " + fixed(a.scores.vMeasure, 4)))
        #expect(out.contains("cluster 0: \(size0) samples"))
        #expect(out.contains("linkage     \(linkage.clusterCount) clusters, \(linkage.noiseCount) noise (t=0.7 metric=groupjaccard) · current"))
        // A later hdbscan run becomes current; algorithm= still reaches the linkage.
        #expect(shell.runScript("cluster hdbscan 1 6; assess; assess algorithm=linkage", origin: "test"))
        #expect(shell.session.currentClustering?.algorithm == .hdbscan)
        #expect(sink.stdout.contains("hdbscan: 200 samples assessed"))
    }

    @Test func exportSaveAndSessionFilesCarryIt() throws {
        let dir = try TemporaryDirectory()
        let (shell, _) = Self.clustered("export clustering \(dir.file("c.csv")); save \(dir.file("out")); session save \(dir.file("s.cml"))")
        let linkage = try #require(shell.session.linkage)
        let rows = try TestText.read(dir.file("c.csv")).split(separator: "\n").dropFirst()
        for (r, line) in rows.enumerated() {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            #expect(Int(fields[1]) == linkage.labels[r] && Double(fields[2]) == linkage.strengths[r]
                    && Double(fields[3]) == linkage.outlierScores[r])
        }
        let sample = shell.session.samples[0]
        let copy = try TestText.read(dir.file("out") + "/" + URL(fileURLWithPath: sample.path!).lastPathComponent)
        #expect(copy.contains(#""linkage":{"clusterID":\#(linkage.labels[0]),"strength":"#))
        let other = Shell(sink: CaptureSink())
        #expect(other.runScript("session open \(dir.file("s.cml"))", origin: "test"))
        #expect(other.session.linkage == linkage)
        #expect(other.session.lastClustered == .linkage)
    }

    /// `cluster linkage ... mode=sampled sample=N`: the library's sampled result, named by the result
    /// line, its JSON, status, clusters, save and the session file (and so by a reopened session).
    @Test func theSampledModeIsNamedEverywhere() throws {
        let dir = try TemporaryDirectory()
        let (shell, sink) = Self.clustered("cluster linkage 0.7 mode=sampled sample=40; status; clusters; save \(dir.file("out")); session save \(dir.file("s.cml"))")
        let linkage = try #require(shell.session.linkage)
        let parameters = LinkageParameters(threshold: 0.7, metric: .groupjaccard, mode: .sampled, sampleSize: 40)
        let direct = try CompleteLinkage.fit(points: shell.session.features!.points, parameters: parameters)
        #expect(linkage == direct)
        let s = try #require(linkage.sampling)
        #expect(s.sampled == 40 && s.rows == 200 && s.placed + s.leftovers == 160)
        let summary = "sampled: 40 of 200 (\(s.placed) placed, \(s.leftovers) leftovers)"
        let settings = "t=0.7 metric=groupjaccard mode=sampled sample=40; " + summary
        #expect(sink.stdout.contains("linkage: \(linkage.clusterCount) clusters, \(linkage.noiseCount) noise of 200 (\(settings))"))
        #expect(sink.stdout.contains("linkage     \(linkage.clusterCount) clusters, \(linkage.noiseCount) noise (\(settings)) · current"))
        #expect(sink.stdout.contains("noise: \(linkage.noiseCount)\n" + summary))
        let sample = shell.session.samples[0]
        let copy = try TestText.read(dir.file("out") + "/" + URL(fileURLWithPath: sample.path!).lastPathComponent)
        #expect(copy.contains(#""metric":"groupjaccard","mode":"sampled","sampled":40,"of":200}"#))
        let other = Shell(sink: CaptureSink())
        #expect(other.runScript("session open \(dir.file("s.cml"))", origin: "test"))
        #expect(other.session.linkage == linkage)
        #expect(other.session.linkage?.settings == settings)
        // The JSON result names the mode and the sampling; mode=exact and auto are today's clustering.
        let json = CaptureSink()
        let third = Shell(sink: json)
        #expect(third.runScript("load \(Self.reports); set format json; cluster linkage mode=sampled sample=40; cluster linkage mode=exact", origin: "test"))
        #expect(json.stdout.contains(#""mode":"sampled","sample":40},"sampling":{"sampled":40,"of":200,"placed":\#(s.placed),"leftovers":\#(s.leftovers),"rounds":\#(s.rounds)}"#))
        #expect(json.stdout.contains(#""mode":"exact","sample":10000},"sampling":null"#))
        let exact = try #require(third.session.linkage)
        let auto = try CompleteLinkage.fit(points: third.session.features!.points, parameters: .families)
        #expect(exact.labels == auto.labels && exact.strengths == auto.strengths && exact.sampling == nil && auto.sampling == nil)
    }

    @Test func sweepGivesOneRowPerCut() throws {
        let (shell, sink) = Self.clustered("set format json; sweep linkage t=0.6,0.7 silhouette=no")
        let json = String(sink.stdout.split(separator: "\n").last!)
        let truth = shell.session.labelColumn
        let at07 = try #require(try Assessment.assess(truth: truth, predicted: shell.session.linkage!.labels, points: nil, metric: .groupjaccard))
        #expect(json.contains(#"{"t":0.7,"best":"#))
        #expect(json.contains(#""v_measure":\#(at07.scores.vMeasure)"#))
        #expect(shell.session.linkage?.parameters.threshold == 0.7, "a sweep leaves the clustering as it was")
    }

    @Test func compareJoinsTheClusterWithinTheCut() throws {
        let (shell, sink) = Self.clustered()
        let linkage = try #require(shell.session.linkage)
        let row = try #require(linkage.labels.indices.first { linkage.labels[$0] >= 0 })
        let dir = try TemporaryDirectory()
        try dir.write("copy.json", try TestText.read(shell.session.samples[row].path!))
        #expect(shell.runScript("compare \(dir.file("copy.json"))", origin: "test"))
        // An identical copy is within t of every member of the original's cluster (they all are of the original).
        #expect(sink.stdout.contains("copy: cluster \(linkage.labels[row]) (strength "))
        #expect(sink.stdout.contains("  joins cluster \(linkage.labels[row]): every member within "))
        #expect(shell.runScript("compare \(dir.file("copy.json")) add", origin: "test"))
        #expect(shell.session.linkage?.labels.count == 201)
        #expect(shell.session.currentClustering?.algorithm == .linkage)
    }

    /// Quality on the shared real reports, in the family feature space, against AVClass's labels
    /// (`none` left out, noise kept as one cluster). Floors at today's figures (V 0.8667, ARI 0.6311,
    /// 4 noise of 94), so any change that loses quality fails; V ≥ 0.85 and noise ≤ 15 % are the
    /// families issue's targets and are met. Its ARI target, 0.65, is not: the remaining loss is where
    /// AVClass and behaviour disagree (rakhni names three unrelated kinds of sample; fsysna and reconyc
    /// come from one builder; neurevt and vbkryjetor are 0.22 apart), and no principled change measured
    /// so far reaches it on the 94 and on both halves (README, "Families"). The known issue turns into
    /// a failure the day ARI reaches 0.65, so the floor is then raised to the target.
    @Test(.enabled(if: TestPaths.shared != nil && FeatureConfiguration.Kind(rawValue: "families") != nil))
    func realReportsReachTheFamilyTargets() throws {
        let (a, noise, count) = try Self.assessFamilies(TestPaths.shared! + "/data/cuckoo-reports")
        #expect(count == 94)
        #expect(a.scores.vMeasure >= 0.866, "V-measure \(a.scores.vMeasure)")
        #expect(a.scores.adjustedRandIndex >= 0.631, "ARI \(a.scores.adjustedRandIndex)")
        #expect(noise <= 4 && Double(noise) <= 0.15 * Double(count), "noise \(noise)")
        #expect(a.scores.vMeasure >= 0.85, "the issue's V-measure target")
        withKnownIssue("the families issue's ARI target 0.65 is not reached (0.631)") {
            #expect(a.scores.adjustedRandIndex >= 0.65, "the issue's ARI target")
        }
    }

    /// The same on each half of the real reports split by the parity of the sample's md5, each half
    /// loaded on its own (so its feature space keeps the tokens seen in 2 of its own samples): a
    /// change to the features or the clustering is kept only if it holds on both halves, not just on
    /// the 94 it was measured on. Floors at today's figures: even V 0.8423, ARI 0.6563, 4 noise of 47;
    /// odd V 0.8447, ARI 0.4198 (fsysna with reconyc and the split rakhni weigh more in a half), 5 noise.
    @Test(.enabled(if: TestPaths.shared != nil && FeatureConfiguration.Kind(rawValue: "families") != nil),
          arguments: [(0, 0.842, 0.656, 4), (1, 0.844, 0.419, 5)])
    func realReportHalvesKeepTheirQuality(parity: Int, vFloor: Double, ariFloor: Double, noiseCeiling: Int) throws {
        let reports = TestPaths.shared! + "/data/cuckoo-reports"
        let sink = CaptureSink()
        let shell = Shell(sink: sink)
        #expect(shell.runScript("load \(reports)", origin: "test"), "stderr: \(sink.stderr)")
        let dir = try TemporaryDirectory()
        var linked = 0
        for sample in shell.session.samples {
            let md5 = try #require(sample.md5), path = try #require(sample.path)
            guard let last = md5.last?.hexDigitValue, last % 2 == parity else { continue }
            try FileManager.default.createSymbolicLink(atPath: dir.file((path as NSString).lastPathComponent),
                                                       withDestinationPath: path)
            linked += 1
        }
        #expect(linked == 47)
        let (a, noise, count) = try Self.assessFamilies(dir.path)
        #expect(count == linked)
        #expect(a.scores.vMeasure >= vFloor, "V-measure \(a.scores.vMeasure)")
        #expect(a.scores.adjustedRandIndex >= ariFloor, "ARI \(a.scores.adjustedRandIndex)")
        #expect(noise <= noiseCeiling && Double(noise) <= 0.15 * Double(count), "noise \(noise)")
    }

    /// `load DIR; cluster` with AVClass's labels loaded and `none` ignored: the assessment, the noise
    /// count and the number of samples.
    static func assessFamilies(_ reports: String) throws -> (Assessment, noise: Int, count: Int) {
        let shared = TestPaths.shared!
        let sink = CaptureSink()
        let shell = Shell(sink: sink)
        #expect(shell.runScript("""
            load \(reports)
            features families
            cluster
            labels load \(shared)/data/avclass-labels.tsv
            labels ignore=none
            """, origin: "test"), "stderr: \(sink.stderr)")
        let session = shell.session
        let linkage = try #require(session.linkage)
        let a = try #require(try Assessment.assess(truth: session.labelColumn, predicted: linkage.labels, points: nil,
                                                   metric: .groupjaccard, ignoredLabels: ["none"]))
        return (a, linkage.noiseCount, session.samples.count)
    }
}
