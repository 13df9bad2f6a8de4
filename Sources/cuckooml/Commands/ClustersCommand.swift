import CuckooML

/// `clusters`: one line per cluster of the session's clustering: size, persistence, top labels, medoid.
struct ClustersCommand: ShellCommand {
    static let spec = CommandSpec(
        name: "clusters",
        summary: "List the clusters: size, persistence, top labels, medoid sample, shared features",
        discussion: """
            Top labels are the three commonest families among the members (from the session's labels).
            The medoid is the member with the smallest total distance to the other members, in the
            clustering's metric (over an evenly spaced subset of 2000 members for larger clusters).
            Under each cluster, 'shares:' names the three features that best explain it: held by most
            members and by few other samples (ranked by the F1 of recall and precision; 'show cluster N'
            gives them by group with their counts).
            """,
        arguments: [ActiveClustering.argument],
        examples: ["clusters", "clusters algorithm=dbscan"])

    static func run(_ arguments: Arguments, _ context: inout CommandContext) throws -> CommandOutput {
        let s = context.session
        let clustering = try ActiveClustering.resolve(s, algorithm: arguments.string("algorithm"))
        guard let features = s.features, features.matrix.rowCount == clustering.labels.count else {
            throw ShellError.failed("the feature matrix no longer matches the clustering; cluster again")
        }
        let members = clustering.members
        let engine = BruteForceEngine(points: features.points, metric: clustering.metric)
        let explanations = try SharedFeatureText.explain(s, labels: clustering.labels, control: context.control) ?? []
        var rows: [[String]] = []
        var items: [JSONValue] = []
        for (k, memberRows) in members.enumerated() {
            try context.control.checkCancellation()
            let medoid = medoidRow(memberRows, engine: engine)
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
        return CommandOutput(text: lines.joined(separator: "\n"),
                             json: ["algorithm": .string(clustering.name), "clusters": .array(items), "noise": .int(noise)])
    }

    /// The member with the smallest summed distance to the others (lowest row on ties).
    static func medoidRow(_ rows: [Int], engine: BruteForceEngine) -> Int? {
        guard !rows.isEmpty else { return nil }
        let step = max(1, rows.count / 2000)
        let sample = stride(from: 0, to: rows.count, by: step).map { rows[$0] }
        var best = sample[0], bestSum = Double.infinity
        for i in sample {
            var sum = 0.0
            for j in sample where j != i { sum += engine.distance(i, j) }
            if sum < bestSum { bestSum = sum; best = i }
        }
        return best
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

/// The clustering a command works on: the one `algorithm=` names, else the session's current one
/// (`Session.currentClustering`), checked against the samples with errors that say what to run.
enum ActiveClustering {
    /// The `algorithm=` option of every command that reads a clustering.
    static let argument = ArgumentSpec.option("algorithm", .choice(ClusteringAlgorithm.allCases.map(\.rawValue)),
                                              help: "which clustering (default: the one 'cluster' made last; hdbscan before dbscan)")

    static func resolve(_ session: Session, algorithm: String?) throws -> SessionClustering {
        let chosen: SessionClustering
        if let name = algorithm, let wanted = ClusteringAlgorithm(rawValue: name) {
            guard let c = session.clustering(wanted) else { throw missing(wanted) }
            chosen = c
        } else {
            guard let c = session.currentClustering else { throw missing(.hdbscan) }
            chosen = c
        }
        guard chosen.labels.count == session.samples.count else {
            throw ShellError.failed("the clustering no longer matches the samples; cluster again")
        }
        return chosen
    }

    static func missing(_ algorithm: ClusteringAlgorithm) -> ShellError {
        switch algorithm {
        case .dbscan: ShellError.failed("no dbscan clustering yet: run 'cluster dbscan EPS MIN_SAMPLES'")
        case .hdbscan: ShellError.failed("no hdbscan clustering yet: run 'cluster hdbscan' (or 'cluster' for families)")
        case .linkage: ShellError.failed("no linkage clustering yet: run 'cluster'")
        }
    }
}
