/// The token tables of the AVClass-style labeller, read from the text of `Tables/*.txt` compiled into
/// the binary (`LabelTableSources`, made by `scripts/generate-label-tables`).
///
/// Formats: one entry per line, `#` starts a comment, blank lines are ignored. `aliases.txt` has two
/// words per line (`ALIAS CANONICAL`); `engine-copies.txt` has `[group]` lines followed by the
/// engines in that group; `engine-variants.txt` lists engines; `digit-families.txt` lists families
/// whose names hold digits; every other table is a list of tokens that are not families.
public struct LabelTables: Sendable {
    /// Which table an entry came from and on which line, for the table-usage listing.
    public struct Entry: Sendable, Hashable, CustomStringConvertible {
        public var table: String
        public var line: Int
        public var text: String
        public var description: String { "\(table):\(line): \(text)" }
    }

    /// Non-family token → the entry that says so.
    public private(set) var nonFamily: [String: Entry] = [:]
    /// Words a generic token starts with (`generic-prefixes.txt`), with their entries.
    public private(set) var genericPrefixes: [(word: [UInt8], entry: Entry)] = []
    /// Alias → (canonical family, entry).
    public private(set) var aliases: [String: (family: String, entry: Entry)] = [:]
    /// Normalised engine name (`engineKey`) → (copy group, entry).
    public private(set) var engineGroups: [String: (group: String, entry: Entry)] = [:]
    /// Engines whose names end with a lower-case variant id (`engine-variants.txt`), by `engineKey`.
    public private(set) var variantEngines: [String: Entry] = [:]
    /// Family names written with digits (`digit-families.txt`).
    public private(set) var digitFamilies: [String: Entry] = [:]
    /// Every entry of every table, in file and line order.
    public private(set) var entries: [Entry] = []

    /// The tables compiled into the binary.
    public static let shipped = LabelTables(files: LabelTableSources.files)

    /// The table texts as compiled in, by file name (the generated-file test compares them with the files).
    public static var sourceTexts: [(name: String, text: String)] { LabelTableSources.files }

    public init(files: [(name: String, text: String)]) {
        for (name, text) in files {
            var group: String? = nil
            for (number, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let content = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
                let words = content.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\r" }).map { String($0).lowercased() }
                guard !words.isEmpty else { continue }
                let entry = Entry(table: name, line: number + 1, text: words.joined(separator: " "))
                entries.append(entry)
                switch name {
                case "aliases.txt":
                    if words.count == 2 { aliases[words[0]] = (words[1], entry) }
                case "engine-copies.txt":
                    if words[0].hasPrefix("[") && words[0].hasSuffix("]") {
                        group = String(words[0].dropFirst().dropLast())
                    } else if let group {
                        engineGroups[Self.engineKey(words[0])] = (group, entry)
                    }
                case "engine-variants.txt":
                    variantEngines[Self.engineKey(words[0])] = entry
                case "digit-families.txt":
                    digitFamilies[words[0]] = entry
                case "generic-prefixes.txt":
                    genericPrefixes.append((Array(words[0].utf8), entry))
                default:
                    if nonFamily[words[0]] == nil { nonFamily[words[0]] = entry }
                }
            }
        }
    }

    /// An engine name as the tables compare it: lower case, ASCII letters and digits only, read from
    /// the NFC form so that equal `String`s (in the labeller's caches) give one key.
    public static func engineKey(_ engine: String) -> String {
        func key(_ bytes: some Sequence<UInt8>) -> String {
            String(decoding: bytes.compactMap { b -> UInt8? in
                if b >= 65 && b <= 90 { return b + 32 }
                return (b >= 97 && b <= 122) || (b >= 48 && b <= 57) ? b : nil
            }, as: UTF8.self)
        }
        return ByteHash.isASCII(engine) ? key(engine.utf8) : key(engine._nfcCodeUnits)
    }
}
