import CuckooML

/// `anomalies`: the 2016 project's four kinds of anomaly in the soft clustering (HDBSCAN or linkage).
struct AnomaliesCommand: ShellCommand {
    static let spec = CommandSpec(
        name: "anomalies",
        summary: "List noise, weak members, high outlier scores and label minorities in their cluster",
        discussion: """
            The 2016 project's four kinds, from the HDBSCAN clustering (or the family clustering when
            it is current, its strengths as probabilities; see 'help cluster'):
              noise               samples in no cluster (value: their outlier score)
              low_probability     clustered samples with membership probability < probability=
              high_outlier_score  clustered samples with outlier score > outlier=
              homogeneity         samples whose label is < homogeneity= share of their cluster
                                  (noise counts as one group here, as in 2016)
            A sample can appear under several kinds. 'anomalies counts' looks at the :count: features.
            """,
        arguments: AssessmentInputs.thresholdArguments,
        examples: ["anomalies", "anomalies probability=0.5 outlier=0.8", "anomalies counts"])

    static let subcommands: [any ShellCommand.Type] = [AnomaliesCountsCommand.self]

    static func run(_ arguments: Arguments, _ context: inout CommandContext) throws -> CommandOutput {
        let session = context.session
        let thresholds = AssessmentInputs.thresholds(arguments)
        let found = try AssessmentInputs.anomalies(session, thresholds)

        var counts: [(String, JSONValue)] = []
        var lines: [String] = []
        for kind in AnomalyKind.allCases {
            let ofKind = found.filter { $0.kind == kind }
            counts.append((kind.rawValue, .int(ofKind.count)))
            let threshold = ofKind.first?.threshold.map { " (threshold \(fixed($0, 3)))" } ?? ""
            lines.append("\(kind.rawValue): \(ofKind.count)" + threshold)
            guard !ofKind.isEmpty else { continue }
            let rows = ofKind.map { a in
                [escapeForTerminal(session.samples[a.sample].id), String(a.cluster), escapeForTerminal(a.label), fixed(a.value, 4)]
            }
            lines += TextTable.render(header: ["sample", "cluster", "label", "value"], rows: rows, rightAligned: [1, 3], indent: 2)
        }
        let json: JSONValue = .object([
            ("thresholds", .object([("probability", .double(thresholds.probability)),
                                    ("outlier", .double(thresholds.outlierScore)),
                                    ("homogeneity", .double(thresholds.homogeneity))])),
            ("counts", .object(counts)),
            ("anomalies", .array(found.map { a in
                .object([("sample", .string(session.samples[a.sample].id)), ("kind", .string(a.kind.rawValue)),
                         ("cluster", .int(a.cluster)), ("label", .string(a.label)), ("value", .double(a.value)),
                         ("threshold", a.threshold.map { .double($0) } ?? .null)])
            })),
        ])
        return CommandOutput(text: lines.joined(separator: "\n"), json: json)
    }
}

/// `anomalies counts`: samples far outside the interquartile range of a `:count:` feature.
struct AnomaliesCountsCommand: ShellCommand {
    static let spec = CommandSpec(
        name: "counts",
        summary: "Samples beyond the 1.5·IQR / 3·IQR fences of each :count: feature",
        discussion: """
            For every :count: feature (absent counts are 0), quartiles as pandas computes them
            (linear interpolation); outliers lie beyond Q3+3·IQR or below Q1-3·IQR, suspects beyond
            the 1.5·IQR fences but not the 3·IQR ones (the 2016 project's abnormal behaviour
            detection). Only features with an outlier or a suspect are listed.
            """,
        examples: ["anomalies counts"])

    static func run(_ arguments: Arguments, _ context: inout CommandContext) throws -> CommandOutput {
        let session = context.session
        guard let features = session.features else { throw ShellError.failed("no features: load reports first") }
        let found = CountOutliers.find(in: features)
        guard !found.isEmpty else {
            return CommandOutput(text: "no :count: features in the feature space", json: .object([]))
        }
        let ids = session.samples.map(\.id)
        func id(_ row: Int) -> String { row < ids.count ? ids[row] : String(row) }
        var lines: [String] = []
        var flagged = 0
        for f in found where !(f.outliers.isEmpty && f.suspects.isEmpty) {
            flagged += 1
            lines.append("\(escapeForTerminal(f.feature))  Q1 \(fixed(f.firstQuartile, 2))  Q3 \(fixed(f.thirdQuartile, 2))  IQR \(fixed(f.interquartileRange, 2))")
            if !f.outliers.isEmpty { lines.append("  outliers: " + f.outliers.map { escapeForTerminal(id($0)) }.joined(separator: ", ")) }
            if !f.suspects.isEmpty { lines.append("  suspects: " + f.suspects.map { escapeForTerminal(id($0)) }.joined(separator: ", ")) }
        }
        lines.insert("\(found.count) :count: features, \(flagged) with outliers or suspects", at: 0)
        let json: JSONValue = .object(found.map { f in
            (f.feature, .object([("q1", .double(f.firstQuartile)), ("q3", .double(f.thirdQuartile)),
                                 ("iqr", .double(f.interquartileRange)),
                                 ("outliers", JSONValue(f.outliers.map(id))), ("suspects", JSONValue(f.suspects.map(id)))]))
        })
        return CommandOutput(text: lines.joined(separator: "\n"), json: json)
    }
}
