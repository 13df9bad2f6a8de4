#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
@testable import CuckooML

/// What each fuzzer does with one input: the same library calls the shell makes for the command it
/// stands for. An input may make them throw (that is the point) but never crash, hang or leak. A
/// disagreement between two paths that must agree is returned as a problem: the fuzzers trap on it
/// (so libFuzzer keeps the input) and the replay test fails on it.
///
/// This file is also compiled into the CuckooMLTests target (a symbolic link there), whose replay
/// test runs the committed inputs of Tests/CuckooMLTests/Fixtures/fuzz through these same calls.
public enum FuzzEntries {
    /// `load`: the report reader on every path — C and Swift value skipping, vector and scalar byte
    /// scans, and the streamed form with checkpoints every few bytes (as for a large mapped file).
    /// All must give the same record, or the same error; `validate` must agree among its paths too.
    public static func reportReader(_ bytes: [UInt8]) -> String? {
        let reference = readVerdict(bytes, vector: false, native: false)
        for (vector, native) in [(true, true), (true, false), (false, true)] {
            let verdict = readVerdict(bytes, vector: vector, native: native)
            if verdict != reference { return "read: vector \(vector) native \(native) gives \(verdict), Swift scalar \(reference)" }
        }
        let streamed = streamedVerdict(bytes, interval: 64)
        if streamed != reference { return "read with checkpoints gives \(streamed), unstreamed \(reference)" }
        let validity = validateVerdict(bytes, vector: false, native: false)
        for (vector, native) in [(true, true), (true, false), (false, true)] {
            let other = validateVerdict(bytes, vector: vector, native: native)
            if other != validity { return "validate: vector \(vector) native \(native) gives \(other), Swift scalar \(validity)" }
        }
        return copierProblem(bytes)
    }

    /// `save DIR` on the same report: the splice of the C planner (`copy(document:)`, the report in
    /// memory followed by its zero padding and nothing else) and the byte-by-byte scanner streaming
    /// the file must give the same copy and `null` count, or the same error.
    static func copierProblem(_ bytes: [UInt8]) -> String? {
        let value = #"{"hdbscan":{"clusterID":3,"clusterProbability":0.5}}"#
        var spliced = JSONAnnotatingCopier(member: "clustering", value: value)
        var splicedOut: [UInt8] = []
        let splicedVerdict: String?
        // Exactly the size plus the padding, so ASan sees any read past the contract.
        let padded = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count + JSONAnnotatingCopier.documentPadding, alignment: 1)
        defer { padded.deallocate() }
        padded.initializeMemory(as: UInt8.self, repeating: 0)
        bytes.withUnsafeBytes { if !$0.isEmpty { padded.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: $0.count) } }
        do {
            try spliced.copy(document: UnsafeRawBufferPointer(rebasing: padded[0..<bytes.count]), to: { splicedOut.append(contentsOf: $0) })
            splicedVerdict = nil
        } catch {
            splicedVerdict = "\(error)"
        }
        let path = copierPath
        guard let f = fopen(path, "wb") else { return "cannot write \(path)" }
        let written = bytes.isEmpty ? 0 : fwrite(bytes, 1, bytes.count, f)
        fclose(f)
        defer { unlink(path) }
        guard written == bytes.count else { return "cannot write \(path)" }
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return "cannot open \(path)" }
        defer { close(fd) }
        var streamed = JSONAnnotatingCopier(member: "clustering", value: value)
        var streamedOut: [UInt8] = []
        let streamedVerdict: String?
        do {
            try streamed.copy(from: fd, to: { streamedOut.append(contentsOf: $0) })
            streamedVerdict = nil
        } catch {
            streamedVerdict = "\(error)"
        }
        if splicedVerdict != streamedVerdict { return "save: splice gives \(splicedVerdict ?? "a copy"), scanner \(streamedVerdict ?? "a copy")" }
        if splicedVerdict == nil && (splicedOut != streamedOut || spliced.nullsWritten != streamed.nullsWritten) {
            return "save: the splice's copy differs from the scanner's"
        }
        return nil
    }

    private static let copierPath: String = {
        let directory = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        return "\(directory)/cuckooml-fuzz-copier-\(getpid()).json"
    }()

    /// `import matrix FILE` and `import matrix FILE label=COLUMN` (the label column named by the
    /// input's first header field, so the fuzzer can reach it).
    public static func importMatrix(_ bytes: [UInt8]) -> String? {
        _ = try? ImportedMatrix.parse(bytes: bytes, path: "fuzz.csv")
        let firstField = bytes.prefix { $0 != 0x2C && $0 != 0x0A && $0 != 0x0D }
        _ = try? ImportedMatrix.parse(bytes: bytes, path: "fuzz.csv", labelColumn: String(decoding: firstField, as: UTF8.self))
        _ = try? ImportedMatrix.parse(bytes: bytes, path: "fuzz.csv", labelColumn: "label")
        return nil
    }

    /// `labels load FILE`: the text as the shell reads it (lossy UTF-8), then matched against a few
    /// samples named by md5, sha256 and id the way loaded reports are.
    public static func labelsLoad(_ bytes: [UInt8]) -> String? {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let labels = try? ExternalLabels.parse(text, path: "fuzz.tsv") else { return nil }
        _ = labels.match(labelSamples)
        return nil
    }

    /// `session open FILE`: the bytes written to a file of this process, opened (a session that
    /// opens is summarised as `status` does), then removed.
    public static func sessionOpen(_ bytes: [UInt8]) -> String? {
        let path = sessionPath
        guard let f = fopen(path, "wb") else { return "cannot write \(path)" }
        let written = bytes.isEmpty ? 0 : fwrite(bytes, 1, bytes.count, f)
        fclose(f)
        defer { unlink(path) }
        if written != bytes.count { return "short write to \(path)" }
        if let session = try? SessionStore.open(path) { _ = session.summary }
        return nil
    }

    private static let labelSamples: [Sample] = {
        var samples: [Sample] = []
        for i in 0..<4 {
            var record = ReportRecord()
            record.md5 = String(repeating: String(i), count: 32)
            record.sha256 = String(repeating: String(i), count: 64)
            samples.append(Sample(id: "sample\(i)", path: "/reports/sample\(i).json", reportSize: 1, record: record))
        }
        return samples
    }()

    private static let sessionPath: String = {
        let directory = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        return "\(directory)/cuckooml-fuzz-session-\(getpid()).db"
    }()

    /// A record or the error's line.
    private enum Verdict: Equatable {
        case record(ReportRecord)
        case error(String)
    }

    private static func readVerdict(_ bytes: [UInt8], vector: Bool, native: Bool) -> Verdict {
        do {
            return .record(try ReportReader.read(bytes: bytes, path: "fuzz.json", vector: vector, native: native))
        } catch {
            return .error(error.description)
        }
    }

    private static func validateVerdict(_ bytes: [UInt8], vector: Bool, native: Bool) -> String {
        do {
            try ReportReader.validate(bytes: bytes, path: "fuzz.json", vector: vector, native: native)
            return "valid"
        } catch {
            return error.description
        }
    }

    /// `ReportReader.read(path:)` on a large file: the scanner stops every `interval` bytes at a
    /// checkpoint and resumes; the bytes are padded as a mapped file is.
    private static func streamedVerdict(_ bytes: [UInt8], interval: Int) -> Verdict {
        let buffer = UnsafeMutablePointer<UInt8>.allocate(capacity: bytes.count + JSONScanner.padding)
        defer { buffer.deallocate() }
        buffer.initialize(repeating: 0, count: bytes.count + JSONScanner.padding)
        if !bytes.isEmpty { buffer.update(from: bytes, count: bytes.count) }
        let scanner = JSONScanner(base: buffer, count: bytes.count, interval: interval) { _ in true }
        var extractor = ReportExtractor(scanner: scanner)
        do throws(ScanFailure) {
            return .record(try extractor.run())
        } catch {
            if case .malformed(let offset, let message) = error {
                return .error(ReportError(path: "fuzz.json", offset: offset, message: message).description)
            }
            return .error("cancelled")
        }
    }
}
