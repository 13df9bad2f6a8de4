/// The k nearest training points to a new row, as `NeighbourhoodEngine.nearest(to:row:k:)` gives them
/// (sorted by distance, then index), with the dense engine's eight-rows-at-a-time loop.
///
/// `DenseDistance.distances(row:squares:_:)` keeps one sum per lane over the columns in ascending
/// order, the operations of the one-pair loop, so every distance is bit-identical; eight independent
/// sums hide the latency of the adds that bounds the one-pair loop. Other engines search as they do.
enum QueryNearest {
    /// `nearest(_:to:row:k:)` for each of `rows`: in one pass over the training rows for all of them
    /// where the engine can (`BatchQueryEngine`), else row by row; the same lists either way.
    static func nearest(_ engine: any NeighbourhoodEngine, to queries: PointSet, rows: [Int], k: Int) -> [[Neighbour]] {
        let batch = (engine as? any BatchQueryEngine)?.nearestBatch(to: queries, rows: rows, k: k)
        return rows.enumerated().map { position, row in
            batch?[position] ?? nearest(engine, to: queries, row: row, k: k)
        }
    }

    static func nearest(_ engine: any NeighbourhoodEngine, to queries: PointSet, row: Int, k: Int) -> [Neighbour] {
        guard let dense = engine as? DenseEngine, dense.count >= 8 else { return engine.nearest(to: queries, row: row, k: k) }
        let kernel = dense.kernel
        let dimension = kernel.dimension
        var x = [Double](repeating: 0, count: dimension)
        switch queries.storage {
        case .dense(let m): for (c, v) in m.row(row).enumerated() where c < dimension { x[c] = v }
        case .sparse(let m):
            let r = m.row(row)
            for (c, v) in zip(r.columns, r.values) where Int(c) < dimension { x[Int(c)] = v }
        }
        let k = min(k, kernel.count)
        guard k > 0 else { return [] }
        let pairs = kernel.evaluator
        return x.withUnsafeBufferPointer { buffer in
            guard let query = buffer.baseAddress else { return engine.nearest(to: queries, row: row, k: k) }
            let squares = DenseKernel.sumOfSquares(query, dimension)
            var out: [Neighbour] = []
            out.reserveCapacity(k + 1)
            var limit = Double.infinity
            func offer(_ j: Int, _ d: Double) {
                // Rows arrive by ascending index, so inserting after equal distances keeps index order.
                guard out.count < k || d < limit else { return }
                var at = out.count
                while at > 0 && out[at - 1].distance > d { at -= 1 }
                out.insert(Neighbour(index: j, distance: d), at: at)
                if out.count > k { out.removeLast() }
                if out.count == k { limit = out[k - 1].distance }
            }
            let n = kernel.count
            var j = 0
            while j + 8 <= n {
                let d = pairs.distances(row: query, squares: squares, SIMD8(j, j + 1, j + 2, j + 3, j + 4, j + 5, j + 6, j + 7))
                for lane in 0..<8 { offer(j + lane, d[lane]) }
                j += 8
            }
            while j < n { offer(j, pairs.distance(row: query, squares: squares, j)); j += 1 }
            return out
        }
    }
}
