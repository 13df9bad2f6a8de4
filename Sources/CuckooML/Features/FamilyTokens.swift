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

    /// The sample's own names, lower-cased, longest first (so a name wins over its stem).
    private let selfNames: [[UInt8]]
    private var input: [UInt8] = []
    private var output: [UInt8] = []

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
        selfNames = names.sorted { $0.count > $1.count }
        input.reserveCapacity(512)
        output.reserveCapacity(512)
    }

    /// The normalised token of `s` (empty when nothing is left).
    mutating func normalise(_ s: String) -> String {
        load(s)
        output.removeAll(keepingCapacity: true)
        scan()
        return finish()
    }

    /// Lower-cased with control characters replaced and the length capped, nothing else: for values
    /// whose digits are their identity (IP addresses, the imphash).
    mutating func plain(_ s: String) -> String {
        load(s)
        output.removeAll(keepingCapacity: true)
        var i = 0
        while i < input.count && output.count <= Self.maximumBytes { copy(&i) }
        return finish()
    }

    /// `input` = the lower-cased UTF-8 bytes of `s` (ASCII lower-cased byte by byte; other text by
    /// String's Unicode lower-casing).
    private mutating func load(_ s: String) {
        input.removeAll(keepingCapacity: true)
        if ByteHash.isASCII(s) {
            for b in s.utf8 { input.append(b &- 65 < 26 ? b | 0x20 : b) }
        } else {
            input.append(contentsOf: s.lowercased().utf8)
        }
    }

    private mutating func finish() -> String {
        if output.count > Self.maximumBytes {
            var end = Self.maximumBytes
            while end > 0 && output[end] & 0xC0 == 0x80 { end -= 1 }
            output.removeSubrange(end...)
        }
        return String(decoding: output, as: UTF8.self)
    }

    // MARK: The scan

    private mutating func scan() {
        let n = input.count
        var i = 0
        // Output only grows, so once past the cap the rest would be cut anyway.
        while i < n && output.count <= Self.maximumBytes {
            let b = input[i]
            let atWordStart = i == 0 || !Self.isAlphanumeric(input[i - 1])
            if let end = selfName(at: i) { emit("<self>"); i = end; continue }
            if b == UInt8(ascii: "%"), let (end, placeholder) = environmentVariable(at: i) { emit(placeholder); i = end; continue }
            if b == UInt8(ascii: "\\") {
                // `\??\c:\` and `\\?\c:\`: the prefix says nothing the path does not.
                if matches("\\??\\", at: i) || matches("\\\\?\\", at: i), isDrive(at: i + 4) { i += 4; continue }
                if matches("\\registry\\machine", at: i) && isBoundary(at: i + 17) { emit("hklm"); i += 17; continue }
                if matches("\\registry\\user", at: i) && isBoundary(at: i + 14) { emit("hku"); i += 14; continue }
            }
            if atWordStart && Self.isLetter(b) && isDrive(at: i), let (end, placeholder) = directory(at: i + 3) {
                emit(placeholder); i = end; continue
            }
            if atWordStart && b == UInt8(ascii: "h"), let (end, short) = registryRoot(at: i) { emit(short); i = end; continue }
            if atWordStart && b == UInt8(ascii: "s"), let end = sid(at: i) { emit("<sid>"); i = end; continue }
            if Self.isHex(b) && (i == 0 || !Self.isHex(input[i - 1])) {
                if let end = guid(at: i) { emit("<guid>"); i = end; continue }
                if let end = hexRun(at: i) { emit("<hex>"); i = end; continue }
            }
            if Self.isDigit(b) {
                while i < n && Self.isDigit(input[i]) { i += 1 }
                output.append(UInt8(ascii: "0"))
                continue
            }
            copy(&i)
        }
    }

    /// Copies the byte at `i` (a control character as `?`; C1 controls, `C2 80`...`C2 9F` in UTF-8,
    /// too) and moves past it.
    private mutating func copy(_ i: inout Int) {
        let b = input[i]
        if b == 0xC2 && i + 1 < input.count && input[i + 1] & 0xE0 == 0x80 {
            output.append(UInt8(ascii: "?"))
            i += 2
        } else {
            output.append(Self.isControl(b) ? UInt8(ascii: "?") : b)
            i += 1
        }
    }

    private mutating func emit(_ text: StaticString) {
        text.withUTF8Buffer { output.append(contentsOf: $0) }
    }

    private func matches(_ text: StaticString, at i: Int) -> Bool {
        text.withUTF8Buffer { t in
            guard i + t.count <= input.count else { return false }
            for k in 0..<t.count where input[i + k] != t[k] { return false }
            return true
        }
    }

    private func matches(_ text: [UInt8], at i: Int) -> Bool {
        guard i + text.count <= input.count else { return false }
        for k in 0..<text.count where input[i + k] != text[k] { return false }
        return true
    }

    /// Where a path component may end: the end, a separator, a quote or a space.
    private func isBoundary(at i: Int) -> Bool {
        guard i < input.count else { return true }
        switch input[i] {
        case UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "\""), UInt8(ascii: "'"), UInt8(ascii: " "),
             UInt8(ascii: ";"), UInt8(ascii: ","), UInt8(ascii: ")"), UInt8(ascii: "]"): return true
        default: return false
        }
    }

    /// `x:\` at `i`.
    private func isDrive(at i: Int) -> Bool {
        i + 2 < input.count && Self.isLetter(input[i]) && input[i + 1] == UInt8(ascii: ":") && input[i + 2] == UInt8(ascii: "\\")
    }

    private func selfName(at i: Int) -> Int? {
        for name in selfNames where name[0] == input[i] && matches(name, at: i) { return i + name.count }
        return nil
    }

    private func environmentVariable(at i: Int) -> (Int, StaticString)? {
        for (name, placeholder) in Self.environment where matches(name, at: i) {
            return (i + name.utf8CodeUnitCount, placeholder)
        }
        return nil
    }

    /// The known directory starting at `i` (just after `x:\`), as (end, placeholder): the longest
    /// entry of `directories` whose components all match, each ending at a boundary.
    private func directory(at start: Int) -> (Int, StaticString)? {
        entries: for (components, placeholder) in Self.directories {
            var i = start
            for (k, alternatives) in components.enumerated() {
                if k > 0 {
                    guard i < input.count && input[i] == UInt8(ascii: "\\") else { continue entries }
                    i += 1
                }
                if alternatives.isEmpty {
                    // Any one component (a user name): up to the next separator or quote.
                    let from = i
                    while i < input.count && input[i] != UInt8(ascii: "\\") && input[i] != UInt8(ascii: "\"") { i += 1 }
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

    private func registryRoot(at i: Int) -> (Int, StaticString)? {
        guard matches("hkey_", at: i) else { return nil }
        for (long, short) in Self.registryRoots where matches(long, at: i) && !isWordByte(at: i + long.utf8CodeUnitCount) {
            return (i + long.utf8CodeUnitCount, short)
        }
        return nil
    }

    private func isWordByte(at i: Int) -> Bool { i < input.count && (Self.isAlphanumeric(input[i]) || input[i] == UInt8(ascii: "_")) }

    /// `s-1-` then at least four more dash-separated numbers.
    private func sid(at i: Int) -> Int? {
        guard matches("s-1-", at: i) else { return nil }
        var j = i + 3, numbers = 0
        while j < input.count && input[j] == UInt8(ascii: "-") && j + 1 < input.count && Self.isDigit(input[j + 1]) {
            j += 1
            while j < input.count && Self.isDigit(input[j]) { j += 1 }
            numbers += 1
        }
        return numbers >= 4 && !isWordByte(at: j) ? j : nil
    }

    /// 8-4-4-4-12 hex digits not followed by another hex digit.
    private func guid(at i: Int) -> Int? {
        var j = i
        for (k, length) in [8, 4, 4, 4, 12].enumerated() {
            if k > 0 {
                guard j < input.count && input[j] == UInt8(ascii: "-") else { return nil }
                j += 1
            }
            for _ in 0..<length {
                guard j < input.count && Self.isHex(input[j]) else { return nil }
                j += 1
            }
        }
        return j < input.count && Self.isHex(input[j]) ? nil : j
    }

    /// The end of the hex run at `i` when it is 8 or more long and holds a digit and a letter.
    private func hexRun(at i: Int) -> Int? {
        var j = i, digit = false, letter = false
        while j < input.count && Self.isHex(input[j]) {
            if Self.isDigit(input[j]) { digit = true } else { letter = true }
            j += 1
        }
        return j - i >= 8 && digit && letter ? j : nil
    }

    // MARK: Tables and classes

    private static func isDigit(_ b: UInt8) -> Bool { b &- 48 < 10 }
    private static func isLetter(_ b: UInt8) -> Bool { b &- 97 < 26 }
    private static func isHex(_ b: UInt8) -> Bool { b &- 48 < 10 || b &- 97 < 6 }
    private static func isAlphanumeric(_ b: UInt8) -> Bool { isDigit(b) || isLetter(b) }
    private static func isControl(_ b: UInt8) -> Bool { b < 0x20 || b == 0x7F }

    private static let environment: [(StaticString, StaticString)] = [
        ("%temp%", "<temp>"), ("%tmp%", "<temp>"), ("%appdata%", "<appdata>"), ("%localappdata%", "<localappdata>"),
        ("%userprofile%", "<user>"), ("%windir%", "<windows>"), ("%systemroot%", "<windows>"),
        ("%programfiles(x86)%", "<programfiles>"), ("%programfiles%", "<programfiles>"),
        ("%programdata%", "<programdata>"), ("%allusersprofile%", "<programdata>"),
    ]

    private static let registryRoots: [(StaticString, StaticString)] = [
        ("hkey_local_machine", "hklm"), ("hkey_current_user", "hkcu"), ("hkey_classes_root", "hkcr"),
        ("hkey_users", "hku"), ("hkey_current_config", "hkcc"),
    ]

    /// Directories under a drive, longest first; each component lists its spellings (8.3 short forms
    /// included), and an empty list is any one component (the user name).
    private static let directories: [([[[UInt8]]], StaticString)] = {
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
