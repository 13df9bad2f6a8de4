import Testing
import CuckooML
@testable import cuckooml

/// `load` builds the family features; `features families` rebuilds them with chosen groups; the
/// choice of space is kept for later loads; `export features` writes the family columns.
@Suite struct FamilyFeaturesCommandTests {
    static let reports = TestPaths.packageRoot + "/sample_data/reports"

    @Test func loadBuildsTheFamilySpaceAndFeaturesShowsItsGroups() throws {
        let sink = CaptureSink()
        let shell = Shell(sink: sink)
        #expect(shell.runScript("load \(Self.reports); features", origin: "test"), "\(sink.stderr)")
        #expect(sink.stdout.contains("(families) · labelled"))
        #expect(sink.stdout.contains("feature space: families, 200 samples\n"))
        for group in [":alert:", ":api:", ":mutex:", ":path:", ":import:", ":section:"] {
            #expect(sink.stdout.contains("\n" + group), "\(group) row")
        }
        let features = try #require(shell.session.features)
        #expect(features.configuration == .families)
        #expect(features.names.allSatisfy { FeatureGroup.of($0).map(FeatureGroup.familyGroups.contains) == true })
        #expect(features.columnSupport.allSatisfy { $0 >= 2 })
    }

    @Test func familiesWithGroupsAndTheChoiceIsKept() throws {
        let sink = CaptureSink()
        let shell = Shell(sink: sink)
        #expect(shell.runScript("load \(Self.reports); features families groups=api,:mutex:", origin: "test"), "\(sink.stderr)")
        #expect(sink.stdout.contains("feature space: families groups=api,mutex, 200 samples\n"))
        #expect(shell.session.features?.names.allSatisfy { $0.hasPrefix(":api:") || $0.hasPrefix(":mutex:") } == true)
        // The 2016 space, once asked for, is what later loads build.
        #expect(shell.runScript("features full; load \(Self.reports)", origin: "test"))
        #expect(shell.session.features?.configuration == .full)
        #expect(shell.runScript("features families", origin: "test"))
        #expect(shell.session.features?.configuration == .families)
        let bad = CaptureSink()
        let other = Shell(sink: bad)
        #expect(!other.runScript("load \(Self.reports); features families groups=apii", origin: "test"))
        #expect(bad.stderr.contains("unknown feature group 'apii'; did you mean 'api'?"))
        #expect(!other.runScript("features full groups=mutex", origin: "test"), "a family group is not a 2016 group")
    }

    @Test func exportWritesTheFamilyColumns() throws {
        let dir = temporaryDirectory()
        let sink = CaptureSink()
        let shell = Shell(sink: sink)
        #expect(shell.runScript("load \(Self.reports); export features \(dir)/f.csv", origin: "test"), "\(sink.stderr)")
        let csv = try readFile(dir + "/f.csv")
        #expect(sink.stdout.contains("(200 samples × \(shell.session.features!.names.count) features, csv)"))
        #expect(csv.hasPrefix("sample,:alert:"))
        #expect(csv.contains(",:api:ntclose,"))
        #expect(csv.split(separator: "\n").count == 201)
    }
}
