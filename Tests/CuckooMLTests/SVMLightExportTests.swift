#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
@testable import CuckooML

/// `export features FILE.svmlight`: the files are what Spark's `libsvm` source and scikit-learn's
/// `load_svmlight_file` read. `Fixtures/svmlight/small_read.json` is what `read_export.py` (run with the
/// oracle Python) saw in `small.svmlight`; the export of the same features must be those bytes.
@Suite struct SVMLightExportTests {
    static let fixtures = TestSupport.fixtures + "/svmlight"

    /// Awkward names and ids (backslash, LF, tab, non-ASCII), an empty row, fractions and large values.
    static func small() -> (FeatureSet, samples: [String], labels: [String]) {
        var m = SparseMatrix(columnCount: 5)
        m.appendRow([(0, 1), (2, 1), (4, 12)])
        m.appendRow([])
        m.appendRow([(1, 0.5), (3, 1e-7)])
        m.appendRow([(0, 1), (1, 1), (2, 1), (3, 1), (4, 123_456_789.25)])
        let names = [":alert:a\\b", ":api:Sleep", ":key:write:hkcu\\run\nx", ":mutex:m\tt", ":target:size:12"]
        return (FeatureSet(configuration: .families, names: names, matrix: m),
                ["s1", "two\tparts", "s\n3", "s4"], ["zeus", "none", "zeus", "émotet"])
    }

    @Test func exportIsTheFixtureByteForByte() throws {
        let dir = makeTemporaryDirectory()
        let (features, samples, labels) = Self.small()
        try SVMLightExport.write(features, samples: samples, labels: labels, to: dir + "/small.svmlight")
        for suffix in ["", ".features", ".samples"] {
            #expect(try TestSupport.readText(dir + "/small.svmlight" + suffix)
                    == TestSupport.readText(Self.fixtures + "/small.svmlight" + suffix), "small.svmlight\(suffix)")
        }
        #expect(TestSupport.listDirectory(dir).sorted() == ["small.svmlight", "small.svmlight.features", "small.svmlight.samples"])
    }

    /// What scikit-learn and Spark's parsing rules read from the fixture equals the matrix exported.
    @Test func readersSeeTheMatrixLabelsAndNames() throws {
        let read = try ClusteringFixtures.json(Self.fixtures + "/small_read.json")
        let (features, samples, labels) = Self.small()
        let m = features.matrix
        #expect(ClusteringFixtures.ints(read["sklearn_shape"]) == [m.rowCount, m.columnCount])
        #expect(read["sklearn_auto_columns"] as? Int == m.columnCount, "zero_based='auto' sees 1-based indices")
        let dense = (read["sklearn_X"] as! [Any]).map(ClusteringFixtures.doubles)
        let spark = read["spark_rows"] as! [[String: Any]]
        let families = Array(Set(labels)).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        #expect(ClusteringFixtures.doubles(read["sklearn_y"]) == labels.map { Double(families.firstIndex(of: $0)!) })
        for i in 0..<m.rowCount {
            var expected = [Double](repeating: 0, count: m.columnCount)
            let row = m.row(i)
            for (c, v) in zip(row.columns, row.values) { expected[Int(c)] = v }
            #expect(dense[i] == expected, "row \(i)")
            let sparkPairs = (spark[i]["features"] as! [[Any]]).map { (Int(ClusteringFixtures.number($0[0])), ClusteringFixtures.number($0[1])) }
            #expect(sparkPairs.map(\.0) == row.columns.map(Int.init) && sparkPairs.map(\.1) == Array(row.values))
        }
        #expect(read["feature_names"] as? [String] == features.names.map { SVMLightExport.escaped($0, tab: false) })
        let rows = (read["samples"] as! [[String]])
        #expect(rows.map { $0[0] } == samples.map { SVMLightExport.escaped($0, tab: true) })
        #expect(rows.map { $0[2] } == labels)
    }

    /// With the oracle Python present: a fresh export of the shipped sample reports' family features is
    /// read by scikit-learn and by Spark's rules into the same matrix (skips when the oracle is absent).
    @Test func oracleReadsAFreshExportOfTheSampleReports() throws {
        let python = "/tmp/cuckooml-oracle/bin/python"
        guard access(python, X_OK) == 0, access(TestSupport.packageRoot + "/sample_data/reports", R_OK) == 0 else { return }
        let loaded = try ReportLoader.load(paths: [TestSupport.packageRoot + "/sample_data/reports"], threads: 2)
        var session = Session()
        session.upsert(loaded.samples)
        try session.refreshDerived()
        let features = try #require(session.features)
        let dir = makeTemporaryDirectory()
        let path = dir + "/sample.svmlight"
        try SVMLightExport.write(features, samples: session.samples.map(\.id), labels: session.labelColumn, to: path)
        let output = dir + "/read.json"
        let status = try Self.run(python, [Self.fixtures + "/read_export.py", path], stdout: output)
        try #require(status == 0, "read_export.py failed")
        let read = try ClusteringFixtures.json(output)
        let m = features.matrix
        #expect(ClusteringFixtures.ints(read["sklearn_shape"]) == [m.rowCount, m.columnCount])
        let spark = read["spark_rows"] as! [[String: Any]]
        #expect(spark.count == m.rowCount)
        let dense = (read["sklearn_X"] as! [Any]).map(ClusteringFixtures.doubles)
        for i in 0..<m.rowCount {
            let row = m.row(i)
            #expect(row.columns.allSatisfy { dense[i][Int($0)] == 1 } && dense[i].reduce(0, +) == Double(row.columns.count), "row \(i)")
            #expect((spark[i]["features"] as! [[Any]]).map { Int(ClusteringFixtures.number($0[0])) } == row.columns.map(Int.init))
        }
        #expect((read["feature_names"] as? [String])?.count == features.names.count)
    }

    /// Runs a program with its standard output into a file; returns its exit status. posix_spawn,
    /// not Foundation's `Process`, whose `run` leaks a weak-reference side table under ASan.
    static func run(_ program: String, _ arguments: [String], stdout path: String) throws -> Int32 {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv = ([program] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, program, &actions, nil, argv, environ)
        guard spawned == 0 else { throw POSIXError(POSIXErrorCode(rawValue: spawned) ?? .EINVAL) }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        // WIFEXITED / WEXITSTATUS, which Swift does not import as macros.
        return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
    }
}
