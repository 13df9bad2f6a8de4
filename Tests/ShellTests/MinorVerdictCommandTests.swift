#if canImport(Glibc)
import Glibc
#endif
import Testing
import CuckooML
@testable import cuckooml

/// Issue 13, bug 9, through the shell: `labels load` reports what it did not take as given,
/// `import matrix id=COLUMN`, and the history directory.
@Suite struct MinorVerdictCommandTests {
    @Test func labelsLoadReportsConflictsAndBlankRows() throws {
        let dir = try TemporaryDirectory()
        try dir.write("l.csv", "sample,family\ns1,zbot\ns2,emotet\n,orphan\ns1,zeus\n")
        let (out, err, shell) = runShell("labels load \(dir.file("l.csv"))", session: makeFeatureSession())
        #expect(out.contains("1 conflicting row (the later row is kept):\n  s1: line 2 says zbot, line 5 says zeus\n"), "\(out)")
        #expect(out.contains("1 row with an empty key or family left out: line 4\n"))
        #expect(err.contains("error: label rows not taken as given: 1 conflicting, 1 with an empty key or family"))
        #expect(shell.session.labels["s1"]?.family == "zeus", "the rest was applied")
        let json = runShell("labels load \(dir.file("l.csv"))", session: makeFeatureSession(), json: true)
        #expect(json.out.contains(#""conflicts":[{"sample":"s1","lines":[2,5],"families":["zbot","zeus"]}],"blank":[4]"#), "\(json.out)")
    }

    @Test func importMatrixTakesTheIdColumnByOption() throws {
        let dir = try TemporaryDirectory()
        try dir.write("m.csv", "x,key,y\n1,7,2\n3,8,4\n")
        let (out, err, shell) = runShell("import matrix \(dir.file("m.csv")) id=key", session: Session())
        #expect(err == "" && out.contains("imported 2 rows × 2 features"))
        #expect(shell.session.samples.map(\.id) == ["7", "8"])
        try dir.write("n.csv", "id,a\nx,1\ny,nan\n")
        let bad = runShell("import matrix \(dir.file("n.csv"))", session: Session())
        #expect(bad.err.contains("n.csv: line 3, column 'a': 'nan' is not a finite number"))
    }

    @Test func historyDirectoryIsCreatedPrivateWithItsParents() throws {
        let dir = try TemporaryDirectory()
        let state = dir.file("no/such/state")
        let path = try #require(HistoryStore.defaultPath(stateHome: state, home: nil))
        #expect(path == state + "/cuckooml/history")
        for created in [dir.file("no"), dir.file("no/such"), state, state + "/cuckooml"] {
            var st = stat()
            #expect(stat(created, &st) == 0 && (st.st_mode & 0o777) == 0o700, "\(created)")
        }
        let store = HistoryStore(path: path)
        #expect(store.takeProblem() == nil)
        store.add("status")
        store.save()
        #expect(try TestText.read(path) == "status\n")

        // A history that cannot be saved is said once (a directory that cannot be made: its parent is a file).
        try dir.write("file", "")
        let unwritable = HistoryStore(path: try #require(HistoryStore.defaultPath(stateHome: dir.file("file"), home: nil)))
        #expect(unwritable.takeProblem()?.hasPrefix("command history cannot be saved in \(dir.file("file"))/cuckooml: ") == true)
        #expect(unwritable.takeProblem() == nil)
        unwritable.add("status")
        unwritable.save()
        #expect(unwritable.takeProblem() == nil, "said once")
    }
}
