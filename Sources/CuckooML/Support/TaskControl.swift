/// Thrown by long library operations when the analyst interrupts them (Ctrl-C).
public struct Interrupted: Error, Equatable, CustomStringConvertible {
    public init() {}
    public var description: String { "interrupted" }
}

/// A progress update from a long operation: `done` of `total` units (files, bytes, points).
public struct Progress: Sendable, Equatable {
    public var phase: String
    public var done: Int
    public var total: Int
    public var bytes: Int
    public init(phase: String, done: Int, total: Int, bytes: Int = 0) {
        self.phase = phase; self.done = done; self.total = total; self.bytes = bytes
    }
}

/// How a long library operation is told to stop and how it reports progress. The library never draws
/// anything: the shell turns updates into a progress bar and maps Ctrl-C onto `isCancelled`.
public struct TaskControl: Sendable {
    public let isCancelled: @Sendable () -> Bool
    public let report: @Sendable (Progress) -> Void

    public init(isCancelled: @escaping @Sendable () -> Bool = { false },
                report: @escaping @Sendable (Progress) -> Void = { _ in }) {
        self.isCancelled = isCancelled
        self.report = report
    }

    public static let none = TaskControl()

    /// Throws `Interrupted` once cancellation was requested; call it at safe points in loops.
    public func checkCancellation() throws(Interrupted) {
        if isCancelled() { throw Interrupted() }
    }
}
