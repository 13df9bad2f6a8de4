import CuckooML

/// `compare PATH [add]`: places new reports among the clustered samples without re-clustering.
struct CompareCommand: ShellCommand {
    static let spec = CommandSpec(
        name: "compare",
        summary: "Place new reports in the clustering: cluster, probability, outlier score, nearest samples",
        discussion: """
            Reads the report(s) with the same reader and feature space as the session and, without
            re-clustering, gives what the hdbscan library's approximate_predict and
            approximate_predict_scores would: the cluster (-1 = noise), the membership probability and
            the outlier score. For one report it also lists the 5 nearest loaded samples and the
            features it shares with its cluster that are most typical of that cluster (share in the
            cluster minus share overall), and which of the features that explain the cluster (as in
            'show cluster N') it has and lacks. A directory gives one row per report.
            With the family clustering current (see 'help cluster') a report joins the cluster all of
            whose members are within the cut t of it (the farthest member nearest, on ties the smaller
            mean distance, then the lower number), with a strength and outlier score defined as for
            its members (see 'help cluster'), else it is noise; the reason line names the closest
            cluster and its farthest member's distance.
            With 'add' the reports then join the session: their records are added, the features are
            rebuilt from the records in memory (a token seen in a second sample becomes a column;
            coverage filters depend on the sample count), the labels are worked out from the kept
            evidence of the loaded reports plus the new ones (AVClass's alias detection is corpus-wide),
            and the clustering is refitted with the same parameters (a new report can change any
            merge or HDBSCAN's whole hierarchy). The result is what loading every report and
            clustering gives; no loaded report is read again.
            """,
        arguments: [
            .positional("path", .path, help: "a report file or a directory of reports"),
            .flag("add", help: "add the reports to the session afterwards and re-cluster"),
        ],
        examples: ["compare sample_data/new/suspicious.json", "compare sample_data/new", "compare new.json add"])

    static func run(_ arguments: Arguments, _ context: inout CommandContext) throws -> CommandOutput {
        let path = try arguments.required("path")
        let comparison = try context.session.compare(paths: [path], control: context.control)
        let loaded = comparison.loaded
        for failure in loaded.failures { context.note(escapeForTerminal(failure.description)) }
        guard !loaded.samples.isEmpty else { throw ShellError.failed("no report to compare in \(escapeForTerminal(path))") }

        let placements = comparison.placements, labels = comparison.labels
        var output = loaded.samples.count == 1
            ? try detail(loaded.samples[0], placements[0], labels[0], Set(comparison.queries.row(0).columns),
                         comparison.clustering, context)
            : table(loaded.samples, placements, labels, context.session)
        if arguments.has("add") {
            try context.session.add(loaded.samples, refitting: comparison.clustering.algorithm, control: context.control)
            let added = added(loaded.samples, comparison.clustering.algorithm, context.session)
            output.text += "\n" + added.text
            if case .array(var rows) = output.json {
                rows.append(added.json)
                output.json = .array(rows)
            } else if case .object(var members) = output.json {
                members.append(("added", added.json))
                output.json = .object(members)
            }
        }
        if !loaded.failures.isEmpty { output.incomplete = "\(loaded.failures.count) of \(loaded.failures.count + loaded.samples.count) reports could not be read" }
        return output
    }

    /// Where the added samples fell in the refitted clustering.
    static func added(_ samples: [Sample], _ algorithm: ClusteringAlgorithm, _ session: Session) -> (text: String, json: JSONValue) {
        let refit = session.clustering(algorithm)!
        let placed = samples.compactMap { s in session.index[s.id].map { (s.id, refit.labels[$0]) } }
        // A directory of a thousand reports would make one line of a thousand placements: the text
        // names the first ones; the JSON output keeps every placement.
        let shown = placed.count <= placementsListed ? placed[...] : placed.prefix(placementsListed / 2)
        let more = placed.count - shown.count
        let text = "added \(samples.count) sample\(samples.count == 1 ? "" : "s") and re-clustered: "
            + "\(refit.clusterCount) clusters, \(refit.noiseCount) noise; "
            + shown.map { "\(escapeForTerminal($0.0)) → \(clusterName($0.1))" }.joined(separator: ", ")
            + (more > 0 ? ", and \(more) more (all of them with `set format json`)" : "")
        let json: JSONValue = .object([
            ("added", .int(samples.count)), ("clusters", .int(refit.clusterCount)), ("noise", .int(refit.noiseCount)),
            ("placed", .object(placed.map { ($0.0, .int($0.1)) })),
        ])
        return (text, json)
    }

    /// Placements an `add` line lists in full; beyond that it lists half as many and counts the rest.
    static let placementsListed = 20

    static func clusterName(_ label: Int) -> String { label < 0 ? "noise" : "cluster \(label)" }

    /// One report's placement in `clustering` (the one it was placed in): every part, the cluster's
    /// explaining features included, reads that clustering, not another the session also holds.
    static func detail(_ sample: Sample, _ p: Placement, _ label: SampleLabel, _ columns: Set<Int32>,
                       _ clustering: SessionClustering, _ context: CommandContext) throws -> CommandOutput {
        let session = context.session
        let id = escapeForTerminal(sample.id)
        let linkage = clustering.linkage
        var lines = ["\(id): \(clusterName(p.prediction.label)) (\(linkage == nil ? "probability" : "strength") \(fixed(p.prediction.probability, 3)), outlier score \(fixed(p.prediction.outlierScore, 3)))"]
        if let linkage, let closest = p.closestCluster {
            let t = linkage.parameters.threshold
            lines.append(closest.farthest <= t
                ? "  joins cluster \(closest.cluster): every member within \(fixed(closest.farthest, 4)) of it (cut t=\(t))"
                : "  noise: the closest cluster, \(closest.cluster), has a member \(fixed(closest.farthest, 4)) away (cut t=\(t))")
        }
        lines.append("  label \(escapeForTerminal(label.family))" + (label.votes > 0 ? " (\(label.votes) engines)" : "")
                     + " · \(p.knownFeatures) features in the session's feature space")
        let clusters = clustering.labels
        let rows = p.nearest.map { nb -> [String] in
            let s = session.samples[nb.index]
            return [escapeForTerminal(s.id), fixed(nb.distance, 4), escapeForTerminal(session.label(of: s.id).family),
                    clusters.indices.contains(nb.index) ? String(clusters[nb.index]) : "-"]
        }
        lines.append("")
        lines.append("nearest loaded samples:")
        lines += TextTable.render(header: ["sample", "distance", "label", "cluster"], rows: rows, rightAligned: [1, 3], indent: 2)
        if !p.typicalFeatures.isEmpty {
            lines.append("")
            lines.append("why \(clusterName(p.prediction.label)): shared features most typical of it")
            lines += TextTable.render(header: ["feature", "in cluster", "overall"],
                                      rows: p.typicalFeatures.map { [shortenMiddle(escapeForTerminal($0.name), to: SharedFeatureText.cellWidth),
                                                                    percent($0.clusterShare), percent($0.overallShare)] },
                                      rightAligned: [1, 2], indent: 2)
        }
        var json = json(sample, p, label, session)
        if p.prediction.label >= 0,
           let e = try SharedFeatureText.explain(session, labels: clustering.labels, clusters: [p.prediction.label],
                                                 control: context.control)?.first,
           !e.top.isEmpty {
            let has = e.top.filter { columns.contains(Int32($0.column)) }.count
            lines.append("")
            lines.append("what \(clusterName(p.prediction.label)) shares: the sample has \(has) of its \(e.top.count) explaining features")
            lines += TextTable.render(header: ["feature", "recall", "precision", "sample"], rows: e.top.map { f in
                [SharedFeatureText.name(f, width: SharedFeatureText.cellWidth), SharedFeatureText.percent(f.recall),
                 SharedFeatureText.percent(f.precision), columns.contains(Int32(f.column)) ? "has" : "lacks"]
            }, rightAligned: [1, 2], indent: 2)
            if case .object(var members) = json {
                members.append(("cluster_shared_features", .array(e.top.map {
                    SharedFeatureText.json($0, adding: [("sample_has", .bool(columns.contains(Int32($0.column))))])
                })))
                json = .object(members)
            }
        }
        return CommandOutput(text: lines.joined(separator: "\n"), json: json)
    }

    static func table(_ samples: [Sample], _ placements: [Placement], _ labels: [SampleLabel], _ session: Session) -> CommandOutput {
        let rows = zip(samples, zip(placements, labels)).map { sample, pl -> [String] in
            let (p, label) = pl
            let nearest = p.nearest.first.map { nb in
                let s = session.samples[nb.index]
                return "\(escapeForTerminal(s.id)) (\(escapeForTerminal(session.label(of: s.id).family)), \(fixed(nb.distance, 3)))"
            } ?? "-"
            return [escapeForTerminal(sample.id), escapeForTerminal(label.family), String(p.prediction.label),
                    fixed(p.prediction.probability, 3), fixed(p.prediction.outlierScore, 3), nearest]
        }
        let text = TextTable.render(header: ["sample", "label", "cluster", "probability", "outlier", "nearest (label, distance)"],
                                    rows: rows, rightAligned: [2, 3, 4]).joined(separator: "\n")
        return CommandOutput(text: text, json: .array(zip(samples, zip(placements, labels)).map { json($0, $1.0, $1.1, session) }))
    }

    static func json(_ sample: Sample, _ p: Placement, _ label: SampleLabel, _ session: Session) -> JSONValue {
        let clusters = session.softClustering?.labels ?? []
        return .object([
            ("sample", .string(sample.id)),
            ("cluster", .int(p.prediction.label)),
            ("probability", .double(p.prediction.probability)),
            ("outlier_score", .double(p.prediction.outlierScore)),
            ("label", .string(label.family)),
            ("votes", .int(label.votes)),
            ("known_features", .int(p.knownFeatures)),
            ("nearest", .array(p.nearest.map { nb in
                let s = session.samples[nb.index]
                return .object([("sample", .string(s.id)), ("distance", .double(nb.distance)),
                                ("label", .string(session.label(of: s.id).family)),
                                ("cluster", clusters.indices.contains(nb.index) ? .int(clusters[nb.index]) : .null)])
            })),
            ("typical_features", .array(p.typicalFeatures.map {
                .object([("feature", .string($0.name)), ("cluster_share", .double($0.clusterShare)), ("overall_share", .double($0.overallShare))])
            })),
        ])
    }

    static func percent(_ x: Double) -> String { fixed(x * 100, 0) + "%" }
}
