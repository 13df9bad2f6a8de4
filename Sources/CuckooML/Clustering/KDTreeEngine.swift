/// The engine for dense data in few dimensions under euclidean or manhattan distance: a k-d tree gives
/// the core distances (exact k-NN) and DBSCAN's radius queries; Prim's steps scan the dense rows as
/// `DenseEngine` does. Results are bit-identical to the other engines'.
final class KDTreeEngine: KernelEngine, @unchecked Sendable {
    let kernel: DenseKernel, metric: DistanceMetric, threads: Int, thresholds: ParallelThresholds
    let tree: KDTree

    /// The most columns for which the tree pays off (bounds lose their grip as dimensions grow).
    static let maximumDimension = 16

    static func suits(columns: Int, metric: DistanceMetric) -> Bool {
        columns <= maximumDimension && (metric == .euclidean || metric == .manhattan)
    }

    init(_ m: DenseMatrix, metric: DistanceMetric, threads: Int, thresholds: ParallelThresholds = .standard) {
        kernel = DenseKernel(m, metric: metric)
        self.metric = metric; self.threads = engineThreads(threads); self.thresholds = thresholds
        tree = m.values.withUnsafeBufferPointer { values in
            // An empty buffer (no rows or no columns) is never read.
            let none = [0.0]
            return none.withUnsafeBufferPointer { fallback in
                KDTree(values: values.baseAddress ?? fallback.baseAddress!, rows: m.rows, columns: m.columns,
                       metric: metric)
            }
        }
    }

    func coreDistances(k: Int, control: TaskControl) throws -> [Double] {
        let lists = try tree.neighbourLists(width: k, threads: threads, control: control)
        return tree.kthDistances(k: k, from: lists)
    }

    func neighbours(of i: Int, within radius: Double) -> [Int] {
        tree.rows(within: radius, of: i)
    }
}
