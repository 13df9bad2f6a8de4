/// Prim's minimum spanning tree over mutual reachability, computed on the fly in O(n) memory, over any
/// exact distance kernel: `PrimDriver`'s loop (the library's order, ties and compacted slots) with a
/// scan that asks the kernel for each distance (eight at a time when its evaluator prefers batches).
final class PrimSpanningTree<K: DistanceKernel>: PrimScan, @unchecked Sendable {
    private let kernel: K
    let count: Int
    private let alpha: Double
    private let best: UnsafeMutablePointer<Double>
    private let source: UnsafeMutablePointer<Int32>
    private let original: UnsafeMutablePointer<Int32>
    private let core: UnsafeMutablePointer<Double>
    /// The slot of the point being added, set by `prepare` before a step's scans.
    private var current = 0
    let slotsPerChunk = 2_048

    struct Minimum: PrimCandidate {
        var value = Double.infinity
        var index = Int32.max
        var slot = -1
        static var none: Minimum { Minimum() }
        func precedes(_ other: Minimum) -> Bool {
            value < other.value || (value == other.value && index < other.index)
        }
    }

    /// `kernel` must be a private copy: its slots are reordered.
    init(kernel: K, coreDistances: [Double], alpha: Double) {
        self.kernel = kernel
        let n = kernel.count
        count = n
        self.alpha = alpha
        best = .allocate(capacity: max(n, 1))
        best.initialize(repeating: .infinity, count: max(n, 1))
        source = .allocate(capacity: max(n, 1))
        source.initialize(repeating: 0, count: max(n, 1))
        original = .allocate(capacity: max(n, 1))
        for i in 0..<n { original[i] = Int32(i) }
        core = .allocate(capacity: max(n, 1))
        for i in 0..<n { core[i] = coreDistances[i] }
    }

    deinit {
        best.deallocate(); source.deallocate(); original.deallocate(); core.deallocate()
    }

    /// Splits each step over two threads while at least `parallelFrom` points are left (tests lower it).
    func run(threads: Int, parallelFrom: Int = 2_048, control: TaskControl) throws -> [MSTEdge] {
        try runPrim(threads: threads, parallelFrom: parallelFrom, control: control)
    }

    func prepare(current slot: Int) { current = slot }

    func edge(slot: Int, found: Minimum) -> MSTEdge {
        MSTEdge(from: source[slot], to: original[slot], weight: best[slot])
    }

    func exchangeSlots(_ a: Int, _ b: Int) {
        guard a != b else { return }
        swap(&best[a], &best[b])
        swap(&source[a], &source[b])
        swap(&original[a], &original[b])
        swap(&core[a], &core[b])
        kernel.exchange(a, b)
    }

    func scan(_ range: Range<Int>) -> Minimum { scan(range, from: current) }

    /// Updates the slots in `range` from the point in slot `from` and returns their minimum.
    private func scan(_ range: Range<Int>, from cur: Int) -> Minimum {
        let pairs = kernel.evaluator
        let coreCur = core[cur]
        let curIndex = original[cur]
        let alphaIsOne = alpha == 1
        let alpha = self.alpha
        let best = self.best, source = self.source, original = self.original, core = self.core
        var minValue = Double.infinity
        var minIndex = Int32.max
        var minSlot = -1
        // The minimum is of (value, original index) pairs, so the order slots are settled in is free.
        @inline(__always) func offer(_ j: Int, _ b: Double) {
            let index = original[j]
            if b < minValue || (b == minValue && index < minIndex) {
                minValue = b; minIndex = index; minSlot = j
            }
        }
        @inline(__always) func settle(_ j: Int, _ distance: Double) {
            var d = distance
            let coreJ = core[j]
            var b = best[j]
            if !alphaIsOne { d /= alpha }
            // The library's order of comparisons gives max(core(cur), core(j), d).
            if coreJ > coreCur {
                if coreJ > d { d = coreJ }
            } else if coreCur > d {
                d = coreCur
            }
            if d < b { b = d; best[j] = d; source[j] = curIndex }
            offer(j, b)
        }
        if K.Evaluator.prefersBatches {
            // Slots that need a distance are gathered in eights for the evaluator's batched loop.
            var pending = SIMD8<Int>(repeating: 0)
            var count = 0
            for j in range {
                let b = best[j]
                // mr ≥ max(core(cur), core(j)); when that already reaches best[j] no update can happen.
                if coreCur < b && core[j] < b {
                    pending[count] = j
                    count += 1
                    if count == 8 {
                        let d = pairs.distances(cur, pending)
                        for i in 0..<8 { settle(pending[i], d[i]) }
                        count = 0
                    }
                } else {
                    offer(j, b)
                }
            }
            var i = 0
            if count >= 4 {
                let d = pairs.distances(cur, pending[0], pending[1], pending[2], pending[3])
                for l in 0..<4 { settle(pending[l], d[l]) }
                i = 4
            }
            while i < count { settle(pending[i], pairs.distance(cur, pending[i])); i += 1 }
        } else {
            for j in range {
                let b = best[j]
                if coreCur < b && core[j] < b {
                    settle(j, pairs.distance(cur, j))
                } else {
                    offer(j, b)
                }
            }
        }
        return Minimum(value: minValue, index: minIndex, slot: minSlot)
    }
}
