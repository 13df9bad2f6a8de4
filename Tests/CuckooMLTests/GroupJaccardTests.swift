import Testing
@testable import CuckooML

/// The group-weighted Jaccard distance on every path (bit-packed kernel, row distances, sparse and
/// dense `Distances.between`) against a direct implementation of its definition on sets.
@Suite("group Jaccard")
struct GroupJaccardTests {
    /// The definition, written plainly: per group the sets of present columns, then 1 − the mean of
    /// |x ∩ y| / |x ∪ y| over the groups non-empty in either row, summed in ascending group order.
    static func direct(_ x: Set<Int>, _ y: Set<Int>, groupOf: [Int], groupCount: Int) -> Double {
        var sum = 0.0, groups = 0
        for g in 0..<groupCount {
            let xs = x.filter { groupOf[$0] == g }, ys = y.filter { groupOf[$0] == g }
            let union = xs.union(ys).count
            guard union > 0 else { continue }
            sum += Double(xs.intersection(ys).count) / Double(union)
            groups += 1
        }
        return groups == 0 ? 0 : 1 - sum / Double(groups)
    }

    static func sets(_ m: SparseMatrix) -> [Set<Int>] {
        (0..<m.rowCount).map { i in Set(zip(m.row(i).columns, m.row(i).values).filter { $0.1 != 0 }.map { Int($0.0) }) }
    }

    /// Random rows over `columns` columns named into `groupCount` groups, some rows empty, some repeated,
    /// some groups rare; values are mostly 1 with a few other non-zero values (presence is what counts).
    static func randomPoints(rows: Int, columns: Int, groupCount: Int, seed: UInt64) -> (PointSet, [String]) {
        var rng = EngineReference.Random(seed: seed)
        let names = (0..<columns).map { ":g\(Int(rng.next() % UInt64(groupCount))):t\($0)" }
        var m = SparseMatrix(columnCount: columns)
        var previous: [(Int32, Double)] = []
        for i in 0..<rows {
            if i % 11 == 5 { m.appendRow(previous); continue }
            if i % 13 == 7 { m.appendRow([]); previous = []; continue }
            let density = [0.02, 0.1, 0.4][Int(rng.next() % 3)]
            var row: [(Int32, Double)] = []
            for c in 0..<columns where Double(rng.next() % 10_000) / 10_000 < density {
                row.append((Int32(c), rng.next() % 17 == 0 ? 2.5 : 1))
            }
            m.appendRow(row)
            previous = row
        }
        return (.sparse(m, columnGroups: ColumnGroups(featureNames: names)), names)
    }

    @Test func groupNames() {
        #expect(ColumnGroups.groupName(of: ":win:CreateFileW") == "win")
        #expect(ColumnGroups.groupName(of: ":file:touch:C:\\x") == "file")
        #expect(ColumnGroups.groupName(of: "plain") == "")
        #expect(ColumnGroups.groupName(of: ":only") == "")
        #expect(ColumnGroups.groupName(of: "::empty") == "")
        let g = ColumnGroups(featureNames: [":win:a", ":file:b", ":win:c", "x", ":dll:d"])
        #expect(g.names == ["", "dll", "file", "win"])
        #expect(g.groupOfColumn == [3, 2, 3, 0, 1])
    }

    @Test func edgeCases() {
        let groups = ColumnGroups(featureNames: [":a:1", ":a:2", ":b:1"])
        var m = SparseMatrix(columnCount: 3)
        m.appendRow([])                          // empty
        m.appendRow([])                          // empty
        m.appendRow([(0, 1)])                    // a:1
        m.appendRow([(0, 1), (2, 1)])            // a:1 b:1
        m.appendRow([(1, 1)])                    // a:2
        let points = PointSet.sparse(m, columnGroups: groups)
        let engine = NeighbourhoodEngines.make(points: points, metric: .groupjaccard)
        #expect(engine.distance(0, 1) == 0, "two empty rows are at distance 0")
        #expect(engine.distance(0, 2) == 1, "an empty row is at distance 1 from any other")
        #expect(engine.distance(2, 3) == 0.5, "group a identical, group b only in one row: 1 − (1 + 0)/2")
        #expect(engine.distance(2, 4) == 1)
        #expect(engine.distance(3, 4) == 1, "a: 0/2, b: 0/1")
        // One group: Jaccard up to the last bit (1 − b/u rather than (u − b)/u).
        let single = PointSet.sparse(m)
        let one = NeighbourhoodEngines.make(points: single, metric: .groupjaccard)
        #expect(one.distance(2, 3) == 0.5)
        #expect(one.distance(3, 4) == 1)
    }

    @Test(arguments: [(40, 70, 3, UInt64(1)), (90, 200, 9, 2), (60, 1_100, 25, 3), (30, 5, 5, 4)])
    func everyPathEqualsTheDefinition(rows: Int, columns: Int, groupCount: Int, seed: UInt64) {
        let (points, names) = Self.randomPoints(rows: rows, columns: columns, groupCount: groupCount, seed: seed)
        guard case .sparse(let m) = points.storage else { return }
        Self.expectAllPathsEqual(points, m, names: names)
    }

    static func expectAllPathsEqual(_ points: PointSet, _ m: SparseMatrix, names: [String], fromRows: Int = .max) {
        let groups = points.groupsOrSingle
        let groupOf = groups.groupOfColumn.map(Int.init)
        let sets = Self.sets(m)
        let engine = NeighbourhoodEngines.make(points: points, metric: .groupjaccard)
        var rows = RowDistances(points: points, metric: .groupjaccard)
        let dense = PointSet.dense(m.dense(), columnGroups: groups)
        var mismatches = 0
        var out = [Double](repeating: 0, count: m.rowCount)
        for i in 0..<min(fromRows, m.rowCount) {
            rows.fill(from: i, rows: 0..<m.rowCount, into: &out)
            for j in 0..<m.rowCount {
                let want = direct(sets[i], sets[j], groupOf: groupOf, groupCount: groups.count)
                let got = [engine.distance(i, j), out[j], Distances.between(.groupjaccard, points, i, points, j),
                           BruteForceEngine(points: points, metric: .groupjaccard).distance(i, j),
                           Distances.between(.groupjaccard, dense, i, dense, j)]
                if got.contains(where: { $0.bitPattern != want.bitPattern }) { mismatches += 1 }
            }
        }
        #expect(mismatches == 0, "\(mismatches) pairs differ from the definition")
        // A query packed from another point set with the same columns.
        let near = engine.nearest(to: points, row: 0, k: 3)
        let want = (0..<m.rowCount).map { direct(sets[0], sets[$0], groupOf: groupOf, groupCount: groups.count) }
        #expect(near.map(\.distance) == Array(want.sorted().prefix(3)))
    }

    /// Real rows: the `full` features of the shared Cuckoo reports, read as present/absent.
    @Test(.enabled(if: TestSupport.hasShared)) func realRowsEqualTheDefinition() throws {
        let dir = TestSupport.shared! + "/data/cuckoo-reports"
        let loaded = try ReportLoader.load(paths: [dir])
        var session = Session()
        session.upsert(loaded.samples)
        session.fixture.featureConfiguration = .full
        try session.rebuildFeatures()
        let features = try #require(session.features)
        let points = features.points
        #expect(points.columnGroups?.names.contains("win") == true)
        // The direct sets are slow on rows of thousands of features: every pair from 12 rows.
        Self.expectAllPathsEqual(points, features.matrix, names: features.names, fromRows: 12)
    }
}
