/// Splits one engine's detection name into the tokens that may name a family, and says why every
/// other token is not one. The steps follow how vendors write names (the CARO scheme
/// `Class.Platform.Family.Variant` and each vendor's variations on it):
///
/// 1. At most `maximumResultBytes` bytes are read (real names are under 100 characters; a hostile
///    report may hold megabytes), of the NFC form for non-ASCII names. Non-ASCII bytes separate tokens.
/// 2. Everything after the first `!` is a vendor suffix (Microsoft `!bit`/`!ml`, Fortinet `!tr.dldr`,
///    McAfee `!<hash>`, Cyren `!Eldorado`, Agnitum `!<hash>`) and is dropped, as is text in brackets,
///    parentheses or braces (Avast `[Trj]`, K7 `( 004c4f981 )`, Kaspersky-style `(v)`, Emsisoft `(B)`).
/// 3. The rest is split on every non-alphanumeric byte and lower-cased.
/// 4. A token listed in `aliases.txt` is that family, one in `digit-families.txt` is itself. Otherwise
///    trailing digits are dropped (DrWeb
///    `DownLoader15`, AVG `Crypt4`); what is left must be at least 4 letters with no digit inside
///    (shorter ones are variant letters and abbreviations, digits inside mark counters and hashes),
///    and must not be a non-family word of the tables or start with a generic prefix.
/// 5. The last token right after a generic word is that generic detection's variant id (see `verdicts`).
/// 6. For engines of `engine-variants.txt`, a lower-case last token (of three or more) is a variant id.
public enum DetectionTokeniser {
    public static let maximumResultBytes = 256
    /// Tokens longer than this are random strings, never family names.
    public static let maximumTokenLength = 32
    public static let minimumFamilyLength = 4

    /// Why a token is or is not a family candidate.
    public enum Verdict: Sendable, Equatable {
        case family(String)
        /// An alias from the table, mapped to its family.
        case alias(String, LabelTables.Entry)
        /// A family of `digit-families.txt`, kept although it holds digits.
        case knownFamily(String, LabelTables.Entry)
        case notFamily(LabelTables.Entry)
        case tooShort
        case hasDigits
        case tooLong
        /// The last token, after a generic word: that generic detection's variant id (step 5).
        case variantOfGeneric
        /// The last, lower-case token of an engine that marks variants so (step 6).
        case variantOfEngine
    }

    /// The family candidates of one result, aliases mapped, each once, in order. `engine` matters for
    /// the engines of `engine-variants.txt` (step 6).
    public static func families(of result: String, engine: String? = nil, tables: LabelTables = .shipped) -> [String] {
        var out: [String] = []
        for verdict in verdicts(of: result, engine: engine, tables: tables) {
            switch verdict {
            case .family(let f), .alias(let f, _), .knownFamily(let f, _): if !out.contains(f) { out.append(f) }
            default: break
            }
        }
        return out
    }

    /// The verdict on every token of `result`, in order (steps 5 and 6 applied).
    public static func verdicts(of result: String, engine: String? = nil, tables: LabelTables = .shipped) -> [Verdict] {
        var out: [Verdict] = []
        var lastIsLowerCase = false
        forEachToken(result) { token, lowerCase in
            out.append(verdict(token, tables: tables))
            lastIsLowerCase = lowerCase
        }
        // 6. Engines writing Kaspersky-style names (`Trojan.Win32.Yakes.leuu`, NANO's
        //    `Trojan.Win32.Dynamer.dwvell`) capitalise the family and end with a lower-case variant id.
        if let engine, out.count >= 3, lastIsLowerCase, case .family = out[out.count - 1],
           tables.variantEngines[LabelTables.engineKey(engine)] != nil {
            out[out.count - 1] = .variantOfEngine
        }
        // 5. When a generic word fills the family slot ("Trojan-Spy.Win32.Agent.cvaf", ESET
        //    "Generik.ICXJDBE"), the last token after it is that generic name's variant id, which engines
        //    sharing a naming scheme repeat; it is no family. BitDefender's "Gen:Variant.<Family>" is the
        //    exception: there the word after "variant" is the family.
        if out.count >= 2, case .family = out[out.count - 1], case .notFamily(let entry) = out[out.count - 2],
           entry.table.hasPrefix("generic"), entry.text != "variant" {
            out[out.count - 1] = .variantOfGeneric
        }
        return out
    }

    /// Calls `body` with every token of `result` (lower-case ASCII bytes), after steps 1–3, and
    /// whether the token was written in lower case (no upper-case letter).
    ///
    /// Non-ASCII text is read in its NFC form: canonically equivalent spellings ("Zbot\u{F6}" and
    /// "Zboto\u{308}", the Kelvin sign and "K") are one `String`, which the labeller's caches answer
    /// with one entry, so they must give one list of tokens whichever of them comes first.
    public static func forEachToken(_ result: String, _ body: ([UInt8], Bool) -> Void) {
        if ByteHash.isASCII(result) {
            forEachToken(bytes: result.utf8, body)
        } else {
            forEachToken(bytes: result._nfcCodeUnits, body)
        }
    }

    private static func forEachToken(bytes: some Sequence<UInt8>, _ body: ([UInt8], Bool) -> Void) {
        var token: [UInt8] = []
        token.reserveCapacity(32)
        var lowerCase = true
        var bracketDepth = 0
        var read = 0
        for byte in bytes {
            read += 1
            // A token cut off by the byte limit is a fragment, not a name.
            if read > maximumResultBytes { token.removeAll(); break }
            if byte == UInt8(ascii: "!") { break }
            switch byte {
            case UInt8(ascii: "("), UInt8(ascii: "["), UInt8(ascii: "{"):
                bracketDepth += 1
            case UInt8(ascii: ")"), UInt8(ascii: "]"), UInt8(ascii: "}"):
                bracketDepth = max(0, bracketDepth - 1)
            default:
                if bracketDepth == 0, let lower = alphanumericLowercased(byte) {
                    if lower != byte { lowerCase = false }
                    token.append(lower)
                    continue
                }
            }
            if !token.isEmpty { body(token, lowerCase); token.removeAll(keepingCapacity: true) }
            lowerCase = true
        }
        if !token.isEmpty && bracketDepth == 0 { body(token, lowerCase) }
    }

    /// Step 4 for one token.
    public static func verdict(_ token: [UInt8], tables: LabelTables = .shipped) -> Verdict {
        guard token.count <= maximumTokenLength else { return .tooLong }
        let whole = String(decoding: token, as: UTF8.self)
        if let alias = tables.aliases[whole] { return .alias(alias.family, alias.entry) }
        if let entry = tables.digitFamilies[whole] { return .knownFamily(whole, entry) }
        var end = token.count
        while end > 0 && isDigit(token[end - 1]) { end -= 1 }
        guard end >= minimumFamilyLength else { return .tooShort }
        guard !token[..<end].contains(where: isDigit) else { return .hasDigits }
        let word = end == token.count ? whole : String(decoding: token[..<end], as: UTF8.self)
        if let alias = tables.aliases[word] { return .alias(alias.family, alias.entry) }
        if let entry = tables.nonFamily[word] { return .notFamily(entry) }
        for prefix in tables.genericPrefixes where end >= prefix.word.count && token[..<prefix.word.count].elementsEqual(prefix.word) {
            return .notFamily(prefix.entry)
        }
        return .family(word)
    }

    @inline(__always)
    static func alphanumericLowercased(_ b: UInt8) -> UInt8? {
        if b >= 97 && b <= 122 || b >= 48 && b <= 57 { return b }
        if b >= 65 && b <= 90 { return b + 32 }
        return nil
    }

    @inline(__always)
    static func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }
}
