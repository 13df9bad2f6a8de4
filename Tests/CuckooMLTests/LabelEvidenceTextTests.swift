import Testing
@testable import CuckooML

/// The label evidence reads result texts by their numbers in `StringTable`, which is keyed by bytes;
/// the rules compare them as `String`s. Text equal as a `String` in other bytes (another Unicode
/// normalisation; the Kelvin sign, equal to an ASCII `K`) must still be the same text.
@Suite struct LabelEvidenceTextTests {
    static func scans(_ results: [(String, String?)]) -> EngineResults {
        EngineResults(results.map { EngineResult(engine: $0.0, detected: $0.1 != nil, result: $0.1) })
    }

    static func label(_ results: [(String, String?)]) -> SampleLabel {
        var v = VirusTotalResults()
        v.scans = scans(results)
        return FamilyLabeller.label([v]).labels[0]
    }

    /// Two independent engines naming a family in the same text count once (one vote, no label); in
    /// different texts twice (the family). Byte-different spellings of one `String` are the same text,
    /// whichever comes first and with ASCII results before, between and after them.
    @Test(arguments: [("Zbot.\u{F6}", "Zbot.o\u{308}"), ("Zbot.o\u{308}", "Zbot.\u{F6}"), ("Zbot.K", "Zbot.\u{212A}"),
                      ("Zbot.\u{212A}", "Zbot.K")])
    func sameTextInOtherBytesCountsOnce(first: String, second: String) {
        #expect(first == second && Array(first.utf8) != Array(second.utf8))
        for extra in [[], [("Avira", "TR/Dropper.Gen")]] {
            let once = Self.label(extra + [("Kaspersky", first)] + extra + [("Microsoft", second)] + extra)
            #expect(once.family == "none" && once.engines == 2 + 3 * extra.count)
            let twice = Self.label(extra + [("Kaspersky", first)] + extra + [("Microsoft", "Win32.Zbot.A")] + extra)
            #expect(twice.family == "zbot" && twice.votes == 2)
        }
    }

    /// The tokeniser reads non-ASCII names in NFC: equal `String`s give the same tokens, so the
    /// labeller's cache (keyed by `String` equality) answers them alike whichever it met first.
    @Test func canonicallyEqualSpellingsGiveTheSameTokens() {
        func tokens(_ s: String) -> [String] {
            var out: [String] = []
            DetectionTokeniser.forEachToken(s) { token, lower in out.append(String(decoding: token, as: UTF8.self) + (lower ? "/l" : "/U")) }
            return out
        }
        for (a, b) in [("Trojan.Zbot\u{F6}.Kx", "Trojan.Zboto\u{308}.Kx"), ("Win32.Zbot.\u{212A}", "Win32.Zbot.K"),
                       ("Caf\u{E9}loader", "Cafe\u{301}loader")] {
            #expect(a == b && tokens(a) == tokens(b), "\(a)")
            #expect(DetectionTokeniser.families(of: a) == DetectionTokeniser.families(of: b))
        }
        #expect(tokens("Trojan.Zbot\u{F6}.Kx") == ["trojan/U", "zbot/U", "kx/U"])
        #expect(LabelTables.engineKey("Kaspersk\u{FD}") == LabelTables.engineKey("Kaspersky\u{301}"))
        // A label that needs both spellings' votes: the same in either order, and as a fresh labeller's.
        let first: [(String, String?)] = [("Kaspersky", "Trojan.Zbot\u{F6}"), ("Sophos", "Troj/Zbot\u{F6}-A"),
                                          ("ESET-NOD32", "Win32/Zbot\u{F6}.A")]
        let second: [(String, String?)] = [("Kaspersky", "Trojan.Zboto\u{308}"), ("Sophos", "Troj/Zboto\u{308}-A"),
                                           ("ESET-NOD32", "Win32/Zboto\u{308}.A")]
        var a = VirusTotalResults(), b = VirusTotalResults()
        a.scans = Self.scans(first)
        b.scans = Self.scans(second)
        let ab = FamilyLabeller.label([a, b]).labels, ba = FamilyLabeller.label([b, a]).labels
        #expect(ab[0] == ba[1] && ab[1] == ba[0] && ab[0].family == "zbot" && ab[1].family == "zbot")
        #expect(FamilyLabeller.label([b]).labels[0].family == ab[0].family)
    }

    /// A report of more detections than the list of texts seen holds (then a set): a repeat after
    /// them still counts once, also in other bytes.
    @Test func repeatsAfterManyDetectionsCountOnce() {
        let many = (0..<130).map { ("Engine\($0)", "Win32.Trojan.\($0)" as String?) }
        let zbot = many + [("EngineA", "Win32.Zbot.A"), ("EngineB", "Zbot.K")]
        #expect(Self.label(zbot).family == "zbot" && Self.label(zbot).votes == 2)
        let repeated = zbot + [("EngineC", "Win32.Zbot.A"), ("EngineD", "Zbot.\u{212A}")]
        #expect(Self.label(repeated).votes == 2 && Self.label(repeated).engines == 134)
        #expect(Self.label(zbot + [("EngineC", "Trojan.Zbot")]).votes == 3)
    }

    /// Scans equal as `String`s have the same fingerprint, whatever their bytes; a different text, flag
    /// or engine, or a result missing, another.
    @Test func fingerprintsFollowStringEquality() {
        var cache = FamilyLabeller.Cache()
        func print(_ results: [(String, String?)]) -> Int { FamilyLabeller.scanFingerprint(Self.scans(results), cache: &cache) }
        let base = print([("Kaspersky", "Zbot.\u{F6}"), ("Avira", nil), ("Sophos", "Zbot.K"), ("SomeNewEngine", "X")])
        #expect(print([("Kaspersky", "Zbot.o\u{308}"), ("Avira", nil), ("Sophos", "Zbot.\u{212A}"), ("SomeNewEngine", "X")]) == base)
        #expect(print([("Kaspersky", "Zbot.\u{F6}"), ("Avira", nil), ("Sophos", "Zbot.k"), ("SomeNewEngine", "X")]) != base)
        #expect(print([("Kaspersky", "Zbot.\u{F6}"), ("Avira", ""), ("Sophos", "Zbot.K"), ("SomeNewEngine", "X")]) != base)
        #expect(print([("Kaspersky", "Zbot.\u{F6}"), ("Avira", nil), ("Sophos", "Zbot.K"), ("OtherNewEngine", "X")]) != base)
        #expect(print([("Kaspersky", "Zbot.\u{F6}"), ("Avira", nil), ("Sophos", "Zbot.K")]) != base)
        let undetected = EngineResults([EngineResult(engine: "Kaspersky", detected: false, result: "Zbot.\u{F6}")]
                                       + Self.scans([("Avira", nil), ("Sophos", "Zbot.K"), ("SomeNewEngine", "X")]))
        #expect(FamilyLabeller.scanFingerprint(undetected, cache: &cache) != base)
    }
}
