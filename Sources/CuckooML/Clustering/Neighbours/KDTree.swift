/// A k-d tree over dense rows, for exact neighbour searches in few dimensions (euclidean, manhattan).
///
/// Exactness rests on one property: a node's lower bound is computed with the same operations, in the
/// same column order, as the distance itself, only with each |x − y| replaced by the gap from x to the
/// node's box, which is never larger. IEEE rounding is monotone, so the bound never exceeds the computed
/// distance of any point in the box, and pruning by it can never skip a pair that would have counted.
final class KDTree: @unchecked Sendable {
    struct Node {
        var start: Int32
        var end: Int32
        /// −1 for a leaf.
        var left: Int32
        var right: Int32
        var parent: Int32
    }

    let count: Int
    let dimension: Int
    let isEuclidean: Bool
    /// Coordinates in tree order: position `p` holds row `rowOf[p]`.
    let coordinates: UnsafeMutablePointer<Double>
    let rowOf: UnsafeMutablePointer<Int32>
    let positionOf: UnsafeMutablePointer<Int32>
    let leafOf: UnsafeMutablePointer<Int32>
    private(set) var nodes: UnsafeMutablePointer<Node>
    private(set) var nodeCount = 0
    /// Per node, `dimension` lower then `dimension` upper box corners.
    private(set) var boxes: UnsafeMutablePointer<Double>
    static let leafSize = 12

    /// Builds the tree over `values` (row-major, `rows × columns`); `metric` must be euclidean or manhattan.
    init(values: UnsafePointer<Double>, rows: Int, columns: Int, metric: DistanceMetric) {
        precondition(metric == .euclidean || metric == .manhattan, "k-d bounds need a coordinate-wise metric")
        count = rows
        dimension = columns
        isEuclidean = metric == .euclidean
        let capacity = rows / 3 + 16
        nodes = .allocate(capacity: capacity)
        boxes = .allocate(capacity: max(1, capacity * 2 * columns))
        coordinates = .allocate(capacity: max(1, rows * columns))
        rowOf = .allocate(capacity: max(1, rows))
        positionOf = .allocate(capacity: max(1, rows))
        leafOf = .allocate(capacity: max(1, rows))
        for p in 0..<rows { rowOf[p] = Int32(p) }
        var nodeCapacity = capacity
        _ = build(values, 0, rows, parent: -1, capacity: &nodeCapacity)
        for p in 0..<rows {
            positionOf[Int(rowOf[p])] = Int32(p)
            (coordinates + p * columns).update(from: values + Int(rowOf[p]) * columns, count: columns)
        }
    }

    deinit {
        nodes.deallocate(); boxes.deallocate(); coordinates.deallocate(); rowOf.deallocate(); positionOf.deallocate(); leafOf.deallocate()
    }

    var root: Int { 0 }

    /// Builds the node for positions `start..<end` (rows `rowOf[start..<end]`) and returns its index.
    private func build(_ values: UnsafePointer<Double>, _ start: Int, _ end: Int, parent: Int,
                       capacity: inout Int) -> Int {
        if nodeCount == capacity { grow(&capacity) }
        let id = nodeCount
        nodeCount += 1
        let d = dimension
        let lower = boxes + id * 2 * d, upper = lower + d
        for c in 0..<d { lower[c] = .infinity; upper[c] = -.infinity }
        for p in start..<end {
            let x = values + Int(rowOf[p]) * d
            for c in 0..<d {
                if x[c] < lower[c] { lower[c] = x[c] }
                if x[c] > upper[c] { upper[c] = x[c] }
            }
        }
        var split = -1, spread = 0.0
        for c in 0..<d where upper[c] - lower[c] > spread { spread = upper[c] - lower[c]; split = c }
        // Identical points (no spread) stay in one leaf whatever their number.
        guard end - start > Self.leafSize, split >= 0 else {
            nodes[id] = Node(start: Int32(start), end: Int32(end), left: -1, right: -1, parent: Int32(parent))
            for p in start..<end { leafOf[p] = Int32(id) }
            return id
        }
        let middle = (start + end) / 2
        select(values, start, end, nth: middle, column: split)
        nodes[id] = Node(start: Int32(start), end: Int32(end), left: -1, right: -1, parent: Int32(parent))
        let left = build(values, start, middle, parent: id, capacity: &capacity)
        let right = build(values, middle, end, parent: id, capacity: &capacity)
        nodes[id].left = Int32(left)
        nodes[id].right = Int32(right)
        return id
    }

    private func grow(_ capacity: inout Int) {
        let bigger = capacity * 2
        let newNodes = UnsafeMutablePointer<Node>.allocate(capacity: bigger)
        newNodes.moveInitialize(from: nodes, count: nodeCount)
        nodes.deallocate()
        nodes = newNodes
        let newBoxes = UnsafeMutablePointer<Double>.allocate(capacity: bigger * 2 * dimension)
        newBoxes.moveInitialize(from: boxes, count: nodeCount * 2 * dimension)
        boxes.deallocate()
        boxes = newBoxes
        capacity = bigger
    }

    /// Reorders `rowOf[start..<end]` so position `nth` holds the row whose `column` value would sort
    /// there, with no larger value before it and no smaller after (Hoare's selection).
    private func select(_ values: UnsafePointer<Double>, _ start: Int, _ end: Int, nth: Int, column: Int) {
        let d = dimension
        var lo = start, hi = end - 1
        while lo < hi {
            let pivot = values[Int(rowOf[(lo + hi) / 2]) * d + column]
            var i = lo, j = hi
            while i <= j {
                while values[Int(rowOf[i]) * d + column] < pivot { i += 1 }
                while values[Int(rowOf[j]) * d + column] > pivot { j -= 1 }
                if i <= j { let t = rowOf[i]; rowOf[i] = rowOf[j]; rowOf[j] = t; i += 1; j -= 1 }
            }
            if nth <= j { hi = j } else if nth >= i { lo = i } else { return }
        }
    }

    @inline(__always) func isLeaf(_ node: Int) -> Bool { nodes[node].left < 0 }

    /// The sum a distance is finished from: Σ(x − y)² (euclidean) or Σ|x − y| (manhattan), ascending columns.
    @inline(__always)
    func pairSum(_ x: UnsafePointer<Double>, _ p: Int) -> Double {
        let y = coordinates + p &* dimension
        var s = 0.0
        if isEuclidean {
            for c in 0..<dimension { let t = x[c] - y[c]; s += t * t }
        } else {
            for c in 0..<dimension { s += abs(x[c] - y[c]) }
        }
        return s
    }

    /// `pairSum` that may stop as soon as the partial sum reaches `limit` (terms are never negative, so
    /// the full sum could only be larger); the result is then some value ≥ `limit`.
    @inline(__always)
    func pairSum(_ x: UnsafePointer<Double>, _ p: Int, stoppingAt limit: Double) -> Double {
        let y = coordinates + p &* dimension
        var s = 0.0
        var c = 0
        if isEuclidean {
            while c < dimension {
                let t = x[c] - y[c]; s += t * t; c += 1
                if c & 3 == 0 && s >= limit { return s }
            }
        } else {
            while c < dimension {
                s += abs(x[c] - y[c]); c += 1
                if c & 3 == 0 && s >= limit { return s }
            }
        }
        return s
    }

    /// `pairSum(x, p)` for the four positions `p..<p + 4` at once, each lane summed in ascending columns
    /// as `pairSum` sums (so bit-identical), the four chains overlapping.
    @inline(__always)
    func pairSums4(_ x: UnsafePointer<Double>, _ p: Int) -> SIMD4<Double> {
        let d = dimension
        let y = coordinates + p &* d
        var s = SIMD4<Double>(repeating: 0)
        if isEuclidean {
            for c in 0..<d {
                let t = SIMD4<Double>(repeating: x[c]) - SIMD4(y[c], y[d &+ c], y[2 &* d &+ c], y[3 &* d &+ c])
                s += t * t
            }
        } else {
            for c in 0..<d {
                let t = SIMD4<Double>(repeating: x[c]) - SIMD4(y[c], y[d &+ c], y[2 &* d &+ c], y[3 &* d &+ c])
                s += SIMD4(abs(t[0]), abs(t[1]), abs(t[2]), abs(t[3]))
            }
        }
        return s
    }

    /// The distance a sum gives: √s for euclidean, s for manhattan.
    @inline(__always)
    func finish(_ s: Double) -> Double { isEuclidean ? s.squareRoot() : s }

    /// A lower bound of `pairSum(x, p)` for every position `p` in `node` (see the type's comment).
    @inline(__always)
    func lowerBoundSum(_ x: UnsafePointer<Double>, _ node: Int) -> Double {
        let lower = boxes + node &* 2 &* dimension
        // A point is a box with no extent: the same sum as between two boxes, bit for bit.
        return gapSum(lower, lower + dimension, x, x)
    }

    /// A lower bound of `pairSum` between every position in node `a` and every position in node `b`, by
    /// the gaps between their boxes: each gap is at most the |x − y| of any such pair, so the same
    /// monotone argument holds.
    @inline(__always)
    func boxGapSum(_ a: Int, _ b: Int) -> Double {
        let aLower = boxes + a &* 2 &* dimension, bLower = boxes + b &* 2 &* dimension
        return gapSum(aLower, aLower + dimension, bLower, bLower + dimension)
    }

    /// Σ over the columns of the gap between the intervals [aLower, aUpper] and [bLower, bUpper],
    /// squared for euclidean.
    @inline(__always)
    private func gapSum(_ aLower: UnsafePointer<Double>, _ aUpper: UnsafePointer<Double>,
                        _ bLower: UnsafePointer<Double>, _ bUpper: UnsafePointer<Double>) -> Double {
        var s = 0.0
        if isEuclidean {
            for c in 0..<dimension { let t = Self.gap(aLower[c] - bUpper[c], bLower[c] - aUpper[c]); s += t * t }
        } else {
            for c in 0..<dimension { s += Self.gap(aLower[c] - bUpper[c], bLower[c] - aUpper[c]) }
        }
        return s
    }

    /// The gap from a value to an interval, given `lower − v` and `v − upper` (at most one is positive,
    /// and that one is the gap; else 0), without branches: which side a point falls on is unpredictable.
    @inline(__always)
    static func gap(_ below: Double, _ above: Double) -> Double {
        let larger = below > above ? below : above
        return larger > 0 ? larger : 0
    }
}
