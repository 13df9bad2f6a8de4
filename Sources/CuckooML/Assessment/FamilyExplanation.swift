/// Why a cluster is a family: the tokens most of its members share and few other samples have, in the
/// spirit of Malheur's shared features (Rieck et al. 2011). Works on any clustering: it reads only a
/// feature matrix, the column names and one cluster id per row (−1 = noise).
///
/// For a token t and a cluster C (n samples in all, `holders` of them have t, `members` of C have it):
///   - recall    = members / |C|        (how many of the family share it)
///   - precision = members / holders    (how much of its use falls inside the family)
///   - score     = F1 of the two = 2·members / (|C| + holders), the Dice overlap of the family and the
///     token's holders: 1 only when exactly the members have it.
/// F1 rather than "share in cluster − share outside" because families are small among many samples:
/// a token all 5 members and 5 000 of 100 000 others have scores 0.95 by the difference but 0.002 by
/// F1, and such a token tells an analyst nothing about the family.
public struct FamilyExplanation: Sendable, Equatable {
    public var cluster: Int
    public var size: Int
    /// The best tokens over all groups, best first.
    public var top: [SharedFeature]
    /// The best tokens of each group, groups ordered by their best token.
    public var groups: [Group]

    public struct Group: Sendable, Equatable {
        /// The text between the first two colons of the feature names (`win` for `:win:Sleep`).
        public var name: String
        public var features: [SharedFeature]
    }

    /// How many tokens to keep, and which tokens qualify at all.
    public struct Limits: Sendable, Equatable {
        public var perGroup: Int
        public var overall: Int
        /// A token must be held by at least this share of the members ("most members share it").
        public var minimumRecall: Double
        public init(perGroup: Int = 3, overall: Int = 6, minimumRecall: Double = 0.5) {
            self.perGroup = perGroup
            self.overall = overall
            self.minimumRecall = minimumRecall
        }
    }

    /// The group of a feature name: the text between its first two colons (`:file:touch:x` → `file`),
    /// or "" for names not of the form `:GROUP:TOKEN` (imported matrices).
    public static func group(of name: String) -> String {
        let u = name.utf8
        guard u.first == UInt8(ascii: ":") else { return "" }
        let rest = u.dropFirst()
        guard let colon = rest.firstIndex(of: UInt8(ascii: ":")) else { return "" }
        return String(name[rest.startIndex..<colon])
    }

    /// The explanation of each cluster in `clusters` (default: every cluster 0...max), in that order;
    /// noise (−1) gets an empty one. A token is a non-zero column. It qualifies for a cluster when
    /// at least `minimumRecall` of the members have it (and at least 2 members, when the cluster has
    /// 2 or more) and it is more common among the members than among the other samples, so tokens
    /// every sample has never explain anything. Ranked by score, then recall, then name (byte order),
    /// so ties are deterministic. Cost: one pass over the non-zeros plus each cluster's own rows.
    public static func explain(matrix: SparseMatrix, names: [String], assignments: [Int], clusters: [Int]? = nil,
                               limits: Limits = Limits(), control: TaskControl = .none) throws(Interrupted) -> [FamilyExplanation] {
        precondition(assignments.count == matrix.rowCount, "one cluster id per row")
        precondition(names.count == matrix.columnCount, "one name per column")
        let wanted = clusters ?? Array(0..<((assignments.max() ?? -1) + 1))
        var membersOf: [Int: [Int]] = [:]
        let wantedSet = Set(wanted.filter { $0 >= 0 })
        for (row, cluster) in assignments.enumerated() where wantedSet.contains(cluster) { membersOf[cluster, default: []].append(row) }
        var holders = [Int](repeating: 0, count: matrix.columnCount)
        for column in matrix.columns { holders[Int(column)] += 1 }
        let groupOf = GroupNames(names)
        var counts = [Int32](repeating: 0, count: matrix.columnCount)
        var touched: [Int32] = []
        var out: [FamilyExplanation] = []
        out.reserveCapacity(wanted.count)
        for cluster in wanted {
            try control.checkCancellation()
            let rows = membersOf[cluster] ?? []
            guard !rows.isEmpty else {
                out.append(FamilyExplanation(cluster: cluster, size: 0, top: [], groups: []))
                continue
            }
            for r in rows {
                for c in matrix.row(r).columns {
                    if counts[Int(c)] == 0 { touched.append(c) }
                    counts[Int(c)] += 1
                }
            }
            let size = rows.count, others = matrix.rowCount - size
            let needed = max(min(2, size), Int((limits.minimumRecall * Double(size)).rounded(.up)))
            var candidates: [SharedFeature] = []
            for c in touched {
                let m = Int(counts[Int(c)])
                counts[Int(c)] = 0
                let h = holders[Int(c)]
                // More common inside than outside: m/size > (h−m)/others, in integers.
                guard m >= needed, others == 0 || m * others > (h - m) * size else { continue }
                candidates.append(SharedFeature(column: Int(c), name: names[Int(c)], group: groupOf[Int(c)],
                                                members: m, clusterSize: size, holders: h))
            }
            touched.removeAll(keepingCapacity: true)
            candidates.sort(by: SharedFeature.ranksBefore)
            out.append(FamilyExplanation(cluster: cluster, size: size, top: Array(candidates.prefix(limits.overall)),
                                         groups: bestPerGroup(candidates, limit: limits.perGroup)))
        }
        return out
    }

    /// Candidates already ranked: the first `limit` of each group; groups in the order of their best.
    static func bestPerGroup(_ ranked: [SharedFeature], limit: Int) -> [Group] {
        var groups: [Group] = []
        var position: [String: Int] = [:]
        for feature in ranked {
            if let i = position[feature.group] {
                if groups[i].features.count < limit { groups[i].features.append(feature) }
            } else if limit > 0 {
                position[feature.group] = groups.count
                groups.append(Group(name: feature.group, features: [feature]))
            }
        }
        return groups
    }
}

/// One token of a family's explanation with its exact counts.
public struct SharedFeature: Sendable, Equatable {
    public var column: Int
    /// The whole feature name, e.g. `:win:GetAdaptersInfo`.
    public var name: String
    public var group: String
    /// Members of the cluster that have the token.
    public var members: Int
    public var clusterSize: Int
    /// Samples (members or not) that have the token.
    public var holders: Int

    public init(column: Int, name: String, group: String, members: Int, clusterSize: Int, holders: Int) {
        self.column = column
        self.name = name
        self.group = group
        self.members = members
        self.clusterSize = clusterSize
        self.holders = holders
    }

    public var recall: Double { Double(members) / Double(clusterSize) }
    public var precision: Double { Double(members) / Double(holders) }
    /// F1 of precision and recall: 2·members / (clusterSize + holders).
    public var score: Double { 2 * Double(members) / Double(clusterSize + holders) }

    /// The name without its `:GROUP:` prefix (the whole name when it has none).
    public var token: String {
        guard !group.isEmpty else { return name }
        return String(name.utf8.dropFirst(group.utf8.count + 2)) ?? name
    }

    /// Score, then recall, then name in byte order. Scores are compared as exact fractions
    /// (2m/(s+h)), so equal scores tie exactly rather than by rounding.
    static func ranksBefore(_ a: SharedFeature, _ b: SharedFeature) -> Bool {
        let lhs = a.members * (b.clusterSize + b.holders), rhs = b.members * (a.clusterSize + a.holders)
        if lhs != rhs { return lhs > rhs }
        let (ra, rb) = (a.members * b.clusterSize, b.members * a.clusterSize)
        if ra != rb { return ra > rb }
        return a.name.utf8.lexicographicallyPrecedes(b.name.utf8)
    }
}

/// Each column's group, computed once per distinct prefix.
struct GroupNames {
    private let groupIndex: [Int32]
    private let groups: [String]

    init(_ names: [String]) {
        var ids: [String: Int32] = [:]
        var groups: [String] = []
        groupIndex = names.map { name in
            let g = FamilyExplanation.group(of: name)
            if let id = ids[g] { return id }
            ids[g] = Int32(groups.count)
            groups.append(g)
            return Int32(groups.count - 1)
        }
        self.groups = groups
    }

    subscript(column: Int) -> String { groups[Int(groupIndex[column])] }
}
