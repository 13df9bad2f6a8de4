import Testing
@testable import CuckooML

/// Each normalisation rule of the family tokens, on strings as reports write them, and hostile input.
@Suite struct FamilyTokenTests {
    static let sha256 = "76669CBE6A6AAC4AA52DBE9D2E027BA184BF3F0B425F478E8C049637624B5DAE"

    static func normaliser(fileName: String? = "invoice_2016.exe") -> FamilyTokenNormaliser {
        var r = ReportRecord()
        r.md5 = "0123456789abcdef0123456789abcdef"
        r.sha1 = "da39a3ee5e6b4b0d3255bfef95601890afd80709"
        r.sha256 = sha256.lowercased()
        r.fileName = fileName
        return FamilyTokenNormaliser(record: r)
    }

    static func check(_ pairs: [(String, String)], fileName: String? = "invoice_2016.exe") {
        var n = normaliser(fileName: fileName)
        for (raw, want) in pairs {
            #expect(n.normalise(raw) == want, "\(raw)")
        }
    }

    @Test func lowerCases() {
        Self.check([("NtCreateFile", "ntcreatefile"), ("ZonesCounterMutex", "zonescountermutex"),
                    ("ÄÖÜ-Mutex", "äöü-mutex"), ("", "")])
    }

    @Test func theSamplesOwnHashesAndNameBecomeSelf() {
        Self.check([
            ("C:\\Users\\Bob\\AppData\\Local\\Temp\\\(Self.sha256).exe", "<temp>\\<self>.exe"),
            ("\"C:\\Documents and Settings\\Administrator\\Local Settings\\Temp\\invoice_2016.exe\" /install",
             "\"<temp>\\<self>\" /install"),
            ("invoice_2016_mtx", "<self>_mtx"),
            ("Global\\0123456789ABCDEF0123456789ABCDEF", "global\\<self>"),
            ("da39a3ee5e6b4b0d3255bfef95601890afd80709.bin", "<self>.bin"),
            // Another sample's hash is only a long hex run.
            ("C:\\Users\\Bob\\AppData\\Local\\Temp\\41e3712037601a81168ecaf2b55409e4f914e3c4277b2c6d59979e3f8083f0a8.exe",
             "<temp>\\<hex>.exe"),
        ])
        // A stem shorter than 4 characters would be found inside unrelated words: it is not used.
        Self.check([("C:\\abc\\a.exe", "c:\\abc\\<self>"), ("abcdef", "abcdef")], fileName: "a.exe")
    }

    @Test func userTempAppdataAndSystemDirectoriesBecomePlaceholders() {
        Self.check([
            ("C:\\Users\\Bob\\AppData\\Roaming\\Microsoft\\Windows\\Start Menu\\Programs\\Startup\\x.lnk",
             "<appdata>\\microsoft\\windows\\start menu\\programs\\startup\\x.lnk"),
            ("C:\\Users\\buddy\\AppData\\Local\\Google\\Chrome\\User Data\\Default\\Login Data",
             "<localappdata>\\google\\chrome\\user data\\default\\login data"),
            ("C:\\Users\\Bob\\AppData\\LocalLow\\x", "<user>\\appdata\\locallow\\x"),
            ("C:\\Users\\Bob\\Desktop\\a.txt", "<user>\\desktop\\a.txt"),
            ("C:\\Documents and Settings\\Administrator\\Application Data\\Nichrome\\Web Data", "<appdata>\\nichrome\\web data"),
            ("C:\\Documents and Settings\\Administrator\\Local Settings\\Application Data\\CSIDL_X", "<localappdata>\\csidl_x"),
            ("C:\\DOCUME~1\\ADMINI~1\\LOCALS~1\\Temp\\x.exe", "<temp>\\x.exe"),
            ("C:\\WINDOWS\\system32\\drivers\\npf.sys", "<system>\\drivers\\npf.sys"),
            ("C:\\Windows\\SysWOW64\\cmd.exe /c del x", "<system>\\cmd.exe /c del x"),
            ("C:\\WINDOWS\\explorer.exe", "<windows>\\explorer.exe"),
            ("C:\\Windows\\Temp\\x", "<temp>\\x"),
            ("C:\\WindowsUpdate\\x", "c:\\windowsupdate\\x"),
            ("C:\\Program Files (x86)\\Common Files\\x", "<programfiles>\\common files\\x"),
            ("C:\\Program Files\\Common Files\\Rhyfenet\\idjzkyfqm.exe", "<programfiles>\\common files\\rhyfenet\\idjzkyfqm.exe"),
            ("C:\\PROGRA~1\\x", "<programfiles>\\x"),
            ("C:\\ProgramData\\x", "<programdata>\\x"),
            ("\\??\\C:\\Windows\\system32\\x", "<system>\\x"),
            ("\\\\?\\C:\\Users\\Bob", "<user>"),
            ("cmd /c copy %APPDATA%\\x.exe %TEMP%\\y.exe", "cmd /c copy <appdata>\\x.exe <temp>\\y.exe"),
            ("%SystemRoot%\\explorer.exe", "<windows>\\explorer.exe"),
            ("d:\\Projects\\WinRAR\\SFX\\build\\sfxrar32\\Release\\sfxrar.pdb", "d:\\projects\\winrar\\sfx\\build\\sfxrar0\\release\\sfxrar.pdb"),
            ("C:\\Users", "c:\\users"),
        ])
    }

    @Test func registryRootsGetTheirShortForms() {
        Self.check([
            ("HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run\\x", "hklm\\software\\microsoft\\windows\\currentversion\\run\\x"),
            ("HKEY_CURRENT_USER\\Software\\Microsoft", "hkcu\\software\\microsoft"),
            ("HKEY_CLASSES_ROOT\\CLSID\\{00000000-0000-0000-0000-000000000000}\\x", "hkcr\\clsid\\{<guid>}\\x"),
            ("HKEY_USERS\\S-1-5-21-1004336348-1177238915-682003330-500\\Software", "hku\\<sid>\\software"),
            ("HKEY_CURRENT_CONFIG\\System", "hkcc\\system"),
            ("\\REGISTRY\\MACHINE\\SYSTEM\\ControlSet001", "hklm\\system\\controlset0"),
            ("\\Registry\\User\\S-1-5-18", "hku\\s-0-0-0"),
            ("HKEY_LOCAL_MACHINEX", "hkey_local_machinex"),
        ])
    }

    @Test func guidsSidsAndLongHexRunsBecomePlaceholders() {
        Self.check([
            ("Global\\NPF_{D4A57411-AE74-4DA1-8EF0-1BED80EF6D40}", "global\\npf_{<guid>}"),
            ("cf4cc405-e2c5-4ddd-b3ce-5e7582d8c9fa", "<guid>"),
            ("S-1-5-21-1004336348-1177238915-682003330-1000", "<sid>"),
            ("S-1-5-18", "s-0-0-0"),
            ("HKEY_LOCAL_MACHINE\\SOFTWARE\\A9707C12F4", "hklm\\software\\<hex>"),
            ("mtx_3f2a9b1c", "mtx_<hex>"),
            ("0x7ff6a0b1c2d3", "0x<hex>"),
            ("tmp3f2a9b1c4d.tmp", "tmp<hex>.tmp"),
            // Short hex, letters only, or digits only: not a hex run.
            ("~DF442A.tmp", "~df0a.tmp"),
            ("deadbeefcafe", "deadbeefcafe"),
            ("12345678", "0"),
        ])
    }

    @Test func digitRunsBecomeZero() {
        Self.check([
            ("Local\\ZonesCounterMutex123", "local\\zonescountermutex0"),
            ("HKEY_CURRENT_USER\\Software\\Microsoft\\Office\\14.0\\Word", "hkcu\\software\\microsoft\\office\\0.0\\word"),
            ("Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1; SV1)", "mozilla/0.0 (compatible; msie 0.0; windows nt 0.0; sv0)"),
            ("PE32 executable (GUI) Intel 80386, for MS Windows", "pe0 executable (gui) intel 0, for ms windows"),
        ])
    }

    @Test func plainKeepsDigits() {
        var n = Self.normaliser()
        #expect(n.plain("74.125.224.72") == "74.125.224.72")
        #expect(n.plain("B149D0DDF46E5E883C8F5B26AF0C867A") == "b149d0ddf46e5e883c8f5b26af0c867a")
        #expect(n.plain("a\u{7}b") == "a?b")
    }

    @Test func hostileStrings() {
        var n = Self.normaliser()
        // Control characters (C0, DEL, C1) are replaced, never kept.
        #expect(n.normalise("a\u{1B}]0;x\u{07}b\u{7F}c\u{85}d\u{0}e\n") == "a?]0;x?b?c?d?e?")
        // Very long tokens are cut at 256 bytes, on a character boundary.
        #expect(n.normalise(String(repeating: "A", count: 100_000)) == String(repeating: "a", count: 256))
        let accents = n.normalise("a" + String(repeating: "É", count: 1000))
        #expect(accents == "a" + String(repeating: "é", count: 127))
        #expect(accents.utf8.count == 255)
        #expect(n.normalise(String(repeating: "9", count: 100_000)) == "0")
        #expect(n.normalise(String(repeating: "\\", count: 10_000) + "C:\\Users").utf8.count == 256)
        // Invalid UTF-8 reaches the normaliser as U+FFFD (the reader's decoding) and stays one.
        #expect(n.normalise(String(decoding: [0x61, 0xFF, 0xFE, 0x42], as: UTF8.self)) == "a\u{FFFD}\u{FFFD}b")
        // Patterns cut short by the end of the string are left as text.
        for s in ["C:", "C:\\", "\\??\\", "%temp", "HKEY_", "S-1-", "{D4A57411-AE74", "C:\\Users\\"] {
            _ = n.normalise(s)
        }
        #expect(n.normalise("C:\\Users\\") == "c:\\users\\")
        #expect(n.normalise("%temp") == "%temp")
    }

    @Test func pathShapesKeepQueryKeysOnly() {
        #expect(FeatureExtractor.pathShape("http://h.example/gate.php?id=42&k=x#top") == "/gate.php?id=&k=")
        #expect(FeatureExtractor.pathShape("http://h.example") == "/")
        #expect(FeatureExtractor.pathShape("/a/b?flag") == "/a/b?flag=")
        #expect(FeatureExtractor.pathShape("/x?u=http://y/") == "/x?u=")
    }
}
