#if canImport(Glibc)
import Glibc
#endif
import Foundation
import Testing
@testable import CuckooML

/// `scripts/merge-svmlight-shards` (the README's "More than one machine" recipe) on the shipped
/// reports cut into two shards: for `features full` the merge is exactly the export of one session
/// of all the reports; in the family space each shard drops the tokens seen in one of its samples, so
/// the merged names are some of the one-session names and each merged row is part of its row there.
/// Skips when python3 is absent.
@Suite struct SVMLightMergeTests {
    static let python: String? = ([String](["/usr/bin/python3", "/usr/local/bin/python3"])).first { path in access(path, X_OK) == 0 }

    static func session(_ samples: [Sample], _ configuration: FeatureConfiguration) throws -> Session {
        var session = Session()
        session.fixture.featureConfiguration = configuration
        session.upsert(samples)
        try session.refreshDerived()
        return session
    }

    static func export(_ session: Session, to path: String) throws {
        try SVMLightExport.write(session.features!, samples: session.samples.map(\.id), labels: session.labelColumn, to: path)
    }

    /// Data lines (the comment line differs), the names and the rows of an export.
    static func read(_ path: String) throws -> (data: [Substring], names: [Substring], rows: [Substring]) {
        let data = try TestSupport.readText(path).split(separator: "\n", omittingEmptySubsequences: false).dropFirst()
        return (Array(data), try TestSupport.readText(path + ".features").split(separator: "\n", omittingEmptySubsequences: false),
                try TestSupport.readText(path + ".samples").split(separator: "\n", omittingEmptySubsequences: false))
    }

    @Test(arguments: [FeatureConfiguration.Kind.full, .families])
    func mergedShardsAreTheOneSessionExport(kind: FeatureConfiguration.Kind) throws {
        guard let python = Self.python else { return }
        let samples = try ReportLoader.load(paths: [TestSupport.packageRoot + "/sample_data/reports"], threads: 2).samples
        let configuration: FeatureConfiguration = kind == .full ? .full : .families
        let dir = makeTemporaryDirectory()
        let whole = try Self.session(samples, configuration)
        try Self.export(whole, to: dir + "/all.svmlight")
        try Self.export(try Self.session(Array(samples.prefix(120)), configuration), to: dir + "/a.svmlight")
        try Self.export(try Self.session(Array(samples.dropFirst(120)), configuration), to: dir + "/b.svmlight")
        let status = try SVMLightExportTests.run(python, [TestSupport.packageRoot + "/scripts/merge-svmlight-shards",
                                                          dir + "/merged.svmlight", dir + "/a.svmlight", dir + "/b.svmlight"],
                                                 stdout: dir + "/merge.log")
        try #require(status == 0)
        let merged = try Self.read(dir + "/merged.svmlight"), one = try Self.read(dir + "/all.svmlight")
        #expect(merged.rows == one.rows)
        if kind == .full {
            #expect(merged.names == one.names)
            #expect(merged.data == one.data)
            return
        }
        // Families: the merged names are some of the one-session names; rows agree on them.
        let position = Dictionary(uniqueKeysWithValues: one.names.enumerated().map { ($1, $0) })
        let kept = merged.names.dropLast().map { position[$0] }
        #expect(!kept.contains(nil) && kept.count < one.names.count - 1)
        let toOne = kept.map { $0! + 1 }
        let keptSet = Set(toOne)
        var missing = 0, total = 0
        for (m, o) in zip(merged.data, one.data) where !m.isEmpty {
            let mWords = m.split(separator: " "), oWords = o.split(separator: " ")
            #expect(mWords[0] == oWords[0])
            let mapped = mWords.dropFirst().map { w -> String in
                let parts = w.split(separator: ":")
                return "\(toOne[Int(parts[0])! - 1]):\(parts[1])"
            }
            // A shard drops a token from its one sample holding it, even where the other shard keeps it.
            let global = Set(oWords.dropFirst().filter { keptSet.contains(Int($0.split(separator: ":")[0])!) }.map(String.init))
            #expect(Set(mapped).isSubset(of: global))
            missing += global.count - mapped.count
            total += global.count
        }
        #expect(missing > 0 && missing * 50 < total, "a few tokens, seen once in a shard, are missing: \(missing) of \(total)")
    }
}
