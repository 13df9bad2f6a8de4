
extension Session {
    /// The session's result of one algorithm, if it has one.
    public func clustering(_ algorithm: ClusteringAlgorithm) -> SessionClustering? {
        switch algorithm {
        case .hdbscan: hdbscan.map(SessionClustering.init)
        case .dbscan: dbscan.map(SessionClustering.init)
        case .linkage: linkage.map(SessionClustering.init)
        }
    }

    /// The clustering commands use unless told otherwise: the family clustering when it is the one
    /// `cluster` made last, else HDBSCAN, else DBSCAN (the order from before the family clustering, so
    /// sessions without one behave as they did), else the family clustering.
    public var currentClustering: SessionClustering? {
        if lastClustered == .linkage, let l = clustering(.linkage) { return l }
        return clustering(.hdbscan) ?? clustering(.dbscan) ?? clustering(.linkage)
    }

    /// Every clustering the session holds, in `ClusteringAlgorithm` order.
    public var clusterings: [SessionClustering] { ClusteringAlgorithm.allCases.compactMap(clustering) }

    /// Drops every clustering (they no longer match new rows or columns).
    public mutating func dropClusterings() {
        hdbscan = nil
        dbscan = nil
        linkage = nil
        lastClustered = nil
    }
}
