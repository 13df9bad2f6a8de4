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
/// word (generation, chunk count, next chunk), so the caller simply does every chunk the helper has not
/// claimed, and waits only for chunks the helper is running.
///
/// Between steps the helper spins on that word for a while (the caller's work between two steps is a
/// few microseconds), then sleeps on a condition variable until the next step or `stop`: it had
/// yielded in a loop instead (`sched_yield`), which kept the second core busy whenever there was
/// nothing to share (the serial steps at the end, a caller stalled) and handed the core to other
/// processes at every yield, so that under load it missed most steps (6 % of the 2016 pipeline's
/// CPU time at 100 000 reports, the helper doing a quarter of the scans).
final class SharedSteps: @unchecked Sendable {
    private let claim = Atomic<Int>(0)
    private let finished = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    /// Whether the helper sleeps (or is about to) on `wake`; set and cleared under `lock`.
    private let parked = Atomic<Bool>(false)
    private let lock: UnsafeMutablePointer<pthread_mutex_t>
    private let wake: UnsafeMutablePointer<pthread_cond_t>
    private let work: (Int) -> Void
    private var generation = 0
    private var thread: pthread_t? = nil
    static let maximumChunks = 64
    /// Polls of the claim word before the helper sleeps (some tens of microseconds).
    static let spinsBeforeSleep = 50_000

    /// `work(c)` runs chunk `c` of the current step; it must only read state set before `run`.
    init(work: @escaping (Int) -> Void) {
        self.work = work
        lock = .allocate(capacity: 1)
        wake = .allocate(capacity: 1)
        pthread_mutex_init(lock, nil)
        pthread_cond_init(wake, nil)
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

    private static func decode(_ v: Int) -> (generation: Int, count: Int, next: Int) {
        (v >> 40, (v >> 20) & 0xFFFFF, v & 0xFFFFF)
    }

    /// Runs chunks `0..<count` of a new step on both threads and returns when all are done.
    func run(chunks count: Int) {
        precondition(count <= Self.maximumChunks)
        generation += 1
        finished.store(0, ordering: .relaxed)
        // Sequentially consistent with the helper's `parked` store and claim load: either it sees this
        // step before it sleeps, or this sees it parked and wakes it.
        claim.store(generation << 40 | count << 20, ordering: .sequentiallyConsistent)
        if parked.load(ordering: .sequentiallyConsistent) { signal() }
        drain(generation)
        var spins = 0
        while finished.load(ordering: .acquiring) < count {
            spins += 1
            if spins > 2_000 { sched_yield() }
        }
    }

    private func signal() {
        pthread_mutex_lock(lock)
        pthread_cond_signal(wake)
        pthread_mutex_unlock(lock)
    }

    private func drain(_ wanted: Int) {
        while true {
            let v = claim.load(ordering: .acquiring)
            let (gen, count, next) = Self.decode(v)
            guard gen == wanted, next < count else { return }
            guard claim.compareExchange(expected: v, desired: v + 1, ordering: .acquiringAndReleasing).exchanged else {
                continue
            }
            work(next)
            finished.add(1, ordering: .releasing)
        }
    }

    /// Whether a step has chunks left to claim.
    private var pending: Bool {
        let (gen, count, next) = Self.decode(claim.load(ordering: .sequentiallyConsistent))
        return gen != 0 && next < count
    }

    private func helperLoop() {
        var spins = 0
        while !stopping.load(ordering: .relaxed) {
            let (gen, count, next) = Self.decode(claim.load(ordering: .acquiring))
            if gen != 0 && next < count {
                drain(gen)
                spins = 0
            } else if spins < Self.spinsBeforeSleep {
                spins += 1
            } else {
                pthread_mutex_lock(lock)
                parked.store(true, ordering: .sequentiallyConsistent)
                while !pending && !stopping.load(ordering: .sequentiallyConsistent) { pthread_cond_wait(wake, lock) }
                parked.store(false, ordering: .relaxed)
                pthread_mutex_unlock(lock)
                spins = 0
            }
        }
    }

    /// Ends the helper thread.
    func stop() {
        guard let handle = thread else { return }
        stopping.store(true, ordering: .sequentiallyConsistent)
        signal()
        pthread_join(handle, nil)
        thread = nil
    }

    deinit {
        stop()
        pthread_cond_destroy(wake); pthread_mutex_destroy(lock)
        wake.deallocate(); lock.deallocate()
    }
}
