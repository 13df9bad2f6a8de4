/// Analyst-tunable settings (`set KEY VALUE`, `show settings`), saved with the session.
public struct Settings: Sendable, Equatable, Codable {
    public enum OutputFormat: String, Sendable, CaseIterable, Codable { case text, json }

    public var format: OutputFormat = .text
    /// Worker threads for load and clustering (0 = one per core).
    public var threads: Int = 0
    /// Samples labelled with these families are left out of `assess` (`labels ignore=none`).
    public var ignoredLabels: Set<String> = []
    /// Whether `:simp:` features name functions too (`imports=functions`).
    public var color: Bool = true
    /// How labels are derived from VirusTotal results (`labels rule=`); applies to every later relabel.
    public var labelRule: LabelRule = .default
    /// Whether `cluster` prints its engine plan (`EnginePlan`) before the result.
    public var explain: Bool = false

    public init() {}

    /// Every key `set` accepts with its current value, in display order.
    public var entries: [(key: String, value: String)] {
        [("format", format.rawValue),
         ("threads", String(threads)),
         ("color", color ? "on" : "off"),
         ("ignore-labels", ignoredLabels.sorted().joined(separator: ",")),
         ("label-rule", labelRule.rawValue),
         ("explain", explain ? "on" : "off")]
    }

    public static let keys = ["format", "threads", "color", "ignore-labels", "label-rule", "explain"]

    /// Sets one key from its textual value; throws a message naming the accepted values.
    public mutating func set(_ key: String, _ value: String) throws(SettingsError) {
        switch key {
        case "format":
            guard let f = OutputFormat(rawValue: value) else { throw .badValue(key, "text or json") }
            format = f
        case "threads":
            guard let t = Int(value), t >= 0, t <= 256 else { throw .badValue(key, "a whole number from 0 (all cores) to 256") }
            threads = t
        case "color":
            color = try Self.onOff(key, value)
        case "explain":
            explain = try Self.onOff(key, value)
        case "label-rule":
            guard let rule = LabelRule(rawValue: value) else { throw .badValue(key, LabelRule.allCases.map(\.rawValue).joined(separator: " or ")) }
            labelRule = rule
        case "ignore-labels":
            ignoredLabels = Set(value.split(separator: ",").map { String($0) }.filter { !$0.isEmpty })
        default:
            throw .unknownKey(key)
        }
    }
}

extension Settings {
    private static func onOff(_ key: String, _ value: String) throws(SettingsError) -> Bool {
        switch value {
        case "on", "true", "yes": true
        case "off", "false", "no": false
        default: throw .badValue(key, "on or off")
        }
    }
}

public enum SettingsError: Error, Equatable, CustomStringConvertible {
    case unknownKey(String)
    case badValue(String, String)

    public var description: String {
        switch self {
        case .unknownKey(let k): "unknown setting '\(k)' (settings: \(Settings.keys.joined(separator: ", ")))"
        case .badValue(let k, let expected): "\(k) takes \(expected)"
        }
    }
}
