/// The tokens one antivirus detection name splits into, by kind.
public struct NormalisedDetection: Sendable, Equatable {
    public var family: [String] = []
    public var type: [String] = []
    public var platform: [String] = []
    /// `trojan` and/or `riskware`.
    public var metatype: [String] = []
    public var cve: [String] = []
    public init() {}
}

/// Normalises VirusTotal engine results ("Trojan.Win32.Neurevt.a (v)") into family, type, platform,
/// metatype and CVE tokens, reproducing the 2016 cuckooml normaliser (its `VirusTotalAPI.normalize`,
/// `clean_tokens` and `detect_platform`) step for step, so labels agree with the 2016 ones:
///
/// 1. CVE ids are searched in the raw string (`CVE-2012-0158`, `CVE2012_0158`, `CVE120158`).
/// 2. Non-ASCII characters are dropped (not split on), the rest lower-cased and split into `[a-z0-9]+`.
/// 3. Exact aliases are mapped (`tr` → `trojan`, `crypt` → `ransom`), blacklisted words, digit-only,
///    hexadecimal and ≤2-character tokens dropped, one boilerplate prefix/suffix stripped (`ms`, `vb`,
///    `pack`, ...), and aliases inside tokens resolved longest first (`escad` → `adware` + `esc`).
/// 4. Platform tokens are separated (`win32`, `msil`, `w97m`, ...), tokens under 4 characters dropped,
///    and the rest classified as metatype, type or family.
///
/// Where the 2016 code depended on Python 2 dictionary order (which platform a bare `win` is a prefix
/// of), this uses the order the tables are written in; see the label tests for the rows that differ.
public enum VirusTotalNormaliser {
    public static func normalise(_ result: String?) -> NormalisedDetection {
        var out = NormalisedDetection()
        guard let result, !result.isEmpty else { return out }
        let raw = Array(result.utf8)
        out.cve = cveIdentifiers(raw)
        let (platforms, rest) = detectPlatform(cleanTokens(tokens(raw)))
        out.platform = platforms.map(text)
        for token in rest { classify(token)?.apply(to: &out) }
        return out
    }

    /// As `normalise(_:)`, reusing what `cache` holds for tokens seen before. Every step after the
    /// split into tokens treats each token on its own (the steps that walk the list from its end
    /// reverse it twice), so a result's tokens are the concatenation of each raw token's, in order;
    /// engines repeat the same words (`trojan`, `win32`, `generic`) across thousands of results.
    public static func normalise(_ result: String?, cache: inout TokenCache) -> NormalisedDetection {
        var out = NormalisedDetection()
        guard let result, !result.isEmpty else { return out }
        let raw = Array(result.utf8)
        out.cve = cveIdentifiers(raw)
        forEachToken(raw) { token in
            let known = cache.contribution(of: token)
            out.platform += known.platforms
            for kind in known.kinds { kind.apply(to: &out) }
        }
        return out
    }

    /// Each raw token's platforms and classified remaining tokens (bounded in size). Keyed by the
    /// token as a String: tokens are short, so the key is stored inline and hashed in one go (an
    /// array of bytes is hashed byte by byte).
    public struct TokenCache: Sendable {
        private var known: [String: (platforms: [String], kinds: [TokenKind])] = [:]
        public init() {}

        mutating func contribution(of token: Token) -> (platforms: [String], kinds: [TokenKind]) {
            let key = text(token)
            if let found = known[key] { return found }
            let (platforms, rest) = detectPlatform(cleanTokens([token]))
            let found = (platforms.map(text), rest.compactMap(classify))
            if known.count >= 1 << 16 { known.removeAll(keepingCapacity: true) }
            known[key] = found
            return found
        }
    }

    /// What a remaining token adds to a detection in the last step.
    struct TokenKind: Sendable {
        var trojan = false, riskware = false
        /// The token as a type or a family (neither for `trojan` and `riskware` themselves).
        var type: String?, family: String?

        func apply(to out: inout NormalisedDetection) {
            if trojan && !out.metatype.contains("trojan") { out.metatype.append("trojan") }
            if riskware && !out.metatype.contains("riskware") { out.metatype.append("riskware") }
            if let type { out.type.append(type) }
            if let family { out.family.append(family) }
        }
    }

    /// The last step: a token of 4 characters or more is a metatype, type or family (nil otherwise).
    static func classify(_ token: Token) -> TokenKind? {
        guard token.count >= 4 else { return nil }
        let isTrojan = token == Tables.trojan
        let isRiskware = token == Tables.riskware
        var kind = TokenKind()
        kind.trojan = isTrojan || Tables.trojans.contains(token)
        kind.riskware = isRiskware || Tables.riskwareTypes.contains(token)
        if !isTrojan && !isRiskware {
            if Tables.types.contains(token) { kind.type = text(token) } else { kind.family = text(token) }
        }
        return kind
    }

    /// `encode("ascii", "ignore").lower()`, then `re.findall("[a-zA-Z0-9]+")`.
    static func tokens(_ raw: [UInt8]) -> [Token] {
        var tokens: [Token] = []
        forEachToken(raw) { tokens.append($0) }
        return tokens
    }

    /// Calls `body` with each token of `tokens(raw)` in turn, in one reused buffer.
    static func forEachToken(_ raw: [UInt8], _ body: (Token) -> Void) {
        var current: Token = []
        current.reserveCapacity(32)
        for byte in raw where byte < 0x80 {
            let lower = (byte >= 65 && byte <= 90) ? byte + 32 : byte
            if isAlnum(lower) {
                current.append(lower)
            } else if !current.isEmpty {
                body(current)
                current.removeAll(keepingCapacity: true)
            }
        }
        if !current.isEmpty { body(current) }
    }

    typealias Token = [UInt8]

    // MARK: Steps

    /// `CVE[-_]?(\d{4})[-_](\d{4})` and then `CVE(\d{2})(\d{4})`, each the leftmost match.
    static func cveIdentifiers(_ s: [UInt8]) -> [String] {
        var out: [String] = []
        let cve: [UInt8] = Array("CVE".utf8)
        func digits(_ at: Int, _ n: Int) -> Bool {
            at + n <= s.count && s[at..<(at + n)].allSatisfy { $0 >= 48 && $0 <= 57 }
        }
        func isSep(_ at: Int) -> Bool { at < s.count && (s[at] == 45 || s[at] == 95) }
        func string(_ at: Int, _ n: Int) -> String { String(decoding: s[at..<(at + n)], as: UTF8.self) }
        var starts: [Int] = []
        if s.count >= 3 {
            for i in 0...(s.count - 3) where s[i] == cve[0] && s[i + 1] == cve[1] && s[i + 2] == cve[2] { starts.append(i) }
        }
        for i in starts {
            var j = i + 3
            if isSep(j) { j += 1 }
            if digits(j, 4) && isSep(j + 4) && digits(j + 5, 4) {
                out.append("CVE-\(string(j, 4))-\(string(j + 5, 4))")
                break
            }
        }
        for i in starts where digits(i + 3, 6) {
            out.append("CVE-20\(string(i + 3, 2))-\(string(i + 5, 4))")
            break
        }
        return out
    }

    /// `clean_tokens`: aliases, blacklist, prefixes/suffixes, aliases inside tokens.
    static func cleanTokens(_ tokens: [Token]) -> [Token] {
        let iter0 = tokens.map { Tables.mapping[$0] ?? $0 }
        let iter1 = iter0.filter { token in
            !Tables.blacklist.contains(token) && !Tables.fixes.contains(token) && !isDigits(token)
                && !isHex(token) && token.count > 2
        }
        var iter2: [Token] = []
        for token in iter1 {
            var stripped: Token? = nil
            for fix in Tables.fixes {
                if hasPrefix(token, fix) { stripped = pySplit(token, fix).last!; break }
                if hasSuffix(token, fix) { stripped = pySplit(token, fix).first!; break }
            }
            if let stripped { iter2.append(stripped) }
            // The 2016 code keeps the whole token too when stripping leaves nothing.
            if stripped?.isEmpty ?? true { iter2.append(token) }
        }
        var iter3: [Token] = []
        while let token = iter2.popLast() {
            if let mapped = Tables.mapping[token] {
                iter3.append(mapped)
                continue
            }
            var replacement: Token? = nil
            var pieces: [Token] = []
            let present = ByteSet(token)
            let keys = Self.mappingTable.words, firsts = Self.mappingTable.firsts
            // A key whose first byte is not in the token is neither its prefix, suffix nor inside it.
            for k in firsts.indices where present.contains(firsts[k]) {
                let key = keys[k]
                if hasPrefix(token, key) || hasSuffix(token, key) {
                    replacement = Tables.mapping[key]!
                    pieces = pySplit(token, key)
                    break
                }
                if contains(token, key) {
                    // An alias in the middle is emitted beside the (kept) whole token.
                    iter3.append(Tables.mapping[key]!)
                    pieces = pySplit(token, key)
                    break
                }
            }
            iter2 += pieces.filter { !$0.isEmpty }
            iter3.append(replacement ?? token)
        }
        return iter3.filter { $0.count > 2 && !Tables.blacklist.contains($0) }
    }

    /// `detect_platform`: takes tokens from the end, separates platform names, keeps the rest.
    static func detectPlatform(_ input: [Token]) -> (platforms: [Token], rest: [Token]) {
        var tokens = input
        var platforms: [Token] = []
        var remaining: [Token] = []
        while let token = tokens.popLast() {
            if let key = matchPlatform(Self.alternativePlatformTable, token) {
                platforms.append(Tables.alternativePlatforms[key]!)
                remaining += pySplit(token, key)
                continue
            }
            if let key = matchPlatform(Self.platformTable, token) {
                platforms.append(key)
                remaining += pySplit(token, key)
                continue
            }
            if contains(token, Tables.win) {
                platforms.append(Tables.win)
                remaining += pySplit(token, Tables.win)
                continue
            }
            if let edition = windowsEdition(token) {
                platforms.append(Tables.win + edition)
                remaining += pySplit(token, [UInt8(ascii: "w")] + edition)
                continue
            }
            if let letter = letterBefore(token, Self.office2k) {
                platforms.append([letter] + Self.macro97)
                remaining += pySplit(token, [letter] + Self.office2k)
                continue
            }
            if let letter = letterBefore(token, Self.office97) {
                let macro = [letter] + Self.macro97
                platforms.append(macro)
                remaining += pySplit(token, macro)
                continue
            }
            remaining.append(token)
        }
        return (platforms, remaining.filter { !$0.isEmpty })
    }

    static let office2k: Token = Array("2km".utf8)
    static let office97: Token = Array("97".utf8)
    static let macro97: Token = Array("97m".utf8)

    /// `compare_platforms`: the first name the token starts with or that starts with the token, else
    /// the first name inside the token.
    static func matchPlatform(_ table: WordTable, _ token: Token) -> Token? {
        guard let first = token.first else { return nil }
        let names = table.words, firsts = table.firsts
        for i in firsts.indices where firsts[i] == first && (hasPrefix(token, names[i]) || hasPrefix(names[i], token)) {
            return names[i]
        }
        let present = ByteSet(token)
        for i in firsts.indices where present.contains(firsts[i]) && contains(token, names[i]) { return names[i] }
        return nil
    }

    /// Table words with their first bytes side by side, so most words are ruled out without reading
    /// them (each word is its own allocation).
    struct WordTable: Sendable {
        let words: [Token]
        let firsts: [UInt8]
        init(_ words: [Token]) {
            precondition(!words.contains { $0.isEmpty })
            self.words = words
            firsts = words.map { $0[0] }
        }
    }

    static let platformTable = WordTable(Tables.platforms)
    static let alternativePlatformTable = WordTable(Tables.alternativePlatformNames)
    static let mappingTable = WordTable(Tables.mappingByLength)

    /// The set of byte values in a token, to rule out most table words before searching for them.
    struct ByteSet {
        private var bits: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

        init(_ t: Token) {
            for b in t {
                let bit = UInt64(1) << UInt64(b & 63)
                switch b >> 6 {
                case 0: bits.0 |= bit
                case 1: bits.1 |= bit
                case 2: bits.2 |= bit
                default: bits.3 |= bit
                }
            }
        }

        @inline(__always)
        func contains(_ b: UInt8) -> Bool {
            let bit = UInt64(1) << UInt64(b & 63)
            switch b >> 6 {
            case 0: return bits.0 & bit != 0
            case 1: return bits.1 & bit != 0
            case 2: return bits.2 & bit != 0
            default: return bits.3 & bit != 0
            }
        }
    }

    /// `w(16|32|64|95|98|2k|ce|nt|bat|hlp|reg)(?!m)`, leftmost match: the edition after the `w`.
    static func windowsEdition(_ t: Token) -> Token? {
        for i in t.indices where t[i] == UInt8(ascii: "w") {
            for edition in Tables.windowsEditions {
                let end = i + 1 + edition.count
                guard end <= t.count, matches(t, at: i + 1, edition) else { continue }
                if end < t.count && t[end] == UInt8(ascii: "m") { continue }
                return edition
            }
        }
        return nil
    }

    /// `([a-zA-Z])SUFFIX`, leftmost match: the letter.
    static func letterBefore(_ t: Token, _ suffix: Token) -> UInt8? {
        guard t.count > suffix.count else { return nil }
        for i in 0..<(t.count - suffix.count) where isLetter(t[i]) && matches(t, at: i + 1, suffix) {
            return t[i]
        }
        return nil
    }

    // MARK: Byte helpers (tokens are lower-case ASCII)

    static func isAlnum(_ b: UInt8) -> Bool { (b >= 48 && b <= 57) || (b >= 97 && b <= 122) || (b >= 65 && b <= 90) }
    static func isLetter(_ b: UInt8) -> Bool { (b >= 97 && b <= 122) || (b >= 65 && b <= 90) }
    static func isDigits(_ t: Token) -> Bool { !t.isEmpty && t.allSatisfy { $0 >= 48 && $0 <= 57 } }
    static func isHex(_ t: Token) -> Bool {
        !t.isEmpty && t.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) || ($0 >= 65 && $0 <= 70) }
    }
    // Index loops rather than slices and temporary arrays: these run for every token against every table word.
    /// Whether `p` occurs in `t` at `at` (which must leave room for it).
    static func matches(_ t: Token, at: Int, _ p: Token) -> Bool {
        precondition(at >= 0 && at + p.count <= t.count)
        return t.withUnsafeBufferPointer { t in
            p.withUnsafeBufferPointer { p in
                for j in 0..<p.count where t[at + j] != p[j] { return false }
                return true
            }
        }
    }
    static func hasPrefix(_ t: Token, _ p: Token) -> Bool { t.count >= p.count && matches(t, at: 0, p) }
    static func hasSuffix(_ t: Token, _ s: Token) -> Bool { t.count >= s.count && matches(t, at: t.count - s.count, s) }
    static func contains(_ t: Token, _ p: Token) -> Bool { firstIndex(of: p, in: t, from: 0) != nil }

    static func firstIndex(of p: Token, in t: Token, from start: Int) -> Int? {
        guard !p.isEmpty, start >= 0, t.count - start >= p.count else { return nil }
        return t.withUnsafeBufferPointer { t in
            p.withUnsafeBufferPointer { p in
                let first = p[0]
                outer: for i in start...(t.count - p.count) where t[i] == first {
                    for j in 1..<max(1, p.count) where t[i + j] != p[j] { continue outer }
                    return i
                }
                return nil
            }
        }
    }

    /// Python's `str.split(sep)`: every non-overlapping occurrence from the left, empty pieces kept.
    static func pySplit(_ t: Token, _ sep: Token) -> [Token] {
        var pieces: [Token] = []
        var start = 0
        while let i = firstIndex(of: sep, in: t, from: start) {
            pieces.append(Array(t[start..<i]))
            start = i + sep.count
        }
        pieces.append(Array(t[start...]))
        return pieces
    }

    static func text(_ t: Token) -> String { String(decoding: t, as: UTF8.self) }
}
