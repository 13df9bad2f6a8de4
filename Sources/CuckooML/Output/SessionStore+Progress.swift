/// Progress and Ctrl-C for saving and opening session files, which take seconds at 100 000 samples.
extension SessionStore {
    /// Counts rows written or read; every `interval` rows it reports to `control` and stops with
    /// `Interrupted` when cancelled (a few thousand rows take well under 0.2 s).
    struct RowProgress {
        let phase: String
        let control: TaskControl
        let total: Int
        var done = 0
        static let interval = 512

        init(phase: String, control: TaskControl, total: Int) {
            self.phase = phase
            self.control = control
            self.total = max(1, total)
        }

        mutating func step() throws(Interrupted) {
            done += 1
            guard done % Self.interval == 0 else { return }
            try control.checkCancellation()
            control.report(Progress(phase: phase, done: min(done, total), total: total))
        }
    }

    /// The rows `save` writes that take time: samples, feature rows, labels, memberships, tree rows.
    static func rowCount(_ session: Session) -> Int {
        var rows = session.samples.count + session.labels.count
        if session.features != nil { rows += session.samples.count }
        if let h = session.hdbscan { rows += h.labels.count + h.condensedTree.count }
        if let d = session.dbscan { rows += d.labels.count }
        if let l = session.linkage { rows += l.labels.count }
        return rows
    }
}
