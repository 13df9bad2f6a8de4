/// The contingency table of true labels against predicted clusters, built once and shared by every
/// external metric. Rows are the distinct true labels, columns the distinct cluster labels (noise −1
/// is an ordinary column here); only non-zero cells are stored, as scikit-learn's sparse table.
public struct Contingency: Sendable, Equatable {
    /// Distinct true labels, sorted.
    public let classes: [String]
    /// Distinct predicted labels, sorted (−1 first when present).
    public let clusters: [Int]
    public let sampleCount: Int
    /// Non-zero cells as (row, column, count), row-major.
    public let cells: [Cell]
    /// Samples per true label (row sums).
    public let classSizes: [Int]
    /// Samples per predicted cluster (column sums).
    public let clusterSizes: [Int]

    public struct Cell: Sendable, Equatable {
        public var row: Int
        public var column: Int
        public var count: Int
    }

    public init(truth: [String], predicted: [Int]) {
        precondition(truth.count == predicted.count, "one true label per predicted label")
        let classes = Array(Set(truth)).sorted()
        let clusters = Array(Set(predicted)).sorted()
        let classIndex = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        let clusterIndex = Dictionary(uniqueKeysWithValues: clusters.enumerated().map { ($1, $0) })
        var counts: [Int: Int] = [:]
        let width = clusters.count
        for (t, p) in zip(truth, predicted) {
            counts[classIndex[t]! * width + clusterIndex[p]!, default: 0] += 1
        }
        var cells = counts.map { Cell(row: $0.key / width, column: $0.key % width, count: $0.value) }
        cells.sort { ($0.row, $0.column) < ($1.row, $1.column) }
        var classSizes = [Int](repeating: 0, count: classes.count)
        var clusterSizes = [Int](repeating: 0, count: clusters.count)
        for cell in cells {
            classSizes[cell.row] += cell.count
            clusterSizes[cell.column] += cell.count
        }
        self.classes = classes
        self.clusters = clusters
        self.sampleCount = truth.count
        self.cells = cells
        self.classSizes = classSizes
        self.clusterSizes = clusterSizes
    }
}
