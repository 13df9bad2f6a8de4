#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A value guarded by a plain pthread mutex.
///
/// Why not `Synchronization.Mutex`: on Linux it locks with `FUTEX_LOCK_PI`, a hand-over the thread
/// sanitizer does not see, so every value it guards shows up as a data race under
/// `scripts/test-sanitizers thread` — false reports that would bury the real ones. A pthread mutex is
/// intercepted by the sanitizer and costs the same uncontended. The mutex lives at a fixed address
/// (allocated, never moved), as pthreads require.
public final class Locked<Value>: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var value: Value

    public init(_ value: Value) {
        self.value = value
        mutex = .allocate(capacity: 1)
        mutex.initialize(to: pthread_mutex_t())
        precondition(pthread_mutex_init(mutex, nil) == 0, "pthread_mutex_init failed")
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deinitialize(count: 1)
        mutex.deallocate()
    }

    /// Runs `body` with the value, holding the lock; not reentrant.
    public func withLock<R>(_ body: (inout Value) throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body(&value)
    }
}
