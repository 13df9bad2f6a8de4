import Testing
@testable import CuckooML

/// Every extracted field, from small hand-written reports in each dialect.
@Suite struct ReportsReaderTests {
    static func read(_ json: String) throws -> ReportRecord {
        try ReportReader.read(bytes: Array(json.utf8), path: "test.json")
    }

    static let cuckoo = """
        {
          "info": {"version": "2.0-dev", "score": 4.2, "machine": {"name": "win7"}},
          "signatures": [
            {"name": "creates_exe", "description": "Creates an executable", "severity": 2, "marks": [{"call": {"api": "X"}}]},
            {"name": "antivm_vbox", "description": "Detects VirtualBox", "families": []}
          ],
          "target": {"category": "file", "file": {"size": 573440, "type": "PE32 executable (GUI) Intel 80386",
                     "name": "sample.exe", "md5": "0123456789abcdef0123456789abcdef",
                     "sha256": "aa00000000000000000000000000000000000000000000000000000000000000", "urls": []}},
          "virustotal": {"positives": 3, "total": 4, "scans": {
              "Avast": {"detected": true, "result": "Win32:Zbot-ABC [Trj]", "update": "20160101"},
              "ClamAV": {"detected": false, "result": null},
              "Kaspersky": {"detected": true, "result": "Trojan-Spy.Win32.Zbot.abc"},
              "ESET-NOD32": {"detected": true, "result": "Win32/Spy.Zbot.AAN"}},
              "summary": {"positives": 3}},
          "static": {
            "pe_imports": [
              {"dll": "KERNEL32.dll", "imports": [{"address": "0x1", "name": "CreateFileA"}, {"address": "0x2", "name": null}, {"name": "ExitProcess"}]},
              {"dll": "USER32.dll", "imports": []}
            ],
            "imported_dll_count": 2,
            "pe_timestamp": "2015-06-22 08:09:13",
            "pe_versioninfo": [{"name": "FileDescription", "value": "Setup Program"}, {"name": "OriginalFilename", "value": "setup.exe"}],
            "pe_resources": [{"name": "RT_ICON", "language": "LANG_ENGLISH", "sublanguage": "SUBLANG_ENGLISH_US"},
                             {"name": "RT_RCDATA", "language": null, "sublanguage": "SUBLANG_NEUTRAL"}],
            "peid_signatures": ["UPX -> www.upx.sourceforge.net"],
            "signature": [{"common_name": "Some CA"}],
            "pe_sections": [{"name": ".text", "entropy": 6.5}]
          },
          "dropped": [{"name": "x.tmp", "data": "\\u0000\\u0001"}],
          "behavior": {
            "generic": [{"pid": 1}],
            "apistats": {"784": {"NtCreateFile": 3, "LdrLoadDll": 10}, "848": {"NtCreateFile": 2}},
            "processes": [
              {"process_name": "sample.exe", "pid": 784, "calls": [{"api": "ShouldBeIgnored", "arguments": {}}]},
              {"process_name": "cmd.exe", "pid": 848, "calls": []}
            ],
            "summary": {
              "file_read": ["C:\\\\a.txt"], "file_written": ["C:\\\\b.exe", "C:\\\\c.dll"], "file_deleted": ["C:\\\\d"],
              "file_copied": [["C:\\\\src1", "C:\\\\dst1"]], "file_moved": [["C:\\\\m1", "C:\\\\m2"], ["C:\\\\m3", "C:\\\\m4"]],
              "file_opened": ["C:\\\\o"], "file_exists": ["C:\\\\e1", "C:\\\\e2"], "file_failed": ["C:\\\\f"],
              "file_recreated": ["C:\\\\r"], "regkey_written": ["HKEY_CURRENT_USER\\\\Run\\\\x"],
              "regkey_deleted": ["HKEY_LOCAL_MACHINE\\\\y"], "regkey_opened": ["HKCU\\\\o1", "HKCU\\\\o2"],
              "mutex": ["Global\\\\M1", "M2"], "dll_loaded": ["kernel32.dll", "ntdll"], "command_line": ["cmd /c del x"],
              "guid": ["{0000}"]
            }
          },
          "debug": {"log": ["a", "b"]},
          "strings": ["MZ", "This program cannot be run in DOS mode"],
          "network": {
            "tcp": [{"src": "10.0.0.2", "dst": "1.2.3.4", "dport": 80}],
            "udp": [{"dst": "8.8.8.8"}, {"dst": "10.0.0.255"}],
            "dns": [{"request": "evil.example", "type": "A", "answers": [{"type": "A", "data": "1.2.3.4"}, {"type": "CNAME", "data": "x.example"}]}],
            "http": [{"host": "evil.example", "port": 80, "method": "GET", "uri": "http://evil.example/a", "data": "GET /a HTTP/1.1"}],
            "hosts": ["1.2.3.4", "8.8.8.8"]
          }
        }
        """

    @Test func cuckooReportGivesEveryField() throws {
        let r = try Self.read(Self.cuckoo)
        #expect(r.dialect == .cuckoo)
        #expect(r.analyzerVersion == "2.0-dev")
        #expect(r.fileSize == 573440)
        #expect(r.fileType == "PE32 executable (GUI) Intel 80386")
        #expect(r.fileName == "sample.exe")
        #expect(r.md5 == "0123456789abcdef0123456789abcdef")
        #expect(r.sha256 == "aa" + String(repeating: "0", count: 62))
        #expect(r.imports == [ImportedLibrary(dll: "KERNEL32.dll", functions: ["CreateFileA", "ExitProcess"]),
                              ImportedLibrary(dll: "USER32.dll", functions: [])])
        #expect(r.importedDLLCount == 2)
        #expect(r.peTimestamp == 1434960553)   // 2015-06-22 08:09:13 UTC
        #expect(r.versionInfo == [NameValue(name: "FileDescription", value: "Setup Program"),
                                  NameValue(name: "OriginalFilename", value: "setup.exe")])
        #expect(r.resourceLanguages == ["LANG_ENGLISH"])
        #expect(r.resourceSublanguages == ["SUBLANG_ENGLISH_US", "SUBLANG_NEUTRAL"])
        #expect(r.peidSignatures == ["UPX -> www.upx.sourceforge.net"])
        #expect(r.isSigned)
        #expect(r.files == [.read: ["C:\\a.txt"], .written: ["C:\\b.exe", "C:\\c.dll"], .deleted: ["C:\\d"],
                            .copied: ["C:\\src1", "C:\\dst1"], .moved: ["C:\\m1", "C:\\m2", "C:\\m3", "C:\\m4"],
                            .opened: ["C:\\o"], .exists: ["C:\\e1", "C:\\e2"], .failed: ["C:\\f"], .recreated: ["C:\\r"]])
        #expect(r.registryWritten == ["HKEY_CURRENT_USER\\Run\\x"])
        #expect(r.registryDeleted == ["HKEY_LOCAL_MACHINE\\y"])
        #expect(r.registryOpened == ["HKCU\\o1", "HKCU\\o2"])
        #expect(r.mutexes == ["Global\\M1", "M2"])
        #expect(r.dllsLoaded == ["kernel32.dll", "ntdll"])
        #expect(r.executedCommands == ["cmd /c del x"])
        #expect(r.processNames == ["sample.exe", "cmd.exe"])
        // apistats wins over calls: the call list is not counted.
        #expect(r.apiCounts == ["NtCreateFile": 5, "LdrLoadDll": 10])
        #expect(r.tcpDestinations == ["1.2.3.4"])
        #expect(r.udpDestinations == ["8.8.8.8", "10.0.0.255"])
        #expect(r.dnsRequests == ["evil.example"])
        #expect(r.dnsAnswers == ["1.2.3.4"])
        #expect(r.httpHosts == ["evil.example"])
        #expect(r.httpRequests == [HTTPRequest(host: "evil.example", port: 80, method: "GET", uri: "http://evil.example/a")])
        #expect(r.hosts == ["1.2.3.4", "8.8.8.8"])
        #expect(r.signatures == [Signature(name: "creates_exe", description: "Creates an executable"),
                                 Signature(name: "antivm_vbox", description: "Detects VirtualBox")])
        let vt = try #require(r.virusTotal)
        #expect(!vt.notScanned)
        #expect(vt.positives == 3 && vt.total == 4)
        #expect(vt.scans == [EngineResult(engine: "Avast", detected: true, result: "Win32:Zbot-ABC [Trj]"),
                             EngineResult(engine: "ClamAV", detected: false, result: nil),
                             EngineResult(engine: "Kaspersky", detected: true, result: "Trojan-Spy.Win32.Zbot.abc"),
                             EngineResult(engine: "ESET-NOD32", detected: true, result: "Win32/Spy.Zbot.AAN")])
    }

    @Test func cuckooNotScannedVirusTotal() throws {
        let r = try Self.read(#"{"virustotal": {"summary": {"error": "resource has not been scanned yet"}}}"#)
        #expect(r.virusTotal?.notScanned == true)
        #expect(r.virusTotal?.scans == [])
        let scanned = try Self.read(#"{"virustotal": {"scans": {}, "summary": {"positives": 0}}}"#)
        #expect(scanned.virusTotal?.notScanned == false)
        #expect(try Self.read("{}").virusTotal == nil)
    }

    static let cape = """
        {"info": {"version": "2.4-CAPE", "options": {"api-cap": "1000"}},
         "target": {"category": "file", "file": {"size": 9728, "type": "PE32 executable (console)", "name": "a.exe",
            "md5": "5b3379f09881a7b18f6f0a0eb8449dbb", "sha256": "491f", "pe": {
              "digital_signers": [], "guest_signers": {"aux_valid": false},
              "imports": {"ADVAPI32.dll": {"dll": "ADVAPI32.dll", "imports": [{"address": "0x402000", "name": "RegCreateKeyExA"}]},
                          "KERNEL32.dll": {"imports": [{"name": "Sleep"}, {"name": "GetTickCount"}]}},
              "imported_dll_count": 2, "timestamp": "2023-01-27 21:11:36",
              "versioninfo": [{"name": "CompanyName", "value": "ACME"}],
              "resources": [{"name": "RT_VERSION", "language": "LANG_NEUTRAL", "sublanguage": "SUBLANG_NEUTRAL", "entropy": 3.1}],
              "peid_signatures": null, "sections": [{"name": ".text"}]}}},
         "CAPE": {"payloads": [{"data": "big"}]},
         "behavior": {
           "processes": [
             {"process_id": 4228, "process_name": "a.exe", "calls": [
                {"api": "NtCreateFile", "arguments": [{"name": "FileName", "value": "C:\\\\x"}], "return": "0x0"},
                {"timestamp": "t", "api": "LdrLoadDll", "arguments": []},
                {"api": "NtCreateFile"}]},
             {"process_id": 5, "process_name": "cmd.exe", "calls": [{"api": "NtClose"}]}],
           "summary": {"files": ["C:\\\\f1", "C:\\\\f2"], "read_files": ["C:\\\\r"], "write_files": ["C:\\\\w"],
              "delete_files": ["C:\\\\d"], "keys": ["HKCU\\\\k1"], "read_keys": ["HKCU\\\\ignored"], "write_keys": ["HKCU\\\\w"],
              "delete_keys": ["HKCU\\\\d"], "mutexes": ["MutexNam3"], "executed_commands": ["cmd.exe /c echo hai"],
              "resolved_apis": ["kernel32.dll!CreateMutexW"], "started_services": []}},
         "network": {"hosts": [{"ip": "74.178.240.61", "hostname": "", "ports": []}],
                     "tcp": [{"dst": "74.178.240.61"}], "udp": [],
                     "dns": [{"request": "settings-win.data.microsoft.com", "answers": []}], "http": []},
         "signatures": [{"name": "stealth_network", "description": "Network activity", "data": [{"x": 1}], "severity": 1}],
         "virustotal": {"positives": 1, "total": 2, "results": [{"vendor": "Microsoft", "sig": "Trojan:Win32/Emotet"},
                                                                {"vendor": "Avira", "sig": null}]}
        }
        """

    @Test func capeReportGivesEveryField() throws {
        let r = try Self.read(Self.cape)
        #expect(r.dialect == .cape)
        #expect(r.analyzerVersion == "2.4-CAPE")
        #expect(r.fileSize == 9728 && r.fileName == "a.exe" && r.md5 == "5b3379f09881a7b18f6f0a0eb8449dbb" && r.sha256 == "491f")
        #expect(r.fileType == "PE32 executable (console)")
        #expect(r.imports == [ImportedLibrary(dll: "ADVAPI32.dll", functions: ["RegCreateKeyExA"]),
                              ImportedLibrary(dll: "KERNEL32.dll", functions: ["Sleep", "GetTickCount"])])
        #expect(r.importedDLLCount == 2)
        #expect(r.peTimestamp == 1674853896)
        #expect(r.versionInfo == [NameValue(name: "CompanyName", value: "ACME")])
        #expect(r.resourceLanguages == ["LANG_NEUTRAL"])
        #expect(r.peidSignatures == [])
        #expect(!r.isSigned)
        #expect(r.processNames == ["a.exe", "cmd.exe"])
        #expect(r.apiCounts == ["NtCreateFile": 2, "LdrLoadDll": 1, "NtClose": 1])
        #expect(r.files == [.opened: ["C:\\f1", "C:\\f2"], .read: ["C:\\r"], .written: ["C:\\w"], .deleted: ["C:\\d"]])
        #expect(r.registryOpened == ["HKCU\\k1"])
        #expect(r.registryWritten == ["HKCU\\w"])
        #expect(r.registryDeleted == ["HKCU\\d"])
        #expect(r.mutexes == ["MutexNam3"])
        #expect(r.executedCommands == ["cmd.exe /c echo hai"])
        #expect(r.resolvedAPIs == ["kernel32.dll!CreateMutexW"])
        #expect(r.hosts == ["74.178.240.61"])
        #expect(r.tcpDestinations == ["74.178.240.61"])
        #expect(r.dnsRequests == ["settings-win.data.microsoft.com"])
        #expect(r.signatures == [Signature(name: "stealth_network", description: "Network activity")])
        let vt = try #require(r.virusTotal)
        #expect(vt.scans == [EngineResult(engine: "Microsoft", detected: true, result: "Trojan:Win32/Emotet"),
                             EngineResult(engine: "Avira", detected: false, result: nil)])
        #expect(vt.positives == 1 && vt.total == 2 && !vt.notScanned)
    }

    @Test func capeSignedAndVTv3Scans() throws {
        let r = try Self.read(#"""
            {"target": {"file": {"pe": {"digital_signers": [{"cn": "x"}]}}},
             "virustotal": {"scans": {"Avast": {"result": "Win32:Agent"}, "ClamAV": {"result": null}}}}
            """#)
        #expect(r.isSigned && r.dialect == .cape)
        #expect(r.virusTotal?.scans == [EngineResult(engine: "Avast", detected: true, result: "Win32:Agent"),
                                        EngineResult(engine: "ClamAV", detected: false, result: nil)])
        let guest = try Self.read(#"{"target": {"file": {"pe": {"guest_signers": {"aux_valid": true}}}}}"#)
        #expect(guest.isSigned)
    }

    /// The reduced CAPE report: only `behavior.summary.api_calls`; a -1 count means "called, count lost".
    @Test func capeReducedSummaryAPICalls() throws {
        let r = try Self.read(#"""
            {"behavior": {"summary": {"api_calls": [{"name": "RtlAllocateHeap", "count": 22257},
               {"name": "NtDelayExecution", "count": -1}, {"name": "bad", "count": "x"}, {"count": 3}],
               "files": [], "mutexes": ["m"]}}}
            """#)
        #expect(r.dialect == .cape)
        #expect(r.apiCounts == ["RtlAllocateHeap": 22257, "NtDelayExecution": 1])
        #expect(r.files == [:])
        #expect(r.mutexes == ["m"])
    }

    @Test func callsAreCountedWithoutAPIStatsInCuckooToo() throws {
        let r = try Self.read(#"{"behavior": {"processes": [{"calls": [{"api": "A"}, {"api": "A"}, {"api": 5}]}]}}"#)
        #expect(r.apiCounts == ["A": 2])
        #expect(r.dialect == .cuckoo)
    }

    @Test func wrongTypesSkipTheFieldNotTheFile() throws {
        let r = try Self.read(#"""
            {"target": {"file": {"size": "big", "md5": 12, "name": ["x"], "type": "ok"}},
             "static": {"pe_imports": {"dll": 5}, "pe_timestamp": "yesterday", "pe_versioninfo": "none",
                        "imported_dll_count": 1.5, "peid_signatures": [1, "PEiD", null], "signature": {}},
             "behavior": {"apistats": [], "summary": {"mutex": "m", "file_read": [1, "f", {"a": [1]}], "regkey_written": null},
                          "processes": {"process_name": "x"}},
             "network": {"tcp": "none", "udp": [5, {"dst": 7}, {"dst": "1.1.1.1"}], "dns": [{"request": null}]},
             "signatures": {"name": "x"},
             "virustotal": [1, 2]}
            """#)
        #expect(r.fileSize == nil && r.md5 == nil && r.fileName == nil && r.fileType == "ok")
        #expect(r.imports == [] && r.peTimestamp == nil && r.versionInfo == [] && r.importedDLLCount == nil)
        #expect(r.peidSignatures == ["PEiD"])
        #expect(!r.isSigned)
        #expect(r.apiCounts == [:] && r.mutexes == [] && r.files == [.read: ["f"]] && r.registryWritten == [])
        #expect(r.processNames == [])
        #expect(r.tcpDestinations == [] && r.udpDestinations == ["1.1.1.1"] && r.dnsRequests == [])
        #expect(r.signatures == [] && r.virusTotal == nil)
    }

    /// API names summed by their numbers across processes, as a dictionary sums them by String:
    /// ASCII names, canonically equal spellings (one key), and an escaped name equal to a raw one.
    @Test func apiStatsSumAcrossProcessesAsADictionary() throws {
        let ascii = try Self.read(#"""
            {"behavior": {"apistats": {"1": {"NtClose": 3, "NtQueryValueKey": 1, "A": 0},
                                       "2": {"NtClose": 4, "NtQueryVirtualMemory": 2, "Nt\u0043lose": 1, "B": -5}}}}
            """#)
        #expect(ascii.apiCounts == ["NtClose": 8, "NtQueryValueKey": 1, "NtQueryVirtualMemory": 2, "A": 0, "B": 0])
        #expect(ascii.apiCounts.keys == ["A", "B", "NtClose", "NtQueryValueKey", "NtQueryVirtualMemory"])
        let mixed = try Self.read(#"""
            {"behavior": {"apistats": {"1": {"caf\u00e9": 2, "Key": 1}, "2": {"cafe\u0301": 5, "\u212Aey": 7, "Zw": 1}}}}
            """#)
        // The first spelling met names the key, as in a dictionary.
        #expect(mixed.apiCounts == ["caf\u{e9}": 7, "Key": 8, "Zw": 1])
        #expect(mixed.apiCounts.keys.map { Array($0.utf8) } == [Array("Key".utf8), Array("Zw".utf8), Array("caf\u{e9}".utf8)])
    }

    /// CAPE's `results` and `scans` name the same engines: each engine's first result is kept, known
    /// engines or not, and `engine_name` renames an entry.
    @Test func repeatedEnginesKeepTheirFirstResult() throws {
        let r = try Self.read(#"""
            {"virustotal": {"results": [{"vendor": "Avast", "sig": "Win32:A"}, {"vendor": "My AV", "sig": "X"}],
                            "scans": {"Avast": {"detected": false, "result": null}, "ClamAV": {"detected": true, "result": "C"},
                                      "My AV": {"detected": false, "result": "Y"},
                                      "Other": {"detected": true, "result": "Z", "engine_name": "ClamAV"}}}}
            """#)
        #expect(Array(r.virusTotal!.scans) == [EngineResult(engine: "Avast", detected: true, result: "Win32:A"),
                                               EngineResult(engine: "My AV", detected: true, result: "X"),
                                               EngineResult(engine: "ClamAV", detected: true, result: "C")])
        let known = try Self.read(#"""
            {"virustotal": {"scans": {"Avast": {"detected": true, "result": "A"}, "Avast": {"detected": false, "result": "B"},
                                      "Avira": {"detected": false, "result": null}}}}
            """#)
        #expect(Array(known.virusTotal!.scans) == [EngineResult(engine: "Avast", detected: true, result: "A"),
                                                   EngineResult(engine: "Avira", detected: false, result: nil)])
    }

    @Test func missingSectionsGiveAnEmptyRecord() throws {
        var expected = ReportRecord()
        expected.dialect = .cuckoo
        #expect(try Self.read(#"{"info": {"id": 1}, "debug": {}}"#) == expected)
    }

    @Test func escapesAndUnicodeAreDecodedInKeptStrings() throws {
        // \u escapes (BMP, surrogate pair, lone surrogates), short escapes, raw UTF-8, and an escaped key.
        let r = try Self.read(#"""
            {"behavior": {"summary": {"mut\u0065x": ["caf\u00e9", "\ud83d\ude00!", "a\"b\\c\/d\b\f\n\r\t", "lone \ud800 x", "\udc00", "naïve ✓", "\u0000"]}}}
            """#)
        #expect(r.mutexes == ["café", "😀!", "a\"b\\c/d\u{8}\u{C}\n\r\t", "lone \u{FFFD} x", "\u{FFFD}", "naïve ✓", "\u{0}"])
    }

    @Test func invalidUTF8BecomesReplacementCharacters() throws {
        var bytes = Array(#"{"behavior": {"summary": {"mutex": [""#.utf8)
        bytes += [0x41, 0xFF, 0x42, 0xC3, 0x28, 0xE2, 0x82]   // A, invalid, B, bad continuation, truncated sequence
        bytes += Array(#""]}}}"#.utf8)
        let r = try ReportReader.read(bytes: bytes)
        #expect(r.mutexes.count == 1)
        let m = r.mutexes[0]
        #expect(m.hasPrefix("A\u{FFFD}B\u{FFFD}("))
        #expect(m.hasSuffix("\u{FFFD}"))
    }

    @Test func timestamps() {
        func ts(_ s: String) -> Int? { Array(s.utf8).withUnsafeBufferPointer { parseTimestamp($0) } }
        #expect(ts("1970-01-01 00:00:00") == 0)
        #expect(ts("2015-06-22 08:09:13") == 1434960553)
        #expect(ts("2000-02-29 23:59:59") == 951868799)
        #expect(ts("1969-12-31 23:59:59") == -1)
        #expect(ts("2023-01-27T21:11:36Z") == 1674853896)
        #expect(ts("2001-02-29 00:00:00") == nil)
        #expect(ts("2015-13-01 00:00:00") == nil)
        #expect(ts("2015-06-22 08:09") == nil)
        #expect(ts("") == nil)
        for s in ["1970-01-01 00:00:00", "2015-06-22 08:09:13", "2000-02-29 23:59:59", "1969-12-31 23:59:59", "1601-01-01 00:00:00"] {
            #expect(ts(s).map(formatTimestamp) == s)
        }
    }
}
