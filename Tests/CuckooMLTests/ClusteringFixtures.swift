import Foundation
@testable import CuckooML

/// Reads the committed clustering fixtures (`Fixtures/hdbscan/`, made by `make_fixtures.py` with the
/// reference libraries) and the `../shared/reference` matrices. JSONSerialization is fine here: these
/// are our own oracle outputs, never reports.
enum ClusteringFixtures {
    static let directory = TestSupport.fixtures + "/hdbscan"

    /// A numeric CSV with a header row. Binary matrices load as sparse (exercising the CSR distance
    /// path), others as dense.
    static func matrix(_ path: String) throws -> PointSet {
        let lines = try TestSupport.readText(path).split(separator: "\n").dropFirst()
        let rows = lines.map { $0.split(separator: ",").map { Double(String($0).trimmingCharacters(in: .whitespaces))! } }
        let d = rows.first?.count ?? 0
        if rows.allSatisfy({ $0.allSatisfy { $0 == 0 || $0 == 1 } }) {
            var m = SparseMatrix(columnCount: d)
            for r in rows { m.appendRow(r.enumerated().map { (Int32($0.offset), $0.element) }) }
            return .sparse(m)
        }
        return .dense(DenseMatrix(rows: rows.count, columns: d, values: rows.flatMap { $0 }))
    }

    static func json(_ path: String) throws -> [String: Any] {
        let data = Data(try TestSupport.readFile(path))
        return try JSONSerialization.jsonObject(with: data) as! [String: Any]
    }

    /// Oracle numbers: non-finite values are the strings "NaN", "Infinity", "-Infinity".
    static func doubles(_ value: Any?) -> [Double] {
        (value as? [Any] ?? []).map(number)
    }

    static func number(_ v: Any) -> Double {
        if let s = v as? String { return s == "NaN" ? .nan : s == "Infinity" ? .infinity : -.infinity }
        return (v as! NSNumber).doubleValue
    }

    static func ints(_ value: Any?) -> [Int] { (value as? [Any] ?? []).map { Int(number($0)) } }

    static func bools(_ value: Any?) -> [Bool] { (value as? [Any] ?? []).map { ($0 as! NSNumber).boolValue } }

    /// Case files (not matrices, not DBSCAN), sorted.
    static var hdbscanCases: [String] {
        TestSupport.listDirectory(directory).filter { $0.hasSuffix(".json") && !$0.hasPrefix("dbscan_") }
            .map { String($0.dropLast(5)) }
    }

    static var dbscanCases: [String] {
        TestSupport.listDirectory(directory).filter { $0.hasSuffix(".json") && $0.hasPrefix("dbscan_") }
            .map { String($0.dropLast(5)) }
    }

    /// Whether two values agree to `tolerance` (absolute, or relative for large magnitudes); equal
    /// infinities agree.
    static func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-9) -> Bool {
        if a == b { return true }
        return abs(a - b) <= tolerance * max(1, abs(a), abs(b))
    }
}
