/// Core distances after points were appended (`compare ... add`), from the previous fit's, without
/// the O(n²) k-nearest-neighbour pass.
///
/// A point's core distance is the value at index k of its sorted distances to every point (itself at
/// index 0). When points are appended and the earlier rows are unchanged, an earlier point's value
/// can only fall, and only if an appended point is strictly nearer than it: appended values at or
/// above the old k-th leave the value at index k where it was (ties included). So: one search of the
/// earlier points against the appended ones (m·n distances) finds the points whose value may change;
/// those and the appended points get their k-th value from a search against every point. Every
/// distance is the engines' own (all engines give the same bits), so the values equal
/// `coreDistances(k:)` on the whole.
extension HDBSCAN {
    /// The core distances (index `k`) of every point of `engine` (over `points`), given `previous`, the
    /// core distances of its first `previous.count` points among themselves (same k, same rows).
    static func updatedCoreDistances(_ engine: any NeighbourhoodEngine, points: PointSet, previous: [Double], k: Int,
                                     threads: Int, control: TaskControl) throws -> [Double] {
        let n = previous.count, total = points.count
        precondition(n <= total && k < total, "previous covers a prefix, k is below the point count")
        guard n < total else { return previous }
        let appended = Array(n..<total)
        var core = previous + [Double](repeating: 0, count: total - n)
        // Each earlier point's nearest appended point.
        let newcomers = NeighbourhoodEngines.make(points: points.selectingRows(appended), metric: engine.metric, threads: threads)
        let earlier = try search(newcomers, points, rows: Array(0..<n), k: 1, threads: threads, control: control)
        let changed = (0..<n).filter { row in earlier[row].first.map { $0.distance < previous[row] } ?? false }
        let rows = changed + appended
        let found = try search(engine, points, rows: rows, k: k + 1, threads: threads, control: control)
        for (row, near) in zip(rows, found) { core[row] = near[k].distance }
        return core
    }

    /// The `k` nearest points to each of `rows` of `points` (`nearestBatch` where the engine has it,
    /// else `nearest(to:row:k:)`), in batches shared among the threads.
    private static func search(_ engine: any NeighbourhoodEngine, _ points: PointSet, rows: [Int], k: Int, threads: Int,
                               control: TaskControl) throws -> [[Neighbour]] {
        let batch = 32
        let batches = stride(from: 0, to: rows.count, by: batch).map { Array(rows[$0..<min(rows.count, $0 + batch)]) }
        var out = [[Neighbour]](repeating: [], count: rows.count)
        out.withUnsafeMutableBufferPointer { buffer in
            let slots = SharedPointer(base: buffer.baseAddress!)
            runTasks(batches.count, threads: engineThreads(threads)) { b, _ in
                let rows = batches[b]
                let batched = (engine as? any BatchQueryEngine)?.nearestBatch(to: points, rows: rows, k: k)
                for (offset, row) in rows.enumerated() {
                    slots.base[b * batch + offset] = batched?[offset] ?? engine.nearest(to: points, row: row, k: k)
                }
                return !control.isCancelled()
            }
        }
        try control.checkCancellation()
        return out
    }
}
