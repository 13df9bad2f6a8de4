/// The settings of a map layout; the defaults are UMAP's where it has one.
public struct MapLayoutParameters: Sendable, Equatable {
    /// Neighbours per point in the graph (UMAP's n_neighbors).
    public var neighbours = 15
    /// Passes over the graph; nil: 500 up to 10 000 points, else 200 (UMAP's choice).
    public var epochs: Int? = nil
    /// Random points pushed away per attraction (UMAP's negative_sample_rate).
    public var negativeSamples = 5
    public var seed: UInt64 = 2016
    /// Up to this many points the neighbour lists are exact; above, NN-descent.
    public var exactNeighboursUpTo = MapNeighbours.exactUpTo
    public init() {}
}

/// What a layout did, for help and JSON: the graph kind and size, the passes made.
public struct MapLayoutSummary: Sendable, Equatable {
    public var neighbours: Int
    public var exactNeighbours: Bool
    public var edges: Int
    public var epochs: Int
}

/// A 2-D layout of points from their distances alone, UMAP-style: a fuzzy k-NN graph (`FuzzyGraph`),
/// a landmark-MDS start (`LandmarkMDS`), then stochastic gradient steps that pull graph neighbours
/// together and push random pairs apart.
///
/// The forces use the Cauchy kernel 1 / (1 + d²) (UMAP with a = b = 1, which Böhm, Berens & Kobak 2022
/// show sits between UMAP and t-SNE and separates clusters more clearly; it also needs no pow per
/// step). Every point's step in an epoch is computed from the positions at the start of the epoch, and
/// negative samples come from counter-based random numbers, so the layout is identical for any number
/// of threads and from run to run.
public enum MapLayout {
    public static func layout(_ distance: MapDistance, parameters: MapLayoutParameters = MapLayoutParameters(),
                              threads: Int = 0, control: TaskControl = .none) throws -> (positions: [SIMD2<Double>], summary: MapLayoutSummary) {
        let n = distance.count
        let graph = try MapNeighbours.find(distance, k: parameters.neighbours, seed: parameters.seed, threads: threads,
                                           exactUpTo: parameters.exactNeighboursUpTo, control: control)
        let fuzzy = FuzzyGraph(graph)
        let epochs = parameters.epochs ?? (n <= 10_000 ? 500 : 200)
        var positions = try LandmarkMDS.embed(distance, threads: threads, control: control)
        // UMAP's scale for its start (coordinates within ±10), plus a tiny jitter so that points with
        // the same distances to every landmark do not start on one spot.
        let extent = positions.reduce(0.0) { max($0, abs($1.x), abs($1.y)) }
        let scale = extent > 0 ? 10 / extent : 1
        for i in 0..<n {
            let jitter = SIMD2(MapRandom.unit(parameters.seed, i, 1) - 0.5, MapRandom.unit(parameters.seed, i, 2) - 0.5)
            positions[i] = positions[i] * scale + jitter * 1e-3
        }
        try optimise(&positions, fuzzy, epochs: epochs, negativeSamples: parameters.negativeSamples,
                     seed: parameters.seed, threads: threads, control: control)
        let summary = MapLayoutSummary(neighbours: graph.k, exactNeighbours: graph.exact, edges: fuzzy.columns.count / 2,
                                       epochs: epochs)
        return (positions, summary)
    }

    static func optimise(_ positions: inout [SIMD2<Double>], _ graph: FuzzyGraph, epochs: Int, negativeSamples: Int,
                         seed: UInt64, threads: Int, control: TaskControl) throws {
        let n = positions.count
        guard n > 1, !graph.columns.isEmpty, epochs > 0 else { return }
        // UMAP drops edges too weak to be sampled once, and samples each edge every max/w epochs.
        let strongest = graph.weights.max() ?? 1
        let period = graph.weights.map { $0 >= strongest / Double(epochs) ? strongest / $0 : .infinity }
        var nextSample = period
        let negativePeriod = period.map { $0 / Double(max(1, negativeSamples)) }
        var nextNegative = negativePeriod
        var next = positions
        for epoch in 0..<epochs {
            if epoch & 7 == 0 { control.report(Progress(phase: "map layout", done: epoch, total: epochs)) }
            let rate = 1 - Double(epoch) / Double(epochs)
            let e = Double(epoch)
            try positions.withUnsafeBufferPointer { pb in
                try next.withUnsafeMutableBufferPointer { nb in
                    try nextSample.withUnsafeMutableBufferPointer { sb in
                        try nextNegative.withUnsafeMutableBufferPointer { gb in
                            let y = SharedPointer(base: UnsafeMutablePointer(mutating: pb.baseAddress!))
                            let out = SharedPointer(base: nb.baseAddress!)
                            let sampleAt = SharedPointer(base: sb.baseAddress!), negativeAt = SharedPointer(base: gb.baseAddress!)
                            try forEachChunk(n, chunk: 512, threads: threads, control: control) { rows in
                                for i in rows {
                                    let yi = y.base[i]
                                    var move = SIMD2<Double>.zero
                                    for edge in graph.start[i]..<graph.start[i + 1] where sampleAt.base[edge] <= e {
                                        let j = Int(graph.columns[edge])
                                        let diff = yi - y.base[j]
                                        let d2 = (diff * diff).sum()
                                        // Attraction: the gradient of log(1 + d²) is 2d / (1 + d²).
                                        move += clip(diff * (-2 / (1 + d2))) * rate
                                        sampleAt.base[edge] += period[edge]
                                        let negatives = Int((e - negativeAt.base[edge]) / negativePeriod[edge])
                                        for s in 0..<max(0, negatives) {
                                            let other = MapRandom.below(n, seed, epoch, edge, s)
                                            if other == i { continue }
                                            let away = yi - y.base[other]
                                            let a2 = (away * away).sum()
                                            guard a2 > 0 else { continue }
                                            // Repulsion, from log(1 − 1/(1 + d²)), with UMAP's 0.001 guard.
                                            move += clip(away * (2 / ((0.001 + a2) * (1 + a2)))) * rate
                                        }
                                        negativeAt.base[edge] += Double(max(0, negatives)) * negativePeriod[edge]
                                    }
                                    out.base[i] = yi + move
                                }
                            }
                        }
                    }
                }
            }
            swap(&positions, &next)
        }
        control.report(Progress(phase: "map layout", done: epochs, total: epochs))
    }

    /// UMAP clips each coordinate of a step to ±4.
    @inline(__always)
    static func clip(_ v: SIMD2<Double>) -> SIMD2<Double> {
        v.clamped(lowerBound: SIMD2(repeating: -4), upperBound: SIMD2(repeating: 4))
    }
}
