/// A sample's ground-truth family label and where it came from.
public struct SampleLabel: Sendable, Equatable, Codable {
    public enum Source: String, Sendable, Codable { case virusTotal = "virustotal", external }
    /// The family, or `none` when no family reached the vote threshold (or the file was not scanned).
    public var family: String
    /// How many engines named the family (the label's confidence); 0 for `none` and external labels.
    public var votes: Int
    public var source: Source

    public init(family: String, votes: Int, source: Source) {
        self.family = family
        self.votes = votes
        self.source = source
    }

    public static let noneFamily = "none"
    public static let none = SampleLabel(family: noneFamily, votes: 0, source: .virusTotal)
}
