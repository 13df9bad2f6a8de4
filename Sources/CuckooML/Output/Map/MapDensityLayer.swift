#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The density layer of large maps: hexagonal bins of the samples not drawn one by one.
extension MapDrawing {
    /// Hexagonal bins of the binned points: each filled with its commonest group's colour, more opaque
    /// the more samples it holds (log scale), with a tooltip naming its clusters and labels.
    func densityLayer(_ xy: [SIMD2<Double>], _ isBinned: [Bool]) -> String {
        let r = limits.hexRadius
        var cells: [SIMD2<Int32>: [Int]] = [:]
        var order: [SIMD2<Int32>] = []
        for i in xy.indices where isBinned[i] {
            let key = Self.hexCell(xy[i] - SIMD2(Self.margin, Self.top), radius: r)
            if cells[key] == nil { order.append(key) }
            cells[key, default: []].append(i)
        }
        guard !cells.isEmpty else { return "" }
        order.sort { ($0.y, $0.x) < ($1.y, $1.x) }
        let most = Double(cells.values.map(\.count).max() ?? 1)
        let h = r * 3.0.squareRoot() / 2
        var s = "<g stroke=\"none\">\n"
        for key in order {
            let members = cells[key]!
            var counts: [Int: Int] = [:]
            for i in members { counts[group[i], default: 0] += 1 }
            let top = counts.max { a, b in a.value != b.value ? a.value < b.value : a.key > b.key }!.key
            let opacity = 0.3 + 0.7 * log1pRatio(Double(members.count), most)
            let c = Self.hexCentre(key, radius: r) + SIMD2(Self.margin, Self.top)
            s += "<path d=\"M\(Self.f(c.x)),\(Self.f(c.y - r))l\(Self.f(h)),\(Self.f(r / 2))v\(Self.f(r))l-\(Self.f(h)),\(Self.f(r / 2))l-\(Self.f(h)),-\(Self.f(r / 2))v-\(Self.f(r))z\" fill=\"\(groupColours[top])\" fill-opacity=\"\(fixed(opacity, 2))\"><title>\(binTooltip(members))</title></path>\n"
        }
        return s + "</g>\n"
    }

    func log1pRatio(_ count: Double, _ most: Double) -> Double {
        most <= 1 ? 1 : log1p(count) / log1p(most)
    }

    func binTooltip(_ members: [Int]) -> String {
        var clusters: [Int: Int] = [:], labels: [String: Int] = [:]
        for i in members {
            clusters[map.points[i].cluster, default: 0] += 1
            labels[map.points[i].label, default: 0] += 1
        }
        let topClusters = clusters.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(3)
        let topLabels = labels.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(3)
        var t = "\(members.count) sample\(members.count == 1 ? "" : "s") · "
        t += topClusters.map { "\($0.key < 0 ? "noise" : "cluster \($0.key)") \($0.value)" }.joined(separator: ", ")
        if clusters.count > 3 { t += ", …" }
        t += " · labels " + topLabels.map { escapeForMarkup(truncated($0.key, Self.labelLimit)) + " \($0.value)" }.joined(separator: ", ")
        if labels.count > 3 { t += ", …" }
        return t
    }

    /// The pointy-top hexagon holding pixel offset `p` (axial coordinates, cube rounding).
    static func hexCell(_ p: SIMD2<Double>, radius r: Double) -> SIMD2<Int32> {
        let q = (3.0.squareRoot() / 3 * p.x - p.y / 3) / r
        let rr = (2.0 / 3 * p.y) / r
        let s = -q - rr
        var rq = q.rounded(), rr2 = rr.rounded()
        let rs = s.rounded()
        let dq = abs(rq - q), dr = abs(rr2 - rr), ds = abs(rs - s)
        if dq > dr && dq > ds { rq = -rr2 - rs } else if dr > ds { rr2 = -rq - rs }
        return SIMD2(Int32(rq), Int32(rr2))
    }

    static func hexCentre(_ cell: SIMD2<Int32>, radius r: Double) -> SIMD2<Double> {
        let q = Double(cell.x), rr = Double(cell.y)
        return SIMD2(r * 3.0.squareRoot() * (q + rr / 2), r * 1.5 * rr)
    }
}
