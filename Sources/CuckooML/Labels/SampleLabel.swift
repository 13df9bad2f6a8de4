/// A sample's ground-truth family label and where it came from.
public struct SampleLabel: Sendable, Equatable, Codable {
    public enum Source: String, Sendable, Codable { case virusTotal = "virustotal", external }
    /// The family, or `none` when no family reached the vote threshold (or the file was not scanned).
    public var family: String
    /// How many independent engines named the family (the label's confidence): with the `avclass`
    /// rule, engines after copies are left out (a copy group counts once); with the `2016` rule, every
    /// engine naming the family token. 0 for `none` and external labels.
    public var votes: Int
    public var source: Source
    /// How many engines detected the sample (with a non-empty result), copies included; 0 when unknown
    /// (external labels, no VirusTotal block).
    public var engines: Int
    /// The family with the next most votes (`avclass` rule), and its votes; a tie when they equal `votes`.
    public var runnerUp: String?
    public var runnerUpVotes: Int

    public init(family: String, votes: Int, source: Source, engines: Int = 0, runnerUp: String? = nil, runnerUpVotes: Int = 0) {
        self.family = family
        self.votes = votes
        self.source = source
        self.engines = engines
        self.runnerUp = runnerUp
        self.runnerUpVotes = runnerUpVotes
    }

    /// Winner minus runner-up, for labels with a family (nil for `none` and external labels).
    public var margin: Int? {
        guard source == .virusTotal, family != Self.noneFamily, votes > 0 else { return nil }
        return votes - runnerUpVotes
    }

    /// A margin of at most this many votes is narrow: one engine changing its mind could flip the label.
    public static let narrowMargin = 1

    public static let noneFamily = "none"
    public static let none = SampleLabel(family: noneFamily, votes: 0, source: .virusTotal)
}
