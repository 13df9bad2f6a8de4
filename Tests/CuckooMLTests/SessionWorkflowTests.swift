import Foundation
import Testing
@testable import CuckooML

/// The session's operations (`add`, `cluster`, `compare`, `activeClustering`, `medoids`,
/// `importMatrix`), checked against the shell's golden transcript and against loading from scratch.
@Suite struct SessionWorkflowTests {
    static let reports = TestSupport.packageRoot + "/sample_data/reports"

    /// The sample reports as a sorted file list, so two sessions read them in the same order.
    static func reportFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: reports).filter { $0.hasSuffix(".json") }.sorted()
            .map { reports + "/" + $0 }
    }

    static func loaded(_ files: [String]) throws -> Session {
        var session = Session()
        let result = try session.readReports(paths: files)
        #expect(result.failures.isEmpty)
        try session.add(result.samples)
        return session
    }

    /// The showcase's family-pipeline `compare` (step 10 of scripts/showcase.cml), through the session:
    /// the numbers the golden transcript shows.
    @Test func compareMatchesTheShowcase() throws {
        var session = try Self.loaded([Self.reports])
        let clustering = try session.cluster(.linkage(.families))
        #expect(clustering.algorithm == .linkage)
        let comparison = try session.compare(paths: [TestSupport.packageRoot + "/sample_data/new/suspicious.json"])
        #expect(comparison.loaded.samples.map(\.id) == ["suspicious"])
        #expect(comparison.clustering.algorithm == .linkage)
        let p = try #require(comparison.placements.first)
        #expect(p.prediction.label == 0)
        #expect(abs(p.prediction.probability - 0.977) < 0.0005)
        #expect(abs(p.prediction.outlierScore - 0.799) < 0.0005)
        #expect(p.closestCluster?.cluster == 0)
        #expect(abs((p.closestCluster?.farthest ?? 0) - 0.5593) < 0.00005)
        #expect(p.knownFeatures == 199)
        #expect(comparison.labels.map(\.family) == ["zbot"])
        #expect(comparison.labels.map(\.votes) == [6])
        #expect(p.nearest.map { session.samples[$0.index].id } == ["110", "162", "57", "21", "84918b7948e7b1ac"])
        #expect(zip(p.nearest.map(\.distance), [0.2022, 0.3043, 0.3052, 0.3301, 0.3458]).allSatisfy { abs($0 - $1) < 0.00005 })
        #expect(comparison.queries.rowCount == 1)
        // Comparing changes no sample, feature or clustering.
        #expect(session.samples.count == 200)
        #expect(session.linkage?.labels == clustering.labels)
    }

    /// Adding reports to a clustered session and refitting gives what loading them all and
    /// clustering gives, for the family clustering and for HDBSCAN.
    @Test(arguments: [ClusteringRequest.linkage(.families), .hdbscan(HDBSCANParameters(minSamples: 1, minClusterSize: 6))])
    func addThenRefitEqualsReload(_ request: ClusteringRequest) throws {
        let files = try Self.reportFiles()
        #expect(files.count == 200)
        var grown = try Self.loaded(Array(files.prefix(150)))
        let before = try grown.cluster(request)
        #expect(before.labels.count == 150)
        let rest = try grown.readReports(paths: Array(files.dropFirst(150)))
        #expect(grown.loaded(among: rest.samples).isEmpty)
        let replaced = try grown.add(rest.samples, refitting: before.algorithm)
        #expect(replaced.isEmpty)

        var whole = try Self.loaded(files)
        let reference = try whole.cluster(request)
        let refit = try #require(grown.clustering(before.algorithm))
        #expect(grown.samples.map(\.id) == whole.samples.map(\.id))
        #expect(grown.features?.names == whole.features?.names)
        #expect(grown.labels == whole.labels)
        #expect(refit.labels == reference.labels)
        #expect(refit.probabilities == reference.probabilities)
        #expect(refit.outlierScores == reference.outlierScores)
        #expect(refit.clusterCount == reference.clusterCount && refit.clusterCount > 5)
        #expect(grown.lastClustered == before.algorithm)
    }

    /// `add` of reports whose features bring no new column (copies of loaded reports under new ids, in
    /// the unfiltered `full` space): the loaded rows stay, so HDBSCAN's core distances are updated from
    /// the previous fit's (`HDBSCAN.updatedCoreDistances`), and the refit equals clustering everything.
    @Test func addWithUnchangedRowsUpdatesCoreDistancesExactly() throws {
        var grown = try Self.loaded(Self.reportFiles())
        try grown.buildFeatures(.full)
        let parameters = HDBSCANParameters(minSamples: 3, minClusterSize: 5)
        _ = try grown.cluster(.hdbscan(parameters))
        let features = try #require(grown.features), previous = try #require(grown.hdbscan).coreDistances
        let copies = grown.samples.prefix(40).enumerated().filter { $0.offset % 2 == 0 }.map { _, s in
            Sample(id: "copy-" + s.id, path: s.path, reportSize: s.reportSize, record: s.record)
        }
        let replaced = try grown.add(copies, refitting: .hdbscan)
        #expect(replaced.isEmpty)
        #expect(grown.features?.keepsRows(of: features) == true, "the loaded rows stay: the update path runs")

        var whole = Session()
        try whole.add(Array(grown.samples))
        try whole.buildFeatures(.full)
        _ = try whole.cluster(.hdbscan(parameters))
        let refit = try #require(grown.hdbscan), reference = try #require(whole.hdbscan)
        #expect(refit.coreDistances == reference.coreDistances)
        #expect(refit.labels == reference.labels)
        #expect(refit.probabilities == reference.probabilities)
        #expect(refit.outlierScores == reference.outlierScores)
        #expect(refit.condensedTree == reference.condensedTree)
        #expect(refit.clusterCount >= 2)
        #expect(zip(previous, refit.coreDistances).contains { $0 != $1 }, "the copies bring loaded samples nearer neighbours")
    }

    /// Adding without refitting drops the clusterings; reloading a sample replaces it.
    @Test func addDropsClusteringsAndReportsReplacements() throws {
        let files = try Self.reportFiles()
        var session = try Self.loaded(Array(files.prefix(20)))
        try session.cluster(.linkage(.families))
        let again = try session.readReports(paths: Array(files[15..<25]))
        #expect(session.loaded(among: again.samples) == files[15..<20].map { ($0 as NSString).lastPathComponent.replacingOccurrences(of: ".json", with: "") }.sorted())
        let replaced = try session.add(again.samples)
        #expect(replaced.count == 5)
        #expect(session.samples.count == 25)
        #expect(session.clusterings.isEmpty && session.lastClustered == nil)
        #expect(session.features?.matrix.rowCount == 25)
        #expect(session.labels.count == 25)
    }

    /// One picker for every command: the named clustering or the current one, with the messages the
    /// shell prints, and the soft clustering `compare` and `anomalies` read.
    @Test func activeClusteringPicksAndExplains() throws {
        var session = Session()
        #expect(throws: SessionError.noClustering(.hdbscan)) { try session.activeClustering() }
        #expect(throws: SessionError.noFeatures) { try session.cluster(.linkage(.families)) }
        #expect(SessionError.noClustering(.dbscan).description == "no dbscan clustering yet: run 'cluster dbscan EPS MIN_SAMPLES'")

        var matrix = SparseMatrix(columnCount: 1)
        for x in [0.0, 1, 2, 10, 11] { matrix.appendRow(x == 0 ? [] : [(Int32(0), x)]) }
        session.importMatrix(ids: ["a", "b", "c", "d", "e"], names: ["x"], matrix: matrix, labels: ["p", "p", "", "q", "q"])
        #expect(session.features?.configuration.kind == .imported)
        #expect(session.labelColumn == ["p", "p", SampleLabel.noneFamily, "q", "q"])
        #expect(session.label(of: "a").source == .external)

        let h = try session.cluster(.hdbscan(HDBSCANParameters(minSamples: 1, minClusterSize: 2)))
        let d = try session.cluster(.dbscan(DBSCANParameters(eps: 1.5, minSamples: 2)))
        // cluster returns what it ran, though HDBSCAN stays the current clustering over DBSCAN.
        #expect(d.algorithm == .dbscan && d.labels == [0, 0, 0, 1, 1])
        #expect(try session.activeClustering().algorithm == .hdbscan)
        #expect(try session.activeClustering(.dbscan).labels == [0, 0, 0, 1, 1])
        #expect(throws: SessionError.noClustering(.linkage)) { try session.activeClustering(.linkage) }
        #expect(session.softClustering?.algorithm == .hdbscan)
        #expect(h.labels.count == 5)

        // Medoids in the clustering's metric: the middle of 0, 1, 2; the lower row of a tied pair.
        #expect(try session.medoids(d) == [1, 3])

        let l = try session.cluster(.linkage(LinkageParameters(threshold: 2.5, metric: .euclidean)))
        #expect(l.labels == [0, 0, 0, 1, 1])
        #expect(try session.activeClustering().algorithm == .linkage)
        #expect(session.softClustering?.algorithm == .linkage)
        #expect(throws: SessionError.importedMatrix) { try session.compare(paths: [Self.reports]) }
    }

    /// The session's labelling is the same on one thread and on two (`SampleLabelling`).
    @Test func labellingOnTwoThreadsEqualsOne() throws {
        let result = try ReportLoader.load(paths: [Self.reports])
        for rule in LabelRule.allCases {
            let one = SampleLabelling.labels(result.samples, [:], rule: rule, parts: 1).0
            let two = SampleLabelling.labels(result.samples, [:], rule: rule, parts: 2).0
            #expect(one == two)
            #expect(one.count == 200)
            #expect(Set(one.values.map(\.family)).count > 10)
        }
    }
}
