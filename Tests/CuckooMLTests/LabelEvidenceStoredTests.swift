#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestScratch
@testable import CuckooML

/// The label evidence kept in session files (`label_evidence`): restored, it is the evidence gathered
/// afresh, number for number, and the reports compared or added later are labelled as with the evidence
/// gathered afresh (their scan fingerprints hashed under the stored key). Files without it, or with it
/// of another labeller version, still open and gather it afresh.
@Suite struct LabelEvidenceStoredTests {
    static let names = ["Zbot", "Emotet", "Kiwor", "Zorbex", "Qarbo", "Velmo", "Dridex", "Ursnif"]
    static let engines = ["Kaspersky", "Microsoft", "Sophos", "Avira", "ESET-NOD32", "BitDefender", "Emsisoft",
                          "GData", "McAfee", "Symantec", "SomeNewEngine", "Ikarus"]

    /// Seeded VirusTotal results: one or two families per sample in several engines' spellings (with
    /// variant suffixes, so most texts are distinct), no block or not scanned now and then, a fifth
    /// repeating an earlier scan, and texts equal as `String`s in other bytes (the Kelvin sign). Not
    /// "o\u{308}" for "ö": the tokeniser reads bytes, so those two give different candidates, and a
    /// cache answers for both with the first it saw (a cache's history would decide the labels).
    static func corpus(_ count: Int, seed: UInt64, repeating earlier: [VirusTotalResults?] = []) -> [VirusTotalResults?] {
        var r = EngineReference.Random(seed: seed)
        var out: [VirusTotalResults?] = []
        for _ in 0..<count {
            let pool = earlier + out
            if !pool.isEmpty && r.chance(0.2) { out.append(pool[r.below(pool.count)]); continue }
            if r.chance(0.05) { out.append(nil); continue }
            var v = VirusTotalResults()
            if r.chance(0.03) { v.notScanned = true }
            let main = names[r.below(names.count)], second = names[r.below(names.count)]
            var results: [EngineResult] = []
            for engine in engines where r.chance(0.7) {
                let family = r.chance(0.7) ? main : second
                let text: String? = switch r.below(6) {
                case 0: "Trojan.Win32.\(family).\(["a", "b", "K", "\u{212A}"][r.below(4)])\(r.below(50))"
                case 1: "Win32/\(family).B"
                case 2: "TR/\(family).\(r.below(1000))"
                case 3: "Gen:Variant.\(family).\(r.below(9))"
                case 4: r.chance(0.5) ? "" : nil
                default: "Trojan:Win32/\(family).A!\(r.below(4))"
                }
                results.append(EngineResult(engine: engine, detected: text != nil && r.chance(0.95), result: text))
            }
            v.scans = EngineResults(results)
            out.append(v)
        }
        return out
    }

    /// Restored evidence is the stored one; gathered on one or two threads, stored and restored, then
    /// extended by reports that repeat stored scans, it labels as the whole corpus labelled at once.
    @Test(arguments: [1 as UInt64, 2, 3, 4])
    func restoredEvidenceLabelsAsEvidenceGatheredAfresh(seed: UInt64) throws {
        let old = Self.corpus(400, seed: seed)
        let new = Self.corpus(80, seed: seed + 100, repeating: old)
        // Aliases at a support the small corpus reaches, so the appended reports can change them.
        var wholeCache = FamilyLabeller.Cache()
        let whole = FamilyLabeller.label(old + new, cache: &wholeCache, aliasSupport: 5)
        for parts in [1, 2] {
            var cache = FamilyLabeller.Cache()
            var gathered = LabelEvidence()
            gathered.append(old, parts: parts, cache: &cache)
            let stored = gathered.stored
            let restored = try LabelEvidence(stored: stored)
            #expect(restored.stored == stored)
            #expect(restored.labels(0..<old.count, canonical: restored.aliases(support: 5).canonical)
                    == gathered.labels(0..<old.count, canonical: gathered.aliases(support: 5).canonical))
            // A later process: another cache, whose own key is not the stored one.
            var later = FamilyLabeller.Cache()
            later.keyFingerprints(stored.fingerprintKey &+ 1)
            var extended = restored
            extended.append(new, cache: &later)
            let (canonical, detected) = extended.aliases(support: 5)
            #expect(detected == whole.detectedAliases)
            #expect(extended.labels(0..<(old.count + new.count), canonical: canonical) == whole.labels)
        }
    }

    /// The fingerprint hash is the same in every process for the same key (a fixed value), follows
    /// `String` equality, and a cache keyed anew forgets the hashes under its old key.
    @Test func fingerprintHashIsStableAndFollowsStringEquality() {
        #expect(FingerprintHash.hash("Trojan.Win32.Zbot.K", key: 1) == FingerprintHash.hash("Trojan.Win32.Zbot.\u{212A}", key: 1))
        #expect(FingerprintHash.hash("Zbot.\u{F6}", key: 7) == FingerprintHash.hash("Zbot.o\u{308}", key: 7))
        #expect(FingerprintHash.hash("Zbot.\u{F6}", key: 7) != FingerprintHash.hash("Zbot.\u{F6}", key: 8))
        #expect(FingerprintHash.hash("Trojan.Win32.Zbot.K", key: 1) == 0x737F_4235_481B_B6F4)
        let scans = Self.corpus(40, seed: 9).compactMap { $0?.scans }
        func prints(_ cache: inout FamilyLabeller.Cache) -> [Int] { scans.map { FamilyLabeller.scanFingerprint($0, cache: &cache) } }
        var a = FamilyLabeller.Cache(), b = FamilyLabeller.Cache()
        a.keyFingerprints(11)
        b.keyFingerprints(12)
        let underA = prints(&a), underB = prints(&b)
        #expect(underA != underB)
        b.keyFingerprints(11)
        #expect(prints(&b) == underA)
    }

    static func sampleDataSession() throws -> (Session, [VirusTotalResults?]) {
        let root = TestSupport.packageRoot + "/sample_data"
        let loaded = try ReportLoader.load(paths: [root + "/reports"], threads: 2)
        var session = Session()
        session.upsert(loaded.samples)
        try session.refreshDerived()
        let new = try ReportLoader.load(paths: [root + "/new"], threads: 2).samples.map { $0.record?.virusTotal }
        return (session, new)
    }

    /// `session save` keeps the evidence; `session open` restores it exactly; a file without the table
    /// (older) or of another labeller version opens without it and labels new reports the same.
    @Test func sessionFilesKeepTheEvidence() throws {
        let dir = OutputFixtures.temporaryDirectory()
        let (session, new) = try Self.sampleDataSession()
        let expected = session.labels(forNew: new)
        #expect(expected.contains { $0.family != "none" })
        try SessionStore.save(session, to: dir + "/s.cmls")
        let back = try SessionStore.open(dir + "/s.cmls")
        #expect(back.labelEvidence?.ids == session.labelEvidence?.ids)
        #expect(back.labelEvidence?.evidence.stored == session.labelEvidence?.evidence.stored)
        #expect(back.labels(forNew: new) == expected)
        for change in ["DROP TABLE label_evidence", "UPDATE label_evidence SET version = version + 1",
                       "UPDATE label_evidence SET tables = 'other'"] {
            try SessionStore.save(session, to: dir + "/old.cmls")
            do { try SQLiteDatabase(path: dir + "/old.cmls", readOnly: false).execute(change) }
            let old = try SessionStore.open(dir + "/old.cmls")
            #expect(old.labelEvidence?.ids == nil, "\(change)")
            #expect(old.labels(forNew: new) == expected, "\(change)")
            // Saved again, the file has it (gathered at save).
            try SessionStore.save(old, to: dir + "/again.cmls")
            let again = try SessionStore.open(dir + "/again.cmls")
            #expect(again.labels(forNew: new) == expected)
            #expect(again.labelEvidence?.evidence.stored.familyNames == session.labelEvidence?.evidence.stored.familyNames)
            #expect(again.labelEvidence?.evidence.stored.candidates == session.labelEvidence?.evidence.stored.candidates)
        }
    }

    /// Adding reports to a restored session labels every sample as adding them to the session saved.
    @Test func addingToARestoredSessionLabelsAsBefore() throws {
        let dir = OutputFixtures.temporaryDirectory()
        let root = TestSupport.packageRoot + "/sample_data"
        var (session, _) = try Self.sampleDataSession()
        try SessionStore.save(session, to: dir + "/s.cmls")
        var back = try SessionStore.open(dir + "/s.cmls")
        let added = try ReportLoader.load(paths: [root + "/new"], threads: 2).samples
        session.upsert(added)
        try session.refreshDerived()
        back.upsert(added)
        try back.refreshDerived()
        #expect(back.labels == session.labels)
    }

    /// The rows the evidence covers: those with a record (rows of an imported matrix have none).
    @Test func rowsWithRecordsAreThoseHoldingOne() {
        let samples = (0..<7).map { i in
            Sample(id: "s\(i)", path: nil, reportSize: 1, record: i % 3 == 1 ? nil : ReportRecord())
        }
        #expect(samples.rowsWithRecords() == samples.indices.filter { samples[$0].record != nil })
        #expect(samples.rowsWithRecords() == [0, 2, 3, 5, 6])
        #expect([Sample]().rowsWithRecords().isEmpty)
    }

    /// A damaged table is refused with one line, not trusted.
    @Test(arguments: [
        ("UPDATE label_evidence SET evidence = substr(evidence, 1, length(evidence) - 1)", "truncated"),
        ("UPDATE label_evidence SET samples = samples + 1", "label evidence of"),
        ("UPDATE label_evidence SET family_names = x'017a'", "out of range"),
        ("UPDATE label_evidence SET fingerprints = x'00'", "partial fingerprint"),
    ])
    func damagedEvidenceIsRefused(change: String, reason: String) throws {
        let dir = OutputFixtures.temporaryDirectory()
        let (session, _) = try Self.sampleDataSession()
        try SessionStore.save(session, to: dir + "/s.cmls")
        do { try SQLiteDatabase(path: dir + "/s.cmls", readOnly: false).execute(change) }
        do {
            _ = try SessionStore.open(dir + "/s.cmls")
            Issue.record("opened a file with \(change)")
        } catch {
            #expect(error.reason.contains(reason), "\(error.reason)")
        }
    }
}
