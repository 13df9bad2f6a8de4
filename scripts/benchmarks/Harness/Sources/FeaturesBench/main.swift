// Feature building and detection-name normalising at scale, for `scripts/bench features` and
// `scripts/bench normaliser`. Usage: FeaturesBench features [SAMPLES] | normaliser [ROUNDS]
// features: SAMPLES (default 50 000) samples × 400 `:win:` features drawn from a vocabulary of
// 1 000 000 names (xorshift64, fixed seed, as the Python side draws them), built by FeatureBuilder;
// prints the time, non-zeros per second and peak RSS. normaliser: ROUNDS (default 100 000) detection
// names through VirusTotalNormaliser. Both check their result and exit 1 when it is wrong (the same
// checks at a small size are the test `FeatureScaleTests`).
import CuckooML
#if canImport(Glibc)
import Glibc
#endif

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

func peakRSSMegabytes() -> Int {
    guard let f = fopen("/proc/self/status", "r") else { return -1 }
    defer { fclose(f) }
    var line = [CChar](repeating: 0, count: 256)
    while fgets(&line, 256, f) != nil {
        let s = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if s.hasPrefix("VmHWM:") { return (Int(s.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024 }
    }
    return -1
}

func fail(_ message: String) -> Never {
    let line = "FeaturesBench: \(message)\n"
    _ = line.withCString { write(2, $0, strlen($0)) }
    exit(1)
}

let args = CommandLine.arguments
switch args.count > 1 ? args[1] : "" {
case "features":
    let samples = args.count > 2 ? Int(args[2]) ?? 50_000 : 50_000
    let perSample = 400, vocabulary = 1_000_000
    var rng: UInt64 = 0x9E3779B97F4A7C15
    func next() -> Int { rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17; return Int(rng % UInt64(vocabulary)) }
    var list: [Sample] = []
    list.reserveCapacity(samples)
    for i in 0..<samples {
        var r = ReportRecord()
        for _ in 0..<perSample { r.apiCounts["A\(next())"] = 1 }
        list.append(Sample(id: String(i), path: nil, reportSize: 0, record: r))
    }
    let before = peakRSSMegabytes()
    let start = now()
    let set = try FeatureBuilder.build(list, configuration: FeatureConfiguration(kind: .full, groups: [.win]))
    let seconds = now() - start
    let nnz = list.reduce(0) { $0 + $1.record!.apiCounts.count }
    print("features at scale: \(samples) samples, \(set.names.count) columns, \(set.matrix.nonZeroCount) non-zeros in \(fixed(seconds, 2)) s "
          + "(\(fixed(Double(nnz) / seconds / 1e6, 2)) M non-zeros/s); peak RSS \(before) MB before, \(peakRSSMegabytes()) MB after")
    var distinct = Set<String>()
    for sample in list { for name in sample.record!.apiCounts.keys { distinct.insert(name) } }
    if set.matrix.nonZeroCount != nnz || set.matrix.rowCount != samples || set.names.count != distinct.count {
        fail("wrong matrix: \(set.matrix.rowCount) rows, \(set.matrix.nonZeroCount) non-zeros, \(set.names.count) columns;"
             + " expected \(samples), \(nnz), \(distinct.count)")
    }
case "normaliser":
    let rounds = args.count > 2 ? Int(args[2]) ?? 100_000 : 100_000
    let names = ["Trojan.Win32.Zorbex.a (v)", "Gen:Variant.Zorbex.27", "W32/Zorbex.BN!tr", "BKDR_ZORBEX.SMC",
                 "Trojan:Win32/Zorbex", "a variant of Win64/Zorbex.A", "TR/Crypt.ZPACK.Gen2", "Backdoor/Win32.Escad"]
    let start = now()
    var families = 0
    for i in 0..<rounds { families += VirusTotalNormaliser.normalise(names[i % names.count]).family.count }
    let seconds = now() - start
    print("normaliser: \(rounds) results in \(fixed(seconds, 2)) s (\(fixed(Double(rounds) / seconds / 1000, 1)) k results/s)")
    if families != rounds / 8 * 7 { fail("expected \(rounds / 8 * 7) family names, got \(families)") }
default:
    fail("usage: FeaturesBench features [SAMPLES] | normaliser [ROUNDS]")
}
