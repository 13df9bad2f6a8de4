/// Matches the words after a command's name against its declared arguments: `key=value` words are
/// options, words equal to a flag's name are flags, the rest fill positionals in order. Everything is
/// validated here, before the command runs, so a bad invocation never touches the session.
enum ArgumentParser {
    static func parse(_ words: [String], commandPath: [String], spec: CommandSpec) throws -> Arguments {
        var result = Arguments(commandPath: commandPath, spec: spec)
        let positionals = spec.positionals
        var nextPositional = 0
        let optionNames = spec.arguments.filter { $0.kind == .option }.map(\.name)

        for word in words {
            if let eq = word.firstIndex(of: "="), isOptionKey(word[..<eq]) {
                let key = String(word[..<eq])
                let value = String(word[word.index(after: eq)...])
                guard let option = spec.arguments.first(where: { $0.kind == .option && $0.name == key }) else {
                    let hint = suggestion(for: key, among: optionNames).map { "; did you mean '\($0)='?" }
                        ?? (optionNames.isEmpty ? " (\(spec.name) takes no options)"
                            : " (options: \(optionNames.map { $0 + "=" }.joined(separator: ", ")))")
                    throw ShellError.usage("unknown option '\(key)'" + hint)
                }
                guard !value.isEmpty || option.allowsEmpty else { throw ShellError.usage("\(key)= needs a value") }
                if !value.isEmpty { try validate(value, for: option) }
                result.options[key] = value
                continue
            }
            if let flag = spec.arguments.first(where: { $0.kind == .flag && $0.name == word }) {
                result.flags.insert(flag.name)
                continue
            }
            guard nextPositional < positionals.count else {
                let flagNames = spec.arguments.filter { $0.kind == .flag }.map(\.name)
                if let near = suggestion(for: word, among: flagNames) {
                    throw ShellError.usage("unexpected '\(word)'; did you mean '\(near)'?")
                }
                throw ShellError.usage("unexpected argument '\(word)'")
            }
            let positional = positionals[nextPositional]
            try validate(word, for: positional)
            result.positionals[positional.name, default: []].append(word)
            if !positional.isRepeating { nextPositional += 1 }
        }
        if let missing = positionals.first(where: { !$0.isOptional && result.positionals[$0.name] == nil }) {
            throw ShellError.usage("missing \(missing.name.uppercased())" + (missing.help.isEmpty ? "" : " (\(missing.help))"))
        }
        return result
    }

    /// Option keys look like identifiers, so a path such as `a=b.json` given where a path is expected
    /// is still read as an option only when it looks like one.
    private static func isOptionKey(_ key: Substring) -> Bool {
        guard let first = key.first, first.isLetter else { return false }
        return key.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
    }

    static func validate(_ value: String, for argument: ArgumentSpec) throws {
        let label = argument.kind == .option ? "\(argument.name)=" : argument.name.uppercased()
        switch argument.value {
        case .integer(let range):
            guard let v = Int(value) else { throw ShellError.usage("\(label) takes a whole number, not '\(value)'") }
            guard range.contains(v) else {
                throw ShellError.usage("\(label) must be \(describe(range)), not \(v)")
            }
        case .number(let range):
            guard let v = Double(value), v.isFinite else { throw ShellError.usage("\(label) takes a number, not '\(value)'") }
            guard range.contains(v) else {
                throw ShellError.usage("\(label) must be between \(range.lowerBound) and \(range.upperBound), not \(value)")
            }
        case .cluster:
            guard let v = Int(value), v >= -1 else { throw ShellError.usage("\(label) takes a cluster number (-1 for noise), not '\(value)'") }
        case .choice(let values):
            guard values.contains(value) else {
                let near = suggestion(for: value, among: values).map { "; did you mean '\($0)'?" } ?? ""
                throw ShellError.usage("\(label) takes \(values.joined(separator: ", ")), not '\(value)'" + near)
            }
        case .text, .path, .sample:
            break
        }
    }

    private static func describe(_ r: ClosedRange<Int>) -> String {
        if r.upperBound == Int.max { return "at least \(r.lowerBound)" }
        return "from \(r.lowerBound) to \(r.upperBound)"
    }
}
