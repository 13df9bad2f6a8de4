#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Synchronization

/// Runs `tasks` independent tasks on `threads` threads, handing out task indices from a shared counter
/// (so uneven tasks balance). `body(task, thread)` must be thread-safe; it returns false to stop early.
func runTasks(_ tasks: Int, threads: Int, _ body: @Sendable (_ task: Int, _ thread: Int) -> Bool) {
    let next = Atomic<Int>(0)
    let stopped = Atomic<Bool>(false)
    let threadCount = max(1, min(threads, tasks))
    withoutActuallyEscaping(body) { body in
        let run: @Sendable (Int) -> Void = { thread in
            while !stopped.load(ordering: .relaxed) {
                let task = next.wrappingAdd(1, ordering: .relaxed).oldValue
                if task >= tasks { return }
                if !body(task, thread) { stopped.store(true, ordering: .relaxed) }
            }
        }
        if threadCount == 1 { run(0) } else { DispatchQueue.concurrentPerform(iterations: threadCount, execute: run) }
    }
}

/// The number of threads the engines use: `requested`, or one per CPU for 0 (the session's default,
/// `set threads 0`), never more than the CPUs.
func engineThreads(_ requested: Int) -> Int {
    let cpus = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    return requested <= 0 ? cpus : min(requested, cpus)
}

/// Shares the chunks of each step between the calling thread and one helper thread.
///
/// Prim's algorithm needs a hand-off every step. On a busy machine a helper that has been descheduled
/// would stall a fixed split for a whole time slice; here both threads claim chunks from one atomic
/// word (generation, chunk count, front, back), so the caller simply does every chunk the helper has not
/// claimed, and waits only for chunks the helper is running. The caller claims from the front and the
/// helper from the back, so from step to step each thread mostly gets the same chunks and finds their
/// data still in its own cache.
final class SharedSteps: @unchecked Sendable {
    private let claim = Atomic<Int>(0)
    private let finished = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    private let work: (Int) -> Void
    private var generation = 0
    private var thread: pthread_t? = nil
    static let maximumChunks = 64

    /// `work(c)` runs chunk `c` of the current step; it must only read state set before `run`.
    init(work: @escaping (Int) -> Void) {
        self.work = work
        let context = Unmanaged.passRetained(self).toOpaque()
        var handle = pthread_t()
        let status = pthread_create(&handle, nil, { raw in
            let steps = Unmanaged<SharedSteps>.fromOpaque(raw!).takeRetainedValue()
            steps.helperLoop()
            return nil
        }, context)
        precondition(status == 0, "cannot start worker thread")
        thread = handle
    }

    private static func decode(_ v: Int) -> (generation: Int, front: Int, back: Int) {
        (v >> 16, (v >> 8) & 0xFF, v & 0xFF)
    }

    /// Runs chunks `0..<count` of a new step on both threads and returns when all are done.
    func run(chunks count: Int) {
        precondition(count <= Self.maximumChunks)
        generation += 1
        finished.store(0, ordering: .relaxed)
        claim.store(generation << 16 | count, ordering: .releasing)
        drain(generation, fromFront: true)
        var spins = 0
        while finished.load(ordering: .acquiring) < count {
            spins += 1
            if spins > 2_000 { sched_yield() }
        }
    }

    private func drain(_ wanted: Int, fromFront: Bool) {
        while true {
            let v = claim.load(ordering: .acquiring)
            let (gen, front, back) = Self.decode(v)
            guard gen == wanted, front < back else { return }
            let desired = fromFront ? v + (1 << 8) : v - 1
            guard claim.compareExchange(expected: v, desired: desired, ordering: .acquiringAndReleasing).exchanged else {
                continue
            }
            work(fromFront ? front : back - 1)
            finished.add(1, ordering: .releasing)
        }
    }

    private func helperLoop() {
        var spins = 0
        while !stopping.load(ordering: .relaxed) {
            let (gen, front, back) = Self.decode(claim.load(ordering: .acquiring))
            if gen != 0 && front < back {
                drain(gen, fromFront: false)
                spins = 0
            } else {
                spins += 1
                if spins > 2_000 { sched_yield() }
            }
        }
    }

    /// Ends the helper thread.
    func stop() {
        guard let handle = thread else { return }
        stopping.store(true, ordering: .relaxed)
        pthread_join(handle, nil)
        thread = nil
    }

    deinit { stop() }
}
