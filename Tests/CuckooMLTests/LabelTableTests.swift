import Testing
@testable import CuckooML

/// The labeller's tables: compiled in up to date, well formed, and which entries real reports use.
@Suite struct LabelTableTests {
    static let tablesDirectory = TestSupport.packageRoot + "/Sources/CuckooML/Labels/Tables"

    @Test func generatedSourceMatchesTheTableFiles() throws {
        let files = TestSupport.listDirectory(Self.tablesDirectory).filter { $0.hasSuffix(".txt") }
        let compiled = Dictionary(uniqueKeysWithValues: LabelTables.sourceTexts.map { ($0.name, $0.text) })
        #expect(Set(files) == Set(compiled.keys), "run scripts/generate-label-tables")
        for name in files {
            let text = try TestSupport.readText(Self.tablesDirectory + "/" + name)
            #expect(compiled[name].map { $0 + "\n" } == text, "\(name) changed: run scripts/generate-label-tables")
        }
    }

    @Test func entriesAreWellFormed() {
        let tables = LabelTables.shipped
        var seen: [String: LabelTables.Entry] = [:]
        for entry in tables.entries {
            switch entry.table {
            case "aliases.txt":
                let words = entry.text.split(separator: " ").map(String.init)
                #expect(words.count == 2, "\(entry)")
                // An alias's family is a family: not a non-family word, not itself an alias.
                #expect(tables.nonFamily[words.last!] == nil && tables.aliases[words.last!] == nil, "\(entry)")
                #expect(tables.nonFamily[words[0]] == nil, "\(entry): the alias is also a non-family word")
            case "engine-copies.txt", "engine-variants.txt":
                #expect(!entry.text.contains(" "), "\(entry)")
            case "digit-families.txt":
                #expect(entry.text.utf8.contains { $0 >= 48 && $0 <= 57 } && tables.nonFamily[entry.text] == nil, "\(entry)")
            default:
                // Shorter tokens never reach the tables; upper case and digits never survive tokenising.
                #expect(entry.text.count >= DetectionTokeniser.minimumFamilyLength, "\(entry)")
                #expect(entry.text.utf8.allSatisfy { $0 >= 97 && $0 <= 122 }, "\(entry)")
                if entry.table != "generic-prefixes.txt" {
                    #expect(seen[entry.text] == nil, "\(entry) repeats \(seen[entry.text].map(\.description) ?? "")")
                    seen[entry.text] = entry
                }
            }
        }
        #expect(tables.nonFamily.count > 400 && tables.aliases.count > 50 && tables.engineGroups.count > 20)
        #expect(tables.engineGroups[LabelTables.engineKey("MicroWorld-eScan")]?.group == "bitdefender")
    }

    /// Lists which table entries the real reports and the shipped sample data use, and prints the
    /// unused ones (they are kept for reports we do not have; the list shows what evidence each has).
    @Test func entriesUsedByRealReportsAndSampleData() throws {
        var corpora = [("sample_data", TestSupport.packageRoot + "/sample_data/reports")]
        if let shared = TestSupport.shared { corpora.append(("real reports", shared + "/data/cuckoo-reports")) }
        let tables = LabelTables.shipped
        var used: [LabelTables.Entry: Int] = [:]
        var results = 0
        for (_, directory) in corpora {
            for name in TestSupport.listDirectory(directory) where name.hasSuffix(".json") {
                guard let record = try? ReportReader.read(path: directory + "/" + name) else { continue }
                for scan in record.virusTotal?.scans ?? [] where scan.detected {
                    guard let result = scan.result else { continue }
                    results += 1
                    if let entry = tables.variantEngines[LabelTables.engineKey(scan.engine)] { used[entry, default: 0] += 1 }
                    for verdict in DetectionTokeniser.verdicts(of: result, engine: scan.engine) {
                        switch verdict {
                        case .notFamily(let entry), .alias(_, let entry), .knownFamily(_, let entry): used[entry, default: 0] += 1
                        default: break
                        }
                    }
                    if let group = tables.engineGroups[LabelTables.engineKey(scan.engine)] { used[group.entry, default: 0] += 1 }
                }
            }
        }
        #expect(results > 0)
        let counted = tables.entries.filter { !$0.text.hasPrefix("[") }
        let unused = counted.filter { used[$0] == nil }
        print("label tables: \(counted.count - unused.count) of \(counted.count) entries used by \(results) detections in \(corpora.map(\.0).joined(separator: " and "))")
        for table in Set(counted.map(\.table)).sorted() {
            let rows = counted.filter { $0.table == table }
            let usedRows = rows.filter { used[$0] != nil }.map { "\($0.text) \(used[$0]!)" }
            print("  \(table) used (\(usedRows.count)/\(rows.count)): \(usedRows.joined(separator: ", "))")
            print("  \(table) unused: \(rows.filter { used[$0] == nil }.map(\.text).joined(separator: ", "))")
        }
    }
}

/// Agreement with AVClass2 on the real reports (`Fixtures/labels/avclass-cuckoo-reports.tsv`).
@Suite struct AVClassAgreementTests {
    @Test(.enabled(if: TestSupport.hasShared)) func agreesWithAVClassOnTheRealReports() throws {
        let directory = TestSupport.shared! + "/data/cuckoo-reports"
        let fixture = try TestSupport.readText(TestSupport.fixtures + "/labels/avclass-cuckoo-reports.tsv")
        var reference: [String: String] = [:]
        for line in fixture.split(separator: "\n").dropFirst() {
            let fields = line.split(separator: "\t").map(String.init)
            reference[fields[0]] = fields[1]
        }
        let names = TestSupport.listDirectory(directory).filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }
        #expect(Set(names) == Set(reference.keys))
        let records = try names.map { try ReportReader.read(path: directory + "/" + $0 + ".json") }
        let labels = FamilyLabeller.label(records.map(\.virusTotal)).labels
        var familySide = (agree: 0, total: 0), noneSide = (named: 0, total: 0)
        var differences: [String] = []
        for (name, label) in zip(names, labels) {
            let theirs = reference[name]!
            if theirs == SampleLabel.noneFamily {
                noneSide.total += 1
                if label.family != theirs { noneSide.named += 1; differences.append("\(name): AVClass none, ours \(label.family)") }
            } else {
                familySide.total += 1
                if label.family == theirs { familySide.agree += 1 } else {
                    differences.append("\(name): AVClass \(theirs), ours \(label.family) (\(label.votes) votes, runner-up \(label.runnerUp ?? "-") \(label.runnerUpVotes))")
                }
            }
        }
        let agreement = Double(familySide.agree) / Double(familySide.total)
        let spurious = Double(noneSide.named) / Double(noneSide.total)
        print("AVClass agreement: same family for \(familySide.agree)/\(familySide.total) (\(agreement * 100)%) where AVClass names one;"
              + " a family for \(noneSide.named)/\(noneSide.total) (\(spurious * 100)%) where it names none")
        for line in differences { print("  " + line) }
        #expect(agreement >= 0.90)
        #expect(spurious <= 0.10)
    }
}
