#if canImport(Glibc)
import Glibc
#endif
import Testing
import CuckooML
@testable import cuckooml
import TestScratch

@Suite struct CompletionTests {
    let completer = Completer(registry: .standard)
    let session = Session()

    @Test func commandNames() {
        #expect(completer.candidates(for: "he", session: session) == ["help"])
        #expect(completer.candidates(for: "s", session: session) == ["samples", "save", "session", "set", "show", "source", "status", "sweep"])
    }

    @Test func subcommandsAndChoices() {
        #expect(completer.candidates(for: "show se", session: session) == ["settings"])
        #expect(completer.candidates(for: "set fo", session: session) == ["format"])
        #expect(completer.candidates(for: "set format ", session: session).isEmpty, "VALUE is free text")
    }

    @Test func pathsForPathArguments() throws {
        let dir = TestScratch.directory()
        mkdir(dir + "/reports", 0o755)
        fclose(fopen(dir + "/report-a.cml", "w"))
        #expect(completer.candidates(for: "source \(dir)/rep", session: session) == ["\(dir)/report-a.cml", "\(dir)/reports/"])
        #expect(completer.candidates(for: "source \(dir)/reports/", session: session).isEmpty)
    }

    @Test func lastWordAndCommonPrefix() {
        #expect(LineEditor.lastWord(of: "load \"my dir/re") == "\"my dir/re")
        #expect(LineEditor.lastWord(of: "echo a; he") == "he")
        #expect(LineEditor.commonPrefix(["reports/", "report-a.cml"]) == "report")
    }
}
