import Testing
@testable import CuckooML

/// Medoids of family clusters named by the fit's strengths against the definition over all members.
@Suite struct MedoidsTests {
    /// The member at strength 1 with the least summed distance is the all-members medoid (least sum,
    /// lowest row on ties), on clusters large enough for the subset rule to have sampled them, for
    /// strengths measured on their own columns (64+ members) too; strengths naming no member give nil.
    @Test func theStrengthsNameTheMedoidOverAllMembers() throws {
        let training = PlacementTests.features(rows: 900, seed: 5)
        let linkage = try CompleteLinkage.fit(points: training.points, parameters: .families, threads: 2, exhaustiveLimit: 200)
        let engine = BruteForceEngine(points: training.points, metric: .groupjaccard)
        let members = linkage.members
        #expect(members.contains { $0.count >= CompleteLinkage.compactedClusterSize })
        for rows in members {
            var best = rows[0], bestSum = Double.infinity
            for i in rows {
                var sum = 0.0
                for j in rows where j != i { sum += engine.distance(i, j) }
                if sum < bestSum { bestSum = sum; best = i }
            }
            #expect(Medoids.centralRow(of: rows, strengths: linkage.strengths, engine: engine) == best)
        }
        let unsaid = [Double](repeating: 0.5, count: linkage.labels.count)
        #expect(members.allSatisfy { Medoids.centralRow(of: $0, strengths: unsaid, engine: engine) == nil })
    }

    /// A session's linkage clustering takes its medoids from the strengths: the middle of 0…4, the
    /// lower row of a tied pair; the same as the strengths' rule gives.
    @Test func sessionMedoidsOfALinkageClusteringComeFromItsStrengths() throws {
        var session = Session()
        var matrix = SparseMatrix(columnCount: 1)
        for x in [0.0, 1, 2, 3, 4, 20, 21] { matrix.appendRow(x == 0 ? [] : [(Int32(0), x)]) }
        session.importMatrix(ids: (0..<7).map { "s\($0)" }, names: ["x"], matrix: matrix, labels: nil)
        let clustering = try session.cluster(.linkage(LinkageParameters(threshold: 4.5, metric: .euclidean)))
        let linkage = try #require(clustering.linkage)
        #expect(clustering.members == [[0, 1, 2, 3, 4], [5, 6]])
        #expect(try session.medoids(clustering) == [2, 5])
        let engine = BruteForceEngine(points: session.features!.points, metric: .euclidean)
        #expect(clustering.members.map { Medoids.centralRow(of: $0, strengths: linkage.strengths, engine: engine) } == [2, 5])
    }
}
