/// What the AVClass-style labeller (`FamilyLabeller`) learns from a corpus, kept per sample so that
/// more reports can be labelled beside the corpus without reading its VirusTotal results again
/// (`compare`, `compare ... add`): each sample's (voter, family) pairs and detecting engines (pass 1),
/// and its candidate families for alias detection (pass 2's input). Alias detection and the votes
/// (passes 2 and 3) are cheap and run over the whole corpus each time, so labels from evidence that
/// grew by `append` equal those of the whole corpus labelled at once.
///
/// Families are numbered here in the order the corpus first names them, so alias detection's ties
/// (equal support and co-occurrence) are broken the same way whatever was labelled before in the
/// process (the shared `FamilyLabeller.Cache` numbers them in its own history's order).
public struct LabelEvidence: Sendable {
    // Internal, not private: the stored form (`LabelEvidence+Stored.swift`) reads and restores them.
    var familyNames: [String] = []
    var familyIDs: [String: Int32] = [:]
    /// Sample i's pairs are `voters[start[i]..<start[i + 1]]` and `families[...]`. Voters are numbered
    /// by the cache that gathered the sample (only compared within one sample).
    var start: [Int] = [0]
    var voters: [Int32] = []
    var families: [Int32] = []
    var engines: [Int] = []
    /// Families named by at least `FamilyLabeller.minimumVotes` voters; empty for a repeated scan.
    var candidates: [[Int32]] = []
    var fingerprints: Set<Int> = []
    /// The key of the scan fingerprints (`FamilyLabeller.scanFingerprint`): the process's for evidence
    /// gathered afresh, the file's for evidence restored from a session file, so that the reports
    /// appended later are fingerprinted as the stored ones were.
    public private(set) var fingerprintKey: UInt64

    public init() { fingerprintKey = FamilyLabeller.fingerprintKey }

    init(fingerprintKey: UInt64) { self.fingerprintKey = fingerprintKey }

    /// Samples the evidence covers.
    public var count: Int { engines.count }

    /// Adds the results of more samples, in order (nil: no VirusTotal block).
    public mutating func append(_ corpus: [VirusTotalResults?], cache: inout FamilyLabeller.Cache) {
        var fingerprints: [Int?] = []
        append(corpus, cache: &cache, recording: &fingerprints)
    }

    /// Adds the results of more samples, in order, on `parts` threads: each gathers the evidence of a
    /// contiguous slice (the first with `cache`, the others with caches of their own), then the
    /// slices are merged in order (`merge`). The labels and aliases are those of one `append`.
    mutating func append(_ corpus: [VirusTotalResults?], parts: Int, cache: inout FamilyLabeller.Cache) {
        guard parts > 1, corpus.count >= 2 * parts else { return append(corpus, cache: &cache) }
        let size = (corpus.count + parts - 1) / parts
        let slices = stride(from: 0, to: corpus.count, by: size).map { Array(corpus[$0..<min(corpus.count, $0 + size)]) }
        let key = fingerprintKey
        // The first slice on this thread (with the process's cache), the others beside it.
        let (others, first) = try! alongside({ () -> [(LabelEvidence, [Int?])] in
            var gathered = [(LabelEvidence, [Int?])?](repeating: nil, count: slices.count - 1)
            gathered.withUnsafeMutableBufferPointer { buffer in
                let slots = SharedPointer(base: buffer.baseAddress!)
                runTasks(slices.count - 1, threads: slices.count - 1) { s, _ in
                    var evidence = LabelEvidence(fingerprintKey: key), fingerprints: [Int?] = [], own = FamilyLabeller.Cache()
                    evidence.append(slices[s + 1], cache: &own, recording: &fingerprints)
                    slots.base[s] = (evidence, fingerprints)
                    return true
                }
            }
            return gathered.map { $0! }
        }) { () -> (LabelEvidence, [Int?]) in
            var evidence = LabelEvidence(fingerprintKey: key), fingerprints: [Int?] = []
            evidence.append(slices[0], cache: &cache, recording: &fingerprints)
            return (evidence, fingerprints)
        }
        let gathered = [first] + others
        for (evidence, fingerprints) in gathered { merge(evidence, fingerprints: fingerprints) }
    }

    /// Appends `other`, gathered on its own from the samples after these (`fingerprints`: each of its
    /// samples' scan fingerprint, nil without results), as appending their results here would: its
    /// families take this evidence's numbers in the order it first names them, and a sample whose
    /// scans were seen here already brings no alias candidates.
    mutating func merge(_ other: LabelEvidence, fingerprints rows: [Int?]) {
        precondition(other.fingerprintKey == fingerprintKey, "evidence merged across fingerprint keys")
        var number = [Int32](repeating: -1, count: other.familyNames.count)
        for i in 0..<other.count {
            for k in other.start[i]..<other.start[i + 1] {
                let f = Int(other.families[k])
                if number[f] < 0 { number[f] = intern(other.familyNames[f]) }
                voters.append(other.voters[k])
                families.append(number[f])
            }
            engines.append(other.engines[i])
            start.append(families.count)
            // A repeat within `other` has no candidates there, and its first sample's fingerprint is
            // in the set by now; one first seen in `other` keeps its candidates, renumbered (a tally
            // lists them in family order).
            if let fingerprint = rows[i], fingerprints.insert(fingerprint).inserted {
                candidates.append(other.candidates[i].map { number[Int($0)] }.sorted())
            } else {
                candidates.append([])
            }
        }
    }

    private mutating func append(_ corpus: [VirusTotalResults?], cache: inout FamilyLabeller.Cache,
                                 recording rows: inout [Int?]) {
        cache.startAfreshIfLarge()
        cache.keyFingerprints(fingerprintKey)
        var local: [Int32] = []
        // A result string identical to one already seen in the report counts once. Results are read by
        // their numbers, not as `String`s: equal ASCII text is an equal number (`StringTable` is keyed
        // by bytes), but other text may equal some in other bytes, so from a report's first non-ASCII
        // result on its results are compared as `String`s.
        // The numbers seen are few per report (one per detection): searching a list costs less than
        // hashing each into a `Set` (a tenth of the evidence), up to a length beyond which the set
        // takes over, holding them all.
        var seen: [StringID] = [], seenSet = Set<StringID>(), seenText = Set<String>()
        func firstSight(_ id: StringID) -> Bool {
            if seen.count < 128 {
                if seen.contains(id) { return false }
                seen.append(id)
                if seen.count == 128 { seenSet = Set(seen) }
                return true
            }
            return seenSet.insert(id).inserted
        }
        for results in corpus {
            var detecting = 0
            if let results, !results.notScanned {
                let scans = results.scans
                seen.removeAll(keepingCapacity: true)
                seenSet.removeAll()
                seenText.removeAll(keepingCapacity: true)
                var byText = false
                for i in scans.indices {
                    guard scans.isDetected(i), let id = scans.resultID(i) else { continue }
                    let facts = cache.facts(id)
                    guard !facts.empty else { continue }
                    detecting += 1
                    if !facts.ascii && !byText {
                        byText = true
                        for earlier in seen.count < 128 ? seen : Array(seenSet) { seenText.insert(StringTable.shared[earlier]) }
                    }
                    guard byText ? seenText.insert(StringTable.shared[id]).inserted : firstSight(id) else { continue }
                    let voter = scans.knownEngine(i).map { cache.voter(known: $0) } ?? cache.voter(scans.engine(i))
                    for family in cache.families(number: id, in: scans, at: i) {
                        let f = Int(family)
                        if f >= local.count { local += [Int32](repeating: -1, count: f + 1 - local.count) }
                        if local[f] < 0 { local[f] = intern(cache.familyNames[f]) }
                        voters.append(voter)
                        families.append(local[f])
                    }
                }
            }
            engines.append(detecting)
            start.append(families.count)
            // The same file loaded twice (identical scans) is one piece of evidence, not two: a corpus
            // of repeated reports would otherwise make every pair of names in one report look like aliases.
            let row = engines.count - 1
            let fingerprint = results.map { FamilyLabeller.scanFingerprint($0.scans, cache: &cache) }
            rows.append(fingerprint)
            if let fingerprint, fingerprints.insert(fingerprint).inserted {
                candidates.append(tally(row, canonical: nil).filter { $0.votes >= FamilyLabeller.minimumVotes }.map(\.family))
            } else {
                candidates.append([])
            }
        }
    }

    private mutating func intern(_ family: String) -> Int32 {
        if let id = familyIDs[family] { return id }
        let id = Int32(familyNames.count)
        familyIDs[family] = id
        familyNames.append(family)
        return id
    }

    /// The families named in sample `i` (through `canonical` when given), each with its number of
    /// voters, in family order.
    func tally(_ i: Int, canonical: [Int32]?) -> [(family: Int32, votes: Int)] {
        var ballots: [(family: Int32, voter: Int32)] = []
        for k in start[i]..<start[i + 1] { ballots.append((canonical.map { $0[Int(families[k])] } ?? families[k], voters[k])) }
        ballots.sort { $0.family != $1.family ? $0.family < $1.family : $0.voter < $1.voter }
        var out: [(family: Int32, votes: Int)] = []
        var k = 0
        while k < ballots.count {
            let family = ballots[k].family
            var votes = 0
            var lastVoter: Int32 = -1
            while k < ballots.count && ballots[k].family == family {
                if ballots[k].voter != lastVoter { votes += 1; lastVoter = ballots[k].voter }
                k += 1
            }
            out.append((family, votes))
        }
        return out
    }

    /// Alias detection over every sample: each family's canonical family (nil when none merges) and
    /// the aliases found. `support` is the minimum support (`Int.max` turns detection off).
    public func aliases(support minimum: Int = FamilyLabeller.aliasMinimumSupport)
        -> (canonical: [Int32]?, detected: [FamilyLabeller.DetectedAlias]) {
        guard minimum < Int.max else { return (nil, []) }
        let familyCount = familyNames.count
        var support = [Int](repeating: 0, count: familyCount)
        for list in candidates { for f in list { support[Int(f)] += 1 } }
        var together: [UInt64: Int] = [:]
        for list in candidates {
            let frequent = list.filter { support[Int($0)] >= minimum }.sorted()
            for a in frequent.indices { for b in frequent.indices where b > a { together[FamilyLabeller.key(frequent[a], frequent[b]), default: 0] += 1 } }
        }
        var canonical = Array(Int32(0)..<Int32(familyCount))
        var detected: [FamilyLabeller.DetectedAlias] = []
        let frequent = (0..<familyCount).filter { support[$0] >= minimum }
        for a in frequent {
            var best: (family: Int, together: Int)? = nil
            // The alias is the rarer name: two names on exactly the same samples give no evidence
            // which one is right, so they stay apart (and each keeps its own votes).
            for b in frequent where b != a && support[b] > support[a] {
                let both = together[FamilyLabeller.key(Int32(min(a, b)), Int32(max(a, b)))] ?? 0
                guard Double(both) >= FamilyLabeller.aliasMinimumShare * Double(support[a]) else { continue }
                if let current = best, current.together > both || (current.together == both && support[current.family] >= support[b]) { continue }
                best = (b, both)
            }
            if let best {
                canonical[a] = Int32(best.family)
                detected.append(FamilyLabeller.DetectedAlias(alias: familyNames[a], family: familyNames[best.family],
                                                             support: support[a], together: best.together))
            }
        }
        // Follow chains (a → b → c); each step goes to an at least as common name, so they end.
        for f in canonical.indices {
            var target = canonical[f]
            var steps = 0
            while canonical[Int(target)] != target && steps < familyCount { target = canonical[Int(target)]; steps += 1 }
            canonical[f] = target
        }
        return (detected.isEmpty ? nil : canonical, detected.sorted { $0.alias < $1.alias })
    }

    /// The labels of samples `rows` (one vote per voter and family, aliases merged by `canonical`).
    public func labels(_ rows: Range<Int>, canonical: [Int32]?) -> [SampleLabel] {
        rows.map { i in
            let votes = tally(i, canonical: canonical).map { (family: familyNames[Int($0.family)], votes: $0.votes) }
            return FamilyLabeller.decide(votes, engines: engines[i])
        }
    }
}

/// A session's label evidence: that of its samples with a record, with their ids in order, so that
/// appending samples extends it and any other change is seen as making it stale.
public struct CorpusLabelEvidence: Sendable {
    /// Samples from which `covering` gathers on several threads.
    static let parallelFrom = 4_096

    public private(set) var ids: [String] = []
    public private(set) var evidence = LabelEvidence()

    public init() {}

    /// Evidence restored from a session file, of the samples `ids`.
    init(ids: [String], evidence: LabelEvidence) {
        self.ids = ids
        self.evidence = evidence
    }

    /// `prior` extended by the samples of `rows` it does not cover yet, when it covers a prefix of
    /// them (by id); otherwise evidence gathered afresh from all of them.
    static func covering(_ rows: [Int], of samples: [Sample], from prior: CorpusLabelEvidence?,
                         parts: Int = 1) -> CorpusLabelEvidence {
        var current = CorpusLabelEvidence()
        if let prior, prior.ids.count <= rows.count,
           zip(prior.ids, rows).allSatisfy({ $0 == samples[$1].id }) {
            current = prior
        }
        let rest = rows[current.ids.count...]
        guard !rest.isEmpty else { return current }
        // On several threads from `parallelFrom` samples (the first `compare` after `session open`
        // gathers the evidence of every loaded report: 2.6 CPU-seconds at 100 000).
        let results = rest.map { samples[$0].record?.virusTotal }
        let parts = results.count >= Self.parallelFrom ? parts : 1
        FamilyLabeller.withProcessCache { current.evidence.append(results, parts: parts, cache: &$0) }
        current.ids += rest.map { samples[$0].id }
        return current
    }
}
