// The cuckooml side of scripts/bench labels. Reads the reports of DIR, makes a corpus of N samples
// by cycling them (copy k > 0 of a report gets a "K<k> " prefix on every result string: a new string
// for the labellers' caches, no new token for either labeller), and times on it, one thread each:
//   load      reading the N report files as `load` does (every core) plus the feature build;
//   avclass   FamilyLabeller on the N samples, cold (new cache) and warm (the cache of a first run);
//   2016      VirusTotalLabeller on the N samples with a new cache.
// Writes OUT/scans.jsonl (AVClass's input: md5 = sample id, scans), OUT/ours.tsv (our families on
// the N samples) and OUT/ours-real.tsv (our families on the real reports alone),
// and prints one `key value` line per number.
import CuckooML
#if canImport(Glibc)
import Glibc
#endif

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

func jsonString(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
        switch u {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        default:
            if u.value < 0x20 { out += "\\u" + String(repeating: "0", count: 4 - String(u.value, radix: 16).count) + String(u.value, radix: 16) } else { out.unicodeScalars.append(u) }
        }
    }
    return out + "\""
}

let args = CommandLine.arguments
guard args.count == 4, let n = Int(args[2]), n > 0 else { fatalError("usage: LabelsBench DIR N OUT") }
let (directory, out) = (args[1], args[3])
var names: [String] = []
if let d = opendir(directory) {
    while let e = readdir(d) {
        let name = withUnsafePointer(to: e.pointee.d_name) { $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) } }
        if name.hasSuffix(".json") { names.append(name) }
    }
    closedir(d)
}
names.sort()
guard !names.isEmpty else { fatalError("no reports in \(directory)") }
let files = (0..<n).map { directory + "/" + names[$0 % names.count] }

// load: read N files (every core, as `load`), then the feature build on the N samples.
var start = now()
let loaded = try ReportLoader.load(files: files)
let readSeconds = now() - start
guard loaded.samples.count == n else { fatalError("\(n - loaded.samples.count) reports failed to load") }
var samples: [Sample] = []
samples.reserveCapacity(n)
for (i, sample) in loaded.samples.enumerated() {
    var copy = sample
    copy.id = sample.id + (i < names.count ? "" : "_\(i / names.count)")
    if i >= names.count, var vt = copy.record?.virusTotal {
        vt.scans = vt.scans.map { EngineResult(engine: $0.engine, detected: $0.detected, result: $0.result.map { "K\(i / names.count) " + $0 }) }
        copy.record!.virusTotal = vt
    }
    samples.append(copy)
}
start = now()
_ = try FeatureBuilder.build(samples, configuration: .full, threads: 0)
let featureSeconds = now() - start

let corpus = samples.map { $0.record?.virusTotal }
start = now()
var cache = FamilyLabeller.Cache()
let outcome = FamilyLabeller.label(corpus, cache: &cache)
let coldSeconds = now() - start
start = now()
_ = FamilyLabeller.label(corpus, cache: &cache)
let warmSeconds = now() - start
start = now()
var cache2016 = VirusTotalLabeller.FamilyCache()
for results in corpus { _ = VirusTotalLabeller.label(results, cache: &cache2016) }
let seconds2016 = now() - start

// The real reports alone, as the agreement target is defined (no copies to find aliases in); and the
// N samples without alias detection (copies of one report make all its families look like aliases).
let real = FamilyLabeller.label(Array(corpus.prefix(names.count))).labels
let unaliased = FamilyLabeller.label(corpus, cache: &cache, aliasSupport: Int.max).labels

var jsonl = ""
var tsv = ""
for (sample, label) in zip(samples, outcome.labels) {
    tsv += sample.id + "\t" + label.family + "\n"
    guard let vt = sample.record?.virusTotal, !vt.notScanned, !vt.scans.isEmpty else { continue }
    let scans = vt.scans.map { jsonString($0.engine) + ": {\"detected\": \($0.detected), \"result\": " + ($0.result.map(jsonString) ?? "null") + "}" }
    jsonl += "{\"md5\": \(jsonString(sample.id)), \"sha1\": \(jsonString(sample.id)), \"sha256\": \(jsonString(sample.id)), \"scans\": {" + scans.joined(separator: ", ") + "}}\n"
}
let realTSV = zip(samples, real).map { $0.0.id + "\t" + $0.1.family + "\n" }.joined()
let unaliasedTSV = zip(samples, unaliased).map { $0.0.id + "\t" + $0.1.family + "\n" }.joined()
for (name, text) in [("scans.jsonl", jsonl), ("ours.tsv", tsv), ("ours-real.tsv", realTSV), ("ours-unaliased.tsv", unaliasedTSV)] {
    guard let f = fopen(out + "/" + name, "w") else { fatalError("cannot write \(out)/\(name)") }
    fputs(text, f)
    fclose(f)
}
print("samples \(n)")
print("distinct_reports \(names.count)")
print("detections \(corpus.reduce(0) { $0 + ($1?.scans.filter(\.detected).count ?? 0) })")
print("read_seconds \(readSeconds)")
print("features_seconds \(featureSeconds)")
print("avclass_cold_seconds \(coldSeconds)")
print("avclass_warm_seconds \(warmSeconds)")
print("rule2016_seconds \(seconds2016)")
print("aliases_detected \(outcome.detectedAliases.map { "\($0.alias)->\($0.family)" }.joined(separator: ","))")
