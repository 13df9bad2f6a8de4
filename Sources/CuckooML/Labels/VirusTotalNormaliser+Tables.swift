// Tables of the 2016 cuckooml VirusTotal normaliser, in the order the 2016 source lists them (order
// matters: the first platform or alias that matches wins).
extension VirusTotalNormaliser {
    enum Tables {
        /// Words that are never a family (`VARIANT_BLACKLIST`).
        static let blacklistWords: [String] = [
            "a", "variant", "of", "file", "generic", "not", "other", "potentially",
            "text", "optional", "agent", "susp", "dangerousobject", "dangerous", "object", "corrupt",
            "lookslike", "looks", "like", "unclassifiedmalware", "unclassified", "malware", "horse", "application",
            "program", "malicious", "small", "behaveslike", "behaves", "behave", "heuristic", "reputation",
            "suspected", "undef", "unknown", "normal", "damaged", "malagent", "packer", "password",
            "patched", "patchfile", "pepatch", "servstart", "gen", "generikcd", "genmalicious", "heur",
            "heur2", "applicunwnt", "autorun", "avkill", "generik", "encodefeature", "encoder", "infostealer",
            "keylogger", "obfus", "website", "plugin", "webtoolbar", "packed", "toolbar", "obfuscator",
            "stealer", "suspectcrc",
        ]
        /// Boilerplate prefixes and suffixes stripped once from a token (`FIX_BLACKLIST`).
        static let fixWords: [String] = [
            "apt", "ms", "vb", "mal", "pack", "exe", "enz",
        ]
        /// Platform names (`PLATFORMS`: operating systems, script languages, macros, file types).
        static let platformWords: [String] = [
            "androidos", "dos", "epoc", "freebsd", "iphoneos", "linux", "macos", "macos_x",
            "os2", "palm", "solaris", "sunos", "symbos", "unix", "win16", "win2k",
            "win32", "win64", "win95", "win98", "wince", "winnt", "abap", "alisp",
            "amipro", "ansi", "applescript", "asp", "autoit", "bas", "bat", "corelscript",
            "hta", "html", "inf", "irc", "java", "js", "logo", "mpb",
            "msh", "msil", "perl", "php", "python", "sap", "sh", "vba",
            "vbs", "winbat", "winhlp", "winreg", "a97m", "he", "o97m", "pp97m",
            "v5m", "w1m", "w2m", "w97m", "wm", "x97m", "xf", "xm",
            "asx", "hc", "mime", "netware", "qt", "sb", "swf", "tsql",
            "xml",
        ]
        /// Words that stand for a platform (`ALTERNATIVE_PLATFORMS`), with the platform they name.
        static let alternativePlatformPairs: [(String, String)] = [
            ("multi", "multi"),
            ("macro", "o97m"),
            ("office", "o97m"),
            ("excel", "x97m"),
            ("word", "w97m"),
            ("powerpoint", "pp97m"),
            ("access", "a97m"),
            ("msil", "msil"),
        ]
        /// Detection types (`TYPES`).
        static let typeWords: [String] = [
            "adware", "behavior", "browsermodifier", "constructor", "ddos", "dialer", "dos", "exploit",
            "hacktool", "joke", "misleading", "monitoringtool", "program", "pws", "ransom", "remoteaccess",
            "riskware", "rogue", "rootkit", "settingsmodifier", "softwarebundler", "spammer", "spoofer", "tool",
            "trojan", "clicker", "downloader", "dropper", "notifier", "proxy", "spyware", "backdoor",
            "virtool", "virus", "worm",
        ]
        /// Types whose metatype is trojan.
        static let trojanWords: [String] = [
            "clicker", "downloader", "dropper", "notifier", "proxy", "spyware", "backdoor",
        ]
        /// Types whose metatype is riskware.
        static let riskwareWords: [String] = [
            "adware", "softwarebundler", "hacktool", "rogue",
        ]
        /// Aliases (`MAPPING`), first occurrence of each key kept as a Python dict literal does.
        static let mappingPairs: [(String, String)] = [
            ("click", "clicker"),
            ("spy", "spyware"),
            ("adware", "adware"),
            ("ad", "adware"),
            ("bundler", "softwarebundler"),
            ("hack", "hacktool"),
            ("hackkms", "hacktool"),
            ("kms", "hacktool"),
            ("hacktool", "hacktool"),
            ("rogue", "rogue"),
            ("rogueware", "rogue"),
            ("riskware", "riskware"),
            ("risk", "riskware"),
            ("grayware", "riskware"),
            ("hktl", "riskware"),
            ("keygen", "riskware"),
            ("onlinegames", "riskware"),
            ("scareware", "riskware"),
            ("startpage", "riskware"),
            ("suspicious", "riskware"),
            ("unwanted", "riskware"),
            ("backdoor", "backdoor"),
            ("bkdr", "backdoor"),
            ("genericbackdoor", "backdoor"),
            ("trojbackdoor", "backdoor"),
            ("trojan", "trojan"),
            ("banker", "trojan"),
            ("injector", "trojan"),
            ("inject", "trojan"),
            ("inj", "trojan"),
            ("tr", "trojan"),
            ("trj", "trojan"),
            ("trjn", "trojan"),
            ("troj", "trojan"),
            ("trojware", "trojan"),
            ("downloader", "downloader"),
            ("loader", "downloader"),
            ("exedown", "downloader"),
            ("dldr", "downloader"),
            ("dloader", "downloader"),
            ("dloadr", "downloader"),
            ("downldexe", "downloader"),
            ("downldr", "downloader"),
            ("down", "downloader"),
            ("dload", "downloader"),
            ("dloade", "downloader"),
            ("dl", "downloader"),
            ("download", "downloader"),
            ("downagent", "downloader"),
            ("downware", "downloader"),
            ("dwnldr", "downloader"),
            ("dwnlder", "downloader"),
            ("load", "downloader"),
            ("muldown", "downloader"),
            ("ransom", "ransom"),
            ("crypt", "ransom"),
            ("crypter", "ransom"),
            ("cryptor", "ransom"),
            ("krypt", "ransom"),
            ("kryptik", "ransom"),
            ("lock", "ransom"),
            ("ransomcrypt", "ransom"),
            ("ransomlock", "ransom"),
            ("rootkit", "rootkit"),
            ("rkit", "rootkit"),
            ("rtk", "rootkit"),
            ("sys", "rootkit"),
            ("expl", "exploit"),
            ("dropper", "dropper"),
            ("mdropper", "dropper"),
            ("dropped", "dropper"),
            ("drop", "dropper"),
            ("drp", "dropper"),
            ("mailer", "mailer"),
        ]

        typealias Token = VirusTotalNormaliser.Token
        static func bytes(_ s: String) -> Token { Array(s.utf8) }

        static let blacklist = Set(blacklistWords.map(bytes))
        static let fixes = fixWords.map(bytes)
        static let platforms = platformWords.map(bytes)
        static let alternativePlatformNames = alternativePlatformPairs.map { bytes($0.0) }
        static let alternativePlatforms = Dictionary(uniqueKeysWithValues: alternativePlatformPairs.map { (bytes($0.0), bytes($0.1)) })
        static let types = Set(typeWords.map(bytes))
        static let trojans = Set(trojanWords.map(bytes))
        static let riskwareTypes = Set(riskwareWords.map(bytes))
        static let mapping = Dictionary(uniqueKeysWithValues: mappingPairs.map { (bytes($0.0), bytes($0.1)) })
        /// Alias keys longest first; equal lengths keep the table's order (Python's stable sort).
        static let mappingByLength: [Token] = mappingPairs.map { bytes($0.0) }.enumerated()
            .sorted { $0.element.count != $1.element.count ? $0.element.count > $1.element.count : $0.offset < $1.offset }
            .map(\.element)
        static let windowsEditions = ["16", "32", "64", "95", "98", "2k", "ce", "nt", "bat", "hlp", "reg"].map(bytes)
        static let trojan = bytes("trojan")
        static let riskware = bytes("riskware")
        static let win = bytes("win")
    }
}
