/// Normalises the strings of one report into family tokens, so that what differs only because of the
/// run (the sandbox's user name, where Windows put temporary files, a random number, the sample's own
/// hash as its file name) does not keep two members of a family apart.
///
/// In one pass over the lower-cased text, first match wins at each position:
/// - the sample's own md5, sha1, sha256, file name and file stem → `<self>`;
/// - `%temp%`-style environment variables and the directories they name (`c:\users\NAME\appdata\local\temp`,
///   `c:\documents and settings\NAME\local settings\temp`, `c:\windows\system32`, `c:\program files`...,
///   8.3 short forms included) → `<temp>`, `<appdata>`, `<localappdata>`, `<user>`, `<system>`,
///   `<windows>`, `<programfiles>`, `<programdata>`; a `\??\` or `\\?\` before a drive is dropped;
/// - `hkey_local_machine` → `hklm` (and `hkcu`, `hkcr`, `hku`, `hkcc`), `\registry\machine` → `hklm`,
///   `\registry\user` → `hku`;
/// - a GUID (8-4-4-4-12 hex digits) → `<guid>`; a SID with at least four numbers after `s-1-`
///   (`s-1-5-21-...`; short well-known ones such as `s-1-5-18` are kept) → `<sid>`;
/// - a run of 8 or more hex digits holding both a digit and a letter → `<hex>`;
/// - a run of decimal digits → `0`.
/// Control characters (C0, DEL, C1) become `?`, and a token is cut at `maximumBytes` (on a character
/// boundary; the scan stops there): longer strings are unique to their report anyway, and the cap
/// bounds what a hostile report can make the feature space hold.
struct FamilyTokenNormaliser {
    static let maximumBytes = 256
    /// Room for the cap plus the longest placeholder: the scan stops once past the cap.
    private static let outputCapacity = maximumBytes + 32

    /// The sample's own names, lower-cased, longest first (so a name wins over its stem), as one byte
    /// array with each name's range.
    private let selfBytes: [UInt8]
    private let selfRanges: [Range<Int>]
    /// Bit b set when a self name starts with byte b: most positions are ruled out by one test.
    private let selfFirst: Bits256
    private var lowered: [UInt8] = []
    private var output = [UInt8](repeating: 0, count: outputCapacity)
    /// For each self name, the `RawTokenIndex` bloom bits of its first, middle and last 4 bytes.
    let selfWindows: [(UInt8, UInt8, UInt8)]

    init(record: ReportRecord) {
        var names: [[UInt8]] = []
        func add(_ s: String?) {
            guard let s else { return }
            let bytes = Array(s.lowercased().utf8)
            // Short names (`a.exe`'s stem) would be found inside unrelated words.
            if bytes.count >= 4 && !names.contains(bytes) { names.append(bytes) }
        }
        add(record.md5); add(record.sha1); add(record.sha256)
        if let name = record.fileName {
            add(name)
            if let dot = name.lastIndex(of: "."), dot != name.startIndex { add(String(name[..<dot])) }
        }
        var bytes: [UInt8] = [], ranges: [Range<Int>] = []
        var first = Bits256()
        for name in names.sorted(by: { $0.count > $1.count }) {
            ranges.append(bytes.count..<(bytes.count + name.count))
            bytes += name
            first.insert(name[0])
        }
        selfBytes = bytes
        selfRanges = ranges
        selfFirst = first
        selfWindows = ranges.map { r in
            let middle = r.lowerBound + (r.count - 4) / 2
            return (RawTokenIndex.bloomBit(window: bytes[r.lowerBound..<(r.lowerBound + 4)]),
                    RawTokenIndex.bloomBit(window: bytes[middle..<(middle + 4)]),
                    RawTokenIndex.bloomBit(window: bytes[(r.upperBound - 4)..<r.upperBound]))
        }
    }

    /// The normalised token of `s` (empty when nothing is left).
    mutating func normalise(_ s: String) -> String { run(s, rules: true).token }

    /// `normalise`, and whether a self name was replaced (then the token is this record's alone).
    mutating func normaliseReportingSelf(_ s: String) -> (token: String, usedSelf: Bool) { run(s, rules: true) }

    /// Lower-cased with control characters replaced and the length capped, nothing else: for values
    /// whose digits are their identity (IP addresses, the imphash).
    mutating func plain(_ s: String) -> String { run(s, rules: false).token }

    /// Scans the lower-cased UTF-8 bytes of `s` (ASCII is lower-cased as it is read; other text first
    /// goes through String's Unicode lower-casing) into `output`, then cuts it to the cap.
    private mutating func run(_ s: String, rules: Bool) -> (token: String, usedSelf: Bool) {
        var text = s
        let ascii = ByteHash.isASCII(text)
        if !ascii { text = text.lowercased() }
        let selfBytes = self.selfBytes, selfRanges = self.selfRanges, selfFirst = self.selfFirst
        let (scanned, usedSelf) = text.withUTF8 { input in
            output.withUnsafeMutableBufferPointer { out in
                var scan = Scan(input: input, out: out.baseAddress!, fold: ascii, selfBytes: selfBytes,
                                selfRanges: selfRanges, selfFirst: selfFirst)
                if rules { scan.run() } else { scan.copyAll() }
                return (scan.n, scan.usedSelf)
            }
        }
        var count = scanned
        if count > Self.maximumBytes {
            count = Self.maximumBytes
            while count > 0 && output[count] & 0xC0 == 0x80 { count -= 1 }
        }
        let token = output.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[..<count]), as: UTF8.self) }
        return (token, usedSelf)
    }
}

/// One pass of the normaliser over a token's bytes, writing to a buffer of `outputCapacity` bytes.
private struct Scan {
    let input: UnsafeBufferPointer<UInt8>
    let out: UnsafeMutablePointer<UInt8>
    /// Lower-case ASCII letters as they are read (the input is ASCII and not yet lower-cased).
    let fold: Bool
    let selfBytes: [UInt8]
    let selfRanges: [Range<Int>]
    let selfFirst: Bits256
    var n = 0
    var usedSelf = false

    typealias Tables = FamilyTokenNormaliser

    /// The lower-cased byte at `i`; 0 past the end (no rule matches a NUL).
    @inline(__always) func at(_ i: Int) -> UInt8 {
        guard i < input.count else { return 0 }
        let b = input[i]
        return fold && b &- 65 < 26 ? b | 0x20 : b
    }

    mutating func run() {
        let count = input.count
        var i = 0
        var prev: UInt8 = 0   // the byte before i (0 at the start: not alphanumeric, not hex)
        // Output only grows, so once past the cap the rest would be cut anyway.
        while i < count && n <= FamilyTokenNormaliser.maximumBytes {
            let b = at(i)
            if selfFirst.contains(b), let end = selfName(at: i) {
                emit("<self>"); usedSelf = true
                i = end; prev = at(i - 1)
                continue
            }
            // Most bytes are letters inside a word, where only a hex run can start: copied at once.
            if b &- 103 < 20 && Tables.isAlphanumeric(prev) {   // g...z
                out[n] = b; n += 1; i += 1; prev = b
                continue
            }
            if let (end, placeholder) = rule(b, at: i, wordStart: !Tables.isAlphanumeric(prev), hexStart: !Tables.isHex(prev)) {
                emit(placeholder)
                i = end
                prev = at(i - 1)
                continue
            }
            if b == UInt8(ascii: "\\") && (matches("\\??\\", at: i) || matches("\\\\?\\", at: i)) && isDrive(at: i + 4) {
                // `\??\c:\` and `\\?\c:\`: the prefix says nothing the path does not.
                i += 4; prev = b
                continue
            }
            if Tables.isDigit(b) {
                while i < count && Tables.isDigit(at(i)) { i += 1 }
                out[n] = UInt8(ascii: "0"); n += 1
                prev = UInt8(ascii: "0")
                continue
            }
            copy(&i)
            prev = at(i - 1)
        }
    }

    /// The placeholder rule that matches at `i`, if any, as (end, placeholder).
    @inline(__always) func rule(_ b: UInt8, at i: Int, wordStart: Bool, hexStart: Bool) -> (Int, StaticString)? {
        if b == UInt8(ascii: "%") { return environmentVariable(at: i) }
        if b == UInt8(ascii: "\\") {
            if matches("\\registry\\machine", at: i) && isBoundary(at: i + 17) { return (i + 17, "hklm") }
            if matches("\\registry\\user", at: i) && isBoundary(at: i + 14) { return (i + 14, "hku") }
            return nil
        }
        if wordStart && Tables.isLetter(b) {
            if isDrive(at: i), let found = directory(at: i + 3) { return found }
            if b == UInt8(ascii: "h"), let found = registryRoot(at: i) { return found }
            if b == UInt8(ascii: "s"), let end = sid(at: i) { return (end, "<sid>") }
        }
        if hexStart && Tables.isHex(b) { return hexRun(at: i) }
        return nil
    }

    mutating func copyAll() {
        var i = 0
        while i < input.count && n <= FamilyTokenNormaliser.maximumBytes { copy(&i) }
    }

    /// Copies the byte at `i` (a control character as `?`; C1 controls, `C2 80`...`C2 9F` in UTF-8,
    /// too) and moves past it.
    @inline(__always) mutating func copy(_ i: inout Int) {
        let b = at(i)
        if b == 0xC2 && at(i + 1) & 0xE0 == 0x80 {
            out[n] = UInt8(ascii: "?")
            i += 2
        } else {
            out[n] = Tables.isControl(b) ? UInt8(ascii: "?") : b
            i += 1
        }
        n += 1
    }

    @inline(__always) mutating func emit(_ text: StaticString) {
        let count = text.utf8CodeUnitCount
        (out + n).update(from: text.utf8Start, count: count)
        n += count
    }

    func matches(_ text: StaticString, at i: Int) -> Bool {
        let count = text.utf8CodeUnitCount
        guard i + count <= input.count else { return false }
        let t = text.utf8Start
        for k in 0..<count where at(i + k) != t[k] { return false }
        return true
    }

    func matches(_ text: [UInt8], at i: Int) -> Bool {
        guard i + text.count <= input.count else { return false }
        for k in 0..<text.count where at(i + k) != text[k] { return false }
        return true
    }

    /// Where a path component may end: the end, a separator, a quote or a space.
    func isBoundary(at i: Int) -> Bool {
        guard i < input.count else { return true }
        switch at(i) {
        case UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: " "),
             UInt8(ascii: ";"), UInt8(ascii: ","), UInt8(ascii: ")"), UInt8(ascii: "]"): return true
        default: return false
        }
    }

    /// `x:\` at `i`.
    func isDrive(at i: Int) -> Bool {
        Tables.isLetter(at(i)) && at(i + 1) == UInt8(ascii: ":") && at(i + 2) == UInt8(ascii: "\\")
    }

    func selfName(at i: Int) -> Int? {
        for range in selfRanges where range.count <= input.count - i {
            var k = 0
            while k < range.count && at(i + k) == selfBytes[range.lowerBound + k] { k += 1 }
            if k == range.count { return i + k }
        }
        return nil
    }

    func environmentVariable(at i: Int) -> (Int, StaticString)? {
        for (name, placeholder) in Tables.environment where matches(name, at: i) {
            return (i + name.utf8CodeUnitCount, placeholder)
        }
        return nil
    }

    /// The known directory starting at `i` (just after `x:\`), as (end, placeholder): the first
    /// entry of `directories` whose components all match, each ending at a boundary.
    func directory(at start: Int) -> (Int, StaticString)? {
        entries: for (components, placeholder) in Tables.directories {
            var i = start
            for (k, alternatives) in components.enumerated() {
                if k > 0 {
                    guard at(i) == UInt8(ascii: "\\") else { continue entries }
                    i += 1
                }
                if alternatives.isEmpty {
                    // Any one component (a user name): up to the next separator or quote.
                    let from = i
                    while i < input.count && at(i) != UInt8(ascii: "\\") && at(i) != UInt8(ascii: "\"") { i += 1 }
                    guard i > from else { continue entries }
                } else {
                    guard let word = alternatives.first(where: { matches($0, at: i) && isBoundary(at: i + $0.count) }) else { continue entries }
                    i += word.count
                }
            }
            return (i, placeholder)
        }
        return nil
    }

    func registryRoot(at i: Int) -> (Int, StaticString)? {
        guard matches("hkey_", at: i) else { return nil }
        for (long, short) in Tables.registryRoots where matches(long, at: i) && !isWordByte(at: i + long.utf8CodeUnitCount) {
            return (i + long.utf8CodeUnitCount, short)
        }
        return nil
    }

    func isWordByte(at i: Int) -> Bool { Tables.isAlphanumeric(at(i)) || at(i) == UInt8(ascii: "_") }

    /// `s-1-` then at least four more dash-separated numbers.
    func sid(at i: Int) -> Int? {
        guard matches("s-1-", at: i) else { return nil }
        var j = i + 3, numbers = 0
        while at(j) == UInt8(ascii: "-") && Tables.isDigit(at(j + 1)) {
            j += 1
            while Tables.isDigit(at(j)) { j += 1 }
            numbers += 1
        }
        return numbers >= 4 && !isWordByte(at: j) ? j : nil
    }

    /// At the start of a hex run: a GUID (8-4-4-4-12 hex digits, not followed by another) or a run
    /// of 8 or more hex digits holding a digit and a letter, as (end, placeholder).
    func hexRun(at i: Int) -> (Int, StaticString)? {
        var j = i, digit = false, letter = false
        while Tables.isHex(at(j)) {
            if Tables.isDigit(at(j)) { digit = true } else { letter = true }
            j += 1
        }
        if j - i == 8 && at(j) == UInt8(ascii: "-"), let end = guidRest(at: j) { return (end, "<guid>") }
        return j - i >= 8 && digit && letter ? (j, "<hex>") : nil
    }

    /// The `-4-4-4-12` after a GUID's first 8 hex digits, ending where no hex digit follows.
    func guidRest(at start: Int) -> Int? {
        var j = start
        for length in 0..<4 {
            guard at(j) == UInt8(ascii: "-") else { return nil }
            j += 1
            let end = j + (length == 3 ? 12 : 4)
            while j < end {
                guard Tables.isHex(at(j)) else { return nil }
                j += 1
            }
        }
        return Tables.isHex(at(j)) ? nil : j
    }
}

extension FamilyTokenNormaliser {
    // MARK: Tables and classes

    static func isDigit(_ b: UInt8) -> Bool { b &- 48 < 10 }
    static func isLetter(_ b: UInt8) -> Bool { b &- 97 < 26 }
    static func isHex(_ b: UInt8) -> Bool { b &- 48 < 10 || b &- 97 < 6 }
    static func isAlphanumeric(_ b: UInt8) -> Bool { isDigit(b) || isLetter(b) }
    static func isControl(_ b: UInt8) -> Bool { b < 0x20 || b == 0x7F }

    static let environment: [(StaticString, StaticString)] = [
        ("%temp%", "<temp>"), ("%tmp%", "<temp>"), ("%appdata%", "<appdata>"), ("%localappdata%", "<localappdata>"),
        ("%userprofile%", "<user>"), ("%windir%", "<windows>"), ("%systemroot%", "<windows>"),
        ("%programfiles(x86)%", "<programfiles>"), ("%programfiles%", "<programfiles>"),
        ("%programdata%", "<programdata>"), ("%allusersprofile%", "<programdata>"),
    ]

    static let registryRoots: [(StaticString, StaticString)] = [
        ("hkey_local_machine", "hklm"), ("hkey_current_user", "hkcu"), ("hkey_classes_root", "hkcr"),
        ("hkey_users", "hku"), ("hkey_current_config", "hkcc"),
    ]

    /// Directories under a drive, longest first; each component lists its spellings (8.3 short forms
    /// included), and an empty list is any one component (the user name).
    static let directories: [([[[UInt8]]], StaticString)] = {
        func c(_ words: String...) -> [[UInt8]] { words.map { Array($0.utf8) } }
        let users = c("users"), user: [[UInt8]] = []
        let appdata = c("appdata"), local = c("local"), temp = c("temp")
        let documents = c("documents and settings", "docume~1")
        let localSettings = c("local settings", "locals~1")
        let applicationData = c("application data", "applic~1")
        let windows = c("windows", "winnt")
        return [
            ([users, user, appdata, local, temp], "<temp>"),
            ([users, user, appdata, c("roaming")], "<appdata>"),
            ([users, user, appdata, local], "<localappdata>"),
            ([users, user], "<user>"),
            ([documents, user, localSettings, temp], "<temp>"),
            ([documents, user, localSettings, applicationData], "<localappdata>"),
            ([documents, user, applicationData], "<appdata>"),
            ([documents, user], "<user>"),
            ([windows, c("system32", "syswow64", "sysnative")], "<system>"),
            ([windows, temp], "<temp>"),
            ([windows], "<windows>"),
            ([c("program files (x86)", "program files", "progra~1", "progra~2")], "<programfiles>"),
            ([c("programdata")], "<programdata>"),
        ]
    }()
}
