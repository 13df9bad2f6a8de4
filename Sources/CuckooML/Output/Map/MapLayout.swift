/// The settings of a map layout; the defaults are UMAP's where it has one.
public struct MapLayoutParameters: Sendable, Equatable {
    /// Neighbours per point in the graph (UMAP's n_neighbors).
    public var neighbours = 15
    /// Passes over the graph; nil: 500 (UMAP's count for small data sets; its 200 for large ones left
    /// clusters of 100 000-point maps strung out between groups).
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
    /// `clusters` (a clustering's label per point, negative for noise, and its members' strengths when
    /// it has them), when given, seeds the neighbour search of large maps with members of each point's
    /// own and nearest clusters (`MapNeighbours.descent`).
    public static func layout(_ distance: MapDistance, parameters: MapLayoutParameters = MapLayoutParameters(),
                              clusters: [Int]? = nil, strengths: [Double]? = nil, threads: Int = 0,
                              control: TaskControl = .none) throws -> (positions: [SIMD2<Double>], summary: MapLayoutSummary) {
        let n = distance.count
        // Rows with NaN or infinite values have no finite distance: they are placed as far from
        // everything, not allowed to poison the graph weights and the MDS start with NaN.
        let distance = MapDistance(count: n) { i, j in
            let d = distance.distance(i, j)
            return d.isFinite ? d : (d.isNaN || d > 0 ? unreachable : 0)
        }
        let graph = try MapNeighbours.find(distance, k: parameters.neighbours, seed: parameters.seed, threads: threads,
                                           exactUpTo: parameters.exactNeighboursUpTo, clusters: clusters, strengths: strengths, control: control)
        let fuzzy = FuzzyGraph(graph)
        let epochs = parameters.epochs ?? 500
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

    /// The distance given to pairs whose distance is NaN or infinite.
    static let unreachable = 1e6

    static func optimise(_ positions: inout [SIMD2<Double>], _ graph: FuzzyGraph, epochs: Int, negativeSamples: Int,
                         seed: UInt64, threads: Int, control: TaskControl) throws {
        let n = positions.count
        guard n > 1, !graph.columns.isEmpty, epochs > 0 else { return }
        // UMAP drops edges too weak to be sampled once, and samples each edge every max/w epochs.
        let strongest = graph.weights.max() ?? 1
        let period = graph.weights.map { $0 >= strongest / Double(epochs) ? strongest / $0 : .infinity }
        let negativePeriod = period.map { $0 / Double(max(1, negativeSamples)) }
        let edges = EdgeSchedule(start: graph.start, columns: graph.columns, period: period, negativePeriod: negativePeriod)
        defer { edges.deallocate() }
        // Single precision: the random reads of other points' positions stay in cache for larger maps.
        let current = UnsafeMutablePointer<SIMD2<Float>>.allocate(capacity: n)
        let next = UnsafeMutablePointer<SIMD2<Float>>.allocate(capacity: n)
        defer { current.deallocate(); next.deallocate() }
        for i in 0..<n { current[i] = SIMD2(Float(positions[i].x), Float(positions[i].y)) }
        var y = SharedPointer(base: current), out = SharedPointer(base: next)
        for epoch in 0..<epochs {
            if epoch & 7 == 0 { control.report(Progress(phase: "map layout", done: epoch, total: epochs)) }
            let rate = Float(1 - Double(epoch) / Double(epochs))
            let (from, to) = (y, out)
            try forEachChunk(n, chunk: 512, threads: threads, control: control) { rows in
                for i in rows {
                    to.base[i] = step(i, epoch: epoch, rate: rate, edges: edges, positions: from.base, count: n, seed: seed)
                }
            }
            swap(&y, &out)
        }
        for i in 0..<n { positions[i] = SIMD2(Double(y.base[i].x), Double(y.base[i].y)) }
        control.report(Progress(phase: "map layout", done: epochs, total: epochs))
    }

    /// Point `i`'s new position after one epoch, from the positions at the epoch's start. Updates the
    /// schedule of `i`'s own edges only.
    @inline(__always)
    private static func step(_ i: Int, epoch: Int, rate: Float, edges: EdgeSchedule, positions y: UnsafeMutablePointer<SIMD2<Float>>,
                             count n: Int, seed: UInt64) -> SIMD2<Float> {
        let yi = y[i]
        var move = SIMD2<Float>.zero
        let e = Double(epoch)
        for edge in edges.start[i]..<edges.start[i + 1] where edges.nextSample[edge] <= e {
            let diff = yi - y[Int(edges.columns[edge])]
            let d2 = (diff * diff).sum()
            // Attraction: the gradient of log(1 + d²) is 2d / (1 + d²).
            move += clip(diff * (-2 / (1 + d2))) * rate
            edges.nextSample[edge] += edges.period[edge]
            let negatives = max(0, Int((e - edges.nextNegative[edge]) / edges.negativePeriod[edge]))
            let stream = MapRandom.bits(seed, epoch, edge)
            for s in 0..<negatives {
                let other = Int(truncatingIfNeeded: MapRandom.mix(stream &+ UInt64(s)).multipliedFullWidth(by: UInt64(n)).high)
                if other == i { continue }
                let away = yi - y[other]
                let a2 = (away * away).sum()
                guard a2 > 0 else { continue }
                // Repulsion, from log(1 − 1/(1 + d²)), with UMAP's 0.001 guard.
                move += clip(away * (2 / ((0.001 + a2) * (1 + a2)))) * rate
            }
            edges.nextNegative[edge] += Double(negatives) * edges.negativePeriod[edge]
        }
        // A point's whole step is clipped too: in a crowded start the many push-aways of one epoch
        // would otherwise add up and fling it so far that the (long-tailed) pull cannot bring it back.
        return yi + clip(move)
    }

    /// UMAP clips each coordinate of a step to ±4.
    @inline(__always)
    static func clip(_ v: SIMD2<Float>) -> SIMD2<Float> {
        v.clamped(lowerBound: SIMD2(repeating: -4), upperBound: SIMD2(repeating: 4))
    }
}

/// The symmetric graph's edges (CSR) with when each is next sampled, in raw memory shared by the
/// threads: an edge's schedule is only ever touched by the thread stepping its row's point.
struct EdgeSchedule: @unchecked Sendable {
    let start: UnsafeMutablePointer<Int>
    let columns: UnsafeMutablePointer<Int32>
    let period: UnsafeMutablePointer<Double>
    let negativePeriod: UnsafeMutablePointer<Double>
    let nextSample: UnsafeMutablePointer<Double>
    let nextNegative: UnsafeMutablePointer<Double>

    init(start: [Int], columns: [Int32], period: [Double], negativePeriod: [Double]) {
        func copy<T>(_ a: [T]) -> UnsafeMutablePointer<T> {
            let p = UnsafeMutablePointer<T>.allocate(capacity: max(1, a.count))
            _ = UnsafeMutableBufferPointer(start: p, count: a.count).initialize(from: a)
            return p
        }
        self.start = copy(start); self.columns = copy(columns)
        self.period = copy(period); self.negativePeriod = copy(negativePeriod)
        nextSample = copy(period); nextNegative = copy(negativePeriod)
    }

    func deallocate() {
        start.deallocate(); columns.deallocate(); period.deallocate(); negativePeriod.deallocate()
        nextSample.deallocate(); nextNegative.deallocate()
    }
}
