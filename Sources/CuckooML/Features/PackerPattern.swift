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

    /// The patterns, compiled on first use: compiling them costs as much as extracting the features of
    /// dozens of reports, and many reports have no PEiD signature. (`Regex` is not `Sendable`, so each
    /// extractor, one per thread, keeps its own.)
    final class Lazy {
        private(set) lazy var patterns = PackerPattern.all()
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
