/// Per numeric count feature, the samples far outside the interquartile range: the 2016 project's
/// `detect_abnormal_behaviour` (box-plot fences at 1.5·IQR and 3·IQR).
public struct CountFeatureOutliers: Sendable, Equatable {
    /// The feature name, e.g. `:count:file:all`.
    public var feature: String
    public var firstQuartile: Double
    public var thirdQuartile: Double
    /// Rows beyond Q3 + 3·IQR or below Q1 − 3·IQR, ascending.
    public var outliers: [Int]
    /// Rows beyond the 1.5·IQR fences but not outliers, ascending.
    public var suspects: [Int]

    public var interquartileRange: Double { thirdQuartile - firstQuartile }
}

public enum CountOutliers {
    /// The prefix of the numeric count features.
    public static let prefix = ":count:"

    /// Fences for every `:count:` column of `features` (zeros included: an absent count is 0).
    public static func find(in features: FeatureSet) -> [CountFeatureOutliers] {
        let columns = features.names.indices.filter { features.names[$0].hasPrefix(prefix) }
        guard !columns.isEmpty else { return [] }
        let n = features.matrix.rowCount
        var slot = [Int](repeating: -1, count: features.names.count)
        for (s, c) in columns.enumerated() { slot[c] = s }
        var values = [[Double]](repeating: [Double](repeating: 0, count: n), count: columns.count)
        for i in 0..<n {
            let row = features.matrix.row(i)
            for (c, v) in zip(row.columns, row.values) where slot[Int(c)] >= 0 { values[slot[Int(c)]][i] = v }
        }
        return columns.enumerated().map { s, c in fences(values[s], feature: features.names[c]) }
    }

    /// The 2016 test on one column of values (row order).
    public static func fences(_ values: [Double], feature: String) -> CountFeatureOutliers {
        let sorted = values.sorted()
        let q1 = quantile(sorted: sorted, 0.25), q3 = quantile(sorted: sorted, 0.75)
        let iqr = q3 - q1
        var outliers: [Int] = [], suspects: [Int] = []
        for (i, v) in values.enumerated() {
            if v > q3 + 3 * iqr || v < q1 - 3 * iqr {
                outliers.append(i)
            } else if v > q3 + 1.5 * iqr || v < q1 - 1.5 * iqr {
                suspects.append(i)
            }
        }
        return CountFeatureOutliers(feature: feature, firstQuartile: q1, thirdQuartile: q3, outliers: outliers, suspects: suspects)
    }

    /// The `q` quantile of ascending values with linear interpolation, as pandas `Series.quantile` (numpy's
    /// `linear` method, including its two-sided lerp). NaN for no values.
    public static func quantile(sorted: [Double], _ q: Double) -> Double {
        guard !sorted.isEmpty else { return .nan }
        let position = Double(sorted.count - 1) * q
        let lower = Int(position.rounded(.down))
        let upper = min(lower + 1, sorted.count - 1)
        let t = position - Double(lower)
        let a = sorted[lower], b = sorted[upper]
        let diff = b - a
        return t >= 0.5 ? b - diff * (1 - t) : a + diff * t
    }
}
