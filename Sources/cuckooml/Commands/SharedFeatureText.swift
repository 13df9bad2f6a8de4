import CuckooML

/// How `clusters`, `show cluster` and `compare` print a family's shared features: escaped and shortened
/// in text (a registry key can be hundreds of characters), whole in JSON.
enum SharedFeatureText {
    /// Longest feature name printed in a one-line list, and in a table cell.
    static let listWidth = 40
    static let cellWidth = 60

    static func name(_ f: SharedFeature, width: Int) -> String { shortenMiddle(escapeForTerminal(f.name), to: width) }

    /// "shares: a · b · c" (or "shares: -"), the one-line summary under a cluster.
    static func line(_ e: FamilyExplanation, count: Int = 3) -> String {
        let names = e.top.prefix(count).map { name($0, width: listWidth) }
        return "shares: " + (names.isEmpty ? "-" : names.joined(separator: " · "))
    }

    static func percent(_ x: Double) -> String { fixed(x * 100, 0) + "%" }

    /// One table of the best tokens of each group; the group is printed on its first row only.
    static func groupTable(_ e: FamilyExplanation, indent: Int = 2) -> [String] {
        var rows: [[String]] = []
        for group in e.groups {
            for (i, f) in group.features.enumerated() {
                rows.append([i == 0 ? escapeForTerminal(group.name.isEmpty ? "-" : group.name) : "",
                             shortenMiddle(escapeForTerminal(f.token), to: cellWidth),
                             "\(f.members)/\(f.clusterSize)", String(f.holders),
                             percent(f.recall), percent(f.precision), fixed(f.score, 2)])
            }
        }
        return TextTable.render(header: ["group", "token", "members", "holders", "recall", "precision", "score"],
                                rows: rows, rightAligned: [2, 3, 4, 5, 6], indent: indent)
    }

    static func json(_ f: SharedFeature, adding extra: [(String, JSONValue)] = []) -> JSONValue {
        .object([("feature", .string(f.name)), ("group", .string(f.group)), ("members", .int(f.members)),
                 ("cluster_size", .int(f.clusterSize)), ("holders", .int(f.holders)),
                 ("recall", .double(f.recall)), ("precision", .double(f.precision)), ("score", .double(f.score))] + extra)
    }

    static func json(groups e: FamilyExplanation) -> JSONValue {
        .array(e.groups.map { g in .object([("group", .string(g.name)), ("features", .array(g.features.map { json($0) }))]) })
    }

    /// The explanations of the clusters of a clustering (default all), from the session's features; nil
    /// when the features no longer match the clustering's rows.
    static func explain(_ session: Session, labels: [Int], clusters: [Int]? = nil, control: TaskControl) throws -> [FamilyExplanation]? {
        guard let f = session.features, f.matrix.rowCount == labels.count else { return nil }
        return try FamilyExplanation.explain(matrix: f.matrix, names: f.names, assignments: labels, clusters: clusters, control: control)
    }
}
