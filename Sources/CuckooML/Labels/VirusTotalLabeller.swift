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
        guard let results, !results.notScanned else { return .none }
        return label(detections: results.scans.map { $0.result })
    }

    /// The label for a list of engine result strings (nil for engines that found nothing).
    public static func label(detections: [String?]) -> SampleLabel {
        var votes: [String: Int] = [:]
        for result in detections {
            guard let result, !result.isEmpty else { continue }
            var seen = Set<String>()
            for family in VirusTotalNormaliser.normalise(result).family where seen.insert(family).inserted {
                votes[family, default: 0] += 1
            }
        }
        return pick(votes)
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
