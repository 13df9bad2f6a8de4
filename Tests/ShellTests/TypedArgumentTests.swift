import Testing
@testable import cuckooml
import CuckooML

/// Options with defaults are declared once, with the library's own defaults, and read without `??`.
@Suite struct TypedArgumentTests {
    static func parse(_ words: [String], _ command: any ShellCommand.Type) throws -> Arguments {
        try ArgumentParser.parse(words, commandPath: [command.spec.name], spec: command.spec)
    }

    @Test func omittedOptionsTakeTheLibrarysDefaults() throws {
        #expect(try ClusterHDBSCANCommand.parameters(Self.parse([], ClusterHDBSCANCommand.self)) == HDBSCANParameters.defaults)
        #expect(AssessmentInputs.thresholds(try Self.parse([], AnomaliesCommand.self)) == AnomalyThresholds.defaults)
        let linkage = try Self.parse([], ClusterLinkageCommand.self)
        #expect(LinkageParameters(threshold: linkage[ClusterLinkageCommand.threshold], metric: linkage[ClusterLinkageCommand.metric])
                == .families)
        #expect(try Self.parse([], AssessCommand.self)[AssessmentInputs.noise] == .keep)
        #expect(try Self.parse(["map.svg"], PlotMapCommand.self)[PlotMapCommand.colour] == .cluster)
        #expect(try Self.parse(["map.svg", "color=label"], PlotMapCommand.self)[PlotMapCommand.colour] == .label)
        #expect(try Self.parse([], HistoryCommand.self)[HistoryCommand.count] == 20)
        #expect(try Self.parse([], SweepLinkageCommand.self)[SweepCommand.silhouette] == true)
    }

    @Test func givenValuesWin() throws {
        let p = try ClusterHDBSCANCommand.parameters(Self.parse(["2", "7", "metric=jaccard", "selection=leaf", "epsilon=0.25", "alpha=2"],
                                                                ClusterHDBSCANCommand.self))
        #expect(p == HDBSCANParameters(minSamples: 2, minClusterSize: 7, metric: .jaccard, selection: .leaf, epsilon: 0.25, alpha: 2))
        let thresholds = AssessmentInputs.thresholds(try Self.parse(["probability=0.8", "homogeneity=0.3"], AnomaliesCommand.self))
        #expect(thresholds == AnomalyThresholds(probability: 0.8, outlierScore: 0.5, homogeneity: 0.3))
        let linkage = try Self.parse(["0.55", "metric=cosine"], ClusterLinkageCommand.self)
        #expect(linkage[ClusterLinkageCommand.threshold] == 0.55 && linkage[ClusterLinkageCommand.metric] == .cosine)
        #expect(try Self.parse(["silhouette=no"], SweepHDBSCANCommand.self)[SweepCommand.silhouette] == false)
        #expect(try Self.parse(["3"], HistoryCommand.self)[HistoryCommand.count] == 3)
    }

    /// `help` shows the default as the declarations always wrote it.
    @Test func helpShowsTheDefaultsAsBefore() {
        #expect(AssessmentInputs.thresholdArguments.map(\.defaultValue) == ["0.9", "0.5", "0.2"])
        #expect([ClusterHDBSCANCommand.epsilon.spec, ClusterHDBSCANCommand.alpha.spec, ClusterHDBSCANCommand.selection.spec,
                 ClusterHDBSCANCommand.metric.spec].map(\.defaultValue) == ["0", "1", "eom", "euclidean"])
        #expect(ClusterLinkageCommand.threshold.spec.help == "the cut distance (default 0.7)")
        #expect(ClusterLinkageCommand.threshold.spec.defaultValue == nil)
        #expect(SweepLinkageCommand.step.spec.defaultValue == "0.05")
        #expect(defaultText(0) == "0" && defaultText(1) == "1" && defaultText(0.05) == "0.05" && defaultText(-2.5) == "-2.5")
    }
}
