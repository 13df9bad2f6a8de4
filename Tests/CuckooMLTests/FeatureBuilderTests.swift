#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import CuckooML

/// Hand-made records in the shapes the reader produces from each dialect.
enum FeatureFixtures {
    /// A Cuckoo 2.0 report: static section, apistats, summary lists, VirusTotal v2.
    static var cuckoo: ReportRecord {
        var r = ReportRecord()
        r.dialect = .cuckoo
        r.fileSize = 25                           // log3(27) = 3.0000000000000004 → 3
        r.fileType = "PE32 GUI"                   // shape "aa00 aaa" → aa0, a00, 00 , 0 a, aaa
        r.md5 = "0123456789abcdef0123456789abcdef"
        r.peTimestamp = -5                        // clamped to 0 → bin 0 → no feature
        r.versionInfo = [NameValue(name: "FileDescription", value: "Ab1"),
                         NameValue(name: "CompanyName", value: "X-Y"),
                         NameValue(name: "FileVersion", value: "1.2.3.4")]
        r.imports = [ImportedLibrary(dll: "KERNEL32.dll", functions: ["CreateFileW", "Sleep"]),
                     ImportedLibrary(dll: "USER32.dll", functions: []),
                     ImportedLibrary(dll: "KERNEL32.dll", functions: ["ExitProcess"])]
        r.importedDLLCount = 2
        r.resourceLanguages = ["LANG_ENGLISH", "SUBLANG_ENGLISH_US", "LANG_ENGLISH"]
        r.peidSignatures = ["UPX -> www.upx.sourceforge.net", "Unknown thing"]
        r.isSigned = true
        r.files = [.read: ["C:\\a.txt", "C:\\b.txt"], .written: ["C:\\a.txt"], .moved: ["C:\\c", "C:\\d"],
                   .opened: ["C:\\e"], .recreated: ["C:\\f"]]
        r.registryWritten = ["HKCU\\Run\\x"]
        r.mutexes = ["Global\\M1"]
        r.dllsLoaded = ["ntdll.dll", "ntdll.dll"]
        r.processNames = ["a.exe", "a.exe", "cmd.exe"]
        r.apiCounts = ["NtClose": 7, "Sleep": 1, "NtOpenKey": 241]
        r.tcpDestinations = ["10.0.0.1", "10.0.0.1"]
        r.dnsRequests = ["evil.example"]
        r.dnsAnswers = ["10.0.0.1"]
        r.httpHosts = ["evil.example"]
        r.signatures = [Signature(name: "allocates_rwx", description: "RWX"), Signature(name: "packer_upx", description: "")]
        return r
    }

    /// A CAPE report: PE data from `target.file.pe`, API counts from calls, no VirusTotal.
    static var cape: ReportRecord {
        var r = ReportRecord()
        r.dialect = .cape
        r.fileSize = 0
        r.imports = [ImportedLibrary(dll: "advapi32.dll", functions: ["RegOpenKeyExW"])]
        r.files = [.read: ["/tmp/x"], .deleted: ["/tmp/x"]]
        r.registryDeleted = ["HKLM\\Soft"]
        r.apiCounts = ["RegOpenKeyExW": 3, "Broken": -1]
        r.udpDestinations = ["8.8.8.8"]
        r.signatures = [Signature(name: "antidebug", description: "")]
        return r
    }
}

@Suite struct FeatureValueTests {
    @Test func log3BinsFollowThe2016Arithmetic() {
        #expect(FeatureValues.log3Bin(0) == 0)
        #expect(FeatureValues.log3Bin(1) == 1)
        #expect(FeatureValues.log3Bin(6) == 1)
        #expect(FeatureValues.log3Bin(7) == 2)
        #expect(FeatureValues.log3Bin(25) == 3)
        // log(243)/log(3) is 4.999999999999999 in doubles, so Python's int() gave 4.
        #expect(FeatureValues.log3Bin(241) == 4)
        #expect(FeatureValues.log3Bin(242) == 5)
        #expect(FeatureValues.log3Bin(-1) == 0)
        #expect(FeatureValues.log3Bin(-1_000_000) == 0)
        #expect(FeatureValues.log3Bin(1_700_000_000) == 19)
    }

    @Test func shapeMapsDigitsAndLettersAndKeepsTheRest() {
        func shape(_ s: String) -> String { var t = ""; t.unicodeScalars.append(contentsOf: FeatureValues.shape(s)); return t }
        #expect(shape("Global\\Mtx_42") == "aaaaaa\\aaa_00")
        #expect(shape("ПРИВЕТ-7") == "aaaaaa-0")
        #expect(shape("a.b c") == "a.a a")
        #expect(FeatureValues.shapeTrigrams("Ab1") == ["aa0"])
        #expect(FeatureValues.shapeTrigrams("X-Y") == ["a-a"])
        #expect(FeatureValues.shapeTrigrams("ab") == ["aa"])
        #expect(FeatureValues.shapeTrigrams("") == [])
        #expect(FeatureValues.shapeTrigrams("abc12") == ["aaa", "aa0", "a00"])
    }

    @Test func byteTrigramsEqualTheScalarOnes() {
        let samples = ["", "a", "Ab1", "X-Y", "abc12", "Global\\Mtx_42 {0x1F}", "aaaaaaaaaa", "ПРИВЕТ-7", "mixé12-z",
                       "~!@#$%^&*()_+{}|:\"<>?", "C:\\Windows\\System32\\kernel32.dll", "\u{0}\u{1}\u{7F}ab"]
        for s in samples {
            var grams: [String] = []
            FeatureValues.forEachShapeTrigram(s) { grams.append($0) }
            #expect(grams.count == Set(grams).count, "\(s)")
            #expect(Set(grams) == FeatureValues.shapeTrigrams(s), "\(s)")
        }
    }
}

@Suite struct FeatureBuilderTests {
    func features(_ r: ReportRecord, _ config: FeatureConfiguration = .full) -> [String: Double] {
        var out: [String: Double] = [:]
        for f in FeatureExtractor(configuration: config).features(of: r) { out[f.name] = f.value }
        return out
    }

    @Test func fullFeaturesOfACuckooRecord() {
        let f = features(FeatureFixtures.cuckoo)
        #expect(f[":meta:size"] == 3)
        #expect(f[":meta:timestamp"] == nil)
        for g in ["aa0", "a00", "00 ", "0 a", " aa", "aaa"] { #expect(f[":meta:" + g] == 1, "\(g)") }
        #expect(f[":sign:signed"] == 1)
        #expect(f[":sign:a-a"] == 1)
        #expect(f[":sign:0.0"] == nil, "FileVersion is not read, as in 2016")
        #expect(f[":pack:U(PX|px)"] == 1)
        #expect(f.keys.filter { $0.hasPrefix(":pack:") }.count == 1)
        #expect(f[":pef:lang:english"] == 1)
        #expect(f[":pef:lang:english_us"] == 1)
        #expect(f[":simp:KERNEL32.dll"] == 1)
        #expect(f[":simp:USER32.dll"] == 1)
        #expect(f[":simp:KERNEL32.dll:Sleep"] == nil)
        #expect(f[":simp:count"] == 2)
        #expect(f[":dimp:mutex:aaa"] == 1)
        #expect(f[":dimp:mutex:a\\a"] == 1)
        #expect(f[":dimp:mutex:\\a0"] == 1)
        #expect(f.keys.filter { $0.hasPrefix(":dimp:mutex:") }.count == 4)
        #expect(f[":dimp:proc:a.exe"] == 1)
        #expect(f[":dimp:proc:cmd.exe"] == 1)
        #expect(f[":dimp:ntdll.dll"] == 1)
        #expect(f[":file:touch:C:\\a.txt"] == 1)
        #expect(f[":file:touch:C:\\c"] == 1)
        #expect(f[":file:touch:C:\\e"] == nil, "opened files are counted, not touched")
        // all = distinct paths over every operation: a, b, c, d, e, f.
        #expect(f[":file:count:all"] == Double(FeatureValues.log3Bin(6)))
        #expect(f[":file:count:read"] == 1)
        #expect(f[":file:count:renamed"] == 1)
        #expect(f[":net:10.0.0.1"] == 1)
        #expect(f[":net:evil.example"] == 1)
        #expect(f[":reg:write:HKCU\\Run\\x"] == 1)
        #expect(f[":win:NtClose"] == 2)
        #expect(f[":win:Sleep"] == 1)
        #expect(f[":win:NtOpenKey"] == 4)
        let counts = f.filter { $0.key.hasPrefix(":count:") }
        #expect(counts == [
            ":count:lang": 2, ":count:simp": 2, ":count:mutex": 1, ":count:proc": 2, ":count:dimp": 2,
            ":count:file:all": 6, ":count:file:read": 2, ":count:file:written": 1, ":count:file:renamed": 2,
            ":count:file:opened": 1, ":count:tcp": 1, ":count:dns": 1, ":count:http": 1, ":count:reg:write": 1,
            ":count:wapi": 3,
        ])
    }

    @Test func allTwentyOneCountsExistWhenNonZero() {
        var r = FeatureFixtures.cuckoo
        for op in FileOperation.allCases { r.files[op] = ["/p/" + op.rawValue] }
        r.udpDestinations = ["1.1.1.1"]
        r.registryDeleted = ["k"]
        let names = features(r).keys.filter { $0.hasPrefix(":count:") }
        #expect(names.count == 21)
    }

    @Test func fullFeaturesOfACapeRecord() {
        let f = features(FeatureFixtures.cape, FeatureConfiguration(kind: .full, groups: Set(FeatureGroup.fullGroups), importFunctions: true))
        #expect(f[":meta:size"] == nil, "size 0 is bin 0")
        #expect(f[":simp:advapi32.dll"] == 1)
        #expect(f[":simp:advapi32.dll:RegOpenKeyExW"] == 1)
        #expect(f[":file:touch:/tmp/x"] == 1)
        #expect(f[":file:count:all"] == 1)
        #expect(f[":count:file:all"] == 1)
        #expect(f[":count:file:deleted"] == 1)
        #expect(f[":reg:del:HKLM\\Soft"] == 1)
        #expect(f[":win:RegOpenKeyExW"] == 1)
        #expect(f[":win:Broken"] == nil, "a -1 count is clamped to bin 0")
        #expect(f[":count:wapi"] == 2)
        #expect(f[":net:8.8.8.8"] == 1)
        #expect(f[":count:udp"] == 1)
    }

    @Test func simpleFeaturesAreSignatureNames() {
        #expect(features(FeatureFixtures.cuckoo, .simple) == ["allocates_rwx": 1, "packer_upx": 1])
    }

    @Test func groupSelectionKeepsOnlyThoseGroups() {
        let config = FeatureConfiguration(kind: .full, groups: [.win, .net])
        let names = Set(features(FeatureFixtures.cuckoo, config).keys)
        #expect(names == [":win:NtClose", ":win:Sleep", ":win:NtOpenKey", ":net:10.0.0.1", ":net:evil.example"])
        #expect(FeatureGroup.of(":win:NtClose") == .win)
        #expect(FeatureGroup.of(":count:file:all") == .count)
        #expect(FeatureGroup.of("allocates_rwx") == nil)
    }

    @Test func groupOfANameIsTheTextBetweenTheFirstTwoColons() {
        for group in FeatureGroup.allCases {
            #expect(FeatureGroup.of(":\(group.rawValue):x") == group)
            #expect(FeatureGroup.of(":\(group.rawValue):") == group)
            #expect(FeatureGroup.of(":\(group.rawValue)") == nil)
            #expect(FeatureGroup.of(":\(group.rawValue)s:x") == nil)
            #expect(FeatureGroup.of(":\(group.rawValue.dropLast()):x") == nil)
            #expect(FeatureGroup.of(group.rawValue + ":x") == nil)
        }
        for name in ["", ":", "::", "::win:", ":WIN:x", ":wïn:x", ":signatures:x", ":abcdefghi:x", " :win:x"] {
            #expect(FeatureGroup.of(name) == nil, "\(name)")
        }
    }

    func samples() -> [Sample] {
        var third = ReportRecord()
        third.apiCounts = ["NtClose": 1]
        return [Sample(id: "a", path: nil, reportSize: 0, record: FeatureFixtures.cuckoo),
                Sample(id: "b", path: nil, reportSize: 0, record: FeatureFixtures.cape),
                Sample(id: "c", path: nil, reportSize: 0, record: third),
                Sample(id: "d", path: nil, reportSize: 0, record: nil)]
    }

    @Test func buildGivesSortedColumnsAndAlignedSparseRows() throws {
        let config = FeatureConfiguration(kind: .full, groups: [.win])
        let set = try FeatureBuilder.build(samples(), configuration: config)
        #expect(set.names == [":win:NtClose", ":win:NtOpenKey", ":win:RegOpenKeyExW", ":win:Sleep"])
        #expect(set.matrix.rowCount == 4)
        #expect(set.matrix.rowStart == [0, 3, 4, 5, 5])
        #expect(set.matrix.columns == [0, 1, 3, 2, 0])
        #expect(set.matrix.values == [2, 4, 1, 1, 1])
        // Load order does not change the feature space.
        let reversed = try FeatureBuilder.build(Array(samples().reversed()), configuration: config)
        #expect(reversed.names == set.names)
        #expect(set.density == 5.0 / 16.0)
        #expect(set.columnSupport == [2, 1, 1, 1])
    }

    @Test func threadCountDoesNotChangeTheMatrix() throws {
        var many: [Sample] = []
        for round in 0..<5 { many += samples().map { Sample(id: $0.id + String(round), path: nil, reportSize: 0, record: $0.record) } }
        let one = try FeatureBuilder.build(many, configuration: .full, threads: 1, minimumRowsPerThread: 1, control: .none)
        for threads in [2, 3, 7] {
            let parallel = try FeatureBuilder.build(many, configuration: .full, threads: threads, minimumRowsPerThread: 1, control: .none)
            #expect(parallel == one, "threads \(threads)")
        }
        #expect(one.matrix.rowCount == 20)
        #expect(try FeatureBuilder.build([], configuration: .full).matrix.rowCount == 0)
    }

    /// Names equal as Strings but spelled differently (é precomposed or not, the Kelvin sign and K)
    /// are one column, whichever threads extracted them; report sizes vary so the blocks are taken
    /// in an order other than the samples'.
    @Test func threadsMergeNamesThatAreEqualAsStrings() throws {
        let spellings = [["Caf\u{e9}", "Zeta", "Ab"], ["Cafe\u{301}", "Ab", "\u{212A}elvin"], ["Kelvin", "Caf\u{e9}s", "b"],
                         ["\u{212A}", "K", "Zeta"], ["ab", "AB", "\u{e9}"]]
        var many: [Sample] = []
        for i in 0..<40 {
            var record = ReportRecord()
            for (k, api) in spellings[i % spellings.count].enumerated() { record.apiCounts[api] = i + k }
            many.append(Sample(id: "s\(i)", path: nil, reportSize: (i * 7919) % 13, record: record))
        }
        let config = FeatureConfiguration(kind: .full, groups: [.win])
        let one = try FeatureBuilder.build(many, configuration: config, threads: 1, minimumRowsPerThread: 1, control: .none)
        // Equal names are spelled by their first spelling in byte order (decomposed é, ASCII K).
        #expect(one.names == [":win:AB", ":win:Ab", ":win:Cafe\u{301}", ":win:Caf\u{e9}s", ":win:K", ":win:Kelvin",
                              ":win:Zeta", ":win:ab", ":win:b", ":win:\u{e9}"])
        #expect(Array(one.names[2].utf8) == Array(":win:Cafe\u{301}".utf8))
        // (The Kelvin sign and K are one key of one record's API dictionary, kept as first written.)
        #expect(Array(one.names[4].utf8) == Array(":win:\u{212A}".utf8))
        #expect(Array(one.names[5].utf8) == Array(":win:Kelvin".utf8))
        for threads in [2, 3, 5] {
            let parallel = try FeatureBuilder.build(many, configuration: config, threads: threads, minimumRowsPerThread: 1, control: .none)
            #expect(parallel == one, "threads \(threads)")
            #expect(parallel.names.map { Array($0.utf8) } == one.names.map { Array($0.utf8) }, "threads \(threads)")
        }
        // Whichever spelling a thread meets first: the same names, byte for byte, in any sample order.
        for rotation in [1, 7, 13, 29] {
            let rotated = Array(many[rotation...] + many[..<rotation])
            let names = try FeatureBuilder.build(rotated, configuration: config, threads: 1, minimumRowsPerThread: 1, control: .none).names
            #expect(names.map { Array($0.utf8) } == one.names.map { Array($0.utf8) }, "rotation \(rotation)")
        }
    }

    /// The merge's byte order of two spellings is `lexicographicallyPrecedes` of their UTF-8: prefixes
    /// first, bytes unsigned, small and large strings, composed and decomposed forms.
    @Test func bytesPrecedeIsUTF8Order() {
        let texts = ["", "a", "ab", "abc", "b", "B", "\u{e9}", "e\u{301}", "Caf\u{e9}", "Cafe\u{301}", "\u{212A}", "K",
                     String(repeating: "x", count: 15), String(repeating: "x", count: 16), String(repeating: "x", count: 40),
                     String(repeating: "x", count: 40) + "\u{ff}", String(repeating: "x", count: 39) + "y"]
        for a in texts {
            for b in texts {
                #expect(FeatureBuilder.bytesPrecede(a, b) == a.utf8.lexicographicallyPrecedes(b.utf8), "\(a) \(b)")
            }
        }
    }

    @Test func coverageFilterDropsRareAndCommonFeatures() throws {
        let set = try FeatureBuilder.build(samples(), configuration: FeatureConfiguration(kind: .full, groups: [.win]))
        let common = set.filtered(minimumCoverage: 0.5, maximumCoverage: nil)
        #expect(common.names == [":win:NtClose"])
        #expect(common.matrix.rowStart == [0, 1, 1, 2, 2])
        #expect(common.configuration.minimumCoverage == 0.5)
        let rare = set.filtered(minimumCoverage: nil, maximumCoverage: 0.25)
        #expect(rare.names == [":win:NtOpenKey", ":win:RegOpenKeyExW", ":win:Sleep"])
        // A filtered configuration rebuilds to the same matrix.
        let rebuilt = try FeatureBuilder.build(samples(), configuration: common.configuration)
        #expect(rebuilt == common)
        // Filters only tighten.
        #expect(common.filtered(minimumCoverage: 0.1, maximumCoverage: nil).configuration.minimumCoverage == 0.5)
    }

    @Test func groupSummaryCountsColumnsAndNonZeros() throws {
        let set = try FeatureBuilder.build(samples(), configuration: .full)
        let summary = set.groupSummary()
        #expect(summary.map(\.columns).reduce(0, +) == set.names.count)
        #expect(summary.map(\.nonZeros).reduce(0, +) == set.matrix.nonZeroCount)
        #expect(summary.first { $0.group == .win }?.columns == 4)
        #expect(summary.first { $0.group == .count }?.columns == 18)
        let simple = try FeatureBuilder.build(samples(), configuration: .simple)
        #expect(simple.groupSummary().map(\.group) == [.signature])
        #expect(simple.names == ["allocates_rwx", "antidebug", "packer_upx"])
    }

    @Test func rowForANewRecordUsesTheSessionSpace() throws {
        let set = try FeatureBuilder.build(samples(), configuration: FeatureConfiguration(kind: .full, groups: [.win]))
        var r = ReportRecord()
        r.apiCounts = ["Sleep": 7, "Unseen": 100]
        let row = set.row(for: r)
        #expect(row.map(\.0) == [3])
        #expect(row.map(\.1) == [2])
        #expect(set.row(for: r, index: set.columnIndex()).map(\.0) == [3])
    }

    @Test func cancellationStopsTheBuild() {
        let control = TaskControl(isCancelled: { true })
        #expect(throws: Interrupted.self) { try FeatureBuilder.build(samples(), configuration: .full, control: control) }
    }
}

@Suite struct PackerPatternTests {
    /// Every pattern compiles, and the byte matcher picks the same first pattern as the regexes.
    @Test func literalMatchingAgreesWithTheRegexes() {
        let compiled = PackerPattern.all()
        #expect(compiled.count == PackerPattern.sources.count)
        let unmatched = PackerPattern.sources.indices.filter { PackerPattern.literalForm(PackerPattern.sources[$0]) == nil }
        #expect(unmatched.isEmpty, "patterns without a literal form: \(unmatched)")
        var signatures = [
            "Armadillo v1.71", "BobSoft Mini Delphi -> BoB / BobSoft", "MinGW GCC 3.x",
            "UPX 2.90 [LZMA] -> Markus Oberhumer, Laszlo Molnar & John Reiser", "upx", "Upx", "UpX 0.8",
            "MEW 11 SE v1.2", "MEW ", "MEW x1", "Nullsoft PIMP Install System v1.3", "Nullsoft Install System",
            "Nullsoft  Install System", "NsPacK", "NSPack 3.x", "nspack", "yoda's Crypter 1.3", "y0da's Protector",
            "yoda's protector", "ExeStealth", "EXEStealth 2.7", "EXE Stealth", "PE Ninja", "PENinja", "PE  Ninja",
            "PE Crypt", "PE-Crypt", "PE_Crypt", "* [MSLRH]", "[MSLRH]", "W32.Jeefo", "W32xJeefo", "Crunch/PE",
            "WinZip (32-bit)", "WinZip 32-bit SFX", "WARNING -> TROJAN", "AHpack", "AHPack", "Ahpack", "PEtite",
            "Petite 2.x", "petite", "Dev-C++ 5", "Dev-C+", "Ste@lth PE 1.01", "", "ShellModify 0.1", "PeX", "PEX",
            "\r\nUPX", "UPX\r\n", "Microsoft Visual C++ 8", "-> Armadillo", "PCShrink", "PC Shrinker",
        ]
        signatures += PackerPattern.sources.map { $0.replacingOccurrences(of: "\\", with: "") }
        let matcher = PackerPattern.Matcher()
        for s in signatures {
            let expected = compiled.first(where: { $0.matches(s) })?.source
            #expect(matcher.firstMatch(s) == expected, "\(s)")
        }
    }
}

/// The byte-hashed tables and orders behind the feature builder agree with String semantics.
@Suite struct FeatureNameTableTests {
    /// Names sharing long prefixes, prefixes of each other, NUL bytes and non-ASCII spellings
    /// (including canonically equivalent ones: U+212A KELVIN SIGN equals "K" as a String).
    static let names: [String] = {
        var out: [String] = []
        let stems = [":reg:write:HKEY_LOCAL_MACHINE\\SOFTWARE\\Microsoft\\Windows\\CurrentVersion\\Run",
                     ":file:touch:C:\\Windows\\System32\\", ":win:Create", ":meta:", ""]
        for stem in stems {
            for tail in ["", "a", "ab", "abcdefgh", "abcdefghi", "abcdefgh\u{0}", "\u{0}", "Z", "zz", "é", "e\u{301}x", "ß", "\u{212A}", "K"] {
                out.append(stem + tail)
            }
        }
        return out
    }()

    /// `StringIDMap` finds every number it stored, through its growth, and no other.
    @Test func stringIDMapFindsWhatItStored() {
        var map = StringIDMap()
        let ids = (0..<5000).map { StringID(truncatingIfNeeded: $0 &* 2_654_435_761 >> 3) }
        for (k, id) in ids.enumerated() where map[id] == nil { map.insert(id, UInt32(k)) }
        #expect(map.count == Set(ids).count)
        for (k, id) in ids.enumerated() { #expect(map[id].map { ids[Int($0)] } == id, "\(k)") }
        let stored = Set(ids)
        var absent: StringID = 0
        while stored.contains(absent) { absent += 1 }
        #expect(map[absent] == nil)
        #expect(Set(map.entries.map(\.id)) == stored)
    }

    @Test func sortedOrderIsStringOrder() {
        var unique: [String] = []
        for name in Self.names where !unique.contains(name) { unique.append(name) }
        var r = EngineReference.Random(seed: 5)
        for _ in 0..<5 {
            var shuffled = unique
            for i in stride(from: shuffled.count - 1, to: 0, by: -1) { shuffled.swapAt(i, r.below(i + 1)) }
            let order = FeatureBuilder.sortedOrder(shuffled)
            #expect(order.map { shuffled[$0] } == shuffled.sorted())
            let ascii = shuffled.filter { $0.utf8.allSatisfy { $0 < 0x80 } }
            #expect(FeatureBuilder.sortedOrder(ascii).map { ascii[$0] } == ascii.sorted())
        }
    }

    /// Groups large enough for the radix passes: thousands of names under shared stems, with NUL
    /// bytes, names that are prefixes of others and lengths on both sides of every word boundary.
    @Test func sortedOrderOfManyNamesIsStringOrder() {
        var r = EngineReference.Random(seed: 11)
        let stems = [":file:touch:C:\\Users\\Administrator\\AppData\\Local\\Temp\\", ":reg:write:HKEY_CURRENT_USER\\", ":win:", ""]
        let alphabet: [Character] = ["a", "b", "\u{0}", "\\", "Z", "~", "0"]
        var names = Set<String>()
        while names.count < 3_000 {
            var name = stems[r.below(stems.count)]
            for _ in 0..<r.below(20) { name.append(alphabet[r.below(alphabet.count)]) }
            names.insert(name)
        }
        let shuffled = Array(names)
        #expect(FeatureBuilder.sortedOrder(shuffled).map { shuffled[$0] } == shuffled.sorted())
        // And with a few non-ASCII names among them.
        let mixed = shuffled + ["\u{e9}", ":win:\u{212A}x", ":win:caf\u{e9}"]
        #expect(FeatureBuilder.sortedOrder(mixed).map { mixed[$0] } == mixed.sorted())
    }

    @Test func asciiHashIsTheHashOfASCIIStringsOnly() {
        for name in Self.names {
            let ascii = name.utf8.allSatisfy { $0 < 0x80 }
            #expect(ByteHash.asciiHash(name) == (ascii ? ByteHash.hash(name) : nil), "\(name)")
        }
        // A non-ASCII byte at every position of the word loop and of the tail.
        for length in 1...19 {
            for at in 0..<length {
                var scalars = Array(repeating: Unicode.Scalar(UInt8(ascii: "a")), count: length)
                scalars[at] = "\u{e9}"
                var name = ""
                name.unicodeScalars.append(contentsOf: scalars)
                #expect(ByteHash.asciiHash(name) == nil, "\(length) \(at)")
            }
        }
    }

    @Test func distinctCountIsSetCount() {
        let lists = [Array(Self.names.prefix(30)), Array(Self.names.suffix(40)), Self.names.filter { $0.count < 12 }]
        #expect(ByteHash.distinctCount(lists) == Set(lists.joined()).count)
        let noKelvin = lists.map { $0.filter { !$0.unicodeScalars.contains("\u{212A}") } }
        #expect(ByteHash.distinctCount(noKelvin) == Set(noKelvin.joined()).count)
        let ascii = lists.map { $0.filter { $0.utf8.allSatisfy { $0 < 0x80 } } }
        #expect(ByteHash.distinctCount(ascii) == Set(ascii.joined()).count)
    }

    @Test func nameIndexUsesStringEquality() {
        var index = NameIndex()
        var reference: [String: Int32] = [:]
        for name in Self.names.filter({ !$0.unicodeScalars.contains("\u{212A}") }) + Self.names {
            let want = reference[name]
            #expect(index.find(name) == want, "\(name.debugDescription)")
            if want == nil {
                let id = Int32(reference.count)
                reference[name] = id
                index.insert(name, id)
            }
        }
        #expect(index.find("\u{212A}") == reference["K"])
    }
}

/// The build drops filtered columns while renumbering rows; it must give what building every column
/// and filtering afterwards gives.
struct FeatureBuilderFilteringTests {
    private func sampleData() throws -> [Sample] {
        let loaded = try ReportLoader.load(paths: [TestSupport.packageRoot + "/sample_data/reports"], threads: 2)
        try #require(loaded.samples.count > 100)
        return loaded.samples
    }

    @Test func coverageBoundsEqualFilteringTheWholeSpace() throws {
        let samples = try sampleData()
        let whole = try FeatureBuilder.build(samples, configuration: .full, threads: 2)
        for (lower, upper) in [(0.1, nil), (nil, 0.5), (0.05, 0.9), (0.999, nil)] as [(Double?, Double?)] {
            var configuration = FeatureConfiguration.full
            configuration.minimumCoverage = lower
            configuration.maximumCoverage = upper
            let direct = try FeatureBuilder.build(samples, configuration: configuration, threads: 2)
            let filtered = whole.filtered(minimumCoverage: lower, maximumCoverage: upper)
            #expect(direct == filtered, "\(String(describing: lower)) \(String(describing: upper))")
            #expect(direct.names.count < whole.names.count)
        }
    }

    /// Family tokens of one sample are dropped. Each sample twice (under another id) puts every token
    /// in at least two rows, so that build keeps them all; the single build must be exactly its first
    /// half restricted to the columns named in at least two of the original samples.
    @Test func familyTokensOfOneSampleAreDroppedAndNothingElse() throws {
        let samples = try sampleData()
        let twins = samples.map { Sample(id: $0.id + "-twin", path: $0.path, reportSize: $0.reportSize, record: $0.record) }
        for threads in [1, 2, 3] {
            let single = try FeatureBuilder.build(samples, configuration: .families, threads: threads, minimumRowsPerThread: 7, control: .none)
            let doubled = try FeatureBuilder.build(samples + twins, configuration: .families, threads: threads, minimumRowsPerThread: 7, control: .none)
            let firstHalf = doubled.matrix.selectingRows(Array(samples.indices))
            var support = [Int](repeating: 0, count: doubled.names.count)
            for c in firstHalf.columns { support[Int(c)] += 1 }
            let kept = support.indices.filter { support[$0] >= 2 }
            #expect(kept.count < doubled.names.count, "some tokens are in one sample only")
            #expect(single.names == kept.map { doubled.names[$0] }, "threads \(threads)")
            #expect(single.matrix == firstHalf.selectingColumns(kept), "threads \(threads)")
        }
    }
}
