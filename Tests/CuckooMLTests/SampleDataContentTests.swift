import Testing
import CuckooML

/// What the shipped `sample_data/reports` hold, beyond being valid reports: VirusTotal results shaped like
/// real scans (50-70 engines, vendors' own names, aliases, generic words, engines copying the BitDefender
/// engine) and families whose members share a few telling tokens. The true family of each sample is
/// `sample_data/labels.tsv`; the counts below are those of the shipped corpus (`--seed 2016`).
@Suite struct SampleDataContentTests {
    struct Sample {
        let name: String
        let bytes: [UInt8]
        let record: ReportRecord
        /// The true family from labels.tsv (`none` for SINGLETON rows), nil when the sample has no row.
        let truth: String?
    }

    static let samples: [Sample] = {
        var truth: [String: String] = [:]
        let rows = (try? TestSupport.readText(SampleDataTests.root + "/labels.tsv")) ?? ""
        for row in rows.split(separator: "\n") {
            let fields = row.split(separator: "\t")
            guard fields.count == 2 else { continue }
            truth[String(fields[0])] = fields[1].hasPrefix("SINGLETON") ? "none" : String(fields[1])
        }
        return SampleDataTests.reportNames().compactMap { name in
            let path = SampleDataTests.reportsDirectory + "/" + name
            guard let bytes = try? TestSupport.readFile(path), let record = try? ReportReader.read(bytes: bytes, path: name) else {
                return nil
            }
            return Sample(name: name, bytes: bytes, record: record, truth: record.md5.flatMap { truth[$0] })
        }
    }()

    static func result(_ record: ReportRecord, _ engine: String) -> String? {
        record.virusTotal?.scans.first { $0.engine == engine && $0.detected }?.result
    }

    @Test func everyReportIsRead() {
        #expect(Self.samples.count == 200)
    }

    @Test func v2ScansListFiftyToSeventyEngines() {
        let v2 = Self.samples.filter { $0.record.dialect == .cuckoo && ($0.record.virusTotal?.scans.count ?? 0) > 0 }
        #expect(v2.count == 157)
        for sample in v2 {
            let engines = sample.record.virusTotal!.scans.count
            #expect((50...70).contains(engines), "\(sample.name): \(engines) engines")
        }
    }

    /// The BitDefender engine's licensees show its verdict: verbatim, with ` (B)` (Emsisoft), or with the
    /// variant number in hex (Arcabit).
    @Test func bitDefenderLicenseesCopyItsVerdict() {
        var copies = 0, emsisoft = 0, arcabit = 0
        for sample in Self.samples {
            guard let bd = Self.result(sample.record, "BitDefender") else { continue }
            for engine in ["MicroWorld-eScan", "GData", "Ad-Aware", "F-Secure", "ALYac", "FireEye"] where Self.result(sample.record, engine) == bd {
                copies += 1
            }
            if let e = Self.result(sample.record, "Emsisoft"), e.hasSuffix(" (B)") {
                #expect(e == bd + " (B)", "\(sample.name)")
                emsisoft += 1
            }
            let parts = bd.split(separator: ".")
            let variant = "Trojan." + parts.dropFirst().dropLast().joined(separator: ".") + ".D"
            if bd.hasPrefix("Gen:Variant."), let number = Int(parts.last!), let a = Self.result(sample.record, "Arcabit"), a.hasPrefix(variant) {
                #expect(a == variant + String(number, radix: 16, uppercase: true), "\(sample.name)")
                arcabit += 1
            }
        }
        #expect(copies > 450)
        #expect(emsisoft > 80)
        #expect(arcabit > 10)
    }

    /// Engines name families by aliases and in their own styles, and detect with generic and heuristic words.
    @Test func resultsUseAliasesAndGenericWords() {
        var words: [String: Int] = [:]
        let wanted = ["Zbot", "Zeus", "Panda", "Gamarue", "Androm", "Andromeda", "Wauchos", "Locky", "LockyCrypt", "Dridex",
                      "Cridex", "Bugat", "Upatre", "Waski", "Neurevt", "Betabot", "Emotet", "Geodo", "Nimnul", "Rmnet", "Virtob",
                      "Tepfer", "Kazy", "Zusy", "Symmi", "Graftor", "GenericKD", "Artemis", "Unsafe",
                      "Malicious", "Heur", "Kryptik", "Generic"]
        for sample in Self.samples {
            for scan in sample.record.virusTotal?.scans ?? [] {
                guard let result = scan.result else { continue }
                for word in wanted where result.contains(word) { words[word, default: 0] += 1 }
            }
        }
        for word in wanted { #expect(words[word, default: 0] > 0, "no engine says \(word)") }
        #expect(Self.samples.contains { Self.result($0.record, "Kaspersky")?.hasPrefix("Trojan-Spy.Win32.Zbot.") == true })
        #expect(Self.samples.contains { Self.result($0.record, "ESET-NOD32")?.hasPrefix("a variant of Win32/") == true })
        #expect(Self.samples.contains { Self.result($0.record, "Microsoft")?.hasPrefix("PWS:Win32/Zbot") == true })
    }

    /// The 2016 rule (the most common family token named by at least 5 engines) is often wrong on this
    /// data, the way it is on real scans: generic or heuristic words win, aliases split the vote, and
    /// samples detected by few engines get no label.
    @Test func theTwentySixteenRuleIsOftenWrong() {
        let named = Self.samples.filter { ($0.truth ?? "none") != "none" }
        let labels = named.map { VirusTotalLabeller.label($0.record.virusTotal).family }
        let right = zip(named, labels).filter { $0.0.truth == $0.1 }.count
        let generic: Set = ["kazy", "zusy", "symmi", "graftor", "generickd", "razy", "barys", "mint", "confidence"]
        #expect(named.count == 162)
        #expect(right == 90)  // each CAPE engine counted once, though stored in both results and scans
        #expect(labels.filter { generic.contains($0) }.count == 18)
        #expect(labels.filter { $0 == "none" }.count == 42)
    }

    /// Families: 10 of 8-18 members and 10 of 2-5 (counted from labels.tsv, which lacks a few rows), plus singletons.
    @Test func familiesAreLargeAndSmall() {
        var members: [String: Int] = [:]
        for sample in Self.samples { if let t = sample.truth, t != "none" { members[t, default: 0] += 1 } }
        #expect(members.values.filter { $0 >= 8 }.count == 10)
        #expect(members.values.filter { (2...5).contains($0) }.count == 10)
        #expect(members.values.filter { $0 == 1 }.count >= 10)
    }

    /// Most members of a family share its import table (one imphash); no imphash spans two families.
    @Test func familyMembersShareAnImphash() {
        var families: [String: [String: Int]] = [:]  // imphash -> family -> members
        var withImphash: [String: Int] = [:]
        for sample in Self.samples {
            guard let family = sample.truth, family != "none", let imphash = Self.stringValue(after: "imphash\": \"", in: sample.bytes) else { continue }
            families[imphash, default: [:]][family, default: 0] += 1
            withImphash[family, default: 0] += 1
        }
        #expect(families.values.allSatisfy { $0.count == 1 })
        let sharingTop = withImphash.keys.map { family in families.values.compactMap { $0[family] }.max() ?? 0 }.reduce(0, +)
        #expect(withImphash.values.reduce(0, +) == 153)
        #expect(sharingTop == 121)
    }

    /// The fields real reports carry for family tokens are there, in both dialects.
    @Test func reportsCarryTheFamilyFields() {
        func count(_ needle: String) -> Int { Self.samples.filter { SampleDataTests.contains($0.bytes, needle) }.count }
        #expect(count("\"pe_imphash\": \"") == 157)
        #expect(count("\"pdb_path\": \"") == 34)
        #expect(count("\"pdbpath\": \"") == 9)
        #expect(count("\"pe_exports\": [\n") == 10)
        #expect(count("\"wmi_query\": [") == 87)
        #expect(count("\"regkey_read\": [") == 162)
        #expect(count("\"read_keys\": [\n") == 28)
        #expect(count("\"user-agent\": \"Updates downloader\"") == 11)
        #expect(count("\"name\": \".rmnet\"") == 5)
    }

    /// The string value following `key` (which ends with the opening quote), if any.
    static func stringValue(after key: String, in bytes: [UInt8]) -> String? {
        guard let at = SampleDataTests.occurrences(of: key, in: bytes, first: true).first else { return nil }
        let start = at + key.utf8.count
        guard let end = bytes[start...].firstIndex(of: UInt8(ascii: "\"")) else { return nil }
        return String(decoding: bytes[start..<end], as: UTF8.self)
    }
}
