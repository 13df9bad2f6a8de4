#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
import CuckooML
@testable import cuckooml

/// `compare DIR add` gives the session that loading everything and clustering gives: the same
/// features, labels and clustering, for the family clustering and for the 2016 HDBSCAN path.
@Suite struct CompareAddTests {
    /// The shipped reports split in two directories: the first 150 (by name) and the other 50.
    static func split() throws -> (base: TemporaryDirectory, new: TemporaryDirectory) {
        let reports = CompareCommandTests.reports
        let names = try FileManager.default.contentsOfDirectory(atPath: reports).filter { $0.hasSuffix(".json") }.sorted()
        let base = try TemporaryDirectory(), new = try TemporaryDirectory()
        for (i, name) in names.enumerated() {
            try (i < 150 ? base : new).write(name, try TestText.read(reports + "/" + name))
        }
        return (base, new)
    }

    static func expectSameState(_ added: Session, _ loaded: Session) {
        #expect(added.samples.map(\.id) == loaded.samples.map(\.id))
        #expect(added.features == loaded.features)
        #expect(added.labels == loaded.labels)
        #expect(added.linkage == loaded.linkage)
        #expect(added.hdbscan?.labels == loaded.hdbscan?.labels)
        #expect(added.hdbscan?.probabilities == loaded.hdbscan?.probabilities)
        #expect(added.hdbscan?.outlierScores == loaded.hdbscan?.outlierScores)
        #expect(added.hdbscan?.persistence == loaded.hdbscan?.persistence)
        #expect(added.lastClustered == loaded.lastClustered)
    }

    /// Adding 50 reports names the first placements and counts the rest; the JSON keeps every one.
    @Test func addingManyReportsListsTheFirstAndCountsTheRest() throws {
        let (base, new) = try Self.split()
        let sink = CaptureSink()
        let shell = Shell(sink: sink)
        #expect(shell.runScript("load \(base.path); cluster hdbscan 1 6; compare \(new.path) add", origin: "test"))
        let line = try #require(sink.stdout.split(separator: "\n").last { $0.hasPrefix("added 50 samples") })
        let listed = CompareCommand.placementsListed / 2
        #expect(line.hasSuffix(", and \(50 - listed) more (all of them with `set format json`)"))
        #expect(line.components(separatedBy: " → ").count - 1 == listed)
        let jsonSink = CaptureSink()
        let json = Shell(sink: jsonSink)
        #expect(json.runScript("set format json; load \(base.path); cluster hdbscan 1 6; compare \(new.path) add", origin: "test"))
        let document = try #require(jsonSink.stdout.split(separator: "\n").last { $0.contains(#""added":50,"#) })
        let ids = try FileManager.default.contentsOfDirectory(atPath: new.path).map { String($0.dropLast(5)) }
        #expect(ids.count == 50 && ids.allSatisfy { document.contains("\"\($0)\":") })
    }

    @Test(arguments: ["cluster", "features full; features filter coverage=0.1; cluster hdbscan 1 6"])
    func addThenStateEqualsLoadAllThenState(clustering: String) throws {
        let (base, new) = try Self.split()
        let adding = Shell(sink: CaptureSink())
        #expect(adding.runScript("load \(base.path); \(clustering); compare \(new.path) add", origin: "test"))
        let loading = Shell(sink: CaptureSink())
        // One load of both directories: features and labels worked out afresh over all 200.
        #expect(loading.runScript("load \(base.path) \(new.path); \(clustering)", origin: "test"))
        #expect(adding.session.samples.count == 200)
        Self.expectSameState(adding.session, loading.session)
    }
}
