import CuckooML

/// `labels [CLUSTER] [ignore=L,M] [rule=avclass|2016]`: label counts as bar charts, per cluster once clustered.
struct LabelsCommand: ShellCommand {
    static let spec = CommandSpec(
        name: "labels",
        summary: "Count the samples' family labels (per cluster after clustering)",
        discussion: """
            Labels come from each report's VirusTotal results unless loaded from a file with 'labels
            load'. rule=avclass (the default) names the family most independent engines name, if at
            least 2 do: generic and heuristic words, classes, platforms and packers are dropped,
            aliases merged (known ones, and those the loaded reports show), engines copying another
            engine count once. rule=2016 is the 2016 cuckooml rule: the most common family token,
            if at least 5 engines name it. Else 'none'. The rule is kept in the session (setting
            label-rule) and used by every later load. The counts end with how many samples were
            decided by a narrow margin (winner's votes minus the runner-up's at most 1; ties go to
            the alphabetically first family).
            After clustering ('cluster' or 'cluster hdbscan'; the current one, see
            'help cluster'), shows per cluster (noise first) how many samples carry each label;
            'labels CLUSTER' shows one cluster. ignore=none leaves 'none' out of assess and of these
            counts; 'ignore=' clears.
            """,
        arguments: [
            .positional("cluster", .cluster, optional: true, help: "one cluster (-1 for noise)"),
            .option("ignore", allowsEmpty: true, help: "comma-separated labels to leave out (empty clears)"),
            .option("rule", .choice(LabelRule.allCases.map(\.rawValue)), help: "relabel with this rule (default avclass)"),
        ],
        examples: ["labels", "labels 3", "labels ignore=none", "labels rule=2016", "labels load avclass.tsv"])

    static let subcommands: [any ShellCommand.Type] = [LabelsLoadCommand.self]

    static func run(_ arguments: Arguments, _ context: inout CommandContext) throws -> CommandOutput {
        if let name = arguments.string("rule") {
            guard let rule = LabelRule(rawValue: name) else { throw ShellError.usage("rule takes \(LabelRule.allCases.map(\.rawValue).joined(separator: " or "))") }
            context.session.setLabelRule(rule)
        }
        if arguments.isGiven("ignore") {
            let list = (arguments.string("ignore") ?? "").split(separator: ",").map { String($0).trimmingSpaces() }.filter { !$0.isEmpty }
            context.session.settings.ignoredLabels = Set(list)
            if !arguments.isGiven("cluster") && !arguments.isGiven("rule") {
                let text = list.isEmpty ? "no labels ignored" : "ignoring labels: " + list.sorted().map(escapeForTerminal).joined(separator: ", ")
                return CommandOutput(text: text, json: ["ignored": JSONValue(list.sorted())])
            }
        }
        if arguments.isGiven("rule") && context.session.isEmpty {
            let rule = context.session.settings.labelRule
            return CommandOutput(text: "label rule: \(rule.rawValue) (\(rule.summary))", json: ["rule": .string(rule.rawValue)])
        }
        let session = context.session
        guard !session.isEmpty else { throw ShellError.failed("no samples loaded; use 'load' first") }
        let ignored = session.settings.ignoredLabels
        let footer = ignored.isEmpty ? nil : "(ignoring: \(ignored.sorted().map(escapeForTerminal).joined(separator: ", ")))"

        guard let clustering = session.softClustering else {
            if arguments.isGiven("cluster") { throw ShellError.failed("no clustering yet; run 'cluster' or 'cluster hdbscan' first") }
            let counts = labelCounts(session, rows: Array(session.samples.indices), ignored: ignored)
            var text = "\(session.samples.count) samples, \(counts.count) labels\n"
            text += BarChart(rows: counts.map { .init(label: $0.label, value: $0.count) }, color: context.color,
                             dimLabels: [SampleLabel.noneFamily]).render()
            let margins = MarginCounts(session)
            text += "\n" + margins.line(rule: session.settings.labelRule)
            if let footer { text += "\n" + footer }
            return CommandOutput(text: text, json: ["labels": countsJSON(counts), "rule": .string(session.settings.labelRule.rawValue),
                                                    "narrow_margin": .int(margins.narrow), "ties": .int(margins.ties)])
        }

        var members: [Int: [Int]] = [:]
        for (row, cluster) in clustering.labels.enumerated() { members[cluster < 0 ? -1 : cluster, default: []].append(row) }
        var clusters = members.keys.sorted()
        if arguments.isGiven("cluster") {
            let wanted = arguments.int("cluster")!
            guard members[wanted] != nil else {
                let range = clustering.clusterCount > 0 ? "0..\(clustering.clusterCount - 1)" : "none"
                throw ShellError.usage("no cluster \(wanted) (clusters: \(range)\(members[-1] != nil ? ", -1 for noise" : ""))")
            }
            clusters = [wanted]
        }
        let perCluster = clusters.map { (cluster: $0, counts: labelCounts(session, rows: members[$0]!, ignored: ignored)) }
        // One scale for every chart, so bars compare across clusters.
        let scale = perCluster.flatMap { $0.counts.map(\.count) }.max() ?? 0
        var blocks: [String] = []
        for (cluster, counts) in perCluster {
            let size = members[cluster]!.count
            let title = (cluster < 0 ? "noise" : "cluster \(cluster)") + ": \(size) sample\(size == 1 ? "" : "s")"
            let chart = BarChart(rows: counts.map { .init(label: $0.label, value: $0.count) }, scale: scale,
                                 color: context.color, dimLabels: [SampleLabel.noneFamily]).render()
            blocks.append(title + (chart.isEmpty ? "" : "\n" + indent(chart)))
        }
        var text = blocks.joined(separator: "\n\n")
        text += "\n" + MarginCounts(session).line(rule: session.settings.labelRule)
        if let footer { text += "\n" + footer }
        let json = JSONValue.object(perCluster.map { (String($0.cluster), countsJSON($0.counts)) })
        return CommandOutput(text: text, json: json)
    }

    /// Label counts over the given rows, largest first, ties by name; ignored labels left out.
    static func labelCounts(_ session: Session, rows: [Int], ignored: Set<String>) -> [(label: String, count: Int)] {
        var counts: [String: Int] = [:]
        for row in rows {
            let family = session.label(of: session.samples[row].id).family
            if !ignored.contains(family) { counts[family, default: 0] += 1 }
        }
        return counts.map { (label: $0.key, count: $0.value) }
            .sorted { $0.count != $1.count ? $0.count > $1.count : $0.label.utf8.lexicographicallyPrecedes($1.label.utf8) }
    }

    /// Samples whose VirusTotal label won by at most `SampleLabel.narrowMargin` votes, and the ties among them.
    struct MarginCounts {
        var narrow = 0, ties = 0

        init(_ session: Session) {
            for sample in session.samples {
                guard let margin = session.label(of: sample.id).margin, margin <= SampleLabel.narrowMargin else { continue }
                narrow += 1
                if margin == 0 { ties += 1 }
            }
        }

        /// The margins under the AVClass-style rule; the 2016 rule keeps no runner-up, so its line says the rule.
        func line(rule: LabelRule) -> String {
            switch rule {
            case .avclass:
                "rule avclass: \(narrow) sample\(narrow == 1 ? "" : "s") decided by a narrow margin (winner − runner-up ≤ \(SampleLabel.narrowMargin) votes), \(ties) tie\(ties == 1 ? "" : "s") broken by name"
            case .rule2016:
                "rule 2016: \(rule.summary)"
            }
        }
    }

    static func countsJSON(_ counts: [(label: String, count: Int)]) -> JSONValue {
        .object(counts.map { ($0.label, .int($0.count)) })
    }

    static func indent(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n")
    }
}

/// `labels load FILE`: external labels (AVClass output, a CSV or TSV) by sample id, md5 or sha256.
struct LabelsLoadCommand: ShellCommand {
    static let spec = CommandSpec(
        name: "load",
        summary: "Take labels from a CSV/TSV file (sample or md5/sha256 → family)",
        discussion: """
            Accepts a header naming a key column (sample, id, md5, sha256) and a label column (family,
            label); headerless KEY<TAB>FAMILY lines as AVClass writes them (SINGLETON:hash and - are
            none); AVClass's tag lines (avclass -t: the first FAM: tag, else UNK:); or JSON lines
            with a key (md5, sha256, sample, ...) and a family or label. Rows matching no loaded
            sample are reported. External labels replace VirusTotal ones and survive reloading.
            """,
        arguments: [.positional("file", .path, help: "the label file")],
        examples: ["labels load avclass.tsv", "labels load truth.csv"])

    static func run(_ arguments: Arguments, _ context: inout CommandContext) throws -> CommandOutput {
        let path = try arguments.required("file")
        guard !context.session.isEmpty else { throw ShellError.failed("no samples loaded; use 'load' first") }
        let text = try readTextFile(path)
        let external: ExternalLabels
        do {
            external = try ExternalLabels.parse(text, path: path)
        } catch {
            throw ShellError.failed(escapeForTerminal(error.description))
        }
        let (labels, unmatched) = external.match(context.session.samples)
        let applied = context.session.applyExternalLabels(labels)
        var lines = ["labelled \(applied) sample\(applied == 1 ? "" : "s") from \(escapeForTerminal(path))"
                     + " (\(Set(labels.values.map(\.family)).count) families)"]
        if !unmatched.isEmpty {
            lines.append("\(unmatched.count) row\(unmatched.count == 1 ? "" : "s") matched no loaded sample:")
            for row in unmatched.prefix(10) { lines.append("  line \(row.line): \(escapeForTerminal(row.key))") }
            if unmatched.count > 10 { lines.append("  ... and \(unmatched.count - 10) more") }
        }
        let problems = LabelFileProblems(external, context.session.samples)
        lines += problems.lines
        let json: JSONValue = [
            "file": .string(path),
            "labelled": .int(applied),
            "unmatched": .array(unmatched.map { ["line": .int($0.line), "key": .string($0.key)] }),
            "conflicts": problems.conflictsJSON,
            "blank": problems.blankJSON,
        ]
        return CommandOutput(text: lines.joined(separator: "\n"), json: json, incomplete: problems.summary)
    }
}
