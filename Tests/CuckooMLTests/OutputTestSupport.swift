#if canImport(Glibc)
import Glibc
#endif
@testable import CuckooML
import TestScratch

/// Scratch directories and hand-built sessions for the Output tests.
enum OutputFixtures {
    /// A fresh empty directory under /tmp.
    static func temporaryDirectory() -> String { TestScratch.directory() }

    static func write(_ text: String, to path: String) throws {
        try AtomicFileWriter.write(text, to: path)
    }

    /// A small session over the given report files with an HDBSCAN (and optionally DBSCAN) result.
    static func clusteredSession(paths: [String], dbscan: Bool = false) -> Session {
        var session = Session()
        session.upsert(paths.enumerated().map { i, path in
            let name = String(path.split(separator: "/").last!)
            return Sample(id: name.hasSuffix(".json") ? String(name.dropLast(5)) : name, path: path, reportSize: 0, record: nil)
        })
        let n = paths.count
        session.fixture.hdbscan = HDBSCANResult(
            parameters: HDBSCANParameters(minSamples: 1, minClusterSize: 6),
            labels: (0..<n).map { $0 % 3 == 2 ? -1 : $0 % 3 },
            probabilities: (0..<n).map { $0 % 3 == 2 ? 0 : 1.0 / Double($0 + 2) },
            outlierScores: (0..<n).map { Double($0 % 9) * 0.125 },  // in [0, 1] at any n
            persistence: [0.5, 0.25], condensedTree: [], coreDistances: [Double](repeating: 1, count: n))
        if dbscan {
            session.fixture.dbscan = DBSCANResult(parameters: DBSCANParameters(eps: 0.5, minSamples: 3),
                                          labels: (0..<n).map { $0 % 2 }, isCore: (0..<n).map { $0 % 2 == 0 })
        }
        return session
    }
}
