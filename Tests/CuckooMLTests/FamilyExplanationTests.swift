import Testing
@testable import CuckooML

/// The shared-feature explanation of clusters, on a small matrix whose counts are worked out by hand.
@Suite struct FamilyExplanationTests {
    static let names = [":win:A", ":win:B", ":file:x", ":file:y", ":net:z", "plain", ":file:w"]
    /// Rows as column sets; clusters 0 = rows 0-2, 1 = rows 3-4, row 5 is noise.
    static let rows: [[Int32]] = [[0, 1, 2, 6], [0, 1, 3], [0, 2, 6], [1, 3, 4], [3, 4], [0, 1, 3, 4, 5]]
    static let assignments = [0, 0, 0, 1, 1, -1]

    static var matrix: SparseMatrix {
        var m = SparseMatrix(columnCount: names.count)
        for r in rows { m.appendRow(r.map { ($0, 1.0) }) }
        return m
    }

    static func summary(_ f: SharedFeature) -> String { "\(f.name) \(f.members)/\(f.clusterSize) of \(f.holders)" }

    @Test func countsAndRankingMatchTheHandComputedValues() throws {
        let e = try FamilyExplanation.explain(matrix: Self.matrix, names: Self.names, assignments: Self.assignments)
        #expect(e.map(\.cluster) == [0, 1])
        #expect(e.map(\.size) == [3, 2])
        // Cluster 0 (3 members, 3 others):
        //   A: 3 members, 4 holders → score 6/7; B: 2 of 3 members but 2 of 3 others too (not enriched);
        //   x and w: 2 members, 2 holders → 4/5, tied, w first by name; y: 1 member (< 2).
        #expect(e[0].top.map(Self.summary) == [":win:A 3/3 of 4", ":file:w 2/3 of 2", ":file:x 2/3 of 2"])
        let a = e[0].top[0]
        #expect(a.recall == 1 && a.precision == 0.75 && a.score == 6.0 / 7.0)
        #expect(e[0].top[1].recall == 2.0 / 3.0 && e[0].top[1].precision == 1 && e[0].top[1].score == 0.8)
        #expect(e[0].groups.map(\.name) == ["win", "file"])
        #expect(e[0].groups[1].features.map(\.name) == [":file:w", ":file:x"])
        // Cluster 1 (2 members, 4 others): z 2 of 3 holders → 4/5; y 2 of 4 → 4/6; B has 1 member only.
        #expect(e[1].top.map(Self.summary) == [":net:z 2/2 of 3", ":file:y 2/2 of 4"])
        #expect(e[1].top[1].score == 4.0 / 6.0 && e[1].top[1].precision == 0.5)
        #expect(e[1].groups.map(\.name) == ["net", "file"])
    }

    @Test func limitsKeepTheBestPerGroupAndOverall() throws {
        let limits = FamilyExplanation.Limits(perGroup: 1, overall: 2)
        let e = try FamilyExplanation.explain(matrix: Self.matrix, names: Self.names, assignments: Self.assignments, limits: limits)
        #expect(e[0].top.map(\.name) == [":win:A", ":file:w"])
        #expect(e[0].groups.map { $0.features.map(\.name) } == [[":win:A"], [":file:w"]])
        // A recall floor of 100 % leaves only the tokens every member has.
        let strict = try FamilyExplanation.explain(matrix: Self.matrix, names: Self.names, assignments: Self.assignments,
                                                   limits: FamilyExplanation.Limits(minimumRecall: 1))
        #expect(strict[0].top.map(\.name) == [":win:A"])
    }

    @Test func onlyTheAskedClustersAndNoiseIsEmpty() throws {
        let e = try FamilyExplanation.explain(matrix: Self.matrix, names: Self.names, assignments: Self.assignments, clusters: [1, -1, 7])
        #expect(e.map(\.cluster) == [1, -1, 7])
        #expect(e[0].top.map(\.name) == [":net:z", ":file:y"])
        #expect(e[1].top.isEmpty && e[1].size == 0 && e[2].top.isEmpty)
    }

    @Test func tiesBreakByRecallThenName() {
        // Same score 0.4 (4/10 and 8/20); the higher recall (2/4 over 4/10) ranks first.
        let a = SharedFeature(column: 0, name: ":z:a", group: "z", members: 2, clusterSize: 4, holders: 6)
        let b = SharedFeature(column: 1, name: ":a:b", group: "a", members: 4, clusterSize: 10, holders: 10)
        #expect(a.score == b.score)
        #expect(SharedFeature.ranksBefore(a, b) && !SharedFeature.ranksBefore(b, a))
        var c = a
        c.name = ":z:0"
        #expect(SharedFeature.ranksBefore(c, a) && !SharedFeature.ranksBefore(a, c))
    }

    @Test func groupsAndTokensFromNames() {
        #expect(FamilyExplanation.group(of: ":file:touch:C:\\x") == "file")
        #expect(FamilyExplanation.group(of: ":win:Sleep") == "win")
        #expect(FamilyExplanation.group(of: "plain") == "")
        #expect(FamilyExplanation.group(of: ":nocolon") == "")
        #expect(FamilyExplanation.group(of: "::x") == "")
        let f = SharedFeature(column: 0, name: ":file:touch:C:\\x", group: "file", members: 1, clusterSize: 1, holders: 1)
        #expect(f.token == "touch:C:\\x")
        #expect(SharedFeature(column: 0, name: "plain", group: "", members: 1, clusterSize: 1, holders: 1).token == "plain")
    }

    @Test func cohesionIsTheMeanPairwiseJaccard() {
        // Rows 0-2: {A,B,x,w} {A,B,y} {A,x,w}: J = 2/5, 3/4, 1/5 → mean 27/60.
        let value = FamilyCohesion.meanJaccard(matrix: Self.matrix, rows: [0, 1, 2])
        #expect(abs(value! - 27.0 / 60.0) < 1e-15)
        #expect(FamilyCohesion.meanJaccard(matrix: Self.matrix, rows: [4]) == nil)
        // A limit of 2 takes every 2nd member: rows 0 and 2, J = 3/4.
        #expect(FamilyCohesion.meanJaccard(matrix: Self.matrix, rows: [0, 1, 2], limit: 2) == 0.75)
    }

    @Test func shorteningKeepsBothEnds() {
        #expect(shortenMiddle("short", to: 10) == "short")
        #expect(shortenMiddle("HKEY_CURRENT_USER\\Software\\Vendor\\Run", to: 15) == "HKEY_CU…dor\\Run")
        #expect(shortenMiddle("abcdefghij", to: 5).count == 5)
    }
}
