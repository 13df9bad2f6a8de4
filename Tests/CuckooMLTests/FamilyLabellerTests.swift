import Testing
@testable import CuckooML

/// The AVClass-style labeller step by step: tokens, non-family words, aliases, copies, votes.
@Suite struct DetectionTokeniserTests {
    func families(_ s: String) -> [String] { DetectionTokeniser.families(of: s) }

    @Test func splitsVendorNamesIntoFamilyCandidates() {
        #expect(families("Trojan.Win32.Zorbex.abcd") == ["zorbex", "abcd"])
        #expect(families("Trojan:Win32/Skeeyah.A!bit") == ["skeeyah"])
        #expect(families("W32/Dorkbot.B!worm") == ["dorkbot"])
        #expect(families("Win32:Zorbex-ABC [Trj]") == ["zorbex"])
        #expect(families("TROJ_DYNAMER.XXVZ") == ["dynamer", "xxvz"])
        #expect(families("Backdoor.Win32.Vernet.bgh") == ["vernet"])
        #expect(families("Trojan.Win32.Critroni.b (v)") == ["critroni"])
    }

    @Test func dropsGenericWordsClassesPlatformsAndPackers() {
        for generic in ["HEUR:Trojan.Win32.Generic", "Gen:Variant.Kazy.619301", "Trojan.GenericKD.2832003", "Win32:Malware-gen",
                        "UDS:DangerousObject.Multi.Generic", "Artemis!5E255A512DD3", "Trojan ( 004c4f981 )", "Trj/Genetic.gen",
                        "PE:Malware.RDM.29!5.23[F1]", "HEUR/QVM03.0.Malware.Gen", "TR/Crypt.ZPACK.Gen8", "W32/Trojan2.OQYK",
                        "Trojan-Downloader.Win32.Small", "Packed.Win32.Krap.ab", "Mal/Generic-S", "BehavesLike.Win32.Dropper.dm",
                        "not-a-virus:AdWare.Win32.Agent", "W97M/Downloader", "Trojan.Win32.Delf"] {
            #expect(families(generic).allSatisfy { $0.count <= 4 && !["kazy", "generic", "malware", "krap", "delf"].contains($0) },
                    "\(generic): \(families(generic))")
        }
        #expect(families("Gen:Variant.Kazy.619301") == [])
        #expect(families("a variant of Win32/Kryptik.DPKD") == [])
    }

    @Test func aVariantAfterAGenericWordIsNoFamily() {
        #expect(families("Trojan-Spy.Win32.Agent.cvaf") == [])
        #expect(families("a variant of Generik.ICXJDBE") == [])
        // BitDefender's Gen:Variant.<Family>: the word after "variant" is the family.
        #expect(families("Gen:Variant.Zorbex.12") == ["zorbex"])
    }

    @Test func kasperskyStyleEnginesEndWithALowerCaseVariant() {
        #expect(DetectionTokeniser.families(of: "Trojan.Win32.Yakes.leuu", engine: "Kaspersky") == [])
        #expect(DetectionTokeniser.families(of: "Trojan.Win32.Zorbex.dwvell", engine: "NANO-Antivirus") == ["zorbex"])
        #expect(DetectionTokeniser.families(of: "Trojan.Win32.Zorbex.dwvell", engine: "Sophos") == ["zorbex", "dwvell"])
        // A capitalised last token is the family, and two tokens are too few to hold a variant.
        #expect(DetectionTokeniser.families(of: "Trojan-Spy.Win32.Zorbex", engine: "Kaspersky") == ["zorbex"])
        #expect(DetectionTokeniser.families(of: "Trojan.zorbex", engine: "Kaspersky") == ["zorbex"])
        // The labeller keeps the engine-dependent answer apart from the same string's for other engines.
        var first = VirusTotalResults(), second = VirusTotalResults()
        first.scans = [EngineResult(engine: "Sophos", detected: true, result: "Trojan.Win32.Kiwor.abcd"),
                       EngineResult(engine: "Ikarus", detected: true, result: "Trojan.Abcd")]
        second.scans = [EngineResult(engine: "Kaspersky", detected: true, result: "Trojan.Win32.Kiwor.abcd"),
                        EngineResult(engine: "Ikarus", detected: true, result: "Trojan.Abcd"),
                        EngineResult(engine: "Avira", detected: true, result: "TR/Kiwor.B")]
        let labels = FamilyLabeller.label([first, second]).labels
        #expect(labels[0].family == "abcd" && labels[0].runnerUp == "kiwor")
        #expect(labels[1].family == "kiwor" && labels[1].votes == 2 && labels[1].runnerUp == "abcd" && labels[1].runnerUpVotes == 1)
    }

    @Test func digitsTokensAndLengths() {
        #expect(families("Trojan.DownLoader15.22944") == [])
        #expect(families("Trojan.Zorbex15.3") == ["zorbex"])
        #expect(families("W32.Clod52a.Trojan.4856") == [])
        #expect(families("Trojan.Foo") == [])  // under 4 letters: variant letters and abbreviations
        #expect(families("Win32/Zorbex") == ["zorbex"])
        // Aliases are looked up before digits go: TDL4 is TDSS; and families written with digits stay.
        #expect(families("Rootkit.Win32.TDL4") == ["tdss"])
        #expect(families("Backdoor.Win32.Gh0st.a") == ["gh0st"])
        #expect(families("Win.Trojan.Gh0stRAT-123") == ["gh0st"])
    }

    @Test func tableAliasesMapToTheCanonicalName() {
        #expect(families("Backdoor.Win32.Androm.gen") == ["gamarue"])
        #expect(families("Worm:Win32/Gamarue.I") == ["gamarue"])
        #expect(families("Trojan:Win32/Sirefef.P") == ["zeroaccess"])
    }

    @Test func verdictsSayWhy() {
        let verdicts = DetectionTokeniser.verdicts(of: "Trojan.Win32.Zorbex.ab")
        #expect(verdicts.count == 4)
        guard case .notFamily(let entry) = verdicts[0] else { Issue.record("trojan: \(verdicts[0])"); return }
        #expect(entry.table == "classes.txt" && entry.text == "trojan")
        #expect(verdicts[1] == .tooShort)  // "win32" without its digits
        #expect(verdicts[2] == .family("zorbex"))
        #expect(verdicts[3] == .tooShort)
        #expect(DetectionTokeniser.verdict(Array("x1y2z3w4".utf8)) == .hasDigits)
    }

    @Test func hostileStrings() {
        // Control characters separate tokens and are never part of a family.
        #expect(families("Trojan.\u{1B}]0;Zorbex\u{07}.A") == ["zorbex"])
        // Non-ASCII (and bytes that were not UTF-8, decoded as U+FFFD) separate tokens.
        #expect(families("Trojan.Zörbex\u{FFFD}Kiwor.A") == ["rbex", "kiwor"])
        // 10 000 characters: only the first bytes are read, and one 10 000-letter token is no family.
        let long = "Trojan.Zorbex." + String(repeating: "A", count: 10_000)
        #expect(families(long) == ["zorbex"])
        #expect(families(String(repeating: "z", count: 10_000)) == [])
        #expect(families(String(repeating: "Zorbex.", count: 2_000)) == ["zorbex"])
        // Unbalanced brackets hide what follows, nothing more.
        #expect(families("Win32/Zorbex (((") == ["zorbex"])
        #expect(families("))]]Zorbex") == ["zorbex"])
        #expect(families("") == [])
    }
}

@Suite struct FamilyLabellerTests {
    func vt(_ results: [(String, String?)]) -> VirusTotalResults {
        var v = VirusTotalResults()
        v.scans = EngineResults(results.map { EngineResult(engine: $0.0, detected: $0.1 != nil, result: $0.1) })
        return v
    }

    func label(_ results: [(String, String?)]) -> SampleLabel { FamilyLabeller.label([vt(results)]).labels[0] }

    @Test func mostIndependentEnginesWinWithAtLeastTwo() {
        let l = label([("Kaspersky", "Trojan.Win32.Zorbex.a"), ("ESET-NOD32", "Win32/Zorbex.B"), ("Microsoft", "Trojan:Win32/Kiwor.A"),
                       ("Symantec", "Trojan.Gen"), ("Avira", nil)])
        #expect(l == SampleLabel(family: "zorbex", votes: 2, source: .virusTotal, engines: 4, runnerUp: "kiwor", runnerUpVotes: 1))
        #expect(l.margin == 1)
        let one = label([("Kaspersky", "Trojan.Win32.Zorbex.a"), ("Microsoft", "Trojan:Win32/Kiwor.A")])
        #expect(one == SampleLabel(family: "none", votes: 0, source: .virusTotal, engines: 2))
        #expect(one.margin == nil)
    }

    @Test func aFamilyCountsOncePerEngine() {
        let l = label([("Kaspersky", "Trojan.Zorbex.Zorbex.Win32"), ("Microsoft", "Trojan:Win32/Kiwor.A"), ("ESET-NOD32", "Win32/Kiwor.A")])
        #expect(l.family == "kiwor" && l.votes == 2 && l.runnerUp == "zorbex" && l.runnerUpVotes == 1)
    }

    @Test func enginesCopyingAnotherCountOnce() {
        // Six engines licensing BitDefender's signatures are one voter...
        let licensees = ["BitDefender", "Ad-Aware", "ALYac", "Emsisoft", "GData", "MicroWorld-eScan"]
        let copies = licensees.enumerated().map { ($0.element, "Gen:Variant.Zorbex.\($0.offset)") as (String, String?) }
        #expect(label(copies).family == "none")
        // ... one vendor's two products too ...
        #expect(label([("McAfee", "Zorbex.a"), ("McAfee-GW-Edition", "Zorbex.b")]).family == "none")
        // ... and the same string from two engines is one result, whoever prints it.
        #expect(label([("Kaspersky", "Trojan.Win32.Zorbex.a"), ("Baidu-International", "Trojan.Win32.Zorbex.a")]).family == "none")
        // An independent engine agreeing makes two votes.
        let l = label(copies + [("Kaspersky", "Trojan.Win32.Zorbex.a")])
        #expect(l.family == "zorbex" && l.votes == 2 && l.engines == 7)
    }

    @Test func tiesGoToTheAlphabeticallyFirstFamilyAndAreReported() {
        let l = label([("Kaspersky", "Trojan.Win32.Zorbex.a"), ("ESET-NOD32", "Win32/Zorbex.B"),
                       ("Microsoft", "Trojan:Win32/Kiwor.A"), ("Sophos", "Troj/Kiwor-A")])
        #expect(l.family == "kiwor" && l.votes == 2 && l.runnerUp == "zorbex" && l.runnerUpVotes == 2)
        #expect(l.margin == 0)
        // The engines' order does not matter.
        let reversed = label([("Sophos", "Troj/Kiwor-A"), ("Microsoft", "Trojan:Win32/Kiwor.A"),
                              ("ESET-NOD32", "Win32/Zorbex.B"), ("Kaspersky", "Trojan.Win32.Zorbex.a")])
        #expect(reversed == l)
    }

    @Test func notScannedAndMissingBlocksAreNone() {
        var notScanned = vt([("Kaspersky", "Trojan.Win32.Zorbex.a"), ("ESET-NOD32", "Win32/Zorbex.B")])
        notScanned.notScanned = true
        let labels = FamilyLabeller.label([notScanned, nil, VirusTotalResults()]).labels
        #expect(labels.allSatisfy { $0 == .none })
    }

    /// Corpus-level alias detection: `kiwor` appears on 25 samples, always beside `zorbex` (on 40).
    @Test func aliasesFoundInTheCorpusMergeIntoTheCommonerName() {
        var corpus: [VirusTotalResults?] = []
        for i in 0..<40 {
            var results: [(String, String?)] = [("Kaspersky", "Trojan.Win32.Zorbex.a\(i)"), ("ESET-NOD32", "Win32/Zorbex.B")]
            if i < 25 { results += [("Microsoft", "Trojan:Win32/Kiwor.A"), ("Sophos", "Troj/Kiwor-A"), ("Avira", "TR/Kiwor.\(i)")] }
            corpus.append(vt(results))
        }
        let outcome = FamilyLabeller.label(corpus)
        #expect(outcome.detectedAliases == [FamilyLabeller.DetectedAlias(alias: "kiwor", family: "zorbex", support: 25, together: 25)])
        // Without the merge kiwor (3 votes) would beat zorbex (2).
        #expect(outcome.labels.allSatisfy { $0.family == "zorbex" })
        #expect(outcome.labels[0].votes == 5 && outcome.labels[0].runnerUp == nil)
        // Below the minimum support a small corpus merges nothing.
        let small = FamilyLabeller.label(Array(corpus.prefix(19)))
        #expect(small.detectedAliases.isEmpty)
        #expect(small.labels.allSatisfy { $0.family == "kiwor" && $0.runnerUp == "zorbex" })
        // One engine's token riding along on every sample is no candidate, so it is no alias either;
        // nor are two names on exactly the same samples (no evidence which is the name).
        let riders = corpus.map { v -> VirusTotalResults? in
            var v = v!
            v.scans += [EngineResult(engine: "Jiangmin", detected: true, result: "Trojan/Qlopx.a"),
                        EngineResult(engine: "Cyren", detected: true, result: "W32/Zorbex.Twinax"),
                        EngineResult(engine: "Ikarus", detected: true, result: "Trojan.Twinax")]
            return v
        }
        let withRiders = FamilyLabeller.label(riders)
        #expect(withRiders.detectedAliases.map(\.alias) == ["kiwor"])
        #expect(withRiders.labels[30].family == "zorbex" && withRiders.labels[30].runnerUp == "twinax")
        // Two families that often but not nearly always appear together stay apart.
        var mixed = corpus
        for i in 0..<5 { mixed[i] = vt([("Microsoft", "Trojan:Win32/Kiwor.A"), ("Sophos", "Troj/Kiwor-A"), ("Avira", "TR/Kiwor.\(i)")]) }
        #expect(FamilyLabeller.label(mixed).detectedAliases.isEmpty)
    }

    /// One report loaded 30 times is one piece of evidence: its two names are no aliases.
    @Test func repeatedScansOfOneFileFindNoAlias() {
        let one = vt([("Kaspersky", "Trojan.Win32.Zorbex.a"), ("ESET-NOD32", "Win32/Zorbex.B"), ("Microsoft", "Trojan:Win32/Kiwor.A"),
                      ("Sophos", "Troj/Kiwor-A"), ("Avira", "TR/Kiwor.x")])
        var corpus: [VirusTotalResults?] = Array(repeating: one, count: 30)
        corpus += (0..<30).map { i in vt([("Kaspersky", "Trojan.Win32.Zorbex.a\(i)"), ("ESET-NOD32", "Win32/Zorbex.B")]) }
        let outcome = FamilyLabeller.label(corpus)
        #expect(outcome.detectedAliases.isEmpty)
        #expect(outcome.labels[0].family == "kiwor" && outcome.labels[0].runnerUp == "zorbex")
    }

    @Test func cacheGivesTheSameLabels() {
        let corpus = (0..<50).map { i in vt([("Kaspersky", "Trojan.Win32.Fam\(["a", "b"][i % 2])x.a"), ("ESET-NOD32", "Win32/Fam\(["a", "b"][i % 2])x.B")]) }
        var cache = FamilyLabeller.Cache()
        let first = FamilyLabeller.label(corpus, cache: &cache).labels
        let again = FamilyLabeller.label(corpus, cache: &cache).labels
        #expect(first == again)
        #expect(first == FamilyLabeller.label(corpus).labels)
        #expect(Set(first.map(\.family)) == ["famax", "fambx"])
    }
}

/// v2, v3 and CAPE shapes of the VirusTotal block, read by the report reader and labelled.
@Suite struct VirusTotalShapesTests {
    func labelOf(_ json: String) throws -> SampleLabel {
        let record = try ReportReader.read(bytes: Array(json.utf8))
        return FamilyLabeller.label([record.virusTotal]).labels[0]
    }

    @Test func v2Scans() throws {
        let l = try labelOf(#"{"virustotal": {"positives": 2, "total": 3, "scans": {"Kaspersky": {"detected": true, "result": "Trojan.Win32.Zorbex.a"}, "ESET-NOD32": {"detected": true, "result": "Win32/Zorbex.B"}, "Avira": {"detected": false, "result": null}}}}"#)
        #expect(l == SampleLabel(family: "zorbex", votes: 2, source: .virusTotal, engines: 2))
    }

    @Test func v3LastAnalysisResults() throws {
        let v3 = #"{"virustotal": {"data": {"attributes": {"last_analysis_stats": {"malicious": 2, "undetected": 1, "harmless": 0}, "last_analysis_results": {"Kaspersky": {"category": "malicious", "engine_name": "Kaspersky", "result": "Trojan.Win32.Zorbex.a"}, "ESET-NOD32": {"category": "malicious", "engine_name": "ESET-NOD32", "result": "Win32/Zorbex.B"}, "Avira": {"category": "undetected", "engine_name": "Avira", "result": null}}}}}}"#
        let record = try ReportReader.read(bytes: Array(v3.utf8))
        let vt = try #require(record.virusTotal)
        #expect(vt.scans.count == 3 && vt.scans.filter(\.detected).count == 2)
        #expect(vt.positives == 2 && vt.total == 3)
        #expect(try labelOf(v3) == SampleLabel(family: "zorbex", votes: 2, source: .virusTotal, engines: 2))
        // The attributes alone, as some modules store them.
        let bare = #"{"virustotal": {"last_analysis_results": {"Kaspersky": {"category": "malicious", "result": "Trojan.Win32.Zorbex.a"}, "Microsoft": {"category": "malicious", "result": "Trojan:Win32/Zorbex.A"}}}}"#
        #expect(try labelOf(bare).family == "zorbex")
    }

    @Test func oddlyShapedBlocksGiveNoDetectionsAndNoError() throws {
        for block in [#"{"last_analysis_results": [1, 2]}"#, #"{"last_analysis_results": {"e": 5}}"#,
                      #"{"last_analysis_results": {"e": {"category": 7, "result": {"a": 1}}}}"#,
                      #"{"data": {"attributes": {"data": {"attributes": {"last_analysis_results": {"e": {"category": "malicious", "result": "Win32/Zorbex"}}}}}}}"#,
                      #"{"last_analysis_stats": {"malicious": "many"}, "results": {"vendor": 1}}"#] {
            let record = try ReportReader.read(bytes: Array(#"{"virustotal": \#(block)}"#.utf8))
            #expect(record.virusTotal?.scans.filter(\.detected).isEmpty != false, "\(block)")
            #expect(FamilyLabeller.label([record.virusTotal]).labels[0].family == "none", "\(block)")
        }
    }

    @Test func nonUTF8BytesInResultsSeparateTokens() throws {
        var bytes = Array(#"{"virustotal": {"scans": {"Kaspersky": {"detected": true, "result": "Trojan.Win32.Zorbex"#.utf8)
        bytes += [0xFF, 0xFE, 0xC3]
        bytes += Array(#"Kiwor.a"}, "Microsoft": {"detected": true, "result": "Trojan:Win32/Zorbex\u001b[31m.A"}}}}"#.utf8)
        let record = try ReportReader.read(bytes: bytes)
        let label = FamilyLabeller.label([record.virusTotal]).labels[0]
        #expect(label == SampleLabel(family: "zorbex", votes: 2, source: .virusTotal, engines: 2, runnerUp: "kiwor", runnerUpVotes: 1))
    }

    @Test func capeResultsList() throws {
        let cape = #"{"info": {"version": "2.4-CAPE"}, "virustotal": {"results": [{"vendor": "Kaspersky", "sig": "Trojan.Win32.Zorbex.a"}, {"vendor": "Microsoft", "sig": "Trojan:Win32/Zorbex.A"}, {"vendor": "Avira", "sig": null}]}}"#
        #expect(try labelOf(cape) == SampleLabel(family: "zorbex", votes: 2, source: .virusTotal, engines: 2))
    }

    /// CAPE stores the same scan as `results` and as `scans`: each engine is read once.
    @Test func capeScanStoredTwiceCountsEachEngineOnce() throws {
        let cape = #"{"info": {"version": "2.4-CAPE"}, "virustotal": {"results": [{"vendor": "Kaspersky", "sig": "Trojan.Win32.Zorbex.a"}, {"vendor": "Microsoft", "sig": "Trojan:Win32/Zorbex.A"}], "scans": {"Kaspersky": {"result": "Trojan.Win32.Zorbex.a"}, "Microsoft": {"result": "Trojan:Win32/Zorbex.A"}, "ESET-NOD32": {"result": "Win32/Kiwor.A"}}}}"#
        let record = try ReportReader.read(bytes: Array(cape.utf8))
        #expect(record.virusTotal?.scans.map(\.engine) == ["Kaspersky", "Microsoft", "ESET-NOD32"])
        #expect(try labelOf(cape) == SampleLabel(family: "zorbex", votes: 2, source: .virusTotal, engines: 3, runnerUp: "kiwor", runnerUpVotes: 1))
    }
}

@Suite struct AVClassLabelFileTests {
    let samples = [Sample(id: "r1", path: "/r1.json", reportSize: 1, record: nil), Sample(id: "r2", path: "/r2.json", reportSize: 1, record: nil),
                   Sample(id: "r3", path: "/r3.json", reportSize: 1, record: nil)]

    func families(_ text: String) throws -> [String: String] {
        try ExternalLabels.parse(text, path: "f").match(samples).labels.mapValues(\.family)
    }

    @Test func avclassTSVWithSingletons() throws {
        #expect(try families("r1\tzbot\nr2\tSINGLETON:r2\nr3\t-\n") == ["r1": "zbot", "r2": "none", "r3": "none"])
    }

    @Test func avclassTagOutput() throws {
        let text = "r1\t42\tFILE:os:windows|14,FAM:reconyc|5,UNK:klone|2\nr2\t30\tFILE:os:windows|8,UNK:potao|7\nr3\t5\tFILE:exploit|3\n"
        #expect(try families(text) == ["r1": "reconyc", "r2": "potao", "r3": "none"])
    }

    @Test func jsonLines() throws {
        let text = #"""
            {"md5": "r1", "family": "zbot", "av_labels": [["Kaspersky", "Trojan.Zbot"]]}
            {"sample": "r2", "label": "SINGLETON:r2"}
            """#
        #expect(try families(text) == ["r1": "zbot", "r2": "none"])
        #expect(throws: LabelFileError(path: "f", reason: "line 1: expected a key (sample, md5, sha256, sha1, hash, id) and a family or label field")) {
            try ExternalLabels.parse(#"{"md5": "r1"}"#, path: "f")
        }
        #expect(throws: LabelFileError.self) { try ExternalLabels.parse("{\"md5\": \"r1\", \"family\": \n", path: "f") }
    }

    @Test func sampleFamilyTable() throws {
        #expect(try families("sample,family\nr1,zbot\nr3,none\n") == ["r1": "zbot", "r3": "none"])
    }
}

@Suite struct SessionLabelRuleTests {
    func results(_ pairs: [(String, String)]) -> VirusTotalResults {
        var v = VirusTotalResults()
        v.scans = EngineResults(pairs.map { EngineResult(engine: $0.0, detected: true, result: $0.1) })
        return v
    }

    @Test func newReportsAreLabelledByTheSessionsRule() {
        var session = Session()
        let copies = results((0..<6).map { ("Engine\($0)", "Win32/Zorbex.A") })
        let independent = results([("Kaspersky", "Trojan.Win32.Kiwor.a"), ("Microsoft", "Trojan:Win32/Kiwor.B")])
        #expect(session.settings.labelRule == .avclass)
        #expect(session.labels(forNew: [copies, independent, nil]).map(\.family) == ["none", "kiwor", "none"])
        session.settings.labelRule = .rule2016
        let old = session.labels(forNew: [copies, independent])
        #expect(old == [SampleLabel(family: "zorbex", votes: 6, source: .virusTotal, engines: 6),
                        SampleLabel(family: "none", votes: 0, source: .virusTotal, engines: 2)])
    }
}
