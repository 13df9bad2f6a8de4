#if canImport(Glibc)
import Glibc
#endif
import Testing
import TestScratch

/// Checks the shipped `sample_data/`: what is there, that every report is valid JSON of the expected
/// dialect, that the broken files are broken in the documented ways, and that the committed generator
/// reproduces every file byte for byte.
@Suite struct SampleDataTests {
    static let root = TestSupport.packageRoot + "/sample_data"
    static let reportsDirectory = root + "/reports"

    static func reportNames() -> [String] { TestSupport.listDirectory(reportsDirectory) }

    static func fileSize(_ path: String) -> Int {
        var info = stat()
        return stat(path, &info) == 0 ? Int(info.st_size) : -1
    }

    /// Where `needle` occurs in `haystack` (byte offsets), without allocating per candidate.
    static func occurrences(of needle: String, in haystack: [UInt8], first: Bool = false) -> [Int] {
        let n = Array(needle.utf8)
        return haystack.withUnsafeBufferPointer { hb in
            n.withUnsafeBufferPointer { nb in
                guard let nbase = nb.baseAddress, let hbase = hb.baseAddress, hb.count >= nb.count else { return [] }
                var found: [Int] = []
                var i = 0
                let last = hb.count - nb.count
                while i <= last {
                    if hb[i] == nb[0] && memcmp(hbase + i, nbase, nb.count) == 0 {
                        found.append(i)
                        if first { break }
                        i += nb.count
                    } else {
                        i += 1
                    }
                }
                return found
            }
        }
    }

    static func contains(_ haystack: [UInt8], _ needle: String) -> Bool {
        !occurrences(of: needle, in: haystack, first: true).isEmpty
    }

    @Test func directoriesHoldTheDocumentedCounts() throws {
        let reports = Self.reportNames()
        #expect(reports.count == 200)
        #expect(reports.allSatisfy { $0.hasSuffix(".json") })
        let new = TestSupport.listDirectory(Self.root + "/new")
        #expect(new == ["clean-installer.json", "emotet-like-cape.json", "outlier.json", "ransom-like.json", "suspicious.json"])
        #expect(Set(new).isDisjoint(with: Set(reports)))
        let broken = TestSupport.listDirectory(Self.root + "/broken")
        #expect(broken.count == 14)
        #expect(TestSupport.listDirectory(Self.root).contains("README.md"))
    }

    @Test func reportsStayUnderFifteenMegabytes() {
        let sizes = Self.reportNames().map { Self.fileSize(Self.reportsDirectory + "/" + $0) }
        #expect(sizes.allSatisfy { $0 > 1000 })
        let total = sizes.reduce(0, +)
        #expect(total < 15_000_000)
        #expect(total > 5_000_000, "the corpus should be realistic, not a toy")
    }

    @Test func everyReportIsValidJSONInOneOfTheTwoDialects() throws {
        var cuckoo = 0, cape = 0, reducedCAPE = 0
        for name in Self.reportNames() {
            let bytes = try TestSupport.readFile(Self.reportsDirectory + "/" + name)
            let keys: [String]
            switch JSONCheck.validate(bytes) {
            case .valid(let topLevelKeys): keys = topLevelKeys
            case .invalid(let offset, let why):
                Issue.record("\(name): byte \(offset): \(why)")
                continue
            }
            if keys == ["behavior"] && Self.contains(bytes, "\"api_calls\"") {
                reducedCAPE += 1  // CAPE's reduced export: behavior.summary only
                continue
            }
            for required in ["info", "target", "behavior", "signatures", "network"] {
                #expect(keys.contains(required), "\(name) lacks \(required)")
            }
            if Self.contains(bytes, "\"version\": \"2.4-CAPE\"") {
                cape += 1
                #expect(keys.contains("CAPE") && !keys.contains("static"), "\(name): CAPE keeps PE data under target.file.pe")
                #expect(!Self.contains(bytes, "\"apistats\""), "\(name): CAPE has no apistats")
            } else if Self.contains(bytes, "\"version\": \"2.0-dev\"") {
                cuckoo += 1
                #expect(!keys.contains("CAPE"))
                // Cuckoo 2.0 wrote ASCII only (non-ASCII as \u escapes).
                let nonASCII = bytes.withUnsafeBufferPointer { b in
                    var any: UInt8 = 0
                    for byte in b { any |= byte }
                    return any & 0x80 != 0
                }
                #expect(!nonASCII, "\(name) has raw non-ASCII bytes")
            } else {
                Issue.record("\(name): neither dialect")
            }
        }
        #expect(cuckoo == 170)
        #expect(cape == 29)
        #expect(reducedCAPE == 1)
    }

    @Test func newReportsAreValidJSON() throws {
        for name in TestSupport.listDirectory(Self.root + "/new") {
            let bytes = try TestSupport.readFile(Self.root + "/new/" + name)
            guard case .valid(let keys) = JSONCheck.validate(bytes) else {
                Issue.record("new/\(name) is not valid JSON")
                continue
            }
            #expect(keys.contains("behavior") && keys.contains("target"))
        }
    }

    @Test func hostileStringsArePresent() throws {
        var all: [UInt8] = []
        for name in Self.reportNames() { all.append(contentsOf: try TestSupport.readFile(Self.reportsDirectory + "/" + name)) }
        #expect(Self.contains(all, #"\u001b]0;pwned\u0007"#))
        #expect(Self.contains(all, #"invoice_\u202excod.exe"#))
        #expect(Self.contains(all, #"\ud83d\udc7e_invader"#))
        #expect(Self.contains(all, #"lone\udc80surrogate"#))
        #expect(Self.contains(all, "\u{202E}slx.exe"))  // raw UTF-8 in a CAPE report
        #expect(Self.contains(all, #"resource has not been scanned yet"#))
    }

    /// Each broken file fails in its documented way; the two "valid but odd" ones parse.
    @Test func brokenFilesAreBrokenAsDocumented() throws {
        let dir = Self.root + "/broken"
        func check(_ name: String) throws -> JSONCheck.Outcome {
            JSONCheck.validate(try TestSupport.readFile(dir + "/" + name))
        }
        func reason(_ name: String) throws -> String {
            if case .invalid(_, let why) = try check(name) { return why }
            return "valid"
        }
        #expect(try reason("empty.json") == "unexpected end of input")
        #expect(try reason("truncated.json") == "unexpected end of input")
        #expect(try reason("trailing-garbage.json") == "data after the document")
        #expect(try reason("bad-escape.json") == "invalid escape")
        #expect(try reason("deep-nesting.json") == "nesting too deep")
        #expect(try reason("unclosed-deep-nesting.json") == "nesting too deep")
        #expect(try reason("invalid-utf8.json") == "invalid UTF-8")
        #expect(try reason("binary.json") == "unexpected byte")
        #expect(try reason("unterminated-string.json") == "control character in string")
        #expect(try reason("nan-and-bad-number.json") == "unexpected byte")
        #expect(try reason("utf8-bom.json") == "unexpected byte")
        guard case .valid(let duplicateKeys) = try check("duplicate-keys.json") else {
            Issue.record("duplicate-keys.json should be valid JSON")
            return
        }
        #expect(duplicateKeys.filter { $0 == "info" }.count == 2)
        guard case .valid(let arrayKeys) = try check("top-level-array.json") else {
            Issue.record("top-level-array.json should be valid JSON (an array)")
            return
        }
        #expect(arrayKeys.isEmpty)
        guard case .valid(let keys) = try check("wrong-type-section.json") else {
            Issue.record("wrong-type-section.json should be valid JSON")
            return
        }
        #expect(keys.contains("behavior") && keys.contains("behavior-orig"))
        // Apart from its bad bytes, invalid-utf8.json is well-formed: with them replaced it validates.
        var repaired = try TestSupport.readFile(dir + "/invalid-utf8.json")
        repaired = repaired.map { $0 >= 0xF5 || $0 == 0xC3 ? UInt8(ascii: "?") : $0 }
        if case .invalid(let at, let why) = JSONCheck.validate(repaired) {
            Issue.record("invalid-utf8.json should only be wrong in its bytes: byte \(at): \(why)")
        }
    }

    @Test func labelsFileMatchesMostReports() throws {
        var reportMD5s = Set<String>()
        for name in Self.reportNames() {
            let bytes = try TestSupport.readFile(Self.reportsDirectory + "/" + name)
            for md5 in Self.md5Values(bytes) { reportMD5s.insert(md5) }
        }
        let rows = try TestSupport.readText(Self.root + "/labels.tsv").split(separator: "\n")
        #expect(rows.count > 150)
        var matched = 0, unmatched = 0
        for row in rows {
            let fields = row.split(separator: "\t", omittingEmptySubsequences: false)
            #expect(fields.count == 2)
            #expect(fields[0].count == 32 && fields[0].allSatisfy { $0.isHexDigit })
            if reportMD5s.contains(String(fields[0])) { matched += 1 } else { unmatched += 1 }
        }
        #expect(unmatched == 4)
        #expect(matched >= 180)
    }

    /// Every 32-hex value following `"md5": "` in a report.
    static func md5Values(_ bytes: [UInt8]) -> [String] {
        let key = "\"md5\": \""
        return occurrences(of: key, in: bytes).compactMap { at in
            let start = at + key.utf8.count
            guard start + 32 <= bytes.count else { return nil }
            return String(decoding: bytes[start..<(start + 32)], as: UTF8.self)
        }
    }

    static let python: String? = {
        for dir in ["/usr/bin", "/usr/local/bin", "/bin"] where access(dir + "/python3", X_OK) == 0 {
            return dir + "/python3"
        }
        return nil
    }()

    /// Runs the committed generator into a temporary directory and compares every file byte for byte.
    @Test(.enabled(if: SampleDataTests.python != nil)) func generatorReproducesTheShippedFiles() throws {
        let tmp = TestScratch.directory()
        defer { _ = Self.run(["/bin/rm", "-rf", tmp]) }
        let status = Self.run([Self.python!, TestSupport.packageRoot + "/scripts/generate-sample-data", "--out", tmp + "/sd"])
        #expect(status == 0)
        guard status == 0 else { return }
        for sub in ["", "/reports", "/new", "/broken"] {
            let shipped = TestSupport.listDirectory(Self.root + sub).filter { !$0.hasPrefix(".") }
            let regenerated = TestSupport.listDirectory(tmp + "/sd" + sub)
            #expect(shipped == regenerated, "file list of sample_data\(sub)")
            for name in shipped where Self.fileSize(Self.root + sub + "/" + name) >= 0 && !["reports", "new", "broken"].contains(name) {
                let a = try TestSupport.readFile(Self.root + sub + "/" + name)
                let b = try TestSupport.readFile(tmp + "/sd" + sub + "/" + name)
                if a != b {
                    // Name the first differing byte rather than dumping megabytes of array.
                    let at = (0..<min(a.count, b.count)).first { a[$0] != b[$0] } ?? min(a.count, b.count)
                    Issue.record("sample_data\(sub)/\(name) differs from the generator's output at byte \(at) (\(a.count) vs \(b.count) bytes)")
                }
            }
        }
    }

    /// posix_spawn with inherited stdio; returns the exit status (or -1).
    static func run(_ argv: [String]) -> Int32 {
        var pid: pid_t = 0
        var cArgs = argv.map { strdup($0) }
        cArgs.append(nil)
        defer { for p in cArgs { free(p) } }
        var devnull = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&devnull)
        defer { posix_spawn_file_actions_destroy(&devnull) }
        posix_spawn_file_actions_addopen(&devnull, 1, "/dev/null", O_WRONLY, 0)
        // A minimal environment: reading the process's `environ` is not concurrency-safe in Swift 6.
        var env: [UnsafeMutablePointer<CChar>?] = [strdup("PATH=/usr/bin:/bin"), strdup("LC_ALL=C.UTF-8"), nil]
        defer { for p in env { free(p) } }
        guard posix_spawn(&pid, argv[0], &devnull, nil, &cArgs, &env) == 0 else { return -1 }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        // WIFEXITED / WEXITSTATUS are macros Swift does not import.
        return (status & 0x7F) == 0 ? (status >> 8) & 0xFF : -1
    }
}

/// A strict, test-only JSON validator (RFC 8259 plus strict UTF-8), recursive descent with a depth
/// limit. It reports the first error's byte offset and the top-level object's keys. The library's
/// streaming reader is separate; this only checks the shipped files.
enum JSONCheck {
    enum Outcome: Equatable {
        case valid(topLevelKeys: [String])
        case invalid(offset: Int, why: String)
    }

    static let maxDepth = 128

    struct Failure: Error { let offset: Int; let why: String }

    static func validate(_ bytes: [UInt8]) -> Outcome {
        guard !bytes.isEmpty else { return .invalid(offset: 0, why: "unexpected end of input") }
        return bytes.withUnsafeBufferPointer { buffer in
            // A raw pointer keeps the debug build's per-byte cost low (the reports are 12 MB).
            var parser = Parser(bytes: buffer.baseAddress!, count: buffer.count)
            do {
                parser.skipSpace()
                let keys = try parser.value(depth: 0, collectKeys: true)
                parser.skipSpace()
                if parser.i != parser.count { throw Failure(offset: parser.i, why: "data after the document") }
                return .valid(topLevelKeys: keys)
            } catch let f as Failure {
                return .invalid(offset: f.offset, why: f.why)
            } catch {
                return .invalid(offset: parser.i, why: "\(error)")
            }
        }
    }

    struct Parser {
        let bytes: UnsafePointer<UInt8>
        let count: Int
        var i = 0

        mutating func skipSpace() {
            while i < count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
        }

        func fail(_ why: String) -> Failure { Failure(offset: i, why: why) }

        func peek() throws -> UInt8 {
            guard i < count else { throw fail("unexpected end of input") }
            return bytes[i]
        }

        /// Parses one value; returns the keys when it is an object and `collectKeys` is set.
        mutating func value(depth: Int, collectKeys: Bool = false) throws -> [String] {
            switch try peek() {
            case UInt8(ascii: "{"):
                guard depth < JSONCheck.maxDepth else { throw fail("nesting too deep") }
                i += 1
                var keys: [String] = []
                skipSpace()
                if try peek() == UInt8(ascii: "}") { i += 1; return keys }
                while true {
                    skipSpace()
                    guard try peek() == UInt8(ascii: "\"") else { throw fail("expected a key") }
                    let key = try string()
                    if collectKeys { keys.append(key) }
                    skipSpace()
                    guard try peek() == UInt8(ascii: ":") else { throw fail("expected ':'") }
                    i += 1
                    skipSpace()
                    _ = try value(depth: depth + 1)
                    skipSpace()
                    let c = try peek()
                    i += 1
                    if c == UInt8(ascii: "}") { return keys }
                    guard c == UInt8(ascii: ",") else { i -= 1; throw fail("expected ',' or '}'") }
                }
            case UInt8(ascii: "["):
                guard depth < JSONCheck.maxDepth else { throw fail("nesting too deep") }
                i += 1
                skipSpace()
                if try peek() == UInt8(ascii: "]") { i += 1; return [] }
                while true {
                    skipSpace()
                    _ = try value(depth: depth + 1)
                    skipSpace()
                    let c = try peek()
                    i += 1
                    if c == UInt8(ascii: "]") { return [] }
                    guard c == UInt8(ascii: ",") else { i -= 1; throw fail("expected ',' or ']'") }
                }
            case UInt8(ascii: "\""):
                _ = try string()
                return []
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                try number()
                return []
            case UInt8(ascii: "t"): try literal("true"); return []
            case UInt8(ascii: "f"): try literal("false"); return []
            case UInt8(ascii: "n"): try literal("null"); return []
            default:
                throw fail("unexpected byte")
            }
        }

        mutating func literal(_ word: String) throws {
            for b in word.utf8 {
                guard try peek() == b else { throw fail("unexpected byte") }
                i += 1
            }
        }

        mutating func number() throws {
            if bytes[i] == UInt8(ascii: "-") { i += 1 }
            func digits(_ p: inout Parser) throws -> Int {
                let start = p.i
                while p.i < p.count, p.bytes[p.i] >= 0x30, p.bytes[p.i] <= 0x39 { p.i += 1 }
                return p.i - start
            }
            let first = try peek()
            let intDigits = try digits(&self)
            guard intDigits > 0 else { throw fail("unexpected byte") }
            if first == UInt8(ascii: "0") && intDigits > 1 { throw fail("unexpected byte") }
            if i < count, bytes[i] == UInt8(ascii: ".") {
                i += 1
                guard try digits(&self) > 0 else { throw fail("bad number") }
            }
            if i < count, bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") {
                i += 1
                if i < count, bytes[i] == UInt8(ascii: "+") || bytes[i] == UInt8(ascii: "-") { i += 1 }
                guard try digits(&self) > 0 else { throw fail("bad number") }
            }
        }

        /// Parses a string (at its opening quote); decodes it only for keys, otherwise just checks it.
        mutating func string() throws -> String {
            i += 1
            let start = i
            var plain = true
            while true {
                // Fast path over plain ASCII text.
                while i < count {
                    let c = bytes[i]
                    if c == 0x22 || c == 0x5C || c < 0x20 || c >= 0x80 { break }
                    i += 1
                }
                let c = try peek()
                if c == UInt8(ascii: "\"") { break }
                if c < 0x20 { throw fail("control character in string") }
                if c == UInt8(ascii: "\\") {
                    plain = false
                    i += 1
                    let e = try peek()
                    switch e {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                         UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                        i += 1
                    case UInt8(ascii: "u"):
                        i += 1
                        for _ in 0..<4 {
                            guard try peek().isHexDigitByte else { throw fail("invalid escape") }
                            i += 1
                        }
                    default:
                        throw fail("invalid escape")
                    }
                    continue
                }
                if c < 0x80 { i += 1; continue }
                try utf8Sequence()
            }
            let text = plain ? String(decoding: UnsafeBufferPointer(start: bytes + start, count: i - start), as: UTF8.self) : "<escaped>"
            i += 1
            return text
        }

        /// One multi-byte UTF-8 sequence, strictly (no overlongs, surrogates or values above U+10FFFF).
        mutating func utf8Sequence() throws {
            let b0 = bytes[i]
            let length: Int
            var low: UInt8 = 0x80, high: UInt8 = 0xBF
            switch b0 {
            case 0xC2...0xDF: length = 2
            case 0xE0: length = 3; low = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: length = 3
            case 0xED: length = 3; high = 0x9F
            case 0xF0: length = 4; low = 0x90
            case 0xF1...0xF3: length = 4
            case 0xF4: length = 4; high = 0x8F
            default: throw fail("invalid UTF-8")
            }
            guard i + length <= count else { throw fail("invalid UTF-8") }
            for k in 1..<length {
                let b = bytes[i + k]
                let (lo, hi) = k == 1 ? (low, high) : (UInt8(0x80), UInt8(0xBF))
                guard b >= lo && b <= hi else { throw fail("invalid UTF-8") }
            }
            i += length
        }
    }
}

private extension UInt8 {
    var isHexDigitByte: Bool {
        (self >= 0x30 && self <= 0x39) || (self >= 0x41 && self <= 0x46) || (self >= 0x61 && self <= 0x66)
    }
}
