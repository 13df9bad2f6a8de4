import Testing
@testable import CuckooML

/// The progress and Ctrl-C of the silhouettes' point loops.
@Suite struct PointTickerTests {
    static func recording(cancelAfter: Int? = nil) -> (TaskControl, Locked<[Progress]>) {
        let seen = Locked<[Progress]>([])
        let control = TaskControl(isCancelled: { cancelAfter.map { n in seen.withLock { $0.count } > n } ?? false },
                                  report: { p in seen.withLock { $0.append(p) } })
        return (control, seen)
    }

    @Test func reportsEveryStepFromItsOffsetAndEndsDone() throws {
        let (control, seen) = Self.recording()
        let ticker = PointTicker(control, phase: "silhouette", points: 1_000, updates: 4, offset: 1_000, of: 2_000)
        runTasks(1_000, threads: 1) { i, _ in ticker.tick(i) }
        try ticker.finish()
        let done = seen.withLock { $0 }.map(\.done)
        #expect(done == [1_000, 1_250, 1_500, 1_750, 2_000, 2_000])
        #expect(seen.withLock { $0 }.allSatisfy { $0.phase == "silhouette" && $0.total == 2_000 })
    }

    @Test(arguments: [1, 2])
    func stopsOnCtrlCAndThrows(threads: Int) {
        let (control, seen) = Self.recording(cancelAfter: 3)
        let ticker = PointTicker(control, phase: "p", points: 10_000, updates: 100)
        let visited = Locked(0)
        runTasks(10_000, threads: threads) { i, _ in
            guard ticker.tick(i) else { return false }
            visited.withLock { $0 += 1 }
            return true
        }
        #expect(visited.withLock { $0 } < 10_000)
        #expect(throws: Interrupted.self) { try ticker.finish() }
        #expect(seen.withLock { $0 }.allSatisfy { $0.done < 10_000 })
    }

    /// More updates asked than points: every point reports, and the count never passes the points.
    @Test func fewPoints() throws {
        let (control, seen) = Self.recording()
        let ticker = PointTicker(control, phase: "p", points: 3, updates: 200)
        for i in 0..<3 { #expect(ticker.tick(i)) }
        try ticker.finish()
        #expect(seen.withLock { $0 }.map(\.done) == [0, 1, 2, 3, 3])
    }
}
