#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Synchronization

/// A second thread that runs one fixed job each time the owner posts, handing off through atomics.
///
/// Prim's algorithm needs a hand-off every step (n steps of O(n) work); waking a thread through the
/// kernel or `DispatchQueue.concurrentPerform` per step costs more than the step itself at moderate n,
/// so the worker spins on an atomic counter instead (and yields after a while so an idle phase does
/// not starve other processes).
final class SpinWorker: @unchecked Sendable {
    private let posted = Atomic<Int>(0)
    private let completed = Atomic<Int>(0)
    private let job: () -> Void
    private var thread: pthread_t? = nil
    private var round = 0
    private static let stopSignal = -1

    init(job: @escaping () -> Void) {
        self.job = job
        let context = Unmanaged.passRetained(self).toOpaque()
        var handle = pthread_t()
        let status = pthread_create(&handle, nil, { raw in
            let worker = Unmanaged<SpinWorker>.fromOpaque(raw!).takeRetainedValue()
            worker.loop()
            return nil
        }, context)
        precondition(status == 0, "cannot start worker thread")
        thread = handle
    }

    private func loop() {
        var seen = 0
        while true {
            var spins = 0
            var value = posted.load(ordering: .acquiring)
            while value == seen {
                spins += 1
                if spins > 2_000 { sched_yield() }
                value = posted.load(ordering: .acquiring)
            }
            if value == Self.stopSignal { return }
            seen = value
            job()
            completed.store(seen, ordering: .releasing)
        }
    }

    /// Starts one run of the job on the worker thread; everything written before is visible to it.
    func post() {
        round += 1
        posted.store(round, ordering: .releasing)
    }

    /// Waits for the run started by the last `post()`; everything the job wrote is visible afterwards.
    func wait() {
        var spins = 0
        while completed.load(ordering: .acquiring) != round {
            spins += 1
            if spins > 2_000 { sched_yield() }
        }
    }

    /// Ends the thread (after any run in progress).
    func stop() {
        guard let handle = thread else { return }
        posted.store(Self.stopSignal, ordering: .releasing)
        pthread_join(handle, nil)
        thread = nil
    }

    deinit { stop() }
}

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

/// The number of threads the engines use: two on this kind of machine, never more than the CPUs.
func engineThreads(_ requested: Int) -> Int {
    max(1, min(requested, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))))
}
