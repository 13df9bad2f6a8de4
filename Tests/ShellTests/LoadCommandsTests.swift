#if canImport(Glibc)
import Glibc
#endif
import Testing
import CuckooML
@testable import cuckooml
import TestScratch

/// `load`, `unload`, `samples` and `show SAMPLE` through the shell, on a temporary directory of small
/// hand-written reports.
@Suite struct LoadCommandsTests {
    final class Reports {
        let path: String

        init() {
            path = TestScratch.directory()
            write("alpha.json", """
                {"info": {"version": "2.0-dev"}, "target": {"file": {"name": "a.exe", "size": 2048, "md5": "aaaa"}},
                 "signatures": [{"name": "creates_exe", "description": "Creates an executable"}, {"name": "evil\\u001b[31m", "description": ""}],
                 "static": {"pe_timestamp": "2015-06-22 08:09:13", "pe_imports": [{"dll": "KERNEL32.dll", "imports": [{"name": "Sleep"}]}]},
                 "behavior": {"apistats": {"1": {"Sleep": 4}}, "summary": {"mutex": ["M1"]}},
                 "virustotal": {"summary": {"error": "resource has not been scanned yet"}}}
                """)
            write("beta.json", """
                {"info": {"version": "2.4-CAPE"}, "target": {"file": {"pe": {"imports": {}}}},
                 "behavior": {"summary": {"api_calls": [{"name": "NtClose", "count": 3}]}},
                 "signatures": [{"name": "stealth_network", "description": "x"}]}
                """)
            write("gamma.json", "{\"signatures\": []}")
            write("broken.json", "{\"signatures\": [")
            mkdir(path + "/sub", 0o755)
            write("sub/delta.json", "{}")
        }

        func write(_ name: String, _ text: String) {
            let f = fopen(path + "/" + name, "wb")!
            _ = text.utf8CString.withUnsafeBufferPointer { fwrite($0.baseAddress, 1, $0.count - 1, f) }
            fclose(f)
        }

        deinit {
            for name in ["alpha.json", "beta.json", "gamma.json", "broken.json", "sub/delta.json"] { unlink(path + "/" + name) }
            rmdir(path + "/sub")
            rmdir(path)
        }
    }

    static func shell() -> (Shell, CaptureSink) {
        let sink = CaptureSink()
        return (Shell(sink: sink), sink)
    }

    @Test func loadSkipsBadFilesAndKeepsTheRest() {
        let reports = Reports()
        let (shell, sink) = Self.shell()
        // The good reports are kept; the command still fails because one file could not be loaded.
        #expect(!shell.runScript("load \(reports.path)", origin: "test"))
        #expect(shell.session.samples.map(\.id) == ["alpha", "beta", "gamma"])
        #expect(sink.stderr == "\(reports.path)/broken.json: byte 16: unexpected end of file (truncated JSON?)\ntest:1: error: 1 of 4 files could not be loaded\n")
        #expect(sink.stdout.hasPrefix("loaded 3 reports, 0.0 MB in "))
        #expect(sink.stdout.contains("\nskipped 1: 1 unexpected end of file (truncated JSON?)\n"))
        #expect(shell.session.sample(id: "beta")?.record?.dialect == .cape)
    }

    @Test func loadRecursiveAndGlobAndReplacement() {
        let reports = Reports()
        let (shell, sink) = Self.shell()
        #expect(!shell.runScript("load \(reports.path)/[ab]*.json", origin: "test"), "broken.json matches too")
        #expect(shell.session.samples.map(\.id) == ["alpha", "beta"])
        #expect(!shell.runScript("load \(reports.path) recursive", origin: "test"), "broken.json is skipped")
        #expect(shell.session.samples.map(\.id) == ["alpha", "beta", "gamma", "delta"])
        #expect(sink.stderr.contains("warning: alpha was already loaded; replaced\n"))
        #expect(sink.stderr.contains("warning: beta was already loaded; replaced\n"))
        #expect(sink.stdout.contains("loaded 4 reports (2 replaced)"))
    }

    @Test func loadWithNothingGoodFailsAndKeepsTheSession() {
        let reports = Reports()
        let (shell, sink) = Self.shell()
        #expect(shell.runScript("load \(reports.path)/alpha.json", origin: "test"))
        #expect(!shell.runScript("load \(reports.path)/broken.json", origin: "test"))
        #expect(sink.stderr.contains("test:1: error: no reports loaded (1 skipped)"))
        #expect(!shell.runScript("load \(reports.path)/*.none", origin: "test"))
        #expect(shell.session.samples.map(\.id) == ["alpha"])
    }

    @Test func loadJSONOutput() throws {
        let reports = Reports()
        let (shell, sink) = Self.shell()
        #expect(!shell.runScript("set format json; load \(reports.path)", origin: "test"))
        let line = try #require(sink.stdout.split(separator: "\n").last)
        #expect(line.hasPrefix(#"{"ok":false,"loaded":3,"replaced":[],"skipped":[{"path":"\#(reports.path)/broken.json","offset":16,"message":"unexpected end of file (truncated JSON?)"}],"files":4,"bytes":"#))
        // Loading also builds the feature matrix and labels (these reports carry no VirusTotal block).
        #expect(line.contains(#""samples":3,"features":"#))
        #expect(line.hasSuffix(#""labelled":0,"families":0,"incomplete":"1 of 4 files could not be loaded"}"#))
    }

    @Test func samplesListsAndFilters() {
        let reports = Reports()
        let (shell, sink) = Self.shell()
        #expect(!shell.runScript("load \(reports.path)", origin: "test"), "broken.json is skipped")
        #expect(shell.runScript("samples; samples ?e*; samples zzz", origin: "test"))
        let out = sink.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let start = out.firstIndex { $0.hasPrefix("sample ") }!
        #expect(Array(out[start..<(start + 4)]) == [
            "sample  label   size  signatures",
            "alpha   none   508 B           2",
            "beta    none   220 B           1",
            "gamma   none    18 B           0",
        ])
        #expect(out.contains("beta    none   220 B           1") && out.contains("1 of 3 samples"))
        #expect(out.contains("no sample matches 'zzz'"))
    }

    @Test func showSampleTextEscapesReportStrings() {
        let reports = Reports()
        let (shell, sink) = Self.shell()
        #expect(shell.runScript("load \(reports.path)/alpha.json; show alpha", origin: "test"))
        #expect(sink.stdout.contains("pe timestamp  2015-06-22 08:09:13\n"))
        #expect(sink.stdout.contains("imports       1: KERNEL32.dll (1)\n"))
        #expect(sink.stdout.contains("mutexes       1: M1\n"))
        #expect(sink.stdout.contains("api calls     4 calls of 1 APIs\n"))
        #expect(sink.stdout.contains("virustotal    not scanned\n"))
        // The escape sequence in a signature name is shown, not executed.
        #expect(sink.stdout.contains("evil\\e[31m"))
        #expect(!sink.stdout.contains("\u{1B}"))
        #expect(!shell.runScript("show alph", origin: "test"))
        #expect(sink.stderr.contains("error: no sample 'alph'; did you mean 'alpha'?"))
        #expect(shell.runScript("show settings", origin: "test"))
    }

    @Test func showSampleJSON() throws {
        let reports = Reports()
        let (shell, sink) = Self.shell()
        #expect(shell.runScript("load \(reports.path)/beta.json; set format json; show beta", origin: "test"))
        let line = try #require(sink.stdout.split(separator: "\n").last)
        #expect(line.hasPrefix(#"{"sample":"beta","path":"\#(reports.path)/beta.json","report_size":220,"label":{"family":"none","votes":0,"source":"virustotal","engines":0,"runner_up":null,"runner_up_votes":0},"dialect":"cape","version":"2.4-CAPE""#))
        #expect(line.contains(#""api_counts":{"NtClose":3}"#))
        #expect(line.contains(#""signatures":[{"name":"stealth_network","description":"x"}],"virustotal":null}"#))
    }

    @Test func unloadSomeOrAll() {
        let reports = Reports()
        let (shell, sink) = Self.shell()
        #expect(!shell.runScript("load \(reports.path)", origin: "test"), "broken.json is skipped")
        #expect(shell.runScript("unload alpha nothere", origin: "test"))
        #expect(shell.session.samples.map(\.id) == ["beta", "gamma"])
        #expect(sink.stderr.contains("warning: no sample nothere\n"))
        #expect(sink.stdout.contains("unloaded 1 sample; 2 left\n"))
        #expect(!shell.runScript("unload nothere", origin: "test"))
        #expect(shell.runScript("set format json; unload all", origin: "test"))
        #expect(sink.stdout.hasSuffix(#"{"unloaded":2,"samples":0}"# + "\n"))
        #expect(shell.session.isEmpty)
    }
}
