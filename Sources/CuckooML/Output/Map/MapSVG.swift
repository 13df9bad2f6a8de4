/// How much a map draws one by one before it turns dense regions into a density layer.
public struct MapRenderLimits: Sendable, Equatable {
    /// At most this many samples are drawn as points: above it clusters (then noise) go into hexagonal
    /// bins until the rest fit.
    public var points: Int
    /// When a map is binned, clusters larger than this always are: a density layer reads better than
    /// thousands of overlapping points.
    public var smallCluster: Int
    /// Hexagon radius in pixels (centre to corner).
    public var hexRadius: Double
    public init(points: Int = 20_000, smallCluster: Int = 200, hexRadius: Double = 5) {
        self.points = points; self.smallCluster = smallCluster; self.hexRadius = hexRadius
    }
}

extension SampleMap {
    /// The map as an SVG drawing: a point per sample (noise grey) with a `<title>` tooltip, dense regions
    /// of large maps as shaded hexagons with a tooltip each, cluster numbers at each cluster's median, and
    /// a legend. Plain SVG 1.1 from escaped text only, so it can be embedded in HTML as is.
    public func svg(colouring: MapColouring = .cluster, limits: MapRenderLimits = MapRenderLimits()) -> SVGImage {
        MapDrawing(self, colouring: colouring, limits: limits).image
    }
}

/// One rendering of a `SampleMap`.
struct MapDrawing {
    static let side = 720.0, margin = 16.0, top = 58.0, legendWidth = 300.0
    static let idLimit = 96, labelLimit = 48

    let map: SampleMap
    let colouring: MapColouring
    let limits: MapRenderLimits
    /// Group key of each point: its cluster, or its label's rank.
    private(set) var group: [Int] = []
    private(set) var groupNames: [String] = []
    private(set) var groupColours: [String] = []
    private(set) var groupSizes: [Int] = []

    init(_ map: SampleMap, colouring: MapColouring, limits: MapRenderLimits) {
        self.map = map
        self.colouring = colouring
        self.limits = limits
        makeGroups()
    }

    /// Groups for the colours: clusters (noise is group 0, cluster c is c + 1), or labels by frequency.
    private mutating func makeGroups() {
        switch colouring {
        case .cluster:
            let clusters = (map.points.map(\.cluster).max() ?? -1) + 1
            groupNames = ["noise"] + (0..<clusters).map { "cluster \($0)" }
            groupColours = [MapColours.noise] + (0..<clusters).map(MapColours.colour)
            group = map.points.map { $0.cluster + 1 }
        case .label:
            var counts: [String: Int] = [:]
            for p in map.points { counts[p.label, default: 0] += 1 }
            groupNames = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map(\.key)
            let rank = Dictionary(uniqueKeysWithValues: groupNames.enumerated().map { ($1, $0) })
            var next = 0
            groupColours = groupNames.map { name in
                if Self.isUnlabelled(name) { return MapColours.unlabelled }
                defer { next += 1 }
                return MapColours.colour(next)
            }
            group = map.points.map { rank[$0.label]! }
        }
        groupSizes = [Int](repeating: 0, count: groupNames.count)
        for g in group { groupSizes[g] += 1 }
    }

    static func isUnlabelled(_ label: String) -> Bool {
        label == ClusterLabelCounts.unlabelled || label == SampleLabel.noneFamily
    }

    /// Whether each point goes into the density layer rather than being drawn: nothing up to
    /// `limits.points` samples; above, every cluster larger than `limits.smallCluster`, then (while
    /// too many remain) the other clusters largest first, then noise.
    func binned() -> [Bool] {
        let n = map.points.count
        guard n > limits.points else { return [Bool](repeating: false, count: n) }
        var clusterSize: [Int: Int] = [:]
        for p in map.points { clusterSize[p.cluster, default: 0] += 1 }
        // Large clusters first, noise after every cluster, ties by number.
        let order = clusterSize.sorted { a, b in
            if (a.key < 0) != (b.key < 0) { return b.key < 0 }
            return a.value != b.value ? a.value > b.value : a.key < b.key
        }
        var binnedClusters = Set<Int>()
        var drawn = n
        for (cluster, size) in order where drawn > limits.points || (cluster >= 0 && size > limits.smallCluster) {
            binnedClusters.insert(cluster)
            drawn -= size
        }
        return map.points.map { binnedClusters.contains($0.cluster) }
    }

    var image: SVGImage {
        let n = map.points.count
        let width = Self.margin * 2 + Self.side + Self.legendWidth
        let height = Self.top + Self.side + Self.margin
        let title = "map of \(n) sample\(n == 1 ? "" : "s") · \(map.algorithm) (\(map.metric)) · colour: \(colouring.rawValue)"
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"\(Self.f(width))\" height=\"\(Self.f(height))\" viewBox=\"0 0 \(Self.f(width)) \(Self.f(height))\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n"
        s += "<title>\(escapeForMarkup(title))</title>\n<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n"
        s += "<text x=\"\(Self.f(Self.margin))\" y=\"22\" font-size=\"15\" font-weight=\"bold\">\(escapeForMarkup(title))</text>\n"
        let layout = map.layout
        let method = "UMAP-style layout of the \(layout.neighbours)-nearest-neighbour graph (\(layout.exactNeighbours ? "exact" : "NN-descent")) in the clustering's metric · near = similar; gaps between distant groups are only rough"
        s += "<text x=\"\(Self.f(Self.margin))\" y=\"40\" font-size=\"11\" fill=\"#555555\">\(escapeForMarkup(method))</text>\n"
        s += "<rect x=\"\(Self.f(Self.margin))\" y=\"\(Self.f(Self.top))\" width=\"\(Self.f(Self.side))\" height=\"\(Self.f(Self.side))\" fill=\"none\" stroke=\"#dddddd\"/>\n"
        let xy = project()
        let isBinned = binned()
        s += densityLayer(xy, isBinned)
        s += pointLayer(xy, isBinned)
        s += clusterTags(xy)
        s += legend(binnedCount: isBinned.lazy.filter { $0 }.count)
        s += "</svg>"
        return SVGImage(markup: s, title: title)
    }

    /// Pixel positions: the layout scaled uniformly into the square plot area, centred. The box is the
    /// 0.5–99.5 % range of each axis widened by a tenth (or the full range when that is not much
    /// larger), so a few far-flung points do not shrink the map; points outside it sit on its edge.
    func project() -> [SIMD2<Double>] {
        guard !map.points.isEmpty else { return [] }
        let xs = map.points.map(\.x).sorted(), ys = map.points.map(\.y).sorted()
        func range(_ v: [Double]) -> (Double, Double) {
            let full = (v[0], v[v.count - 1])
            let cut = v.count / 200
            let inner = (v[cut], v[v.count - 1 - cut])
            let widen = (inner.1 - inner.0) * 0.1
            let robust = (inner.0 - widen, inner.1 + widen)
            return full.1 - full.0 <= 1.5 * (robust.1 - robust.0) ? full : robust
        }
        let (x0, x1) = range(xs), (y0, y1) = range(ys)
        let pad = 14.0
        let span = max(x1 - x0, y1 - y0)
        let scale = span > 0 ? (Self.side - 2 * pad) / span : 0
        let centre = SIMD2((x0 + x1) / 2, (y0 + y1) / 2)
        let origin = SIMD2(Self.margin + Self.side / 2, Self.top + Self.side / 2)
        let half = Self.side / 2 - 4
        // SVG's y grows downwards; flip so the picture matches a plot of the coordinates.
        return map.points.map { p in
            let offset = SIMD2(p.x - centre.x, centre.y - p.y) * scale
            return origin + offset.clamped(lowerBound: SIMD2(repeating: -half), upperBound: SIMD2(repeating: half))
        }
    }

    private func pointRadius(_ drawn: Int) -> Double {
        drawn <= 300 ? 4.5 : drawn <= 2_000 ? 3.5 : drawn <= 8_000 ? 2.6 : 1.9
    }

    private func pointLayer(_ xy: [SIMD2<Double>], _ isBinned: [Bool]) -> String {
        var byGroup = [[Int]](repeating: [], count: groupNames.count)
        for (i, g) in group.enumerated() where !isBinned[i] { byGroup[g].append(i) }
        let drawn = byGroup.reduce(0) { $0 + $1.count }
        guard drawn > 0 else { return "" }
        let r = Self.f(pointRadius(drawn))
        // Unlabelled and noise underneath, then the largest groups, the smallest on top.
        let order = byGroup.indices.filter { !byGroup[$0].isEmpty }.sorted { a, b in
            let ga = isBackground(a), gb = isBackground(b)
            if ga != gb { return ga }
            return byGroup[a].count != byGroup[b].count ? byGroup[a].count > byGroup[b].count : a < b
        }
        var s = "<g stroke=\"#ffffff\" stroke-width=\"0.5\" fill-opacity=\"0.9\">\n"
        for g in order {
            s += "<g fill=\"\(groupColours[g])\">\n"
            for i in byGroup[g] {
                s += "<circle cx=\"\(Self.f(xy[i].x))\" cy=\"\(Self.f(xy[i].y))\" r=\"\(r)\"><title>\(tooltip(map.points[i]))</title></circle>\n"
            }
            s += "</g>\n"
        }
        return s + "</g>\n"
    }

    private func isBackground(_ g: Int) -> Bool {
        colouring == .cluster ? g == 0 : Self.isUnlabelled(groupNames[g])
    }

    func tooltip(_ p: SampleMap.Point) -> String {
        var t = "sample " + escapeForMarkup(truncated(p.sample, Self.idLimit))
        t += " · " + (p.cluster < 0 ? "noise" : "cluster \(p.cluster)")
        t += " · label " + escapeForMarkup(truncated(p.label, Self.labelLimit))
        if let probability = p.probability { t += " · probability " + fixed(probability, 3) }
        return t
    }

    /// Each cluster's number over its members (up to the 60 largest clusters): above the densest part
    /// of the cluster (a 24-pixel grid cell holding most of its members), so a stray member far away
    /// does not move the tag and the tag hides none of the points it names.
    private func clusterTags(_ xy: [SIMD2<Double>]) -> String {
        var members: [Int: [Int]] = [:]
        for (i, p) in map.points.enumerated() where p.cluster >= 0 { members[p.cluster, default: []].append(i) }
        let shown = members.sorted { $0.value.count != $1.value.count ? $0.value.count > $1.value.count : $0.key < $1.key }.prefix(60)
        guard !shown.isEmpty else { return "" }
        var s = "<g font-size=\"11\" font-weight=\"bold\" text-anchor=\"middle\" fill=\"#222222\" stroke=\"#ffffff\" stroke-width=\"3\" stroke-opacity=\"0.85\" paint-order=\"stroke\">\n"
        for (cluster, rows) in shown.sorted(by: { $0.key < $1.key }) {
            var cells: [SIMD2<Int32>: Int] = [:]
            for r in rows { cells[SIMD2(Int32((xy[r].x / 24).rounded(.down)), Int32((xy[r].y / 24).rounded(.down))), default: 0] += 1 }
            let densest = cells.max { a, b in a.value != b.value ? a.value < b.value : (a.key.y, a.key.x) > (b.key.y, b.key.x) }!.key
            let centre = (SIMD2(Double(densest.x), Double(densest.y)) + 0.5) * 24
            let core = rows.filter { ((xy[$0] - centre) * (xy[$0] - centre)).sum() <= 48 * 48 }
            let xs = core.map { xy[$0].x }.sorted(), ys = core.map { xy[$0].y }.sorted()
            let x = xs[xs.count / 2], y = max(Self.top + 12, ys[ys.count / 20] - 6)
            s += "<text x=\"\(Self.f(x))\" y=\"\(Self.f(y))\">\(cluster)</text>\n"
        }
        return s + "</g>\n"
    }

    /// The colour key beside the map: noise/unlabelled first, then groups (by number when all fit, else
    /// the largest), and a note on the density layer.
    private func legend(binnedCount: Int) -> String {
        let x = Self.margin * 2 + Self.side
        var y = Self.top + 4
        let rows = Int((Self.side - 60) / 17)
        var s = "<g font-size=\"11\">\n<text x=\"\(Self.f(x))\" y=\"\(Self.f(y + 8))\" font-weight=\"bold\">\(colouring == .cluster ? "cluster (samples) · top label" : "label (samples)")</text>\n"
        y += 22
        let present = groupNames.indices.filter { groupSizes[$0] > 0 }
        var entries: [Int]
        let background = present.filter(isBackground)
        let rest = present.filter { !isBackground($0) }
        if background.count + rest.count <= rows {
            entries = background + rest
        } else {
            entries = background + rest.sorted { groupSizes[$0] != groupSizes[$1] ? groupSizes[$0] > groupSizes[$1] : $0 < $1 }.prefix(max(0, rows - background.count - 1))
        }
        let topLabel = colouring == .cluster ? topLabels() : [:]
        for g in entries {
            var text = "\(groupNames[g]) (\(groupSizes[g]))"
            if colouring == .cluster, g > 0, let (label, share) = topLabel[g - 1] {
                text += " · " + truncated(label, 22) + " \(Int((share * 100).rounded()))%"
            }
            s += "<rect x=\"\(Self.f(x))\" y=\"\(Self.f(y - 10))\" width=\"12\" height=\"12\" fill=\"\(groupColours[g])\"/>"
            s += "<text x=\"\(Self.f(x + 18))\" y=\"\(Self.f(y))\">\(escapeForMarkup(truncated(text, 44)))</text>\n"
            y += 17
        }
        let hidden = present.count - entries.count
        if hidden > 0 {
            s += "<text x=\"\(Self.f(x))\" y=\"\(Self.f(y))\" fill=\"#555555\">… \(hidden) more \(colouring == .cluster ? "clusters" : "labels") (smaller; colours repeat)</text>\n"
            y += 17
        }
        if binnedCount > 0 {
            y += 6
            s += "<text x=\"\(Self.f(x))\" y=\"\(Self.f(y))\" fill=\"#555555\">hexagons: \(binnedCount) samples of the largest</text>\n"
            s += "<text x=\"\(Self.f(x))\" y=\"\(Self.f(y + 14))\" fill=\"#555555\">groups, coloured by their commonest,</text>\n"
            s += "<text x=\"\(Self.f(x))\" y=\"\(Self.f(y + 28))\" fill=\"#555555\">more opaque the more they hold</text>\n"
        }
        return s + "</g>\n"
    }

    /// Each cluster's commonest label (other than none/unlabelled when it has another) and its share.
    private func topLabels() -> [Int: (String, Double)] {
        var counts: [Int: [String: Int]] = [:]
        var sizes: [Int: Int] = [:]
        for p in map.points where p.cluster >= 0 {
            counts[p.cluster, default: [:]][p.label, default: 0] += 1
            sizes[p.cluster, default: 0] += 1
        }
        return counts.mapValues { labels in
            let best = labels.max { a, b in
                let ua = Self.isUnlabelled(a.key), ub = Self.isUnlabelled(b.key)
                if ua != ub { return ua }
                return a.value != b.value ? a.value < b.value : a.key > b.key
            }!
            return (best.key, Double(best.value) / Double(labels.values.reduce(0, +)))
        }
    }

    /// A coordinate with at most one decimal.
    static func f(_ x: Double) -> String {
        let t = fixed(x, 1)
        return t.hasSuffix(".0") ? String(t.dropLast(2)) : t
    }
}

extension SampleMap {
    /// The map of the session's clustering as an `<svg>` element to embed in an HTML page (the
    /// report's map slot), or nil when the session has no clustering matching its samples. The element
    /// has a viewBox, so CSS such as `max-width: 100%; height: auto` scales it.
    public static func embeddableSVG(session: Session, colouring: MapColouring = .cluster,
                                     control: TaskControl = .none) throws -> String? {
        guard session.currentClustering != nil else { return nil }
        do {
            return try SampleMap(session: session, control: control).svg(colouring: colouring).markup
        } catch is MapError {
            return nil
        }
    }
}
