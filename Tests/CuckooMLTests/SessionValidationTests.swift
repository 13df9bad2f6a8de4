#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import CuckooML

/// Issue 13, bug 1: a session file edited or damaged so that its numbers no longer agree is refused by
/// `SessionStore.open` with one line, before any command indexes an array with them.
@Suite struct SessionValidationTests {
    /// A real fit (two well separated groups and a stray point), so the condensed tree is one the
    /// library made, with its selection and stabilities.
    static func fittedSession() throws -> Session {
        var session = Session()
        let n = 13
        session.upsert((0..<n).map { Sample(id: "s\($0)", path: nil, reportSize: 10, record: nil) })
        var matrix = SparseMatrix(columnCount: 2)
        for i in 0..<n {
            let x: Double = i < 6 ? Double(i) * 0.1 : i < 12 ? 10 + Double(i) * 0.1 : 50
            matrix.appendRow([(Int32(0), x), (Int32(1), 1.0)])
        }
        session.fixture.features = FeatureSet(configuration: .simple, names: ["a", "b"], matrix: matrix)
        session.fixture.hdbscan = try HDBSCAN.fit(points: .sparse(matrix), parameters: HDBSCANParameters(minSamples: 2, minClusterSize: 3))
        session.fixture.dbscan = DBSCANResult(parameters: DBSCANParameters(eps: 0.5, minSamples: 2, metric: .euclidean),
                                      labels: (0..<n).map { $0 < 6 ? 0 : $0 < 12 ? 1 : -1 }, isCore: (0..<n).map { $0 != 12 })
        return session
    }

    /// Saves the fitted session, applies `sql` to the file, and expects `open` to refuse it naming `fragment`.
    func expectRefused(_ sql: String, _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let dir = OutputFixtures.temporaryDirectory()
        defer { _ = system("rm -rf '\(dir)'") }
        let path = dir + "/s.cml"
        try SessionStore.save(try Self.fittedSession(), to: path)
        do {
            let db = try SQLiteDatabase(path: path, readOnly: false)
            try db.execute(sql)
        }
        do {
            _ = try SessionStore.open(path)
            Issue.record("opened after: \(sql)", sourceLocation: sourceLocation)
        } catch {
            #expect(error.description.contains(fragment), "\(error)", sourceLocation: sourceLocation)
            #expect(!error.description.contains("\n"), sourceLocation: sourceLocation)
        }
    }

    @Test func theUntouchedFileOpens() throws {
        let dir = OutputFixtures.temporaryDirectory()
        defer { _ = system("rm -rf '\(dir)'") }
        let session = try Self.fittedSession()
        #expect(session.hdbscan?.clusterCount == 2)
        try SessionStore.save(session, to: dir + "/s.cml")
        #expect(sameSession(session, try SessionStore.open(dir + "/s.cml")))
    }

    @Test func clusterIdsOutOfRangeAreRefused() throws {
        // The issue's reproduction: one past the last cluster, then a huge id.
        try expectRefused("UPDATE membership SET cluster = (SELECT MAX(cluster) + 1 FROM membership) WHERE row = 1", "hdbscan")
        try expectRefused("UPDATE membership SET cluster = 4000000000 WHERE row = 1 AND algorithm = 'hdbscan'", "out of range")
        try expectRefused("UPDATE membership SET cluster = -7 WHERE row = 1 AND algorithm = 'dbscan'", "out of range")
        try expectRefused("UPDATE clusterings SET clusters = 3 WHERE algorithm = 'dbscan'", "clusterings says 3 clusters")
        try expectRefused("UPDATE clusters SET size = 99 WHERE algorithm = 'hdbscan' AND cluster = 0", "clusters table")
        try expectRefused("UPDATE membership SET sample = 's5' WHERE row = 0", "another sample")
    }

    @Test func probabilitiesAndScoresMustBeFractions() throws {
        try expectRefused("UPDATE membership SET probability = 1.5 WHERE row = 2 AND algorithm = 'hdbscan'", "probability 1.5")
        try expectRefused("UPDATE membership SET outlier_score = -0.25 WHERE row = 2 AND algorithm = 'hdbscan'", "outlier score -0.25")
    }

    @Test func countsMustMatch() throws {
        try expectRefused("UPDATE meta SET value = '14' WHERE key = 'samples'", "meta says 14 samples")
        try expectRefused("DELETE FROM meta WHERE key = 'samples'", "no sample count")
        try expectRefused("UPDATE meta SET value = '7' WHERE key = 'schema_version'", "schema_version '7'")
        try expectRefused("UPDATE clusterings SET persistence = x'000000000000F03F' WHERE algorithm = 'hdbscan'", "persistence values")
        try expectRefused("UPDATE hdbscan_fit SET tree_points = x'0000000001000000'", "2 points")
        try expectRefused("UPDATE hdbscan_fit SET selected_clusters = x'0E000000'", "selected")
        try expectRefused("UPDATE clusterings SET parameters = json_set(parameters, '$.min_samples', 9223372036854775807) WHERE algorithm = 'hdbscan'", "parameters out of range")
        try expectRefused("UPDATE hdbscan_fit SET min_samples_used = 3", "min_samples used 3")
    }

    @Test func theCondensedTreeMustBeATree() throws {
        // A point that falls out twice, a cluster with no parent, a parent that is a point, NaN λ.
        try expectRefused("UPDATE condensed_tree SET child = 0 WHERE child = 1", "point 0 repeated")
        try expectRefused("UPDATE condensed_tree SET parent = 3 WHERE seq = 0", "parent 3 is not a cluster")
        try expectRefused("UPDATE condensed_tree SET parent = 40 WHERE seq = 0", "condensed tree")
        try expectRefused("UPDATE condensed_tree SET lambda_val = NULL WHERE seq = 0", "λ")
        try expectRefused("UPDATE condensed_tree SET child = 1000000 WHERE child >= 13", "out of range")
        try expectRefused("UPDATE condensed_tree SET child = 4 WHERE child = 5", "point 4 repeated")
        // A point that never falls out.
        let tree = [CondensedTreeRow(parent: 3, child: 0, lambda: 1, childSize: 1), CondensedTreeRow(parent: 3, child: 2, lambda: 1, childSize: 1)]
        #expect(throws: SessionValidationError("condensed tree: point 1 never falls out of a cluster")) {
            try SessionValidation.validateTree(tree, pointCount: 3)
        }
    }

    /// `Session(restoring:)` is the one way a whole session comes in: it refuses contents whose parts no
    /// longer describe the same rows, and gives back what `contents` gave it.
    @Test func restoringChecksWhatItIsGiven() throws {
        let session = try Self.fittedSession()
        #expect(sameSession(session, try Session(restoring: session.contents)))
        #expect(try Session(restoring: session.contents).index == session.index)
        var fewer = session.contents
        fewer.samples.removeLast()
        #expect(throws: SessionValidationError("13 feature rows for 12 samples")) {
            try Session(restoring: fewer)
        }
        var twice = session.contents
        twice.samples[1] = twice.samples[0]
        #expect(throws: SessionValidationError("duplicate sample ids")) { try Session(restoring: twice) }
        var improbable = session.contents
        improbable.hdbscan!.probabilities[2] = 1.5
        #expect(throws: SessionValidationError("hdbscan: row 2 has probability 1.5, not in [0, 1]")) {
            try Session(restoring: improbable)
        }
        var stray = session.contents
        stray.dbscan!.labels[0] = 13
        #expect(throws: SessionValidationError("dbscan: row 0 is in cluster 13, out of range for 13 samples")) {
            try Session(restoring: stray)
        }
    }

    /// Files written before `hdbscan_fit` existed still open, with the selection derived from the tree.
    @Test func filesWithoutTheFitTableDeriveTheSelection() throws {
        let dir = OutputFixtures.temporaryDirectory()
        defer { _ = system("rm -rf '\(dir)'") }
        let session = try Self.fittedSession()
        try SessionStore.save(session, to: dir + "/s.cml")
        do {
            let db = try SQLiteDatabase(path: dir + "/s.cml", readOnly: false)
            try db.execute("DROP TABLE hdbscan_fit")
        }
        let back = try SessionStore.open(dir + "/s.cml")
        #expect(back.hdbscan?.selectedClusters == session.hdbscan?.selectedClusters)
        #expect(back.hdbscan?.clusterStability == session.hdbscan?.clusterStability)
        #expect(back.hdbscan?.minSamplesUsed == session.hdbscan?.minSamplesUsed)
    }

    /// Bug 2: the fit details that `show tree` reads come back equal.
    @Test func fitDetailsRoundTrip() throws {
        let dir = OutputFixtures.temporaryDirectory()
        defer { _ = system("rm -rf '\(dir)'") }
        var session = try Self.fittedSession()
        // Deduplication and a NaN row make the tree's points differ from the rows.
        var matrix = SparseMatrix(columnCount: 2)
        for i in 0..<13 {
            let x: Double = i == 3 ? .nan : i < 7 ? 0 : 5 + Double(i % 3)
            matrix.appendRow([(Int32(0), x), (Int32(1), 1.0)])
        }
        session.fixture.features = FeatureSet(configuration: .simple, names: ["a", "b"], matrix: matrix)
        session.fixture.hdbscan = try HDBSCAN.fit(points: .sparse(matrix), parameters: HDBSCANParameters(minSamples: 5, minClusterSize: 2, deduplicate: true))
        let h = try #require(session.hdbscan)
        #expect(h.treePointRows.count < 12 && h.minSamplesUsed < 5 && !h.clusterStability.isEmpty)
        try SessionStore.save(session, to: dir + "/s.cml")
        let back = try #require(try SessionStore.open(dir + "/s.cml").hdbscan)
        #expect(back.treePointRows == h.treePointRows)
        #expect(back.selectedClusters == h.selectedClusters)
        #expect(back.clusterStability == h.clusterStability)
        #expect(back.minSamplesUsed == h.minSamplesUsed)
    }
}
