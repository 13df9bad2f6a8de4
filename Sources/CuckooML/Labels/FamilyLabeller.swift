/// The default labeller: the family most independent antivirus engines name, the way AVClass
/// (Sebastián et al., RAID 2016; AVClass2, ACSAC 2020) derives it, written here from its documented
/// behaviour:
///
/// 1. Each detecting engine's result is split into family candidates (`DetectionTokeniser`): generic
///    and heuristic words, classes, platforms, packers, variant letters and hash-like tokens go.
/// 2. Engines that copy others are left out: a result string identical to one already seen in the
///    same report counts once, and the engines of one group in `engine-copies.txt` (BitDefender's
///    licensees, one vendor's two products) are one voter.
/// 3. Aliases are merged: the table's known ones, then aliases found in the loaded corpus — a family
///    that is a candidate (named by at least `minimumVotes` voters) on at least `aliasMinimumSupport`
///    samples, and on at least `aliasMinimumShare` of them together with another family that is a
///    candidate on more samples, is that family (AVClass's alias detection, with its published
///    thresholds; a small corpus has too little evidence and merges nothing). Counting only
///    candidates keeps one engine's variant ids, which ride along with its family, out of it.
///    Reports with identical scans (one file loaded twice) count once.
/// 4. Each family gets one vote per voter. The family with the most votes wins if it has at least
///    `minimumVotes`; ties go to the alphabetically first name (reported: the runner-up then has as
///    many votes). Otherwise the sample is `none`.
public enum FamilyLabeller {
    public static let minimumVotes = 2
    public static let aliasMinimumSupport = 20
    public static let aliasMinimumShare = 0.94

    /// An alias found in the corpus.
    public struct DetectedAlias: Sendable, Equatable {
        public var alias: String
        public var family: String
        /// Samples naming the alias, and those naming both.
        public var support: Int
        public var together: Int
    }

    public struct Outcome: Sendable {
        public var labels: [SampleLabel]
        public var detectedAliases: [DetectedAlias]
    }

    /// Labels every sample of one corpus (nil: no VirusTotal block), in order.
    public static func label(_ corpus: [VirusTotalResults?], tables: LabelTables = .shipped) -> Outcome {
        var cache = Cache(tables: tables)
        return label(corpus, cache: &cache)
    }

    /// As `label(_:tables:)`, reusing the candidates already worked out for the same result strings.
    /// `aliasSupport` is the alias detection's minimum support (`Int.max` turns it off).
    public static func label(_ corpus: [VirusTotalResults?], cache: inout Cache, aliasSupport: Int = aliasMinimumSupport) -> Outcome {
        var evidence = LabelEvidence()
        evidence.append(corpus, cache: &cache)
        let (canonical, detected) = evidence.aliases(support: aliasSupport)
        return Outcome(labels: evidence.labels(0..<corpus.count, canonical: canonical), detectedAliases: detected)
    }

    /// A hash of every engine's verdict, equal for two reports of the same scan: of each engine name's,
    /// and result text's, keyed hash (`FingerprintHash`, under the cache's key: equal for equal
    /// `String`s, whatever their bytes), which the cache finds once per name and text rather than
    /// hashing every report's strings again.
    static func scanFingerprint(_ scans: EngineResults, cache: inout Cache) -> Int {
        let key = cache.fingerprintKey
        var h = key
        for i in scans.indices {
            let engine = scans.knownEngine(i).map { cache.knownEngineHash($0) } ?? FingerprintHash.hash(scans.engine(i), key: key)
            let result = scans.resultID(i).map { cache.facts($0).hash }
            h = FingerprintHash.combine(h, engine)
            h = FingerprintHash.combine(h, (scans.isDetected(i) ? 1 : 0) | (result != nil ? 2 : 0))
            h = FingerprintHash.combine(h, result ?? 0)
        }
        return Int(truncatingIfNeeded: FingerprintHash.finish(FingerprintHash.combine(h, UInt64(scans.count))))
    }

    /// The label from the votes per family: most votes, ties to the alphabetically first name.
    public static func decide(_ tally: [(family: String, votes: Int)], engines: Int) -> SampleLabel {
        let ranked = tally.sorted { $0.votes != $1.votes ? $0.votes > $1.votes : $0.family.utf8.lexicographicallyPrecedes($1.family.utf8) }
        guard let winner = ranked.first, winner.votes >= minimumVotes else {
            var none = SampleLabel.none
            none.engines = engines
            return none
        }
        let runnerUp = ranked.count > 1 ? ranked[1] : nil
        return SampleLabel(family: winner.family, votes: winner.votes, source: .virusTotal, engines: engines,
                           runnerUp: runnerUp?.family, runnerUpVotes: runnerUp?.votes ?? 0)
    }

    static func key(_ a: Int32, _ b: Int32) -> UInt64 { UInt64(UInt32(a)) << 32 | UInt64(UInt32(b)) }

    /// Family candidates by result string and voters by engine name, with the names they intern.
    /// Candidates depend only on the string, so a corpus's thousands of repeated results are
    /// tokenised once; the cache is kept between loads (`processCache`).
    public struct Cache: Sendable {
        let tables: LabelTables
        /// Family candidates by result string (`candidateLists[id]`), found with the byte hash of
        /// `NameIndex` (String equality as a Dictionary's; SipHash of every result string of every
        /// report was ~4 % of `load`), apart for the engines that mark variants (`markedCandidates`).
        /// The lists are kept end to end (list `id` is `candidateFamilies[candidateStart[id]..<
        /// candidateStart[id + 1]]`): one array per distinct result string cost ~50 bytes of header
        /// and allocation each, about 1 KB per sample at 100 000 generated reports, and the cache is
        /// kept for the whole process.
        private var plainCandidates = NameIndex()
        /// The plain candidates of ASCII result strings by the strings' numbers (no `String` kept, no
        /// bytes hashed: ~25 MB less at 100 000 generated reports), until a result that may equal an
        /// ASCII one in another spelling moves them into `plainCandidates`, whose String equality then
        /// decides every lookup (as `NameIndex` itself does).
        private var plainByNumber = StringIDMap()
        private var plainByString = false
        private var markedCandidates = NameIndex()
        private var candidateStart: [Int] = [0]
        private var candidateFamilies: [Int32] = []
        private var familyIDs: [String: Int32] = [:]
        private(set) var familyNames: [String] = []
        private var voters = NameIndex()
        private var voterNames = 0
        private var voterCount: Int32 = 0
        private var groupIDs: [String: Int32] = [:]
        /// Engine name → whether it is in `engine-variants.txt` (asked once per detection).
        private var marksVariants = NameIndex()
        /// The voter and whether it marks variants (-1: not asked yet) of the engines on
        /// `EngineResults.knownEngines`, by their place there: no name hashed per detection.
        private var knownVoters = [Int32](repeating: -1, count: EngineResults.knownEngines.count)
        private var knownMarks = [Int8](repeating: -1, count: EngineResults.knownEngines.count)
        /// What the evidence asks of a result text, by its number (`facts`): its place in
        /// `resultHashes` << 2, ASCII << 1, empty.
        private var resultFacts = StringIDMap()
        private var resultHashes: [UInt64] = []
        /// The key of the scan fingerprints' hashes (`resultHashes`, `knownEngineHashes`): that of the
        /// evidence being gathered (`keyFingerprints`).
        private(set) var fingerprintKey = FamilyLabeller.fingerprintKey
        private var knownEngineHashes: [UInt64] = []

        public init(tables: LabelTables = .shipped) { self.tables = tables }

        /// Bounded: after a corpus of hostile reports with endless distinct strings, the next call
        /// starts afresh (never during a call: the ids handed out must stay valid).
        static let limit = 1 << 20

        mutating func startAfreshIfLarge() {
            if candidateStart.count > Self.limit || familyNames.count > Self.limit || voterNames > Self.limit
                || resultHashes.count > Self.limit {
                let key = fingerprintKey
                self = Cache(tables: tables)
                fingerprintKey = key
            }
        }

        /// The family candidates of result `i` of `scans`, whose text is number `number` in
        /// `StringTable.shared`. Candidates depend on the engine only for engines marking variants by
        /// case (step 6 of `DetectionTokeniser`); their strings are cached under a key of their own. A
        /// known engine is asked about by its place on the list, and the strings are read only when the
        /// result's candidates are not found by its number.
        mutating func families(number: StringID, in scans: EngineResults, at i: Int) -> ArraySlice<Int32> {
            let byEngine: Bool
            if let known = scans.knownEngine(i) {
                if knownMarks[known] < 0 { knownMarks[known] = engineMarksVariants(EngineResults.knownEngines[known]) ? 1 : 0 }
                byEngine = knownMarks[known] != 0
            } else {
                byEngine = engineMarksVariants(scans.engine(i))
            }
            return families(number: number, byEngine: byEngine, result: { StringTable.shared[number] }, engine: { scans.engine(i) })
        }

        private mutating func engineMarksVariants(_ engine: String) -> Bool {
            if let known = marksVariants.find(engine) { return known != 0 }
            let marks = tables.variantEngines[LabelTables.engineKey(engine)] != nil
            marksVariants.insert(engine, marks ? 1 : 0)
            return marks
        }

        private mutating func families(number: StringID, byEngine: Bool, result text: () -> String,
                                       engine: () -> String) -> ArraySlice<Int32> {
            if !byEngine && !plainByString, let known = plainByNumber[number] {
                // A number found is an ASCII string stored by its bytes.
                return candidates(Int(known))
            }
            let result = text()
            var numbered = false
            if !byEngine && !plainByString {
                numbered = ByteHash.isASCII(result)
                if !numbered && ByteHash.mayEqualASCII(result) {
                    for (id, list) in plainByNumber.entries { plainCandidates.insert(StringTable.shared[id], Int32(list)) }
                    plainByNumber = StringIDMap()
                    plainByString = true
                }
            }
            if !numbered, let known = byEngine ? markedCandidates.find(result) : plainCandidates.find(result) {
                return candidates(Int(known))
            }
            let found = DetectionTokeniser.families(of: result, engine: byEngine ? engine() : nil, tables: tables).map { intern($0) }
            let id = Int32(candidateStart.count - 1)
            if numbered {
                plainByNumber.insert(number, UInt32(id))
            } else if byEngine {
                markedCandidates.insert(result, id)
            } else {
                plainCandidates.insert(result, id)
            }
            candidateFamilies += found
            candidateStart.append(candidateFamilies.count)
            return candidateFamilies[candidateStart[Int(id)]...]
        }

        private func candidates(_ list: Int) -> ArraySlice<Int32> {
            candidateFamilies[candidateStart[list]..<candidateStart[list + 1]]
        }

        mutating func intern(_ family: String) -> Int32 {
            if let id = familyIDs[family] { return id }
            let id = Int32(familyNames.count)
            familyIDs[family] = id
            familyNames.append(family)
            return id
        }

        /// The voter of a known engine, by its place on `EngineResults.knownEngines`.
        mutating func voter(known: Int) -> Int32 {
            if knownVoters[known] < 0 { knownVoters[known] = voter(EngineResults.knownEngines[known]) }
            return knownVoters[known]
        }

        /// Hashes the fingerprints under `key` from now on (evidence restored from a session file keeps
        /// the key its fingerprints were made with); the hashes under another key are forgotten.
        mutating func keyFingerprints(_ key: UInt64) {
            guard key != fingerprintKey else { return }
            fingerprintKey = key
            resultFacts = StringIDMap()
            resultHashes = []
            knownEngineHashes = []
        }

        /// The fingerprint hash of a known engine's name, by its place on `EngineResults.knownEngines`.
        mutating func knownEngineHash(_ known: Int) -> UInt64 {
            if knownEngineHashes.isEmpty { knownEngineHashes = EngineResults.knownEngines.map { FingerprintHash.hash($0, key: fingerprintKey) } }
            return knownEngineHashes[known]
        }

        /// What the evidence asks of result text number `id`: whether it is ASCII (then equal text is an
        /// equal number: `StringTable` is keyed by bytes), whether it is empty, and its fingerprint
        /// hash; worked out once per number.
        mutating func facts(_ id: StringID) -> (ascii: Bool, empty: Bool, hash: UInt64) {
            let value: UInt32
            if let known = resultFacts[id] { value = known } else {
                let text = StringTable.shared[id]
                value = UInt32(resultHashes.count) << 2 | (ByteHash.isASCII(text) ? 2 : 0) | (text.isEmpty ? 1 : 0)
                resultHashes.append(FingerprintHash.hash(text, key: fingerprintKey))
                resultFacts.insert(id, value)
            }
            return (value & 2 != 0, value & 1 != 0, resultHashes[Int(value >> 2)])
        }

        /// One voter per copy group, else per engine.
        mutating func voter(_ engine: String) -> Int32 {
            if let id = voters.find(engine) { return id }
            let key = LabelTables.engineKey(engine)
            let id: Int32
            if let group = tables.engineGroups[key]?.group {
                if let known = groupIDs[group] { id = known } else { id = voterCount; voterCount += 1; groupIDs[group] = id }
            } else if let known = groupIDs["engine:" + key] {
                id = known
            } else {
                id = voterCount; voterCount += 1; groupIDs["engine:" + key] = id
            }
            voters.insert(engine, id)
            voterNames += 1
            return id
        }
    }

    /// The fingerprint key of evidence gathered afresh in this process: random, so that report
    /// authors cannot aim collisions.
    static let fingerprintKey = UInt64.random(in: 1...UInt64.max)

    /// The cache `Session.relabel` keeps between calls.
    static let processCache = Locked(Cache())

    /// Runs `body` with the process cache, taken out while in use (a concurrent caller starts empty).
    static func withProcessCache<R>(_ body: (inout Cache) -> R) -> R {
        var cache = processCache.withLock { shared in
            var taken = Cache()
            swap(&taken, &shared)
            return taken
        }
        defer { processCache.withLock { $0 = cache } }
        return body(&cache)
    }
}
