import CuckooML

/// The shell's commands, as a tree: top-level commands, each possibly with subcommands.
struct Registry: Sendable {
    let commands: [any ShellCommand.Type]

    /// A command found for the words typed, with the words left for its arguments.
    struct Resolution {
        let command: any ShellCommand.Type
        let path: [String]
        let rest: [String]
    }

    func lookup(_ name: String) -> (any ShellCommand.Type)? {
        commands.first { $0.spec.name == name || $0.spec.aliases.contains(name) }
    }

    var names: [String] { commands.map { $0.spec.name } }

    /// Walks command and subcommand words; throws unknown-command or "needs a subcommand" errors.
    func resolve(_ words: [String]) throws -> Resolution {
        guard let first = words.first else { throw ShellError.usage("empty command") }
        guard var command = lookup(first) else {
            throw ShellError.unknownCommand(first, suggestion: suggestion(for: first, among: names + commands.flatMap { $0.spec.aliases }))
        }
        var path = [command.spec.name]
        var rest = Array(words.dropFirst())
        while let next = rest.first, let sub = command.subcommands.first(where: { $0.spec.name == next || $0.spec.aliases.contains(next) }) {
            command = sub
            path.append(sub.spec.name)
            rest.removeFirst()
        }
        if !command.subcommands.isEmpty && !command.runsWithoutSubcommand {
            let subNames = command.subcommands.map { $0.spec.name }
            if let word = rest.first {
                let near = suggestion(for: word, among: subNames).map { "; did you mean '\($0)'?" } ?? ""
                throw ShellError.usage("'\(path.joined(separator: " ")) \(word)' is not a subcommand\(near) (subcommands: \(subNames.joined(separator: ", ")))")
            }
            throw ShellError.usage("\(path.joined(separator: " ")) needs a subcommand: \(subNames.joined(separator: ", "))")
        }
        return Resolution(command: command, path: path, rest: rest)
    }

    /// `name ARG [option=...]`, with subcommands listed when there are any.
    static func synopsis(path: [String], of command: any ShellCommand.Type) -> String {
        var parts = [path.joined(separator: " ")]
        if !command.subcommands.isEmpty {
            let subs = command.subcommands.map { $0.spec.name }.joined(separator: "|")
            parts.append(command.runsWithoutSubcommand ? "[\(subs)]" : subs)
        }
        parts += command.spec.arguments.map(\.synopsis)
        return parts.joined(separator: " ")
    }

    /// Every command path in the tree, depth first (for `help`, the README and the registry tests).
    var allPaths: [(path: [String], command: any ShellCommand.Type)] {
        var out: [(path: [String], command: any ShellCommand.Type)] = []
        func walk(_ c: any ShellCommand.Type, _ prefix: [String]) {
            let path = prefix + [c.spec.name]
            out.append((path, c))
            for sub in c.subcommands { walk(sub, path) }
        }
        for c in commands { walk(c, []) }
        return out
    }
}
