import CuckooML

/// `status`: what the session holds, one line per stage of the pipeline.
struct StatusCommand: ShellCommand {
    static let spec = CommandSpec(name: "status", summary: "Summarise what the session holds")

    static func run(_ arguments: Arguments, _ context: inout CommandContext) throws -> CommandOutput {
        let s = context.session
        var lines: [String] = []
        var json: [(String, JSONValue)] = []
        let bytes = s.samples.reduce(0) { $0 + $1.reportSize }
        lines.append("samples     \(s.samples.count)" + (bytes > 0 ? " (\(fixed(Double(bytes) / 1_048_576, 1)) MB of reports)" : ""))
        json.append(("samples", .int(s.samples.count)))
        if let f = s.features {
            let density = f.matrix.rowCount * f.matrix.columnCount > 0
                ? Double(f.matrix.nonZeroCount) / Double(f.matrix.rowCount * f.matrix.columnCount) : 0
            lines.append("features    \(f.names.count) (\(f.configuration.kind.rawValue), density \(fixed(density * 100, 2))%)")
            json.append(("features", .int(f.names.count)))
        } else {
            lines.append("features    -")
            json.append(("features", .null))
        }
        let labelled = s.labels.values.filter { $0.family != SampleLabel.noneFamily }.count
        let families = Set(s.labels.values.map(\.family)).subtracting([SampleLabel.noneFamily]).count
        lines.append("labels      \(labelled) labelled, \(families) families (rule \(s.settings.labelRule.rawValue))")
        json.append(("labelled", .int(labelled)))
        json.append(("families", .int(families)))
        json.append(("label_rule", .string(s.settings.labelRule.rawValue)))
        if let l = s.linkage {
            lines.append("linkage     \(l.clusterCount) clusters, \(l.noiseCount) noise (\(l.settings))"
                         + (s.currentClustering?.algorithm == .linkage ? " · current" : ""))
            json.append(("linkage", ["clusters": .int(l.clusterCount), "noise": .int(l.noiseCount),
                                     "t": .double(l.parameters.threshold), "metric": .string(l.parameters.metric.rawValue),
                                     "mode": .string(l.parameters.mode.rawValue), "sample": .int(l.parameters.sampleSize),
                                     "sampled": l.sampling.map { .int($0.sampled) } ?? .null]))
        }
        if let h = s.hdbscan {
            let p = h.parameters
            lines.append("hdbscan     \(h.clusterCount) clusters, \(h.noiseCount) noise (min_samples=\(p.minSamples) min_cluster_size=\(p.minClusterSize) metric=\(p.metric.rawValue) selection=\(p.selection.rawValue))")
            json.append(("hdbscan", ["clusters": .int(h.clusterCount), "noise": .int(h.noiseCount),
                                     "min_samples": .int(p.minSamples), "min_cluster_size": .int(p.minClusterSize),
                                     "metric": .string(p.metric.rawValue)]))
        } else {
            lines.append("hdbscan     -")
        }
        if let d = s.dbscan {
            lines.append("dbscan      \(d.clusterCount) clusters, \(d.noiseCount) noise (eps=\(d.parameters.eps) min_samples=\(d.parameters.minSamples))")
            json.append(("dbscan", ["clusters": .int(d.clusterCount), "noise": .int(d.noiseCount)]))
        }
        return CommandOutput(text: lines.joined(separator: "\n"), json: .object(json))
    }
}
