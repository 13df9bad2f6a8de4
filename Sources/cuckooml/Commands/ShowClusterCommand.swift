import CuckooML

/// `show cluster N`: the members of one cluster (−1 = noise) with probability and outlier score.
struct ShowClusterCommand: ShellCommand {
    static let spec = CommandSpec(
        name: "cluster",
        summary: "List a cluster's members with probability and outlier score (-1 = noise), and what they share",
        discussion: """
            After the members, the features that explain the cluster, best three per group: tokens
            held by at least half the members (and 2 or more) and more common among them than among
            other samples. members = members having the token, holders = samples having it;
            recall = members / cluster size, precision = members / holders, score = their F1
            (2·members / (size + holders), 1 when exactly the members have it). Groups are ordered
            by their best token; ties by recall, then name.
            """,
        arguments: [
            .positional("number", .cluster, help: "cluster number, -1 for noise"),
            AssessmentInputs.algorithmArgument,
        ],
        examples: ["show cluster 0", "show cluster -1"])

    static func run(_ arguments: Arguments, _ context: inout CommandContext) throws -> CommandOutput {
        let s = context.session
        let clustering = try AssessmentInputs.clustering(s, arguments)
        guard let n = arguments.int("number") else { throw ShellError.usage("missing NUMBER") }
        guard n >= -1 && n < clustering.clusterCount else {
            throw ShellError.usage("no cluster \(n): \(clustering.name) has clusters 0..\(clustering.clusterCount - 1) and -1 (noise)")
        }
        let rows = clustering.labels.indices.filter { clustering.labels[$0] == n }
        var lines: [String] = []
        var items: [JSONValue] = []
        if let probabilities = clustering.probabilities, let scores = clustering.outlierScores {
            // The linkage's membership strength fills the probability column (see 'help cluster').
            lines = TextTable.render(header: ["sample", clustering.algorithm == .linkage ? "strength" : "probability", "outlier_score"], rows: rows.map { r in
                [escapeForTerminal(s.samples[r].id), fixed(probabilities[r], 4), fixed(scores[r], 4)]
            }, rightAligned: [1, 2])
            items = rows.map { r in
                ["sample": .string(s.samples[r].id), "probability": .double(probabilities[r]), "outlier_score": .double(scores[r])]
            }
        } else if let d = clustering.dbscan {
            lines = TextTable.render(header: ["sample", "core"], rows: rows.map { r in
                [escapeForTerminal(s.samples[r].id), d.isCore[r] ? "yes" : "no"]
            })
            items = rows.map { r in ["sample": .string(s.samples[r].id), "core": .bool(d.isCore[r])] }
        }
        let title = (n < 0 ? "noise" : "cluster \(n)") + ": \(rows.count) member\(rows.count == 1 ? "" : "s") (\(clustering.name))"
        var json: [(String, JSONValue)] = [("algorithm", .string(clustering.name)), ("cluster", .int(n)), ("members", .array(items))]
        if n >= 0, let e = try SharedFeatureText.explain(s, labels: clustering.labels, clusters: [n], control: context.control)?.first {
            lines.append("")
            if e.groups.isEmpty {
                lines.append("no feature is held by most members and more common among them than elsewhere")
            } else {
                lines.append("shared features, by group (recall = members having it / \(e.size), precision = members / holders):")
                lines += SharedFeatureText.groupTable(e)
            }
            json.append(("shared_features", SharedFeatureText.json(groups: e)))
        }
        return CommandOutput(text: ([title] + lines).joined(separator: "\n"), json: .object(json))
    }
}

/// `show tree`: the HDBSCAN condensed tree as an indented tree of clusters.
struct ShowTreeCommand: ShellCommand {
    static let spec = CommandSpec(
        name: "tree",
        summary: "Show the HDBSCAN condensed tree of clusters",
        discussion: """
            One line per condensed-tree cluster, children indented under their parent: the library's
            cluster id, the λ (1/distance) at which it was born, its size, its stability, and '← cluster K'
            where the selection kept it as label K.
            """,
        arguments: [.option("depth", .integer(1...10_000), help: "levels to show (default: all)")],
        examples: ["show tree", "show tree depth=3"])

    static func run(_ arguments: Arguments, _ context: inout CommandContext) throws -> CommandOutput {
        guard let h = context.session.hdbscan else { throw ShellError.failed("no hdbscan clustering yet: run 'cluster hdbscan'") }
        guard !h.condensedTree.isEmpty else {
            return CommandOutput(text: "the condensed tree is empty (fewer than two rows were clustered)", json: ["clusters": []])
        }
        let n = h.treePointRows.count
        let index = CondensedTreeIndex(h.condensedTree, pointCount: n)
        var size = [Int](repeating: n, count: index.clusterCount)
        for row in h.condensedTree where row.child >= n { size[row.child - n] = row.childSize }
        var labelOf: [Int: Int] = [:]
        for (k, c) in h.selectedClusters.enumerated() { labelOf[c] = k }
        let maxDepth = arguments.int("depth") ?? Int.max
        var lines: [String] = []
        func visit(_ c: Int, _ depth: Int) -> JSONValue {
            let i = c - n
            let stability = i < h.clusterStability.count ? h.clusterStability[i] : .nan
            let mark = labelOf[c].map { "  ← cluster \($0)" } ?? ""
            lines.append(String(repeating: "  ", count: depth) + "\(c)  λ=\(fixed(index.birth[i], 4))  size=\(size[i])  stability=\(fixed(stability, 3))" + mark)
            let kids = depth + 1 < maxDepth ? index.children[i].map { visit($0, depth + 1) } : []
            return ["id": .int(c), "birth_lambda": .double(index.birth[i]), "size": .int(size[i]),
                    "stability": .double(stability), "label": labelOf[c].map { JSONValue.int($0) } ?? .null,
                    "children": .array(kids)]
        }
        let root = visit(n, 0)
        return CommandOutput(text: lines.joined(separator: "\n"), json: ["root": root])
    }
}
