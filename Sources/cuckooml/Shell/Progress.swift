#if canImport(Glibc)
import Glibc
#endif
import CuckooML

/// Draws one progress line on stderr (files or points, MB, MB/s, ETA) when stderr is a terminal and
/// the work has taken more than half a second; erases it when the command ends. Updates may come from
/// worker threads.
final class ProgressRenderer: Sendable {
    private struct State {
        var started: Double?
        var lastDraw: Double = 0
        var drawn = false
    }

    private let sink: any OutputSink
    private let enabled: Bool
    private let state = Locked(State())

    init(sink: any OutputSink, enabled: Bool) {
        self.sink = sink
        self.enabled = enabled
    }

    func update(_ p: Progress) {
        guard enabled else { return }
        let now = monotonicSeconds()
        let line: String? = state.withLock { s in
            if s.started == nil { s.started = now }
            let elapsed = now - s.started!
            guard elapsed > 0.5, now - s.lastDraw > 0.1 || p.done == p.total else { return nil }
            s.lastDraw = now
            s.drawn = true
            return ProgressRenderer.format(p, elapsed: elapsed)
        }
        if let line { sink.err("\r\u{1B}[2K" + line) }
    }

    func finish() {
        let wasDrawn = state.withLock { s in
            defer { s = State() }
            return s.drawn
        }
        if wasDrawn { sink.err("\r\u{1B}[2K") }
    }

    static func format(_ p: Progress, elapsed: Double) -> String {
        let fraction = p.total > 0 ? min(1, Double(p.done) / Double(p.total)) : 0
        let width = 24
        let filled = Int(fraction * Double(width))
        var line = p.phase + " [" + String(repeating: "█", count: filled) + String(repeating: " ", count: width - filled) + "] "
        line += "\(p.done)/\(p.total)"
        if p.bytes > 0 {
            let mb = Double(p.bytes) / 1_048_576
            line += "  \(fixed(mb, 1)) MB  \(fixed(mb / max(elapsed, 1e-9), 0)) MB/s"
        }
        if fraction > 0.01 && fraction < 1 {
            let eta = elapsed / fraction - elapsed
            line += "  ETA \(fixed(eta, 0))s"
        }
        return line
    }
}

func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}
