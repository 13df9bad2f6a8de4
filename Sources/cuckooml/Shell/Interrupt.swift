#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Set by SIGINT; long library operations poll it through `TaskControl.isCancelled`.
let interruptRequested = Atomic<Bool>(false)

enum InterruptHandling {
    /// Installs a SIGINT handler that only sets the flag. No SA_RESTART, so a blocking read at the
    /// prompt returns EINTR and the line editor can cancel the line.
    static func install() {
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in interruptRequested.store(true, ordering: .relaxed) }
        sigemptyset(&action.sa_mask)
        action.sa_flags = 0
        sigaction(SIGINT, &action, nil)
        // A parent may have left SIGINT blocked (the mask is inherited across exec): unblock it.
        var unblock = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGINT)
        sigprocmask(SIG_UNBLOCK, &unblock, nil)
    }

    static func takeRequest() -> Bool { interruptRequested.exchange(false, ordering: .relaxed) }
    static func reset() { interruptRequested.store(false, ordering: .relaxed) }
    static var isRequested: Bool { interruptRequested.load(ordering: .relaxed) }
}
