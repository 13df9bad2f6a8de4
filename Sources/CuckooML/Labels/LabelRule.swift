/// How labels are derived from the VirusTotal results (`labels rule=...`, the `label-rule` setting).
public enum LabelRule: String, Sendable, CaseIterable, Codable {
    /// `FamilyLabeller`: AVClass-style (generic words dropped, aliases merged, copies left out,
    /// at least 2 independent engines). The default.
    case avclass
    /// `VirusTotalLabeller`: the 2016 cuckooml rule (the most common family token, at least 5 engines).
    case rule2016 = "2016"

    public static let `default` = LabelRule.avclass

    public var summary: String {
        switch self {
        case .avclass: "the family most independent engines name, if at least 2 do (AVClass-style)"
        case .rule2016: "the most common family token, if at least 5 engines name it"
        }
    }
}
