#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import CuckooML

/// Issue 13, bug 8: temporary files say what they are, and the ones a killed cuckooml left are removed
/// by the next write into the directory — only those.
@Suite(.serialized) struct PartialFileTests {
    /// A process id that existed and has exited (a child that was reaped).
    static func deadPID() -> pid_t {
        var child: pid_t = 0
        var argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/true"), nil]
        defer { free(argv[0]) }
        guard posix_spawn(&child, "/bin/true", nil, nil, &argv, nil) == 0 else { return 999_999 }
        var status: Int32 = 0
        waitpid(child, &status, 0)
        return child
    }

    @Test func temporaryFilesAreNamedForWhatTheyAre() throws {
        let dir = OutputFixtures.temporaryDirectory()
        defer { _ = system("rm -rf '\(dir)'") }
        let writer = try AtomicFileWriter(path: dir + "/report.html")
        try writer.write("<html>")
        let names = TestSupport.listDirectory(dir)
        #expect(names.count == 1)
        let name = try #require(names.first)
        #expect(name.hasPrefix(".cuckooml-partial-\(getpid())-\(PartialFile.hostTag)-report.html-"), "\(name)")
        try writer.commit()
        #expect(TestSupport.listDirectory(dir) == ["report.html"])
    }

    @Test func theNextWriteRemovesOnlyStalePartialFilesOfOurs() throws {
        let dir = OutputFixtures.temporaryDirectory()
        defer { _ = system("rm -rf '\(dir)'") }
        let dead = Self.deadPID()
        let host = PartialFile.hostTag
        let stale = [".cuckooml-partial-\(dead)-\(host)-a.json-Ab12Cd", ".cuckooml-partial-\(dead)-\(host)-s.cml-x-y-Zz99Yy"]
        let kept = [
            ".cuckooml-partial-\(getpid())-\(host)-b.json-Ab12Cd",      // this process: in flight
            ".cuckooml-partial-1-\(host)-c.json-Ab12Cd",                // pid 1 is always running
            ".cuckooml-partial-\(dead)-otherhost-d.json-Ab12Cd",        // another host's (shared directory)
            ".cuckooml-partial-x\(dead)-\(host)-e.json-Ab12Cd",         // not our naming
            ".cuckooml-Ab12Cd",                                          // the old naming: owner unknown
            "notes.txt",
        ]
        for name in stale + kept { try OutputFixtures.write("partial", to: dir + "/" + name) }
        #expect(mkdir(dir + "/.cuckooml-partial-\(dead)-\(host)-dir-Ab12Cd", 0o755) == 0, "a directory is never removed")
        PartialFile.resetCleanedDirectories()
        try AtomicFileWriter.write("x", to: dir + "/out.csv")
        let left = Set(TestSupport.listDirectory(dir))
        #expect(left == Set(kept + ["out.csv", ".cuckooml-partial-\(dead)-\(host)-dir-Ab12Cd"]))
        // A session save cleans up in the same way.
        try OutputFixtures.write("partial", to: dir + "/" + stale[0])
        PartialFile.resetCleanedDirectories()
        try SessionStore.save(Session(), to: dir + "/s.cml")
        #expect(!TestSupport.listDirectory(dir).contains(stale[0]))
    }
}
