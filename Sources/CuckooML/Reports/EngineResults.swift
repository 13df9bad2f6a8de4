/// The antivirus results of one report (`VirusTotalResults.scans`), in report order, stored compactly.
///
/// A report carries 50-90 of them and a session keeps every report's: as `[EngineResult]` each took
/// 40 bytes (two `String`s and a flag, padded), a fifth of a loaded sample. Engine names come from
/// a short, well-known list, so here an engine is a number into `EngineResults.knownEngines`, packed
/// with the detected flag into 4 bytes, beside the result's number in `StringTable.shared`: 8 bytes
/// a result (a name not on the list costs its `String` besides).
///
/// It reads and compares as the array of `EngineResult`s it holds, in the same order.
public struct EngineResults: RandomAccessCollection, RangeReplaceableCollection, Sendable, Equatable, ExpressibleByArrayLiteral {
    /// Per result: the engine number (known engines first, then `otherEngines`) in the low 31 bits,
    /// detected in bit 31, and the result's `StringID` in the high 32 bits (`noResult`: none).
    private var entries: [UInt64] = []
    /// The names of the results whose engine is not on the known list, one per such result (not
    /// looked up: a hostile report may name many thousands of engines).
    private var otherEngines: [String] = []

    private static let detectedBit: UInt32 = 1 << 31
    private static let noResult = StringID.max

    public init() {}

    public init(_ results: some Sequence<EngineResult>) {
        for r in results { append(r) }
    }

    public init(arrayLiteral elements: EngineResult...) { self.init(elements) }

    public var startIndex: Int { 0 }
    public var endIndex: Int { entries.count }

    public subscript(position: Int) -> EngineResult {
        let entry = entries[position]
        let code = UInt32(truncatingIfNeeded: entry)
        let engine = Int(code & ~Self.detectedBit)
        let name = engine < Self.knownEngines.count ? Self.knownEngines[engine] : otherEngines[engine - Self.knownEngines.count]
        let id = StringID(truncatingIfNeeded: entry >> 32)
        return EngineResult(engine: name, detected: code & Self.detectedBit != 0, result: id == Self.noResult ? nil : StringTable.shared[id])
    }

    /// The `StringID` of result `position`'s result text; nil when it has none.
    func resultID(_ position: Int) -> StringID? {
        let id = StringID(truncatingIfNeeded: entries[position] >> 32)
        return id == Self.noResult ? nil : id
    }

    /// Result `position`'s engine as its place on `knownEngines`; nil for another engine.
    @inline(__always)
    func knownEngine(_ position: Int) -> Int? {
        let engine = Int(UInt32(truncatingIfNeeded: entries[position]) & ~Self.detectedBit)
        return engine < Self.knownEngines.count ? engine : nil
    }

    /// Whether result `position` is a detection.
    @inline(__always)
    func isDetected(_ position: Int) -> Bool {
        UInt32(truncatingIfNeeded: entries[position]) & Self.detectedBit != 0
    }

    /// Result `position`'s engine name.
    func engine(_ position: Int) -> String {
        let engine = Int(UInt32(truncatingIfNeeded: entries[position]) & ~Self.detectedBit)
        return engine < Self.knownEngines.count ? Self.knownEngines[engine] : otherEngines[engine - Self.knownEngines.count]
    }

    public mutating func append(_ result: EngineResult) {
        append(engine: result.engine, detected: result.detected, resultID: result.result.map { StringTable.shared.id(of: $0) })
    }

    /// Appends a result whose text is already numbered (the reader's and `session open`'s way).
    mutating func append(engine: String, detected: Bool, resultID: StringID?) {
        let code = engineNumber(engine) | (detected ? Self.detectedBit : 0)
        entries.append(UInt64(resultID ?? Self.noResult) << 32 | UInt64(code))
    }

    public mutating func replaceSubrange<C: Collection>(_ subrange: Range<Int>, with new: C) where C.Element == EngineResult {
        if subrange.isEmpty && subrange.lowerBound == count {
            for r in new { append(r) }
            return
        }
        var all = Array(self)
        all.replaceSubrange(subrange, with: new)
        self = EngineResults(all)
    }

    /// Removes the results `shouldBeRemoved` picks, keeping the others in order.
    public mutating func removeAll(where shouldBeRemoved: (EngineResult) throws -> Bool) rethrows {
        let kept = try filter { try !shouldBeRemoved($0) }
        guard kept.count < count else { return }
        self = EngineResults(kept)
    }

    /// Keeps the first result of each engine (by String equality of the names), in order: what
    /// `removeAll` with a set of the names seen gives. When every engine is a known one, its number
    /// is its name, so repeats are found by number without making a result or hashing a name.
    mutating func removeRepeatedEngines() {
        guard otherEngines.isEmpty else {
            var seen = Set<String>()
            removeAll { !seen.insert($0.engine).inserted }
            return
        }
        var seen = [UInt64](repeating: 0, count: (Self.knownEngines.count + 63) / 64)
        var repeated = false
        for entry in entries {
            let engine = Int(UInt32(truncatingIfNeeded: entry) & ~Self.detectedBit)
            let bit: UInt64 = 1 << (engine & 63)
            if seen[engine >> 6] & bit != 0 { repeated = true; break }
            seen[engine >> 6] |= bit
        }
        guard repeated else { return }
        for k in seen.indices { seen[k] = 0 }
        var kept: [UInt64] = []
        kept.reserveCapacity(entries.count)
        for entry in entries {
            let engine = Int(UInt32(truncatingIfNeeded: entry) & ~Self.detectedBit)
            let bit: UInt64 = 1 << (engine & 63)
            if seen[engine >> 6] & bit != 0 { continue }
            seen[engine >> 6] |= bit
            kept.append(entry)
        }
        entries = kept
    }

    /// Results the storage has room for.
    var capacity: Int { entries.capacity }

    public mutating func reserveCapacity(_ n: Int) {
        entries.reserveCapacity(n)
    }

    /// Storage of exactly what is held (see `ReportRecord.fitStorage`).
    mutating func fitStorage() {
        fit(&entries); fit(&otherEngines)
    }

    public static func == (a: EngineResults, b: EngineResults) -> Bool {
        // Equal bytes are one number: equal entries are equal results.
        if a.entries == b.entries && a.otherEngines == b.otherEngines { return true }
        // The same results may be coded differently (an engine name equal as a String to a known
        // one but spelled with other code points is kept as an other engine): compare as results.
        return a.elementsEqual(b)
    }

    /// Appends a result whose engine name is numbered in `StringTable.shared` too (`session open`'s
    /// way): a known engine is found by its number, with no hashing or comparing of the name, which
    /// cost an eighth of `open` at 100 000 reports (70 results a report).
    mutating func append(engineID: StringID, detected: Bool, resultID: StringID?) {
        guard let known = Self.knownIDs.engine(of: engineID) else {
            append(engine: StringTable.shared[engineID], detected: detected, resultID: resultID)
            return
        }
        entries.append(UInt64(resultID ?? Self.noResult) << 32 | UInt64(known | (detected ? Self.detectedBit : 0)))
    }

    /// The known engines' names by their numbers in `StringTable.shared` (the table is keyed by
    /// bytes, so a number found here is exactly that name).
    private static let knownIDs = KnownEngineIDs(knownEngines.map { StringTable.shared.id(of: $0) })

    /// A small open-addressed table from a `StringID` to its place on the known list.
    private struct KnownEngineIDs: Sendable {
        /// Per slot the id in the high 32 bits and the engine number + 1 in the low ones (0: empty).
        private var slots: [UInt64]
        private let shift: UInt32

        init(_ ids: [StringID]) {
            var bits: UInt32 = 4
            while (1 << bits) < 4 * ids.count { bits += 1 }
            shift = 32 - bits
            slots = [UInt64](repeating: 0, count: 1 << bits)
            for (engine, id) in ids.enumerated() {
                var at = slot(id)
                while slots[at] != 0 {
                    if slots[at] >> 32 == UInt64(id) { break }   // a name listed twice keeps its first place
                    at = (at + 1) & (slots.count - 1)
                }
                if slots[at] == 0 { slots[at] = UInt64(id) << 32 | UInt64(engine + 1) }
            }
        }

        @inline(__always)
        private func slot(_ id: StringID) -> Int { Int((id &* 0x9E37_79B1) >> shift) }

        @inline(__always)
        func engine(of id: StringID) -> UInt32? {
            var at = slot(id)
            while true {
                let entry = slots[at]
                if entry == 0 { return nil }
                if entry >> 32 == UInt64(id) { return UInt32(truncatingIfNeeded: entry) - 1 }
                at = (at + 1) & (slots.count - 1)
            }
        }
    }

    /// The engine's number: its place on the known list when its bytes are that name's, else the
    /// place of the name appended to `otherEngines`.
    private mutating func engineNumber(_ name: String) -> UInt32 {
        if let known = Self.knownNumber[name], Self.knownEngines[Int(known)].utf8.elementsEqual(name.utf8) { return known }
        otherEngines.append(name)
        return UInt32(Self.knownEngines.count + otherEngines.count - 1)
    }

    private static let knownNumber: [String: UInt32] = Dictionary(
        knownEngines.enumerated().map { ($0.element, UInt32($0.offset)) }, uniquingKeysWith: { first, _ in first })

    /// VirusTotal's engine names as reports spell them (current and retired engines). Only a
    /// dictionary for storage: any other name is kept as well, just not as compactly.
    static let knownEngines: [String] = [
        "ALYac", "APEX", "AVG", "AVware", "Acronis", "Ad-Aware", "AegisLab", "Agnitum", "AhnLab", "AhnLab-V3",
        "Alibaba", "Antiy-AVL", "Arcabit", "Avast", "Avast-Mobile", "Avira", "Baidu", "Baidu-International",
        "BitDefender", "BitDefenderFalx", "BitDefenderTheta", "Bkav", "ByteHero", "CAT-QuickHeal", "CMC",
        "ClamAV", "Commtouch", "Comodo", "CrowdStrike", "Cybereason", "Cylance", "Cynet", "Cyren",
        "DeepInstinct", "DrWeb", "ESET-NOD32", "Elastic", "Emsisoft", "Endgame", "F-Prot", "F-Secure",
        "FireEye", "Fortinet", "GData", "Google", "Gridinsoft", "Ikarus", "Invincea", "Jiangmin",
        "K7AntiVirus", "K7GW", "Kaspersky", "Kingsoft", "Lionic", "MAX", "Malwarebytes", "MaxSecure",
        "McAfee", "McAfee-GW-Edition", "McAfeeD", "MicroWorld-eScan", "Microsoft", "NANO-Antivirus",
        "Norman", "Palo Alto Networks", "Paloalto", "Panda", "Qihoo-360", "Rising", "SUPERAntiSpyware",
        "Sangfor", "SecureAge", "SentinelOne", "Skyhigh", "Sophos", "Symantec", "SymantecMobileInsight",
        "TACHYON", "Tencent", "TheHacker", "TotalDefense", "Trapmine", "TrendMicro", "TrendMicro-HouseCall",
        "Trustlook", "VBA32", "VIPRE", "Varist", "ViRobot", "VirIT", "Webroot", "Whitearmor", "Xcitium",
        "Yandex", "Zillya", "ZoneAlarm", "Zoner", "eGambit", "nProtect", "tehtris",
    ]
}
