import Testing
@testable import CuckooML

extension Session {
    /// The session's contents for a test to set parts of directly (`session.fixture.hdbscan = ...`):
    /// each change goes back through `Session(restoring:)`, so a fixture is held to the same checks as a
    /// session file; one that fails them is recorded as an issue and leaves the session unchanged.
    var fixture: SessionContents {
        get { contents }
        set {
            do { self = try Session(restoring: newValue) } catch { Issue.record("invalid session fixture: \(error)") }
        }
    }
}
