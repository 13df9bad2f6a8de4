#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Labels as the session reads them (the writes, `relabel`, `refreshDerived` and the rest, are in
/// Session.swift with the stored properties).
extension Session {
    /// Labels for reports not (yet) in the session (`compare`), by the session's rule. Under the
    /// AVClass-style rule they are labelled beside the session's reports, so the corpus's aliases apply.
    public func labels(forNew results: [VirusTotalResults?]) -> [SampleLabel] {
        SampleLabelling.labels(forNew: results, beside: samples, rule: settings.labelRule, evidence: labelEvidence)
    }

    static let coreCount = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))

    /// The label of a sample, `none` when it has none.
    public func label(of id: String) -> SampleLabel { labels[id] ?? .none }

    /// Every sample's family in sample order (`none` for unlabelled samples).
    public var labelColumn: [String] { samples.map { label(of: $0.id).family } }
}
