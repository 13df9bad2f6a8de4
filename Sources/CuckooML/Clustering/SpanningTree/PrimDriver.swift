/// The dense Prim loop the library runs (`docs/hdbscan.md`), shared by every variant that scans all
/// unvisited points each step (`PrimSpanningTree`, `ColumnarPrim`, `BitPrim`, `IntPrim`): start at
/// point 0; after adding a point, each point outside the tree takes its mutual reachability to it only
/// if strictly below its best so far; the next point is the lowest index holding the smallest best.
///
/// The unvisited points are kept compacted in slots `0..<m` (the picked point is exchanged with the
/// last, and the point being added sits in slot `m`), so a step is a dense scan; since slot order is no
/// longer index order, a scan's minimum compares the original index on ties, which reproduces the
/// library's index-order scan. Large steps are split into chunks run by the calling thread and a
/// helper that spins between steps and sleeps when none come (`SharedSteps`); the chunks' minima are
/// combined by the same rule, so the split never changes the tree.
///
/// A variant keeps only what differs: its slot data, how the point being added is made ready, and the
/// scan (distance rows from that point to the unvisited slots, the updates, their minimum).
protocol PrimScan: AnyObject, Sendable {
    associatedtype Candidate: PrimCandidate
    /// Number of points.
    var count: Int { get }
    /// Exchanges everything held for slots `a` and `b`.
    func exchangeSlots(_ a: Int, _ b: Int)
    /// Makes the point in `slot` the one the next scans add (copies its row, core distance...).
    func prepare(current slot: Int)
    /// Updates the slots in `range` from the prepared point; returns their least candidate (slot −1
    /// when the range holds none, which only non-finite distances cause).
    func scan(_ range: Range<Int>) -> Candidate
    /// The edge to the point in `slot`, the step's least candidate `found`.
    func edge(slot: Int, found: Candidate) -> MSTEdge
    /// How many slots a chunk of a split step should hold at least (the split makes 2 to
    /// `SharedSteps.maximumChunks` chunks); larger for faster scans, to keep the hand-offs rare.
    var slotsPerChunk: Int { get }
}

/// A scan's minimum: ordered as the library picks (smallest best, then lowest original index).
protocol PrimCandidate {
    /// The slot it is in, −1 for none.
    var slot: Int { get }
    /// The candidate of an empty range.
    static var none: Self { get }
    /// Whether it comes before `other` in the library's order.
    func precedes(_ other: Self) -> Bool
}

extension PrimScan {
    /// The edges in Prim's emission order; each step is split over two threads while at least
    /// `parallelFrom` points are left (tests lower it).
    func runPrim(threads: Int, parallelFrom: Int, control: TaskControl) throws -> [MSTEdge] {
        let n = count
        guard n > 1 else { return [] }
        var record = SpanningTreeRecord(points: n, control: control)
        let minima = UnsafeMutablePointer<Candidate>.allocate(capacity: SharedSteps.maximumChunks)
        minima.initialize(repeating: .none, count: SharedSteps.maximumChunks)
        defer { minima.deinitialize(count: SharedSteps.maximumChunks); minima.deallocate() }
        // The split of the current step, written before `steps.run` and read by both threads.
        let split = UnsafeMutablePointer<(unvisited: Int, chunks: Int)>.allocate(capacity: 1)
        split.initialize(to: (0, 1))
        defer { split.deallocate() }
        let shared = (minima: SharedPointer(base: minima), split: SharedPointer(base: split))
        let steps: SharedSteps? = (threads > 1 && n > parallelFrom) ? SharedSteps { [unowned self] chunk in
            let (m, chunks) = shared.split.base.pointee
            shared.minima.base[chunk] = self.scan((chunk * m / chunks)..<((chunk + 1) * m / chunks))
        } : nil
        defer { steps?.stop() }
        // Point 0 is the first in the tree: park it just past the unvisited slots.
        var m = n - 1
        exchangeSlots(0, m)
        prepare(current: m)
        let perChunk = max(1, slotsPerChunk)
        while m > 0 {
            var found: Candidate
            if let steps, m >= parallelFrom {
                let chunks = min(SharedSteps.maximumChunks, max(2, m / perChunk))
                split.pointee = (m, chunks)
                steps.run(chunks: chunks)
                found = minima[0]
                for c in 1..<chunks where minima[c].precedes(found) { found = minima[c] }
            } else {
                found = scan(0..<m)
            }
            // Only non-finite distances leave no minimum; take the first slot rather than fail.
            let slot = found.slot >= 0 ? found.slot : 0
            let edge = edge(slot: slot, found: found)
            m -= 1
            exchangeSlots(slot, m)
            prepare(current: m)
            try record.append(edge, work: m)
        }
        return record.finish()
    }
}

/// The edges a spanning tree emits, with the progress lines and the cancellation checks every
/// variant makes (about every 4·10⁶ units of work).
struct SpanningTreeRecord {
    private(set) var edges: [MSTEdge] = []
    private let total: Int
    private let control: TaskControl
    private var work = 0

    init(points: Int, control: TaskControl) {
        total = max(0, points - 1)
        self.control = control
        edges.reserveCapacity(total)
        control.report(Progress(phase: "spanning tree", done: 0, total: total))
    }

    /// Counts `work` done; checks for cancellation and reports progress once enough has accumulated.
    mutating func add(work amount: Int) throws {
        work += amount
        if work >= 4_000_000 {
            work = 0
            try control.checkCancellation()
            control.report(Progress(phase: "spanning tree", done: edges.count, total: total))
        }
    }

    mutating func append(_ edge: MSTEdge, work amount: Int) throws {
        edges.append(edge)
        try add(work: amount)
    }

    /// The edges, after the final progress line.
    func finish() -> [MSTEdge] {
        control.report(Progress(phase: "spanning tree", done: total, total: total))
        return edges
    }
}
