/// Prim's minimum spanning tree over mutual reachability, computed on the fly in O(n) memory.
///
/// Follows the library exactly (`docs/hdbscan.md`): start at point 0; after adding `cur`, every
/// point `j` outside the tree takes `mr(cur, j) = max(core(cur), core(j), d(cur, j) / alpha)` only if it
/// is strictly below its best so far; the next point is the lowest index holding the smallest best.
///
/// The unvisited points are kept compacted in slots `0..<m` (the picked point is exchanged with the
/// last), so a step is a dense scan; since slot order is no longer index order, minima compare the
/// original index on ties, which reproduces the library's index-order scan. The scan is split between
/// the calling thread and a spinning worker thread.
final class PrimSpanningTree<K: DistanceKernel>: @unchecked Sendable {
    private let kernel: K
    private let n: Int
    private let alpha: Double
    private let best: UnsafeMutablePointer<Double>
    private let source: UnsafeMutablePointer<Int32>
    private let original: UnsafeMutablePointer<Int32>
    private let core: UnsafeMutablePointer<Double>
    // The step the worker runs: its slot range and the current point (slot `current`); written by the
    // calling thread before `post()`, read back after `wait()`.
    private var current = 0
    private var unvisited = 0
    private var chunkCount = 1
    private let chunkMinimum = UnsafeMutablePointer<Minimum>.allocate(capacity: SharedSteps.maximumChunks)

    struct Minimum {
        var value = Double.infinity
        var index = Int32.max
        var slot = -1
    }

    /// `kernel` must be a private copy: its slots are reordered.
    init(kernel: K, coreDistances: [Double], alpha: Double) {
        self.kernel = kernel
        n = kernel.count
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
        chunkMinimum.deallocate()
    }

    /// Splits each step over two threads while at least `parallelFrom` points are left (tests lower it).
    func run(threads: Int, parallelFrom: Int = 2_048, control: TaskControl) throws -> [MSTEdge] {
        guard n > 1 else { return [] }
        var edges: [MSTEdge] = []
        edges.reserveCapacity(n - 1)
        chunkMinimum.initialize(repeating: Minimum(), count: SharedSteps.maximumChunks)
        let steps: SharedSteps? = (threads > 1 && n > parallelFrom) ? SharedSteps { [unowned self] chunk in
            self.chunkMinimum[chunk] = self.scan(self.chunkRange(chunk), from: self.current)
        } : nil
        defer { steps?.stop() }
        // Point 0 is the first in the tree: park it just past the unvisited slots.
        var m = n - 1
        swapSlots(0, m)
        current = m
        var work = 0
        control.report(Progress(phase: "spanning tree", done: 0, total: n - 1))
        while m > 0 {
            var found: Minimum
            if let steps, m >= parallelFrom {
                unvisited = m
                chunkCount = min(SharedSteps.maximumChunks, max(2, m / 2_048))
                steps.run(chunks: chunkCount)
                found = chunkMinimum[0]
                for c in 1..<chunkCount {
                    let other = chunkMinimum[c]
                    if other.value < found.value || (other.value == found.value && other.index < found.index) {
                        found = other
                    }
                }
            } else {
                found = scan(0..<m, from: current)
            }
            // Only non-finite distances leave no minimum; take the first slot rather than fail.
            let slot = found.slot >= 0 ? found.slot : 0
            edges.append(MSTEdge(from: source[slot], to: original[slot], weight: best[slot]))
            m -= 1
            swapSlots(slot, m)
            current = m
            work += m
            if work >= 4_000_000 {
                work = 0
                try control.checkCancellation()
                control.report(Progress(phase: "spanning tree", done: edges.count, total: n - 1))
            }
        }
        control.report(Progress(phase: "spanning tree", done: n - 1, total: n - 1))
        return edges
    }

    /// Slots of chunk `c` of the current step.
    private func chunkRange(_ c: Int) -> Range<Int> {
        (c * unvisited / chunkCount)..<((c + 1) * unvisited / chunkCount)
    }

    private func swapSlots(_ a: Int, _ b: Int) {
        guard a != b else { return }
        swap(&best[a], &best[b])
        swap(&source[a], &source[b])
        swap(&original[a], &original[b])
        swap(&core[a], &core[b])
        kernel.exchange(a, b)
    }

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
