/// Picks a sample's family label from its VirusTotal results: the family token named by the most
/// engines, if at least `minimumVotes` engines name it; otherwise `none`.
///
/// Decisions where the 2016 code left room: an engine that names the same family twice in one result
/// counts once (the rule is about engines); ties break alphabetically (the 2016 code took whichever
/// the Python dictionary yielded first, which is why a few published labels differ); a report whose
/// VirusTotal block says it was not scanned, or that has no block, is labelled `none`.
public enum VirusTotalLabeller {
    public static let minimumVotes = 5

    public static func label(_ results: VirusTotalResults?) -> SampleLabel {
        var cache = FamilyCache()
        return label(results, cache: &cache)
    }

    /// As `label(_:)`, reusing family tokens already worked out for the same result strings: engines
    /// repeat the same names across a corpus, so labelling many reports with one cache normalises
    /// each distinct string once.
    public static func label(_ results: VirusTotalResults?, cache: inout FamilyCache) -> SampleLabel {
        guard let results, !results.notScanned else { return .none }
        return label(detections: results.scans.map { $0.result }, cache: &cache)
    }

    /// Engines that detected the file with a non-empty result (copies included); 0 without results.
    public static func detectingEngines(_ results: VirusTotalResults?) -> Int {
        guard let results, !results.notScanned else { return 0 }
        return results.scans.reduce(0) { $0 + ($1.detected && $1.result?.isEmpty == false ? 1 : 0) }
    }

    /// The label for a list of engine result strings (nil for engines that found nothing).
    public static func label(detections: [String?]) -> SampleLabel {
        var cache = FamilyCache()
        return label(detections: detections, cache: &cache)
    }

    public static func label(detections: [String?], cache: inout FamilyCache) -> SampleLabel {
        var votes: [String: Int] = [:]
        for result in detections {
            guard let result, !result.isEmpty else { continue }
            var seen = Set<String>()
            for family in cache.families(of: result) where seen.insert(family).inserted {
                votes[family, default: 0] += 1
            }
        }
        return pick(votes)
    }

    /// The family cache `Session.relabel` keeps between calls (families depend only on the string).
    static let processCache = Locked(FamilyCache())

    /// Family tokens by result string, filled as results are normalised (bounded in size).
    public struct FamilyCache: Sendable {
        private var families: [String: [String]] = [:]
        private var tokens = VirusTotalNormaliser.TokenCache()
        public init() {}

        public mutating func families(of result: String) -> [String] {
            // The 2016 rule reads bytes, as Python compares code points: canonically equivalent
            // spellings ("Zbot\u{F6}", "Zboto\u{308}") have different families there but are one
            // `String` key here, so only ASCII results (their bytes their identity) are cached.
            guard ByteHash.isASCII(result) else { return VirusTotalNormaliser.normalise(result, cache: &tokens).family }
            if let known = families[result] { return known }
            let found = VirusTotalNormaliser.normalise(result, cache: &tokens).family
            if families.count >= 1 << 20 { families.removeAll(keepingCapacity: true) }
            families[result] = found
            return found
        }

        /// Adds the strings `other` has worked out and this cache has not.
        public mutating func absorb(_ other: FamilyCache) {
            if families.count + other.families.count > 1 << 20 { families.removeAll(keepingCapacity: true) }
            families.merge(other.families) { mine, _ in mine }
        }
    }

    /// The most-voted family with the alphabetical tie-break, or `none` below the threshold.
    static func pick(_ votes: [String: Int]) -> SampleLabel {
        var best: (family: String, votes: Int)? = nil
        for (family, count) in votes {
            if let b = best, count < b.votes || (count == b.votes && !family.utf8.lexicographicallyPrecedes(b.family.utf8)) {
                continue
            }
            best = (family, count)
        }
        guard let best, best.votes >= minimumVotes else { return .none }
        return SampleLabel(family: best.family, votes: best.votes, source: .virusTotal)
    }
}
