import Synchronization

/// Progress and Ctrl-C for a `runTasks` loop over points, shared by its threads.
///
/// Only every `step`-th point looks at the control: reading the cancel flag and reporting per point
/// would cost more than a cheap point's work, and one shared counter bumped by `step` keeps the threads
/// from contending. A loop that is one phase of a longer operation reports from `offset` on, out of
/// the operation's `reportedTotal`.
final class PointTicker: Sendable {
    private let control: TaskControl
    private let phase: String
    private let points: Int
    private let step: Int
    private let offset: Int
    private let reportedTotal: Int
    private let finished = Atomic<Int>(0)
    private let cancelled = Atomic<Bool>(false)

    /// A ticker for `points` points reporting about `updates` times; the start is reported at once.
    init(_ control: TaskControl, phase: String, points: Int, updates: Int = 100,
         offset: Int = 0, of reportedTotal: Int? = nil) {
        self.control = control
        self.phase = phase
        self.points = points
        self.step = max(1, points / max(1, updates))
        self.offset = offset
        self.reportedTotal = reportedTotal ?? points
        control.report(Progress(phase: phase, done: offset, total: self.reportedTotal))
    }

    /// Call as point `i` starts; false means Ctrl-C was pressed and the loop should stop.
    func tick(_ i: Int) -> Bool {
        guard i % step == 0 else { return true }
        if control.isCancelled() { cancelled.store(true, ordering: .relaxed); return false }
        let done = finished.wrappingAdd(step, ordering: .relaxed).newValue
        control.report(Progress(phase: phase, done: offset + min(done, points), total: reportedTotal))
        return true
    }

    /// After the loop: throws when it was stopped (or Ctrl-C came as it ended), else reports it done.
    func finish() throws(Interrupted) {
        if cancelled.load(ordering: .relaxed) || control.isCancelled() { throw Interrupted() }
        control.report(Progress(phase: phase, done: offset + points, total: reportedTotal))
    }
}
