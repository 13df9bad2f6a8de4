// Reads a data file written by scripts/bench assess (`n d metric`, then per row `truth cluster col...`
// with binary features), or a session's `export features F.svmlight` with its `export clustering C.csv`
// (euclidean, the 2016 pipeline's counts), runs `Assessment.assess` and prints the seconds taken, the
// metrics and the peak RSS.
import CuckooML
#if canImport(Glibc)
import Glibc
#endif

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

/// User + system CPU seconds of the process: on a shared machine, steadier than wall time.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

func peakRSSKilobytes() -> Int {
    guard let f = fopen("/proc/self/status", "r") else { return 0 }
    defer { fclose(f) }
    var line = [CChar](repeating: 0, count: 512)
    while fgets(&line, Int32(line.count), f) != nil {
        let s = String(decoding: line.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        if s.hasPrefix("VmHWM:") { return Int(s.split(separator: " ").dropFirst().first ?? "0") ?? 0 }
    }
    return 0
}

func readLines(_ path: String) -> [String] {
    guard let file = fopen(path, "r") else { fatalError("cannot open \(path)") }
    defer { fclose(file) }
    var lines: [String] = []
    var buffer = [CChar](repeating: 0, count: 1 << 20)
    while fgets(&buffer, Int32(buffer.count), file) != nil {
        lines.append(String(decoding: buffer.prefix { $0 != 0 && $0 != 10 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }
    return lines
}

let args = CommandLine.arguments
guard args.count == 2 || args.count == 3 else { fatalError("usage: AssessBench DATA | AssessBench F.svmlight CLUSTERS.csv") }
var truth: [String] = [], predicted: [Int] = []
let points: PointSet
let metric: DistanceMetric
if args.count == 3 {
    // svmlight: `LABEL index:value ...` with 1-based indices; the clusters CSV: sample,label,...
    let rows = readLines(args[1]).filter { !$0.hasPrefix("#") && !$0.isEmpty }
    var parsed: [[(Int32, Double)]] = []
    var d = 0
    for line in rows {
        let words = line.split(separator: " ")
        truth.append(String(words[0]))
        let row = words.dropFirst().map { word -> (Int32, Double) in
            let parts = word.split(separator: ":")
            return (Int32(parts[0])! - 1, Double(parts[1])!)
        }
        d = max(d, Int(row.last?.0 ?? -1) + 1)
        parsed.append(row)
    }
    var matrix = SparseMatrix(columnCount: d)
    for row in parsed { matrix.appendRow(row) }
    points = .sparse(matrix)
    predicted = readLines(args[2]).dropFirst().map { Int($0.split(separator: ",")[1])! }
    metric = .euclidean
} else {
    let lines = readLines(args[1])
    let head = lines[0].split(separator: " ")
    let n = Int(head[0])!, d = Int(head[1])!
    metric = DistanceMetric(rawValue: String(head[2]))!
    var matrix = SparseMatrix(columnCount: d)
    for line in lines.dropFirst().prefix(n) {
        let words = line.split(separator: " ")
        truth.append(String(words[0]))
        predicted.append(Int(words[1])!)
        matrix.appendRow(words.dropFirst(2).map { (Int32($0)!, 1.0) })
    }
    points = .sparse(matrix)
}
let start = now(), cpuStart = cpuSeconds()
let a = try Assessment.assess(truth: truth, predicted: predicted, points: points, metric: metric)!
let seconds = now() - start, cpu = cpuSeconds() - cpuStart
let s = a.scores
print("swift seconds \(seconds) ari \(s.adjustedRandIndex) ami_max \(s.adjustedMutualInformationMax) v \(s.vMeasure) silhouette \(a.silhouette ?? .nan) peak_kb \(peakRSSKilobytes()) cpu_seconds \(cpu)")
