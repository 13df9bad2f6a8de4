// Here rather than in Features/: a feature set knows nothing of clustering, and Clustering/ takes plain
// matrices; this is the first layer that sees both.
extension FeatureSet {
    /// The matrix as clustering points, each column in its feature group (`ColumnGroups`).
    public var points: PointSet { .sparse(matrix, columnGroups: ColumnGroups(featureNames: names)) }
}
