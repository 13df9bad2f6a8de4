import CuckooML

/// The validated arguments of one invocation, read by name with typed accessors.
struct Arguments: Sendable {
    /// The full command path as typed, e.g. `["cluster", "hdbscan"]`.
    let commandPath: [String]
    let spec: CommandSpec
    var positionals: [String: [String]] = [:]
    var options: [String: String] = [:]
    var flags: Set<String> = []

    func string(_ name: String) -> String? {
        positionals[name]?.first ?? options[name] ?? spec.argument(named: name)?.defaultValue
    }

    func strings(_ name: String) -> [String] { positionals[name] ?? [] }

    func has(_ flag: String) -> Bool { flags.contains(flag) }

    /// True when the analyst wrote the argument (as opposed to it taking its default).
    func isGiven(_ name: String) -> Bool { positionals[name] != nil || options[name] != nil || flags.contains(name) }

    func int(_ name: String) -> Int? { string(name).flatMap { Int($0) } }
    func double(_ name: String) -> Double? { string(name).flatMap { Double($0) } }

    func required(_ name: String) throws -> String {
        guard let v = string(name) else { throw ShellError.usage("missing \(name.uppercased())") }
        return v
    }

    /// A choice argument as one of an enum's cases.
    func choice<E: RawRepresentable>(_ name: String, as: E.Type) -> E? where E.RawValue == String {
        string(name).flatMap { E(rawValue: $0) }
    }
}
