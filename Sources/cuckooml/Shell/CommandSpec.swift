import CuckooML

/// What an argument's value is; drives validation, `help` and tab completion.
enum ValueKind: Sendable, Equatable {
    case text
    case integer(ClosedRange<Int>)
    case number(ClosedRange<Double>)
    case choice([String])
    /// A file-system path; completion lists files and directories.
    case path
    /// A sample id from the session; completion lists loaded samples.
    case sample
    /// A cluster number (or -1 for noise).
    case cluster

    var placeholderHint: String? {
        switch self {
        case .choice(let values): values.joined(separator: "|")
        case .integer(let r) where r.upperBound < Int.max: "\(r.lowerBound)..\(r.upperBound)"
        default: nil
        }
    }
}

/// One declared argument of a command: a positional, a `key=value` option, or a bare flag word.
struct ArgumentSpec: Sendable, Equatable {
    enum Kind: Sendable, Equatable { case positional, option, flag }

    let kind: Kind
    let name: String
    let value: ValueKind
    let help: String
    var isOptional: Bool = false
    /// A repeating positional takes every remaining positional word (`load PATH...`).
    var isRepeating: Bool = false
    var defaultValue: String?
    /// Whether `name=` with nothing after the `=` is accepted (it clears a setting: `labels ignore=`).
    var allowsEmpty: Bool = false

    static func positional(_ name: String, _ value: ValueKind = .text, optional: Bool = false,
                           repeating: Bool = false, help: String) -> ArgumentSpec {
        ArgumentSpec(kind: .positional, name: name, value: value, help: help, isOptional: optional, isRepeating: repeating)
    }

    static func option(_ name: String, _ value: ValueKind = .text, default defaultValue: String? = nil,
                       allowsEmpty: Bool = false, help: String) -> ArgumentSpec {
        ArgumentSpec(kind: .option, name: name, value: value, help: help, isOptional: true, defaultValue: defaultValue,
                     allowsEmpty: allowsEmpty)
    }

    static func flag(_ name: String, help: String) -> ArgumentSpec {
        ArgumentSpec(kind: .flag, name: name, value: .text, help: help, isOptional: true)
    }

    /// How the argument reads in a synopsis: `PATH...`, `[metric=euclidean|manhattan]`, `[recursive]`.
    var synopsis: String {
        switch kind {
        case .positional:
            let word = name.uppercased() + (isRepeating ? "..." : "")
            return isOptional ? "[\(word)]" : word
        case .option:
            return "[\(name)=\(value.placeholderHint ?? name.uppercased())]"
        case .flag:
            return "[\(name)]"
        }
    }
}

/// Everything the shell knows about a command, declared once in the command's own file: parsing,
/// `help`, the README reference and tab completion are all read from this value.
struct CommandSpec: Sendable {
    let name: String
    var aliases: [String] = []
    /// One line, shown in `help` listings and by `--step`.
    let summary: String
    /// Longer explanation for `help COMMAND`; may be empty.
    var discussion: String = ""
    var arguments: [ArgumentSpec] = []
    /// Example invocations shown by `help COMMAND`.
    var examples: [String] = []

    var positionals: [ArgumentSpec] { arguments.filter { $0.kind == .positional } }
    func argument(named name: String) -> ArgumentSpec? { arguments.first { $0.name == name } }
}

/// Something that needs a session and returns a result: a command, or a group of subcommands that may
/// also run by itself (`show SAMPLE` beside `show cluster N`).
protocol ShellCommand: Sendable {
    static var spec: CommandSpec { get }
    /// Subcommands, matched on the word after this command's name.
    static var subcommands: [any ShellCommand.Type] { get }
    /// Whether the command runs when no subcommand word follows (groups without their own run do not).
    static var runsWithoutSubcommand: Bool { get }
    static func run(_ arguments: Arguments, _ context: inout CommandContext) throws -> CommandOutput
}

extension ShellCommand {
    static var subcommands: [any ShellCommand.Type] { [] }
    static var runsWithoutSubcommand: Bool { true }
}
