import CuckooML

/// Help text and its JSON form, read from the command declarations (never written by hand).
enum HelpRenderer {
    static func overview(_ registry: Registry) -> String {
        let width = registry.commands.map { $0.spec.name.count }.max() ?? 0
        var lines = ["Commands (help COMMAND for details):"]
        for c in registry.commands {
            lines.append("  " + rightPad(c.spec.name, width) + "  " + c.spec.summary)
        }
        lines.append("")
        lines.append("Scripts: one command per line, ';' between commands, '#' comments, \"double quotes\", trailing '\\' continues.")
        return lines.joined(separator: "\n")
    }

    static func detail(path: [String], command: any ShellCommand.Type) -> String {
        let spec = command.spec
        var lines = ["usage: " + Registry.synopsis(path: path, of: command), "", spec.summary]
        if !spec.aliases.isEmpty { lines.append("aliases: " + spec.aliases.joined(separator: ", ")) }
        if !spec.discussion.isEmpty { lines += ["", spec.discussion] }
        if !spec.arguments.isEmpty {
            lines.append("")
            let labels = spec.arguments.map { argumentLabel($0) }
            let width = labels.map(\.count).max() ?? 0
            for (label, argument) in zip(labels, spec.arguments) {
                var help = argument.help
                if let d = argument.defaultValue { help += " (default \(d))" }
                lines.append("  " + rightPad(label, width) + "  " + help)
            }
        }
        if !command.subcommands.isEmpty {
            lines.append("")
            lines.append("subcommands:")
            let width = command.subcommands.map { $0.spec.name.count }.max() ?? 0
            for sub in command.subcommands {
                lines.append("  " + rightPad(sub.spec.name, width) + "  " + sub.spec.summary)
            }
        }
        if !spec.examples.isEmpty {
            lines.append("")
            lines.append("examples:")
            lines += spec.examples.map { "  " + $0 }
        }
        return lines.joined(separator: "\n")
    }

    static func argumentLabel(_ a: ArgumentSpec) -> String {
        switch a.kind {
        case .positional: a.name.uppercased() + (a.isRepeating ? "..." : "")
        case .option: a.name + "=" + (a.value.placeholderHint ?? a.name.uppercased())
        case .flag: a.name
        }
    }

    static func json(path: [String], command: any ShellCommand.Type) -> JSONValue {
        let spec = command.spec
        return [
            "command": .string(path.joined(separator: " ")),
            "synopsis": .string(Registry.synopsis(path: path, of: command)),
            "summary": .string(spec.summary),
            "aliases": JSONValue(spec.aliases),
            "arguments": .array(spec.arguments.map { a in
                ["name": .string(a.name), "kind": .string("\(a.kind)"), "optional": .bool(a.isOptional),
                 "help": .string(a.help), "default": JSONValue(a.defaultValue)]
            }),
            "subcommands": JSONValue(command.subcommands.map { $0.spec.name }),
        ]
    }

    /// The README's command reference, generated from the declarations so it cannot drift
    /// (`cuckooml --reference`; a test checks the README holds exactly this).
    static func markdownReference(_ registry: Registry) -> String {
        var out = ""
        for (path, command) in registry.allPaths {
            let spec = command.spec
            if !command.runsWithoutSubcommand && !command.subcommands.isEmpty && spec.arguments.isEmpty {
                out += "#### `\(path.joined(separator: " "))` — \(spec.summary)\n\n"
                out += "Subcommands: " + command.subcommands.map { "`\($0.spec.name)`" }.joined(separator: ", ") + ".\n\n"
                continue
            }
            out += "#### `\(Registry.synopsis(path: path, of: command))`\n\n\(spec.summary).\n"
            if !spec.discussion.isEmpty {
                out += "\n" + spec.discussion.split(separator: "\n", omittingEmptySubsequences: false)
                    .map { $0.hasPrefix("    ") || $0.contains("  ") ? "    " + $0 : String($0) }.joined(separator: "\n") + "\n"
            }
            if !spec.arguments.isEmpty {
                out += "\n"
                for a in spec.arguments {
                    var help = a.help
                    if let d = a.defaultValue { help += " (default \(d))" }
                    out += "- `\(argumentLabel(a))`: \(help)\n"
                }
            }
            if !spec.examples.isEmpty {
                out += "\nExamples: " + spec.examples.map { "`\($0)`" }.joined(separator: ", ") + "\n"
            }
            out += "\n"
        }
        return out
    }
}
