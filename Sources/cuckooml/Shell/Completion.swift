#if canImport(Glibc)
import Glibc
#endif
import CuckooML

/// Tab-completion candidates for the word under the cursor, read from the same declarations that drive
/// parsing: command names, then subcommands, then option keys, flags and the values of the argument
/// being typed (choices, sample ids, file-system paths).
struct Completer: Sendable {
    let registry: Registry

    /// `line` is the text before the cursor. Returns full replacement words for its last word.
    func candidates(for line: String, session: Session) -> [String] {
        let words = (try? ScriptParser.words(ofPartialLine: line)) ?? []
        let endsInSpace = line.last.map { $0 == " " || $0 == "\t" } ?? true
        let typedWords = endsInSpace ? words : Array(words.dropLast())
        let current = endsInSpace ? "" : (words.last ?? "")

        guard let first = typedWords.first else {
            return registry.names.filter { $0.hasPrefix(current) }.sorted()
        }
        guard var command = registry.lookup(first) else { return [] }
        var rest = Array(typedWords.dropFirst())
        while let next = rest.first, let sub = command.subcommands.first(where: { $0.spec.name == next }) {
            command = sub
            rest.removeFirst()
        }
        var out: [String] = []
        if rest.isEmpty {
            out += command.subcommands.map { $0.spec.name }.filter { $0.hasPrefix(current) }
        }
        let spec = command.spec
        if let eq = current.firstIndex(of: "="), let option = spec.argument(named: String(current[..<eq])), option.kind == .option {
            let prefix = String(current[...eq])
            let partial = String(current[current.index(after: eq)...])
            return values(for: option.value, partial: partial, session: session).map { prefix + $0 }
        }
        let usedOptions = Set(rest.compactMap { $0.split(separator: "=", maxSplits: 1).first.map(String.init) })
        out += spec.arguments.filter { $0.kind == .option && !usedOptions.contains($0.name) }.map { $0.name + "=" }
            .filter { $0.hasPrefix(current) }
        out += spec.arguments.filter { $0.kind == .flag && !rest.contains($0.name) }.map(\.name).filter { $0.hasPrefix(current) }
        // The positional being typed: count positional words already given.
        let givenPositionals = rest.filter { word in
            !(word.contains("=") && spec.argument(named: String(word.split(separator: "=").first ?? "")) != nil)
                && spec.arguments.first(where: { $0.kind == .flag && $0.name == word }) == nil
        }.count
        let positionals = spec.positionals
        let target: ArgumentSpec? = givenPositionals < positionals.count ? positionals[givenPositionals]
            : positionals.last.flatMap { $0.isRepeating ? $0 : nil }
        if let target {
            out += values(for: target.value, partial: current, session: session)
        }
        var seen = Set<String>()
        return out.filter { seen.insert($0).inserted }
    }

    private func values(for kind: ValueKind, partial: String, session: Session) -> [String] {
        switch kind {
        case .choice(let values): return values.filter { $0.hasPrefix(partial) }
        // The line editor draws candidates raw: a sample id or file name with control characters is
        // never offered (it can still be typed, and is printed escaped).
        case .sample: return session.samples.lazy.map(\.id).filter { $0.hasPrefix(partial) && escapeForTerminal($0) == $0 }.prefix(500).sorted()
        case .path: return Completer.paths(matching: partial).filter { escapeForTerminal($0) == $0 }
        default: return []
        }
    }

    /// Entries of the directory part of `partial` whose names start with the rest; directories end in `/`.
    static func paths(matching partial: String) -> [String] {
        let (dirPart, namePart): (String, String)
        if let slash = partial.lastIndex(of: "/") {
            dirPart = String(partial[...slash])
            namePart = String(partial[partial.index(after: slash)...])
        } else {
            dirPart = ""
            namePart = partial
        }
        let expanded = dirPart.hasPrefix("~/") ? (getenvString("HOME") ?? "~") + dirPart.dropFirst() : dirPart
        guard let dir = opendir(expanded.isEmpty ? "." : expanded) else { return [] }
        defer { closedir(dir) }
        var out: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            guard name != ".", name != "..", name.hasPrefix(namePart) else { continue }
            if name.hasPrefix("."), !namePart.hasPrefix(".") { continue }
            var st = stat()
            let full = (expanded.isEmpty ? "" : expanded) + name
            let isDir = stat(full, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
            out.append(dirPart + name + (isDir ? "/" : ""))
        }
        return out.sorted()
    }
}

func getenvString(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }
