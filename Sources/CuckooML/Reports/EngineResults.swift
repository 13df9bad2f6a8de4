/// The antivirus results of one report (`VirusTotalResults.scans`), in report order, stored compactly.
///
/// A report carries 50-90 of them and a session keeps every report's: as `[EngineResult]` each took
/// 40 bytes (two `String`s and a flag, padded), a fifth of a loaded sample. Engine names come from
/// a short, well-known list, so here an engine is a number into `EngineResults.knownEngines`, packed
/// with the detected flag into 4 bytes, and only the result is stored as a `String`: 20 bytes a
/// result (a name not on the list costs its `String` besides).
///
/// It reads and compares as the array of `EngineResult`s it holds, in the same order.
public struct EngineResults: RandomAccessCollection, RangeReplaceableCollection, Sendable, Equatable, ExpressibleByArrayLiteral {
    /// Engine number (known engines first, then `otherEngines`) in the low 31 bits, detected in the top bit.
    private var codes: [UInt32] = []
    private var results: [String?] = []
    /// The names of the results whose engine is not on the known list, one per such result (not
    /// looked up: a hostile report may name many thousands of engines).
    private var otherEngines: [String] = []

    private static let detectedBit: UInt32 = 1 << 31

    public init() {}

    public init(_ results: some Sequence<EngineResult>) {
        for r in results { append(r) }
    }

    public init(arrayLiteral elements: EngineResult...) { self.init(elements) }

    public var startIndex: Int { 0 }
    public var endIndex: Int { codes.count }

    public subscript(position: Int) -> EngineResult {
        let code = codes[position]
        let engine = Int(code & ~Self.detectedBit)
        let name = engine < Self.knownEngines.count ? Self.knownEngines[engine] : otherEngines[engine - Self.knownEngines.count]
        return EngineResult(engine: name, detected: code & Self.detectedBit != 0, result: results[position])
    }

    public mutating func append(_ result: EngineResult) {
        codes.append(engineNumber(result.engine) | (result.detected ? Self.detectedBit : 0))
        results.append(result.result)
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

    /// Results the storage has room for.
    var capacity: Int { codes.capacity }

    public mutating func reserveCapacity(_ n: Int) {
        codes.reserveCapacity(n)
        results.reserveCapacity(n)
    }

    /// Storage of exactly what is held (see `ReportRecord.fitStorage`).
    mutating func fitStorage() {
        fit(&codes); fit(&results); fit(&otherEngines)
    }

    public static func == (a: EngineResults, b: EngineResults) -> Bool {
        if a.codes == b.codes && a.otherEngines == b.otherEngines && a.results == b.results { return true }
        // The same results may be coded differently (an engine name equal as a String to a known
        // one but spelled with other code points is kept as an other engine): compare as results.
        return a.elementsEqual(b)
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
