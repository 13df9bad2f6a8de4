#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import CuckooML

/// Scale checks (CUCKOOML_HEAVY=1): many samples over a vocabulary of a million names, checked for
/// exactness. They print their time and peak RSS, which `scripts/bench-features` runs in release and
/// sets beside scikit-learn's DictVectorizer; the figures are never asserted.
@Suite struct FeatureScaleTests {
    static func peakRSSMegabytes() -> Int {
        guard let f = fopen("/proc/self/status", "r") else { return -1 }
        defer { fclose(f) }
        var line = [CChar](repeating: 0, count: 256)
        while fgets(&line, 256, f) != nil {
            let s = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
            if s.hasPrefix("VmHWM:") { return (Int(s.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024 }
        }
        return -1
    }

    @Test(.enabled(if: TestSupport.heavy)) func millionFeatureVocabulary() throws {
        let samples = 50_000, perSample = 400, vocabulary = 1_000_000
        var rng: UInt64 = 0x9E3779B97F4A7C15
        func next() -> Int { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return Int(rng % UInt64(vocabulary)) }
        var list: [Sample] = []
        list.reserveCapacity(samples)
        for i in 0..<samples {
            var r = ReportRecord()
            for _ in 0..<perSample { r.apiCounts["A\(next())"] = 1 }
            list.append(Sample(id: String(i), path: nil, reportSize: 0, record: r))
        }
        let before = Self.peakRSSMegabytes()
        var start = timespec(); clock_gettime(CLOCK_MONOTONIC, &start)
        let set = try FeatureBuilder.build(list, configuration: FeatureConfiguration(kind: .full, groups: [.win]))
        var end = timespec(); clock_gettime(CLOCK_MONOTONIC, &end)
        let seconds = Double(end.tv_sec - start.tv_sec) + Double(end.tv_nsec - start.tv_nsec) / 1e9
        let nnz = list.reduce(0) { $0 + $1.record!.apiCounts.count }
        print("features at scale: \(samples) samples, \(set.names.count) columns, \(set.matrix.nonZeroCount) non-zeros in \(fixed(seconds, 2)) s "
              + "(\(fixed(Double(nnz) / seconds / 1e6, 2)) M non-zeros/s); peak RSS \(before) MB before, \(Self.peakRSSMegabytes()) MB after")
        #expect(set.matrix.nonZeroCount == nnz)
        #expect(set.matrix.rowCount == samples)
        #expect(set.names.count > 990_000)
    }

    @Test(.enabled(if: TestSupport.heavy)) func normaliserThroughput() {
        let names = ["Trojan.Win32.Zorbex.a (v)", "Gen:Variant.Zorbex.27", "W32/Zorbex.BN!tr", "BKDR_ZORBEX.SMC",
                     "Trojan:Win32/Zorbex", "a variant of Win64/Zorbex.A", "TR/Crypt.ZPACK.Gen2", "Backdoor/Win32.Escad"]
        let rounds = 100_000
        var start = timespec(); clock_gettime(CLOCK_MONOTONIC, &start)
        var families = 0
        for i in 0..<rounds { families += VirusTotalNormaliser.normalise(names[i % names.count]).family.count }
        var end = timespec(); clock_gettime(CLOCK_MONOTONIC, &end)
        let seconds = Double(end.tv_sec - start.tv_sec) + Double(end.tv_nsec - start.tv_nsec) / 1e9
        print("normaliser: \(rounds) results in \(fixed(seconds, 2)) s (\(fixed(Double(rounds) / seconds / 1000, 1)) k results/s)")
        #expect(families == rounds / 8 * 7)
    }
}
