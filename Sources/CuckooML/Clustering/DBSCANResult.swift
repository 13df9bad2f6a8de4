/// What `DBSCAN.fit` returns: each point's cluster (−1 for noise) and whether it is a core point.
public struct DBSCANResult: Sendable, FlatClustering {
    public var parameters: DBSCANParameters
    public var labels: [Int]
    /// Whether each point is a core point.
    public var isCore: [Bool]
    /// Which engine answered the radius queries; nil when read back from a saved session.
    public var plan: EnginePlan?
    public init(parameters: DBSCANParameters, labels: [Int], isCore: [Bool]) {
        self.parameters = parameters
        self.labels = labels
        self.isCore = isCore
    }
}
