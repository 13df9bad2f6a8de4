import CuckooML

/// `session save FILE` / `session open FILE`: the whole session in one SQLite file.
struct SessionCommand: ShellCommand {
    static let spec = CommandSpec(
        name: "session",
        summary: "Save the session to a SQLite file or open a saved one",
        discussion: """
            The file is an ordinary SQLite database with a documented schema (tables meta, samples,
            features, sample_features, labels, clusterings, clusters, membership, condensed_tree,
            settings), so it can be queried directly, e.g.
              sqlite3 s.cml "SELECT sample, label FROM membership JOIN labels USING(sample) WHERE cluster = 3"
            """)

    static let subcommands: [any ShellCommand.Type] = [SessionSaveCommand.self, SessionOpenCommand.self]
    static let runsWithoutSubcommand = false

    static func run(_ arguments: Arguments, _ context: inout CommandContext) throws -> CommandOutput {
        throw ShellError.usage("session needs a subcommand: save or open")
    }

    static func describe(_ session: Session, verb: String, path: String) -> CommandOutput {
        var json: [(String, JSONValue)] = [
            ("file", .string(path)), ("samples", .int(session.samples.count)),
            ("features", session.features.map { .int($0.names.count) } ?? .null),
            ("labels", .int(session.labels.count)),
        ]
        var text = "\(verb) \(escapeForTerminal(path)): \(session.samples.count) samples"
        if let f = session.features { text += ", \(f.names.count) features" }
        if !session.labels.isEmpty { text += ", \(session.labels.count) labels" }
        if let h = session.hdbscan {
            text += ", hdbscan \(h.clusterCount) clusters"
            json.append(("hdbscan_clusters", .int(h.clusterCount)))
        }
        if let d = session.dbscan {
            text += ", dbscan \(d.clusterCount) clusters"
            json.append(("dbscan_clusters", .int(d.clusterCount)))
        }
        return CommandOutput(text: text, json: .object(json))
    }
}

/// `session save FILE`.
struct SessionSaveCommand: ShellCommand {
    static let spec = CommandSpec(
        name: "save",
        summary: "Save the whole session to a SQLite file (atomically)",
        arguments: [.positional("file", .path, help: "the session file to write")],
        examples: ["session save analysis.cml"])

    static func run(_ arguments: Arguments, _ context: inout CommandContext) throws -> CommandOutput {
        let path = try arguments.required("file")
        // A session opened from a file without label evidence would otherwise gather it at every save
        // and drop it (2.5-3 CPU-seconds at 100 000 samples); kept, the next save and compare reuse it.
        context.session.keepLabelEvidence()
        do { try SessionStore.save(context.session, to: path, control: context.control) } catch let error as SessionStoreError {
            throw ShellError.failed(error.description)
        }
        return SessionCommand.describe(context.session, verb: "saved", path: path)
    }
}

/// `session open FILE`: replaces the session; the current output format is kept.
struct SessionOpenCommand: ShellCommand {
    static let spec = CommandSpec(
        name: "open",
        summary: "Replace the session with one saved by session save",
        discussion: "A corrupt, foreign or newer-version file is refused and the current session is kept. The output format (set format) stays as it is.",
        arguments: [.positional("file", .path, help: "a file written by session save")],
        examples: ["session open analysis.cml"])

    static func run(_ arguments: Arguments, _ context: inout CommandContext) throws -> CommandOutput {
        let path = try arguments.required("file")
        var opened: Session
        do { opened = try SessionStore.open(path, control: context.control) } catch let error as SessionStoreError {
            throw ShellError.failed(error.description)
        }
        // How results print belongs to this run of the shell (e.g. --json), not to the saved session.
        opened.settings.format = context.session.settings.format
        context.session = opened
        return SessionCommand.describe(opened, verb: "opened", path: path)
    }
}
