import Testing
@testable import CuckooML

/// Replays the committed fuzz inputs (seeds and every crash the fuzzers of `Fuzz/` found) through
/// the calls each fuzzer makes (`FuzzEntries`): each must end in a result or a thrown error, with
/// the reader's paths agreeing. A crash here is a crash of the test run, which is the failure.
/// The script parser's inputs are replayed by ShellTests (the parser lives in the shell target).
@Suite struct FuzzRegressionTests {
    static let folder = TestSupport.fixtures + "/fuzz"

    static func inputs(_ target: String) throws -> [(name: String, bytes: [UInt8])] {
        try TestSupport.listDirectory(folder + "/" + target).map { ($0, try TestSupport.readFile(folder + "/" + target + "/" + $0)) }
    }

    @Test(arguments: ["report-reader", "import-matrix", "labels-load", "session-open"])
    func replaysEveryInput(target: String) throws {
        let inputs = try Self.inputs(target)
        #expect(!inputs.isEmpty, "no inputs in \(Self.folder)/\(target)")
        for input in inputs {
            let problem: String? = switch target {
            case "report-reader": FuzzEntries.reportReader(input.bytes)
            case "import-matrix": FuzzEntries.importMatrix(input.bytes)
            case "labels-load": FuzzEntries.labelsLoad(input.bytes)
            default: FuzzEntries.sessionOpen(input.bytes)
            }
            #expect(problem == nil, "\(target)/\(input.name): \(problem ?? "")")
        }
    }

    /// The entry points are not vacuous: the seeds include inputs that parse and inputs that fail.
    @Test func seedsReachBothOutcomes() throws {
        let reports = try Self.inputs("report-reader").map(\.bytes)
        #expect(reports.contains { (try? ReportReader.read(bytes: $0)) != nil })
        #expect(reports.contains { (try? ReportReader.read(bytes: $0)) == nil })
        let matrices = try Self.inputs("import-matrix").map(\.bytes)
        #expect(matrices.contains { (try? ImportedMatrix.parse(bytes: $0, path: "m.csv")) != nil })
        #expect(matrices.contains { (try? ImportedMatrix.parse(bytes: $0, path: "m.csv")) == nil })
        // A real session (12 rows, both clusterings, vacuumed to 512-byte pages) opens.
        let session = try SessionStore.open(Self.folder + "/session-open/seed-small.cml")
        #expect(session.samples.count == 12 && session.hdbscan != nil && session.dbscan != nil)
        // A session of today's format (three real reports' records, their strings in the string table).
        let strings = try SessionStore.open(Self.folder + "/session-open/seed-strings.cml")
        #expect(strings.samples.count == 3 && strings.samples.allSatisfy { $0.record?.md5 != nil })
    }
}
