#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Runs `side` on a thread of its own while the calling thread runs `main`, and returns both results
/// (`side`'s once it has finished, also when `main` throws).
///
/// A plain thread rather than a dispatch block: `main` may spread its work with `concurrentPerform`,
/// which counts dispatch's busy worker threads against the cores and would run on fewer of them.
func alongside<Side: Sendable, Main>(_ side: @escaping @Sendable () -> Side,
                                     _ main: () throws(Interrupted) -> Main) throws(Interrupted) -> (Side, Main) {
    let slot = SideResult<Side>()
    let job = SideJob { slot.value = side() }
    #if canImport(Glibc)
    var handle = pthread_t()
    #else
    var handle: pthread_t? = nil
    #endif
    let context = Unmanaged.passRetained(job).toOpaque()
    let started = pthread_create(&handle, nil, { raw in
        Unmanaged<SideJob>.fromOpaque(raw!).takeRetainedValue().run()
        return nil
    }, context) == 0
    if !started {
        // No thread to be had: do the side work first, on this one.
        Unmanaged<SideJob>.fromOpaque(context).release()
        job.run()
    }
    let mainResult = Result<Main, Interrupted> { () throws(Interrupted) in try main() }
    if started { pthread_join(handle, nil) }
    return (slot.value!, try mainResult.get())
}

/// The side thread's work, type-erased: a C thread entry point cannot name a generic type.
private final class SideJob: @unchecked Sendable {
    let run: @Sendable () -> Void
    init(_ run: @escaping @Sendable () -> Void) { self.run = run }
}

/// Written by the side thread, read only after `pthread_join`.
private final class SideResult<Value>: @unchecked Sendable {
    var value: Value?
}
