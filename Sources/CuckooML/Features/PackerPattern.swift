/// A packer/cryptor pattern of the 2016 project, matched against PEiD signatures; the feature is named
/// after the pattern's source text (`:pack:U(PX|px)`) so names agree with the 2016 ones.
struct PackerPattern {
    let source: String
    private let regex: Regex<AnyRegexOutput>

    func matches(_ signature: String) -> Bool { signature.contains(regex) }

    /// The patterns in the 2016 order (the first that matches a signature names it).
    static func all() -> [PackerPattern] {
        sources.compactMap { source in (try? Regex(source)).map { PackerPattern(source: source, regex: $0) } }
    }

    /// Finds the first pattern matching a signature. Nearly every pattern is literal text with
    /// alternatives, optional groups and a digit run; for an ASCII signature those are matched as bytes
    /// (in ASCII every character is one byte, so this is what the regex does), and the regexes, whose
    /// compilation costs as much as extracting the features of dozens of reports, are compiled only
    /// for a non-ASCII signature or a pattern with no literal form. (`Regex` is not `Sendable`, so each
    /// extractor, one per thread, keeps its own.)
    final class Matcher {
        /// Worked out once per process: every feature build makes a matcher per thread.
        static let sharedLiteralForms: [[[LiteralUnit]]?] = PackerPattern.sources.map(PackerPattern.literalForm)
        let literalForms = Matcher.sharedLiteralForms
        private(set) lazy var regexes: [Regex<AnyRegexOutput>?] = PackerPattern.sources.map { try? Regex($0) }

        /// The source of the first pattern found in `signature`, nil when none is.
        func firstMatch(_ signature: String) -> String? {
            let sources = PackerPattern.sources
            if signature.utf8.allSatisfy({ $0 < 0x80 }) {
                let bytes = Array(signature.utf8)
                for (i, form) in literalForms.enumerated() {
                    if let form {
                        if form.contains(where: { PackerPattern.occurs($0, in: bytes) }) { return sources[i] }
                    } else if let regex = regexes[i], signature.contains(regex) {
                        return sources[i]
                    }
                }
                return nil
            }
            for (i, regex) in regexes.enumerated() where regex.map({ signature.contains($0) }) ?? false { return sources[i] }
            return nil
        }
    }

    /// One position of a literal alternative: a byte, or any ASCII digit.
    enum LiteralUnit: Equatable { case byte(UInt8), digit }

    /// The alternatives a pattern is found by (the pattern occurs in a string exactly when one of them
    /// does), or nil when the pattern uses anything beyond literal characters, `\` escapes, groups with
    /// `|`, `?` after a group, and `[0-9]+` (found wherever one digit is).
    static func literalForm(_ pattern: String) -> [[LiteralUnit]]? {
        let p = Array(pattern.utf8)
        var i = 0
        func sequence() -> [[LiteralUnit]]? {
            var result: [[LiteralUnit]] = [[]]
            while i < p.count, p[i] != UInt8(ascii: ")"), p[i] != UInt8(ascii: "|") {
                var item: [[LiteralUnit]]
                let c = p[i]
                if c == UInt8(ascii: "\\") {
                    guard i + 1 < p.count, !isAlphanumeric(p[i + 1]) else { return nil }
                    item = [[.byte(p[i + 1])]]
                    i += 2
                } else if c == UInt8(ascii: "(") {
                    i += 1
                    item = []
                    while true {
                        guard let alternative = sequence() else { return nil }
                        item += alternative
                        guard i < p.count else { return nil }
                        if p[i] == UInt8(ascii: ")") { i += 1; break }
                        i += 1  // `|`
                    }
                    if i < p.count, p[i] == UInt8(ascii: "?") { item.append([]); i += 1 }
                } else if p[i...].starts(with: Array("[0-9]+".utf8)) {
                    item = [[.digit]]
                    i += 6
                } else if "[]{}*+?.^$".utf8.contains(c) {
                    return nil
                } else {
                    item = [[.byte(c)]]
                    i += 1
                }
                if i < p.count, "*+?{".utf8.contains(p[i]) { return nil }
                result = result.flatMap { head in item.map { head + $0 } }
            }
            return result
        }
        guard let form = sequence(), i == p.count else { return nil }
        return form
    }

    static func isAlphanumeric(_ b: UInt8) -> Bool { (b >= 48 && b <= 57) || (b >= 65 && b <= 90) || (b >= 97 && b <= 122) }

    /// Whether `units` occur at some position of `bytes`.
    static func occurs(_ units: [LiteralUnit], in bytes: [UInt8]) -> Bool {
        guard units.count <= bytes.count else { return false }
        if units.isEmpty { return true }
        for start in 0...(bytes.count - units.count) {
            var all = true
            for (j, unit) in units.enumerated() {
                let b = bytes[start + j]
                switch unit {
                case .byte(let u): if b != u { all = false }
                case .digit: if b < 48 || b > 57 { all = false }
                }
                if !all { break }
            }
            if all { return true }
        }
        return false
    }

    static let sources: [String] = [
        #"Armadillo"#, #"PECompact"#, #"ASPack"#, #"ASProtect"#, #"Upack"#, #"U(PX|px)"#, #"FSG"#,
        #"BobSoft Mini Delphi"#, #"InstallShield 2000"#, #"InstallShield Custom"#, #"Xtreme\-Protector"#,
        #"Crypto\-Lock"#, #"MoleBox"#, #"Dev\-C\+\+"#, #"StarForce"#, #"Wise Installer Stub"#, #"SVK Protector"#,
        #"eXPressor"#, #"EXECryptor"#, #"N(s|S)Pac(k|K)"#, #"KByS"#, #"themida"#, #"Packman"#, #"EXE Shield"#,
        #"WinRAR 32-bit SFX"#, #"WinZip 32-bit SFX"#, #"Install Stub 32-bit"#, #"P(E|e)tite"#, #"PKLITE32"#,
        #"y(o|0)da's (Protector|Crypter)"#, #"Ste@lth PE"#, #"PE\-Armor"#, #"KGB SFX"#, #"tElock"#, #"PEBundle"#,
        #"Crunch\/PE"#, #"Obsidium"#, #"nPack"#, #"PEX"#, #"PE Diminisher"#, #"North Star PE Shrinker"#,
        #"PC Guard for Win32"#, #"W32\.Jeefo"#, #"MEW [0-9]+"#, #"InstallAnywhere"#, #"Anskya Binder"#,
        #"BeRoEXEPacker"#, #"NeoLite"#, #"SVK\-Protector"#, #"Ding Boy's PE\-lock Phantasm"#, #"hying's PEArmor"#,
        #"E language"#, #"NSIS Installer"#, #"Video\-Lan\-Client"#, #"EncryptPE"#, #"HASP HL Protection"#,
        #"PESpin"#, #"CExe"#, #"UG2002 Cruncher"#, #"ACProtect"#, #"Thinstall"#, #"DBPE"#, #"XCR"#, #"PC Shrinker"#,
        #"AH(p|P)ack"#, #"ExeShield Protector"#, #"\* \[MSLRH\]"#, #"XJ \/ XPAL"#, #"Krypton"#, #"Stealth PE"#,
        #"Goats Mutilator"#, #"PE\-PACK"#, #"RCryptor"#, #"\* PseudoSigner"#, #"Shrinker"#, #"PC-Guard"#,
        #"PELOCKnt"#, #"WinZip \(32\-bit\)"#, #"EZIP"#, #"PeX"#, #"PE( |\-)Crypt"#, #"E(XE|xe)()?Stealth"#,
        #"ShellModify"#, #"Macromedia Windows Flash Projector\/Player"#, #"WARNING ->"#, #"PE Protector"#,
        #"Software Compress"#, #"PE( )?Ninja"#, #"Feokt"#, #"RLPack"#, #"Nullsoft( PIMP)? Install System"#,
        #"SDProtector Pro Edition"#, #"VProtector"#, #"WWPack32"#, #"CreateInstall Stub"#, #"ORiEN"#, #"dePACK"#,
        #"ENIGMA Protector"#, #"MicroJoiner"#, #"Virogen Crypt"#, #"SecureEXE"#, #"PCShrink"#,
        #"WinZip Self\-Extractor"#, #"PEiD\-Bundle"#, #"DxPack"#, #"Freshbind"#, #"kkrunchy"#,
    ]
}
