// Reads a data file written by scripts/bench assess (`n d metric`, then per row `truth cluster col...`
// with binary features), runs `Assessment.assess` and prints the seconds taken, the metrics and the
// peak RSS.
import CuckooML
#if canImport(Glibc)
import Glibc
#endif

func now() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_MONOTONIC, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
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

let args = CommandLine.arguments
guard args.count == 2, let file = fopen(args[1], "r") else { fatalError("usage: AssessBench DATA") }
var lines: [String] = []
var buffer = [CChar](repeating: 0, count: 1 << 20)
while fgets(&buffer, Int32(buffer.count), file) != nil { lines.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)) }
fclose(file)
let head = lines[0].split(whereSeparator: { $0 == " " || $0 == "\n" })
let n = Int(head[0])!, d = Int(head[1])!, metric = DistanceMetric(rawValue: String(head[2]))!
var matrix = SparseMatrix(columnCount: d)
var truth: [String] = [], predicted: [Int] = []
for line in lines.dropFirst().prefix(n) {
    let words = line.split(whereSeparator: { $0 == " " || $0 == "\n" })
    truth.append(String(words[0]))
    predicted.append(Int(words[1])!)
    matrix.appendRow(words.dropFirst(2).map { (Int32($0)!, 1.0) })
}
let start = now()
let a = try Assessment.assess(truth: truth, predicted: predicted, points: .sparse(matrix), metric: metric)!
let seconds = now() - start
let s = a.scores
print("swift seconds \(seconds) ari \(s.adjustedRandIndex) ami_max \(s.adjustedMutualInformationMax) v \(s.vMeasure) silhouette \(a.silhouette ?? .nan) peak_kb \(peakRSSKilobytes())")
