import CuckooML

/// `features`: shows the feature space; `features families|simple|full|filter` rebuild or filter it.
struct FeaturesCommand: ShellCommand {
    static let spec = CommandSpec(
        name: "features",
        summary: "Show the feature space, or rebuild it (families, simple, full) or filter it",
        discussion: """
            Alone, lists the feature groups with their feature and non-zero counts, the total and the
            density. load builds the family features (see 'help features families'); 'features full'
            gives the 2016 cuckooml project's (:meta: :sign: :pack: :pef: :simp: :dimp: :file: :net:
            :reg: :win: :count:) and 'features simple' the signature names. The choice is kept for
            later loads. Rebuilding drops any clustering, which no longer matches the new columns.
            """,
        examples: ["features", "features families", "features full groups=win,file,net", "features filter coverage=0.1"])

    static let subcommands: [any ShellCommand.Type] = [FeaturesFamiliesCommand.self, FeaturesSimpleCommand.self,
                                                       FeaturesFullCommand.self, FeaturesFilterCommand.self]

    static func run(_ arguments: Arguments, _ context: inout CommandContext) throws -> CommandOutput {
        guard let features = context.session.features else {
            let reason = context.session.isEmpty ? "no samples loaded" : "no features built (use 'features full')"
            return CommandOutput(text: "features: -  (\(reason))", json: ["features": nil, "reason": .string(reason)])
        }
        return describe(features)
    }

    /// The feature-space table: one row per group, then the total and density.
    static func describe(_ f: FeatureSet, heading: String? = nil) -> CommandOutput {
        let summary = f.groupSummary()
        let c = f.configuration
        var title = "feature space: \(c.kind.rawValue)"
        let allGroups = c.kind == .full ? FeatureGroup.fullGroups : c.kind == .families ? FeatureGroup.familyGroups : []
        if !allGroups.isEmpty && Set(c.groups) != Set(allGroups) {
            title += " groups=" + allGroups.filter(c.groups.contains).map(\.rawValue).joined(separator: ",")
        }
        if c.kind == .full && c.importFunctions { title += " imports=functions" }
        title += ", \(f.matrix.rowCount) samples"
        var filters: [String] = []
        if let lower = c.minimumCoverage { filters.append("coverage=\(lower)") }
        if let upper = c.maximumCoverage { filters.append("max=\(upper)") }
        if !filters.isEmpty { title += ", filtered " + filters.joined(separator: " ") }

        let rows = summary.map { (name: $0.group.map { $0 == .signature ? "signature" : ":\($0.rawValue):" } ?? "other",
                                  columns: String($0.columns), nonZeros: String($0.nonZeros)) }
        var lines = heading.map { [$0] } ?? []
        lines.append(title)
        lines += TextTable.render(header: ["group", "features", "non-zeros"],
                                  rows: rows.map { [$0.name, $0.columns, $0.nonZeros] }
                                      + [["total", String(f.names.count), String(f.matrix.nonZeroCount)]],
                                  rightAligned: [1, 2])
        lines[lines.count - 1] += "  density \(fixed(f.density * 100, 2))%"

        let groups: [JSONValue] = summary.map {
            ["group": .string($0.group?.rawValue ?? "other"), "features": .int($0.columns), "non_zeros": .int($0.nonZeros)]
        }
        let json: JSONValue = [
            "kind": .string(c.kind.rawValue),
            "groups": .array(groups),
            "features": .int(f.names.count),
            "samples": .int(f.matrix.rowCount),
            "non_zeros": .int(f.matrix.nonZeroCount),
            "density": .double(f.density),
            "import_functions": .bool(c.importFunctions),
            "coverage": c.minimumCoverage.map { .double($0) } ?? .null,
            "max": c.maximumCoverage.map { .double($0) } ?? .null,
        ]
        return CommandOutput(text: lines.joined(separator: "\n"), json: json)
    }

    /// The groups a `groups=` list names among `allowed` (all of them without a list); a name may be
    /// written as its prefix (`:win:`).
    static func groups(_ list: String?, among allowed: [FeatureGroup]) throws -> Set<FeatureGroup> {
        guard let list else { return Set(allowed) }
        var groups = Set<FeatureGroup>()
        for word in list.split(separator: ",").map({ String($0).trimmingSpaces() }) where !word.isEmpty {
            let name = word.hasPrefix(":") ? String(word.dropFirst().prefix { $0 != ":" }) : word
            guard let g = FeatureGroup(rawValue: name), allowed.contains(g) else {
                let names = allowed.map(\.rawValue)
                let near = suggestion(for: name, among: names).map { "; did you mean '\($0)'?" } ?? ""
                throw ShellError.usage("unknown feature group '\(word)'\(near) (groups: \(names.joined(separator: ", ")))")
            }
            groups.insert(g)
        }
        guard !groups.isEmpty else { throw ShellError.usage("groups= names no group") }
        return groups
    }

    /// Rebuilds the session's features with a new configuration and describes the result.
    static func rebuild(_ configuration: FeatureConfiguration, _ context: inout CommandContext) throws -> CommandOutput {
        guard !context.session.isEmpty else { throw ShellError.failed("no samples loaded; use 'load' first") }
        guard context.session.samples.contains(where: { $0.record != nil }) else {
            throw ShellError.failed("the loaded rows have no reports to extract features from")
        }
        // The matrix is a pure function of the samples and the configuration (and is dropped whenever
        // the samples change), so asking again for the current configuration is answered as it is.
        if let current = context.session.features, current.configuration == configuration {
            return describe(current)
        }
        let hadClustering = !context.session.clusterings.isEmpty
        try context.session.buildFeatures(configuration, control: context.control)
        if hadClustering { context.note("note: the clustering was dropped; it described the previous features") }
        return describe(context.session.features!)
    }
}

/// `features families [groups=...]`: the family feature space.
struct FeaturesFamiliesCommand: ShellCommand {
    static let spec = CommandSpec(
        name: "families",
        summary: "Family features: normalised report tokens by group (the default)",
        discussion: """
            Binary features :GROUP:TOKEN from the report alone (never VirusTotal), one group per kind
            of evidence, so a distance can weigh the groups equally. Behaviour: alert (signature
            names), api, mutex, loaded (DLLs), path (read|write|delete|copy|move:PATH), key
            (write|delete:KEY), cmd, proc, domain, ip, http (host|agent|path:...), wmi. Static: import
            (dll:function), library (imported DLLs), imphash, section, resource, version (name=value),
            pdb, peid, export, target (type:..., size:log2 bin).
            Tokens are lower-cased; the sample's own hashes and file name become <self>; user, temp,
            appdata, system and program directories <user> <temp> <appdata> <localappdata> <system>
            <windows> <programfiles> <programdata>; HKEY_LOCAL_MACHINE and friends hklm hkcu hkcr hku
            hkcc; GUIDs <guid>, SIDs <sid>, runs of 8+ hex digits <hex>, digit runs 0 (IP addresses
            and the imphash keep their digits). Tokens seen in fewer than 2 samples are dropped.
            """,
        arguments: [.option("groups", help: "comma-separated groups to extract (default all)")],
        examples: ["features families", "features families groups=api,mutex,imphash"])

    static func run(_ arguments: Arguments, _ context: inout CommandContext) throws -> CommandOutput {
        let groups = try FeaturesCommand.groups(arguments.string("groups"), among: FeatureGroup.familyGroups)
        return try FeaturesCommand.rebuild(FeatureConfiguration(kind: .families, groups: groups), &context)
    }
}

/// `features simple`: one binary feature per signature name.
struct FeaturesSimpleCommand: ShellCommand {
    static let spec = CommandSpec(name: "simple", summary: "One binary feature per signature name (2016 simple features)")

    static func run(_ arguments: Arguments, _ context: inout CommandContext) throws -> CommandOutput {
        try FeaturesCommand.rebuild(.simple, &context)
    }
}

/// `features full [groups=...] [imports=dlls|functions]`: the 2016 feature groups.
struct FeaturesFullCommand: ShellCommand {
    static let spec = CommandSpec(
        name: "full",
        summary: "The 2016 feature groups",
        discussion: "groups: " + FeatureGroup.fullGroups.map(\.rawValue).joined(separator: ", "),
        arguments: [
            .option("groups", help: "comma-separated groups to extract (default all)"),
            .option("imports", .choice(["dlls", "functions"]), default: "dlls",
                    help: "static imports as :simp:<dll>, or also :simp:<dll>:<function>"),
        ],
        examples: ["features full", "features full groups=win,file,net", "features full imports=functions"])

    static func run(_ arguments: Arguments, _ context: inout CommandContext) throws -> CommandOutput {
        let groups = try FeaturesCommand.groups(arguments.string("groups"), among: FeatureGroup.fullGroups)
        let configuration = FeatureConfiguration(kind: .full, groups: groups,
                                                 importFunctions: arguments.string("imports") == "functions")
        return try FeaturesCommand.rebuild(configuration, &context)
    }
}

/// `features filter coverage=F [max=G]`: drops rare (and too common) features.
struct FeaturesFilterCommand: ShellCommand {
    static let spec = CommandSpec(
        name: "filter",
        summary: "Drop features non-zero in too few (or too many) samples",
        discussion: """
            coverage=0.1 keeps features non-zero in at least 10% of the samples (the 2016 filter);
            max=0.9 also drops those non-zero in more than 90%. Filters only tighten: to loosen,
            rebuild with 'features full'. New samples loaded later get the same filter.
            """,
        arguments: [
            .option("coverage", .number(0...1), help: "minimum fraction of samples a feature is non-zero in"),
            .option("max", .number(0...1), help: "maximum fraction of samples a feature is non-zero in"),
        ],
        examples: ["features filter coverage=0.1", "features filter coverage=0.05 max=0.95"])

    static func run(_ arguments: Arguments, _ context: inout CommandContext) throws -> CommandOutput {
        let lower = arguments.double("coverage"), upper = arguments.double("max")
        guard lower != nil || upper != nil else { throw ShellError.usage("give coverage= and/or max=") }
        if let lower, let upper, lower > upper { throw ShellError.usage("coverage=\(lower) is above max=\(upper)") }
        let hadClustering = !context.session.clusterings.isEmpty
        guard let (before, after) = context.session.filterFeatures(minimumCoverage: lower, maximumCoverage: upper) else {
            throw ShellError.failed(context.session.isEmpty ? "no samples loaded; use 'load' first" : "no features built (use 'features full')")
        }
        if after.names.count != before.names.count {
            if hadClustering { context.note("note: the clustering was dropped; it described the previous features") }
        }
        let dropped = before.names.count - after.names.count
        var output = FeaturesCommand.describe(after, heading: "kept \(after.names.count) of \(before.names.count) features (dropped \(dropped))")
        if case .object(var members) = output.json {
            members.append(("dropped", .int(dropped)))
            output.json = .object(members)
        }
        return output
    }
}
