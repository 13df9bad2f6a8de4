import CuckooML

/// `clusters`: one line per cluster of the session's clustering: size, persistence, top labels, medoid.
struct ClustersCommand: ShellCommand {
    static let spec = CommandSpec(
        name: "clusters",
        summary: "List the clusters: size, persistence, top labels, medoid sample, shared features",
        discussion: """
            Top labels are the three commonest families among the members (from the session's labels).
            The medoid is the member with the smallest total distance to the other members, in the
            clustering's metric: over all members for the family clustering (its strengths name it),
            over an evenly spaced subset of 2000 members for larger HDBSCAN and DBSCAN clusters.
            Under each cluster, 'shares:' names the three features that best explain it: held by most
            members and by few other samples (ranked by the F1 of recall and precision; 'show cluster N'
            gives them by group with their counts).
            """,
        arguments: [AssessmentInputs.algorithmArgument],
        examples: ["clusters", "clusters algorithm=dbscan"])

    static func run(_ arguments: Arguments, _ context: inout CommandContext) throws -> CommandOutput {
        let s = context.session
        let clustering = try s.activeClustering(arguments.choice("algorithm", as: ClusteringAlgorithm.self))
        let medoids = try s.medoids(clustering, control: context.control)
        let members = clustering.members
        let explanations = try SharedFeatureText.explain(s, labels: clustering.labels, control: context.control) ?? []
        var rows: [[String]] = []
        var items: [JSONValue] = []
        for (k, memberRows) in members.enumerated() {
            let medoid = medoids[k]
            let top = topLabels(memberRows, session: s)
            let medoidID = medoid.map { s.samples[$0].id } ?? "-"
            let persistence = clustering.persistence?[k]
            rows.append([String(k), String(memberRows.count)] + (persistence.map { [fixed($0, 3)] } ?? [])
                        + [escapeForTerminal(medoidID),
                           top.isEmpty ? "-" : top.map { "\(escapeForTerminal($0.family)) (\($0.count))" }.joined(separator: ", ")])
            items.append(["cluster": .int(k), "size": .int(memberRows.count),
                          "persistence": persistence.map { JSONValue.double($0) } ?? .null,
                          "medoid": JSONValue(medoid.map { s.samples[$0].id }),
                          "top_labels": .array(top.map { ["family": .string($0.family), "count": .int($0.count)] }),
                          "shared_features": .array(explanations[k].top.map { SharedFeatureText.json($0) })])
        }
        let noise = clustering.labels.lazy.filter { $0 < 0 }.count
        let header = ["cluster", "size"] + (clustering.persistence == nil ? [] : ["persistence"]) + ["medoid", "top labels"]
        let numeric: Set<Int> = clustering.persistence == nil ? [0, 1] : [0, 1, 2]
        let table = TextTable.render(header: header, rows: rows, rightAligned: numeric)
        // Each cluster's row, then its shared features on a line of their own, indented under the row.
        var lines = [table[0]]
        for (k, row) in table.dropFirst().enumerated() { lines += [row, "         " + SharedFeatureText.line(explanations[k])] }
        lines.append("noise: \(noise)")
        // A sampled family clustering says so (cluster linkage mode=auto|sampled).
        let sampling = clustering.linkage?.sampling
        if let sampling { lines.append(sampling.summary(detail: true)) }
        return CommandOutput(text: lines.joined(separator: "\n"),
                             json: ["algorithm": .string(clustering.name), "clusters": .array(items), "noise": .int(noise),
                                    "sampled": sampling.map { .int($0.sampled) } ?? .null])
    }

    static func topLabels(_ rows: [Int], session: Session) -> [(family: String, count: Int)] {
        var counts: [String: Int] = [:]
        for r in rows {
            if let label = session.labels[session.samples[r].id], label.family != SampleLabel.noneFamily {
                counts[label.family, default: 0] += 1
            }
        }
        return counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(3).map { ($0.key, $0.value) }
    }
}

