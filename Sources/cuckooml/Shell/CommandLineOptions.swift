/// What `cuckooml` was asked to do by its own command line (not the shell's commands).
struct Invocation: Equatable {
    enum Action: Equatable {
        case run
        case help
        case version
        case reference
        case completions(CompletionShell)
    }

    var action = Action.run
    var options = Shell.Options()
    /// The script to replay (`-` reads stdin).
    var script: String?
    /// The commands given with `-c`.
    var commands: String?
}

/// One option of the top-level command line.
struct CommandLineOption: Sendable {
    /// A value the option takes, and what completes it.
    struct Value: Sendable {
        var name: String
        /// The only values accepted (and offered by completion); empty for free text.
        var choices: [String] = []
    }

    var short: Character? = nil
    var long: String? = nil
    var value: Value? = nil
    var help: String
    var apply: @Sendable (inout Invocation, String) throws(CommandLineError) -> Void

    /// The names as typed: `-k`, `--keep-going`.
    var spellings: [String] { [short.map { "-\($0)" }, long.map { "--\($0)" }].compactMap { $0 } }
}

struct CommandLineError: Error, Equatable, CustomStringConvertible {
    var description: String
}

/// The top-level command line, declared once: parsing, `--help`, the completion scripts
/// (`--completions bash|zsh|fish`) and the README's option list (checked by a test) all come from
/// `options`. Arguments are kept as decoded by `FileSystemPath` (a script path or a `-c` string that
/// is not UTF-8 is kept exactly), which is one reason this is not swift-argument-parser: that
/// package sees `CommandLine.arguments`, already repaired into valid UTF-8.
enum CommandLineOptions {
    static let version = "0.1.0"

    static let positional = (name: "SCRIPT", help: "a script to replay, stopping at the first failing command ('-' reads stdin)")

    static let options: [CommandLineOption] = [
        CommandLineOption(short: "c", value: .init(name: "COMMANDS"), help: "run the commands (separated by ';') and exit") { invocation, commands in invocation.commands = commands },
        CommandLineOption(long: "json", help: "print every result as one JSON document per line (JSON Lines)") { invocation, _ in invocation.options.forceJSON = true },
        CommandLineOption(long: "echo", help: "print each command (as '>>> COMMAND') before its output") { invocation, _ in invocation.options.echo = true },
        CommandLineOption(long: "step", help: "show each command with its help and wait for Enter (q stops)") { invocation, _ in invocation.options.step = true },
        CommandLineOption(short: "k", long: "keep-going", help: "report failing commands and continue; exit 1 at the end if any failed") { invocation, _ in invocation.options.keepGoing = true },
        CommandLineOption(long: "reference", help: "print the command reference as Markdown and exit") { invocation, _ in invocation.action = .reference },
        CommandLineOption(long: "completions", value: .init(name: "SHELL", choices: CompletionShell.allCases.map(\.rawValue)),
                          help: "print the completion script for bash, zsh or fish and exit") { invocation, shell in
            // The parser has checked the value against the choices.
            invocation.action = .completions(CompletionShell(rawValue: shell)!)
        },
        CommandLineOption(long: "version", help: "print the version and exit") { invocation, _ in invocation.action = .version },
        CommandLineOption(short: "h", long: "help", help: "show this help and exit") { invocation, _ in invocation.action = .help },
    ]

    /// Parses the arguments after the program name. `--name=value` and `--name value` both work.
    static func parse(_ arguments: [String]) throws(CommandLineError) -> Invocation {
        var invocation = Invocation()
        var rest = arguments[...]
        while let argument = rest.popFirst() {
            guard argument.hasPrefix("-") && argument != "-" else {
                guard invocation.script == nil else { throw CommandLineError(description: "one script at a time") }
                invocation.script = argument
                continue
            }
            var spelling = argument
            var attached: String?
            if argument.hasPrefix("--"), let equals = argument.firstIndex(of: "=") {
                spelling = String(argument[..<equals])
                attached = String(argument[argument.index(after: equals)...])
            }
            guard let option = options.first(where: { $0.spellings.contains(spelling) }) else {
                throw CommandLineError(description: "unknown option \(argument)")
            }
            var value = ""
            if let declared = option.value {
                guard let given = attached ?? rest.popFirst() else {
                    throw CommandLineError(description: "\(spelling) needs \(declared.name)")
                }
                guard declared.choices.isEmpty || declared.choices.contains(given) else {
                    throw CommandLineError(description: "\(spelling) takes \(declared.choices.joined(separator: ", ")), not '\(given)'")
                }
                value = given
            } else if attached != nil {
                throw CommandLineError(description: "\(spelling) takes no value")
            }
            try option.apply(&invocation, value)
        }
        return invocation
    }

    /// `cuckooml --help`.
    static var help: String {
        let rows = options.map { option -> (String, String) in
            let names = option.spellings.joined(separator: ", ")
            return (option.value.map { "\(names) \($0.name)" } ?? names, option.help)
        }
        let width = rows.map(\.0.count).max()! + 2
        let optionLines = rows.map { "  " + $0.0 + String(repeating: " ", count: width - $0.0.count) + $0.1 }
        return """
            cuckooml \(version): an analysis shell for Cuckoo and CAPE reports
            usage: cuckooml [options] [\(positional.name)]
                   cuckooml [options] -c 'COMMAND; COMMAND ...'
            With neither, a prompt when stdin is a terminal, else commands read from stdin.
            arguments:
              \(positional.name)  \(positional.help)
            options:
            \(optionLines.joined(separator: "\n"))

            """
    }
}
