#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import CuckooML

/// The family feature space: the fields the reader adds for it (both dialects), every group's
/// features, the naming contract, VirusTotal never reaching it, the support cut, and persistence.
@Suite struct FamilyFeatureTests {
    static let cuckoo = """
        {"info": {"version": "2.0-dev"},
         "signatures": [{"name": "creates_exe", "description": "Creates an executable"},
                        {"name": "antivirus_virustotal", "description": "File has been identified by 40 AntiVirus engines"}],
         "target": {"category": "file", "file": {"size": 573440, "type": "PE32 executable (GUI) Intel 80386",
                    "name": "sample.exe", "md5": "0123456789abcdef0123456789abcdef",
                    "sha1": "da39a3ee5e6b4b0d3255bfef95601890afd80709",
                    "sha256": "aa00000000000000000000000000000000000000000000000000000000000000"}},
         "virustotal": {"positives": 3, "total": 4, "scans": {
             "Avast": {"detected": true, "result": "Win32:Zbot-ABC [Trj]"},
             "Kaspersky": {"detected": true, "result": "Trojan-Spy.Win32.Zbot.abc"}}},
         "static": {
           "pdb_path": "d:\\\\Projects\\\\WinRAR\\\\SFX\\\\build\\\\sfxrar32\\\\Release\\\\sfxrar.pdb",
           "pe_imports": [{"dll": "KERNEL32.dll", "imports": [{"address": "0x1", "name": "CreateFileA"}, {"address": "0x2", "name": null}]},
                          {"dll": "WS2_32.dll", "imports": [{"address": "0x3", "name": null}]}],
           "pe_exports": [{"ordinal": 1, "name": "ServiceMain", "address": "0x1000a0f0"}, {"ordinal": 2, "name": null}],
           "pe_imphash": "B149D0DDF46E5E883C8F5B26AF0C867A",
           "pe_resources": [{"name": "RT_ICON", "language": "LANG_ENGLISH", "sublanguage": "SUBLANG_ENGLISH_US"}],
           "pe_versioninfo": [{"name": "CompanyName", "value": "NT Kernel & System"}, {"name": "FileVersion", "value": "4.02.0302"}],
           "pe_sections": [{"name": ".text", "entropy": 6.5}, {"name": "UPX1", "entropy": 7.9}],
           "peid_signatures": ["UPX -> www.upx.sourceforge.net"]
         },
         "behavior": {
           "apistats": {"784": {"NtCreateFile": 3, "LdrLoadDll": 10}},
           "processes": [{"process_name": "sample.exe", "pid": 784}, {"process_name": "cmd.exe", "pid": 848}],
           "summary": {
             "file_written": ["C:\\\\Users\\\\Bob\\\\AppData\\\\Local\\\\Temp\\\\sample.exe"],
             "file_opened": ["C:\\\\Windows\\\\System32\\\\ntdll.dll"],
             "regkey_written": ["HKEY_CURRENT_USER\\\\Software\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\Run\\\\Updater"],
             "regkey_deleted": ["HKEY_LOCAL_MACHINE\\\\SOFTWARE\\\\A9707C12F4"],
             "mutex": ["Global\\\\MTX_1234"], "dll_loaded": ["C:\\\\WINDOWS\\\\system32\\\\SbieDll.dll", "ntdll"],
             "command_line": ["cmd /c del %TEMP%\\\\x.bat"],
             "wmi_query": ["SELECT * FROM Win32_LogicalDisk"]
           }
         },
         "network": {
           "dns": [{"request": "update7.evil.example", "answers": []}],
           "http": [{"host": "evil.example", "port": 80, "method": "GET", "uri": "http://evil.example/gate.php?id=42",
                     "user-agent": "Mozilla/4.0 (compatible; MSIE 6.0)", "data": "GET /gate.php?id=42 HTTP/1.1"}],
           "hosts": ["93.184.216.34"]
         }
        }
        """

    static let cape = """
        {"info": {"version": "2.4-CAPE"},
         "target": {"category": "file", "file": {"size": 9728, "type": "PE32+ executable (console) x86-64", "name": "etw-dns-app.exe",
            "md5": "5b3379f09881a7b18f6f0a0eb8449dbb", "sha1": "aa", "sha256": "491f", "pe": {
              "pdbpath": "C:\\\\Users\\\\mlguilb\\\\Documents\\\\Projects\\\\etw-dns\\\\x64\\\\Release\\\\etw-dns-app.pdb",
              "imports": {"KERNEL32": {"dll": "KERNEL32.dll", "imports": [{"address": "0x140", "name": "Sleep"}]}},
              "exported_dll_name": "dummydll.dll", "exports": [{"address": "0x10001000", "name": "exported_function", "ordinal": 1}],
              "sections": [{"name": ".text", "raw_address": "0x400"}, {"name": ".pdata"}],
              "resources": [{"name": "RT_MANIFEST", "language": "LANG_ENGLISH", "sublanguage": "SUBLANG_ENGLISH_US", "entropy": "4.91"}],
              "imphash": "2224e2f1996eb8c3411e6259e95e3851", "timestamp": "2023-12-05 16:21:04"},
            "virustotal": {"results": [{"vendor": "Microsoft", "sig": "Trojan:Win32/Emotet"}]}}},
         "behavior": {"summary": {"write_files": ["C:\\\\Users\\\\buddy\\\\AppData\\\\Local\\\\Temp\\\\app.log"],
                                  "write_keys": ["HKEY_CURRENT_USER\\\\SOFTWARE\\\\Run\\\\TestApiHooks"],
                                  "mutexes": ["MutexNam3"], "executed_commands": ["C:\\\\WINDOWS\\\\system32\\\\cmd.exe /c echo hai"],
                                  "api_calls": [{"name": "NtClose", "count": 4}]}},
         "network": {"hosts": [{"ip": "74.178.240.61", "hostname": ""}],
                     "dns": [{"request": "settings-win.data.microsoft.com", "answers": []}],
                     "http": [{"host": "crl.microsoft.com", "port": 80, "uri": "http://crl.microsoft.com/pki/crl/products/MicRooCerAut_2010-06-23.crl",
                               "user-agent": "Microsoft-CryptoAPI/10.0", "method": "GET"}]},
         "signatures": [{"name": "static_pe_pdbpath", "description": "x"}]
        }
        """

    static func read(_ json: String) throws -> ReportRecord {
        try ReportReader.read(bytes: Array(json.utf8), path: "test.json")
    }

    static func names(_ r: ReportRecord, _ configuration: FeatureConfiguration = .families) -> Set<String> {
        let features = FeatureExtractor(configuration: configuration).features(of: r)
        #expect(features.allSatisfy { $0.value == 1 }, "family features are binary")
        return Set(features.map(\.name))
    }

    @Test func readerExtractsTheFamilyFieldsOfBothDialects() throws {
        let c = try Self.read(Self.cuckoo)
        #expect(c.sha1 == "da39a3ee5e6b4b0d3255bfef95601890afd80709")
        #expect(c.imphash == "B149D0DDF46E5E883C8F5B26AF0C867A")
        #expect(c.pdbPath == "d:\\Projects\\WinRAR\\SFX\\build\\sfxrar32\\Release\\sfxrar.pdb")
        #expect(c.sectionNames == [".text", "UPX1"])
        #expect(c.resourceNames == ["RT_ICON"])
        #expect(c.exports == ["ServiceMain"])
        #expect(c.wmiQueries == ["SELECT * FROM Win32_LogicalDisk"])
        #expect(c.httpRequests.map(\.userAgent) == ["Mozilla/4.0 (compatible; MSIE 6.0)"])

        let p = try Self.read(Self.cape)
        #expect(p.dialect == .cape)
        #expect(p.sha1 == "aa")
        #expect(p.imphash == "2224e2f1996eb8c3411e6259e95e3851")
        #expect(p.pdbPath == "C:\\Users\\mlguilb\\Documents\\Projects\\etw-dns\\x64\\Release\\etw-dns-app.pdb")
        #expect(p.sectionNames == [".text", ".pdata"])
        #expect(p.resourceNames == ["RT_MANIFEST"])
        #expect(p.exports == ["dummydll.dll", "exported_function"])
        #expect(p.httpRequests.map(\.userAgent) == ["Microsoft-CryptoAPI/10.0"])
    }

    @Test func everyCuckooGroupGivesItsTokens() throws {
        let names = Self.names(try Self.read(Self.cuckoo))
        let expected: Set<String> = [
            ":alert:creates_exe",
            ":api:ntcreatefile", ":api:ldrloaddll",
            ":mutex:global\\mtx_0",
            ":loaded:sbiedll", ":loaded:ntdll",
            ":path:write:<temp>\\<self>",
            ":key:write:hkcu\\software\\microsoft\\windows\\currentversion\\run\\updater",
            ":key:delete:hklm\\software\\<hex>",
            ":cmd:cmd /c del <temp>\\x.bat",
            ":proc:<self>", ":proc:cmd.exe",
            ":domain:update0.evil.example",
            ":ip:93.184.216.34",
            ":http:host:evil.example", ":http:agent:mozilla/0.0 (compatible; msie 0.0)", ":http:path:/gate.php?id=",
            ":wmi:select * from win0_logicaldisk",
            ":import:kernel0:createfilea",
            ":library:kernel0", ":library:ws0_0",
            ":imphash:b149d0ddf46e5e883c8f5b26af0c867a",
            ":section:.text", ":section:upx0",
            ":resource:rt_icon", ":resource:lang_english", ":resource:sublang_english_us",
            ":version:companyname=nt kernel & system", ":version:fileversion=0.0.0",
            ":pdb:d:\\projects\\winrar\\sfx\\build\\sfxrar0\\release\\sfxrar.pdb", ":pdb:sfxrar.pdb",
            ":peid:upx -> www.upx.sourceforge.net",
            ":export:servicemain",
            ":target:type:pe0 executable (gui) intel 0", ":target:size:19",
        ]
        #expect(names == expected, "missing \(expected.subtracting(names)), extra \(names.subtracting(expected))")
    }

    @Test func sectionNamesEndAtTheirFirstNulAndUntrackedProcessesAreLeftOut() throws {
        // Bytes after a section name's first NUL are padding leftovers (`\x00` as Cuckoo escapes it);
        // a process marked "track": false is the sandbox's (the 2016 groups still see its name).
        let json = """
            {"info": {"version": "2.0-dev"}, "target": {"category": "file", "file": {"name": "a.exe", "md5": "00"}},
             "static": {"pe_sections": [{"name": ".text\\\\x00\\\\xea8"}, {"name": ".data\\u0000S"}, {"name": "\\\\x00junk"}, {"name": ".text\\\\x06\\\\x06"}]},
             "behavior": {"processes": [{"track": false, "process_name": "lsass.exe", "pid": 680},
                                        {"process_name": "evil.exe", "pid": 2, "track": true}, {"process_name": "lsass.exe", "pid": 3}]}}
            """
        let r = try Self.read(json)
        #expect(r.processNames == ["lsass.exe", "evil.exe", "lsass.exe"])
        #expect(r.untrackedProcessNames == ["lsass.exe"])
        let names = Self.names(r)
        #expect(Set(names.filter { $0.hasPrefix(":section:") }) == [":section:.text", ":section:.data", ":section:.text\\x0\\x0"])
        #expect(Set(names.filter { $0.hasPrefix(":proc:") }) == [":proc:evil.exe", ":proc:lsass.exe"])
        let alone = try Self.read(json.replacingOccurrences(of: #"{"process_name": "lsass.exe", "pid": 3}"#, with: "{}"))
        #expect(!Self.names(alone).contains(":proc:lsass.exe"))
        #expect(FeatureExtractor(configuration: .full).features(of: alone).contains { $0.name.contains("lsass.exe") })
    }

    @Test func capeGroupsGiveTheirTokens() throws {
        let names = Self.names(try Self.read(Self.cape))
        let expected: Set<String> = [
            ":alert:static_pe_pdbpath", ":api:ntclose", ":mutex:mutexnam0",
            ":path:write:<temp>\\app.log", ":key:write:hkcu\\software\\run\\testapihooks",
            ":cmd:<system>\\cmd.exe /c echo hai",
            ":domain:settings-win.data.microsoft.com", ":ip:74.178.240.61",
            ":http:host:crl.microsoft.com", ":http:agent:microsoft-cryptoapi/0.0",
            ":http:path:/pki/crl/products/microoceraut_0-0-0.crl",
            ":import:kernel0:sleep", ":library:kernel0", ":imphash:2224e2f1996eb8c3411e6259e95e3851",
            ":section:.text", ":section:.pdata",
            ":resource:rt_manifest", ":resource:lang_english", ":resource:sublang_english_us",
            ":pdb:<user>\\documents\\projects\\etw-dns\\x0\\release\\<self>.pdb", ":pdb:<self>.pdb",
            ":export:dummydll.dll", ":export:exported_function",
            ":target:type:pe0+ executable (console) x0-0", ":target:size:13",
        ]
        #expect(names == expected, "missing \(expected.subtracting(names)), extra \(names.subtracting(expected))")
    }

    @Test func groupsSelectWhatIsExtracted() throws {
        let r = try Self.read(Self.cuckoo)
        let only = Self.names(r, FeatureConfiguration(kind: .families, groups: [.imphash, .mutex]))
        #expect(only == [":imphash:b149d0ddf46e5e883c8f5b26af0c867a", ":mutex:global\\mtx_0"])
    }

    /// The contract the family distance and explanations rely on: `:GROUP:TOKEN`, the group being the
    /// text between the first two colons, a family group, and no group shared with the 2016 names.
    @Test func namesFollowTheGroupContract() throws {
        let legacy = FeatureGroup.fullGroups.map(\.rawValue) + ["signature"]
        for group in FeatureGroup.familyGroups.map(\.rawValue) {
            #expect(!group.isEmpty && !group.contains(":") && group == group.lowercased())
            #expect(!legacy.contains { $0.hasPrefix(group) || group.hasPrefix($0) }, "\(group) is confusable with a 2016 group")
        }
        for prefix in FeatureExtractor.familyPrefixes {
            let group = prefix.split(separator: ":", omittingEmptySubsequences: false)[1]
            #expect(FeatureGroup(rawValue: String(group)).map(FeatureGroup.familyGroups.contains) == true, "\(prefix)")
        }
        var samples: [Sample] = []
        for (i, json) in [Self.cuckoo, Self.cape, Self.cuckoo, Self.cape].enumerated() {
            samples.append(Sample(id: "s\(i)", path: nil, reportSize: 1, record: try Self.read(json)))
        }
        let set = try FeatureBuilder.build(samples, configuration: .families, threads: 1)
        #expect(!set.names.isEmpty)
        for name in set.names {
            let parts = name.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            #expect(parts.count == 3 && parts[0].isEmpty && !parts[2].isEmpty, "\(name)")
            #expect(FeatureGroup.of(name).map(FeatureGroup.familyGroups.contains) == true, "\(name)")
        }
        #expect(set.matrix.values.allSatisfy { $0 == 1 })
        #expect(set.groupSummary().allSatisfy { $0.group.map(FeatureGroup.familyGroups.contains) == true })
    }

    /// No VirusTotal data reaches the family features: every VirusTotal field changed (engines,
    /// results, detections, positives, total, scanned or not, present or not), and the VirusTotal
    /// signature with it, leaves them identical.
    @Test func virusTotalNeverReachesTheFamilyFeatures() throws {
        var records = [try Self.read(Self.cuckoo), try Self.read(Self.cape)]
        if let shared = TestSupport.shared {
            for dir in ["cuckoo-reports", "cape-reports"] {
                let files = TestSupport.listDirectory(shared + "/data/" + dir).filter { $0.hasSuffix(".json") }.sorted().prefix(12)
                for f in files { records.append(try ReportReader.read(path: shared + "/data/" + dir + "/" + f)) }
            }
        }
        var generator = EngineReference.Random(seed: 12)
        for original in records {
            let before = Self.names(original)
            for variant in 0..<4 {
                var r = original
                var vt = VirusTotalResults()
                vt.notScanned = variant == 1
                vt.positives = Int(generator.next() % 70)
                vt.total = 70
                vt.scans = EngineResults((0..<Int(generator.next() % 60)).map { k in
                    EngineResult(engine: "Engine\(k)-\(generator.next() % 1000)", detected: generator.next() % 2 == 0,
                                 result: generator.next() % 3 == 0 ? nil : "Trojan.Win32.Family\(generator.next() % 50)")
                })
                r.virusTotal = variant == 3 ? nil : vt
                // The VirusTotal signature comes and goes with the VirusTotal results.
                r.signatures.removeAll { $0.name == "antivirus_virustotal" }
                if variant % 2 == 0 {
                    r.signatures.append(Signature(name: "antivirus_virustotal", description: "File has been identified by \(vt.positives!) engines"))
                }
                #expect(Self.names(r) == before)
            }
        }
        // In the JSON too: a different virustotal block (Cuckoo top level; CAPE under target.file).
        let changed = Self.cuckoo.replacing(#""Avast": {"detected": true, "result": "Win32:Zbot-ABC [Trj]"}"#,
                                                       with: #""Other": {"detected": false, "result": "Clean"}"#)
            .replacing(#""positives": 3, "total": 4"#, with: #""positives": 0, "total": 70"#)
        #expect(changed != Self.cuckoo)
        #expect(Self.names(try Self.read(changed)) == Self.names(try Self.read(Self.cuckoo)))
        let capeChanged = Self.cape.replacing(#"{"vendor": "Microsoft", "sig": "Trojan:Win32/Emotet"}"#,
                                                         with: #"{"vendor": "Avira", "sig": "TR/Agent.xyz"}, {"vendor": "X", "sig": null}"#)
        #expect(capeChanged != Self.cape)
        #expect(Self.names(try Self.read(capeChanged)) == Self.names(try Self.read(Self.cape)))
    }

    /// A report's hostile strings reach the family space escaped and bounded: invalid UTF-8 as U+FFFD,
    /// control characters (raw or as JSON escapes) as `?`, a megabyte path cut to 256 bytes.
    @Test func hostileReportStringsBecomeBoundedPrintableTokens() throws {
        var bytes = Array(#"{"behavior": {"summary": {"mutex": ["Mu"#.utf8)
        bytes += [0xFF, 0xC3, 0x28]
        bytes += Array(#"tex\u001b[31m\u0000", "a\tb"], "file_written": ["C:\\Users\\x\\"#.utf8)
        bytes += Array(repeating: UInt8(ascii: "A"), count: 1 << 20)
        bytes += Array(#""]}}}"#.utf8)
        let record = try ReportReader.read(bytes: bytes, path: "hostile.json")
        let names = Self.names(record)
        #expect(names.contains(":mutex:mu\u{FFFD}\u{FFFD}(tex?[0m?"))
        #expect(names.contains(":mutex:a?b"))
        let path = try #require(names.first { $0.hasPrefix(":path:write:") })
        #expect(path == ":path:write:<user>\\" + String(repeating: "a", count: 256 - 7))
    }

    @Test func tokensSeenInOneSampleOnlyAreDropped() throws {
        func sample(_ id: String, _ mutexes: [String]) -> Sample {
            var r = ReportRecord()
            r.mutexes = StringList(mutexes)
            return Sample(id: id, path: nil, reportSize: 1, record: r)
        }
        let samples = [sample("a", ["shared", "onlya"]), sample("b", ["shared", "pair"]), sample("c", ["pair", "onlyc"])]
        let set = try FeatureBuilder.build(samples, configuration: .families, threads: 1)
        #expect(set.names == [":mutex:pair", ":mutex:shared"])
        #expect(set.matrix.rowCount == 3)
        #expect(set.columnSupport == [2, 2])
        #expect(set.configuration == .families)
    }

    /// A string seen in an earlier record is found again by the builder without normalising it, but
    /// never where the token differs: here the same mutex names the second pair of samples itself.
    @Test func rememberedStringsKeepEachRecordsOwnName() throws {
        func sample(_ id: String, _ fileName: String) -> Sample {
            var r = ReportRecord()
            r.fileName = fileName
            r.mutexes = ["Dropper.exe_MTX", "common"]
            return Sample(id: id, path: nil, reportSize: 1, record: r)
        }
        let samples = [sample("a1", "first.exe"), sample("a2", "first.exe"), sample("b1", "dropper.exe"), sample("b2", "dropper.exe")]
        let set = try FeatureBuilder.build(samples, configuration: .families, threads: 1)
        #expect(set.names == [":mutex:<self>_mtx", ":mutex:common", ":mutex:dropper.exe_mtx"])
        #expect((0..<4).map { Array(set.matrix.row($0).columns) } == [[1, 2], [1, 2], [0, 1], [0, 1]])
    }

    /// Threads, and placing a record afterwards (`compare`, which normalises every string afresh), give
    /// the rows a single build gives, on the sample data and the real reports.
    @Test func buildIsTheSameOnEveryThreadCountAndPlacementMatches() throws {
        var paths = [TestSupport.packageRoot + "/sample_data/reports"]
        if let shared = TestSupport.shared { paths += [shared + "/data/cuckoo-reports", shared + "/data/cape-reports"] }
        let loaded = try ReportLoader.load(paths: paths)
        #expect(loaded.samples.count > 100)
        let one = try FeatureBuilder.build(loaded.samples, configuration: .families, threads: 1)
        let many = try FeatureBuilder.build(loaded.samples, configuration: .families, threads: 3,
                                            minimumRowsPerThread: 1, control: .none)
        #expect(one == many)
        #expect(one.names.count > 100)
        let index = one.columnIndex()
        for i in loaded.samples.indices {
            let row = one.matrix.row(i)
            let placed = one.row(for: loaded.samples[i].record!, index: index)
            #expect(placed.map(\.0) == Array(row.columns) && placed.allSatisfy { $0.1 == 1 })
        }
    }

    /// Raw strings found again by their numbers give the rows normalising each one afresh gives, when
    /// one is a spelling of another that is equal as a String (U+212A KELVIN SIGN is "K"), holds the
    /// sample's own name, or is cut (a section name up to its NUL), whichever a thread meets first.
    @Test func rawStringsFoundByNumberGiveTheTokensNormalisingGives() throws {
        let values = ["Kelvin", "\u{212A}elvin", "Global\\Kelvin", "Global\\\u{212A}elvin", "Caf\u{e9}", "Cafe\u{301}",
                      "run_s3.exe", "C:\\Users\\x\\s3.exe", "C:\\Users\\x\\s4.exe"]
        let sections = [".text\\x00\\xea8", ".text", ".\u{212A}", ".K"]
        var samples: [Sample] = []
        for i in 0..<36 {
            var record = ReportRecord()
            record.fileName = "s\(i % 6).exe"
            record.mutexes = StringList([values[i % values.count], values[(i * 5 + 1) % values.count]])
            record.executedCommands = StringList([values[(i * 7 + 2) % values.count]])
            record.sectionNames = StringList([sections[i % sections.count], sections[(i / 3) % sections.count]])
            samples.append(Sample(id: "s\(i)", path: nil, reportSize: (i * 7919) % 13, record: record))
        }
        let configuration = FeatureConfiguration(kind: .families, groups: [.mutex, .cmd, .section])
        let one = try FeatureBuilder.build(samples, configuration: configuration, threads: 1, minimumRowsPerThread: 1, control: .none)
        #expect(one.names.count > 5)
        let index = one.columnIndex()
        for threads in [1, 2, 3] {
            let built = try FeatureBuilder.build(samples, configuration: configuration, threads: threads,
                                                 minimumRowsPerThread: 1, control: .none)
            #expect(built == one, "threads \(threads)")
            for i in samples.indices {
                let placed = one.row(for: samples[i].record!, index: index)
                #expect(placed.map(\.0) == Array(built.matrix.row(i).columns), "threads \(threads) sample \(i)")
            }
        }
    }

    /// Imported functions, imported DLLs and loaded DLLs found again by the builder give the names a
    /// direct normalisation of each string gives, on 1 to 3 threads: DLLs holding the sample's own
    /// name, spellings equal as Strings (U+212A KELVIN SIGN), DLLs whose token is empty, and the same
    /// function under several DLLs.
    @Test func importsFoundAgainGiveTheTokensNormalisingGives() throws {
        let dlls = ["KERNEL32.dll", "C:\\Windows\\System32\\kernel32.DLL", "s2.dll", "C:\\x\\s3_helper.dll", "\u{212A}ERNEL32.dll",
                    "C:\\", "ws2_32.dll", ".dll", "Caf\u{e9}.dll"]
        let functions = ["CreateFileA", "s1_helperHook", "GetProc_s4_helper", "\u{212A}illTimer", "KillTimer", "Sleep", "lstrcpyW"]
        var samples: [Sample] = []
        for i in 0..<48 {
            var record = ReportRecord()
            record.fileName = "s\(i % 6)_helper.exe"
            record.imports = (0..<3).map { k in
                ImportedLibrary(dll: dlls[(i * 5 + k * 4) % dlls.count],
                                functions: (0..<3).map { j in functions[(i * 3 + k + j * 2) % functions.count] })
            }
            record.dllsLoaded = StringList([dlls[(i * 7 + 1) % dlls.count], dlls[(i + 3) % dlls.count]])
            samples.append(Sample(id: "s\(i)", path: nil, reportSize: (i * 7919) % 13, record: record))
        }
        // Every token made afresh from the record, as the extraction describes it.
        func direct(_ r: ReportRecord) -> Set<String> {
            var normaliser = FamilyTokenNormaliser(record: r)
            func library(_ dll: String) -> String {
                var name = normaliser.normalise(FeatureExtractor.lastComponent(dll))
                if name.hasSuffix(".dll") { name.removeLast(4) }
                return name
            }
            var out = Set<String>()
            for lib in r.imports {
                let dll = library(lib.dll)
                guard !dll.isEmpty else { continue }
                out.insert(":library:" + dll)
                for f in lib.functions {
                    let token = normaliser.normalise(f)
                    if !token.isEmpty { out.insert(":import:" + dll + ":" + token) }
                }
            }
            for d in r.dllsLoaded {
                let token = library(d)
                if !token.isEmpty { out.insert(":loaded:" + token) }
            }
            return out
        }
        let configuration = FeatureConfiguration(kind: .families, groups: [.import, .library, .loaded])
        let one = try FeatureBuilder.build(samples, configuration: configuration, threads: 1, minimumRowsPerThread: 1, control: .none)
        #expect(one.names.count > 10)
        #expect(one.names.contains { $0.contains("<self>") })
        let kept = Set(one.names)
        for threads in [1, 2, 3] {
            let built = try FeatureBuilder.build(samples, configuration: configuration, threads: threads,
                                                 minimumRowsPerThread: 1, control: .none)
            #expect(built == one, "threads \(threads)")
            for i in samples.indices {
                let names = Set(built.matrix.row(i).columns.map { built.names[Int($0)] })
                #expect(names == direct(samples[i].record!).intersection(kept), "threads \(threads) sample \(i)")
            }
        }
    }

    @Test func recordCodingKeepsTheNewFieldsAndReadsVersionsOneAndTwo() throws {
        var r = try Self.read(Self.cuckoo)
        r.httpRequests.append(HTTPRequest(host: "h", port: nil, method: nil, uri: nil, userAgent: nil))
        r.untrackedProcessNames = ["lsass.exe"]
        // Versions 1 to 3 hold their strings inline (version 4 numbers them in the file's string table).
        let bytes = RecordCoding.encodeInline(r)
        #expect(bytes[0] == 3)
        #expect(try bytes.withUnsafeBytes { try RecordCoding.decode($0) } == r)
        // An optional string that ends the record (the last request's user agent) reads back too.
        var last = r
        last.httpRequests[last.httpRequests.count - 1].userAgent = "Agent/1.0"
        #expect(try RecordCoding.encodeInline(last).withUnsafeBytes { try RecordCoding.decode($0) } == last)
        // A version 2 record is the same bytes without the version 3 tail (one empty list).
        var older = r
        older.untrackedProcessNames = []
        var v2 = RecordCoding.encodeInline(older)
        v2.removeLast(1)
        v2[0] = 2
        #expect(try v2.withUnsafeBytes { try RecordCoding.decode($0) } == older)
        // A version 1 record (a session saved before) is the same bytes without the version 2 tail.
        var old = older
        old.sha1 = nil; old.imphash = nil; old.pdbPath = nil
        old.sectionNames = []; old.resourceNames = []; old.exports = []; old.wmiQueries = []
        for i in old.httpRequests.indices { old.httpRequests[i].userAgent = nil }
        var v1 = RecordCoding.encodeInline(old)
        v1.removeLast(8 + old.httpRequests.count)
        v1[0] = 1
        #expect(try v1.withUnsafeBytes { try RecordCoding.decode($0) } == old)
        v1[0] = RecordCoding.version + 1
        #expect(throws: RecordCoding.DecodeError.self) { try v1.withUnsafeBytes { try RecordCoding.decode($0) } }
    }

    @Test func sessionFilesKeepTheFamilySpace() throws {
        var session = Session()
        #expect(session.featureConfiguration == .families)
        session.upsert((0..<4).map { i in Sample(id: "s\(i)", path: "/r/s\(i).json", reportSize: 10,
                                                 record: try! Self.read(i % 2 == 0 ? Self.cuckoo : Self.cape)) })
        try session.refreshDerived()
        session.fixture.featureConfiguration = FeatureConfiguration(kind: .families, groups: [.api, .imphash, .import])
        try session.rebuildFeatures()
        let dir = OutputFixtures.temporaryDirectory()
        try SessionStore.save(session, to: dir + "/s.cuckooml")
        let back = try SessionStore.open(dir + "/s.cuckooml")
        #expect(back.featureConfiguration == session.featureConfiguration)
        #expect(back.features == session.features)
        #expect(back.samples.map(\.record) == session.samples.map(\.record))
        #expect(back.features?.names.contains(":imphash:2224e2f1996eb8c3411e6259e95e3851") == true)
    }

    /// The real reports: the static fields are found where each dialect keeps them.
    @Test(.enabled(if: TestSupport.hasShared)) func realReportsGiveTheStaticFields() throws {
        let data = TestSupport.shared! + "/data/"
        let cuckoo = try ReportReader.read(path: data + "cuckoo-reports/10.json")
        #expect(cuckoo.imphash == "b149d0ddf46e5e883c8f5b26af0c867a")
        #expect(cuckoo.sectionNames.first == ".text")
        #expect(cuckoo.resourceNames.contains("RT_VERSION"))
        #expect(cuckoo.httpRequests.compactMap(\.userAgent).contains("Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1; SV1; InfoPath.2)"))
        #expect(cuckoo.wmiQueries.contains("select * from win32_logicaldisk"))
        let pdb = try ReportReader.read(path: data + "cape-reports/9393a56f957a93bc.json")
        #expect(pdb.pdbPath == "C:\\Users\\mlguilb\\Documents\\Projects\\etw-dns\\etw-dns-app\\x64\\Release\\etw-dns-app.pdb")
        #expect(pdb.imphash == "2224e2f1996eb8c3411e6259e95e3851")
        #expect(pdb.httpRequests.first?.userAgent == "Microsoft-CryptoAPI/10.0")
        let exports = try ReportReader.read(path: data + "cape-reports/c1308bc146a8b151.json")
        #expect(exports.exports == ["dummydllwithentrypoint.dll", "exported_function"])
    }
}
