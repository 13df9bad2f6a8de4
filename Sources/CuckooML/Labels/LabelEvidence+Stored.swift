/// The label evidence as session files keep it (`SessionStore`, table `label_evidence`): the first
/// `compare` after `session open` then reads no loaded report's results (2.5-3 CPU-seconds at 100 000
/// samples, most of it tokenising their distinct detection names).
extension LabelEvidence {
    /// The version of what is stored: of the labeller's rules (`DetectionTokeniser`, the votes and
    /// candidates here) and of `FingerprintHash`. Evidence of another version, or gathered with other
    /// tables (`tablesDigest`), is not used: it is gathered afresh, as for a file without it. Bump it
    /// with any change to what `append` records for the same results.
    static let storedVersion = 2

    /// A digest of the shipped label tables the evidence was gathered with.
    static let tablesDigest: String = {
        var h: UInt64 = 0
        for file in LabelTables.sourceTexts {
            h = FingerprintHash.combine(h, FingerprintHash.hash(file.name, key: 0))
            h = FingerprintHash.combine(h, FingerprintHash.hash(file.text, key: 0))
        }
        let digits = String(FingerprintHash.finish(h), radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }()

    /// What the evidence holds, as plain arrays: sample i's (voter, family) pairs are
    /// `voters[start[i]..<start[i + 1]]` and `families[...]`, its detecting engines `engines[i]`, its
    /// alias candidates `candidates[i]`; families are numbers into `familyNames`.
    struct Stored: Equatable {
        var familyNames: [String] = []
        var start: [Int] = [0]
        var voters: [Int32] = []
        var families: [Int32] = []
        var engines: [Int] = []
        var candidates: [[Int32]] = []
        /// The scans' fingerprints, ascending.
        var fingerprints: [Int] = []
        var fingerprintKey: UInt64 = 0
    }

    struct StoredError: Error, CustomStringConvertible {
        var description: String
    }

    var stored: Stored {
        Stored(familyNames: familyNames, start: start, voters: voters, families: families, engines: engines,
               candidates: candidates, fingerprints: fingerprints.sorted(), fingerprintKey: fingerprintKey)
    }

    /// The evidence `stored` describes, checked: every number that indexes something in range, so a
    /// damaged or edited file is refused rather than trapping later.
    init(stored: Stored) throws(StoredError) {
        let n = stored.engines.count
        guard stored.start.count == n + 1, stored.start.first == 0, stored.candidates.count == n else {
            throw StoredError(description: "label evidence: \(n) samples with \(stored.start.count - 1) pair lists and \(stored.candidates.count) candidate lists")
        }
        guard stored.voters.count == stored.families.count, stored.start.last == stored.families.count,
              zip(stored.start, stored.start.dropFirst()).allSatisfy({ $0 <= $1 }) else {
            throw StoredError(description: "label evidence: pair lists do not fit their pairs")
        }
        let names = stored.familyNames.count
        guard stored.engines.allSatisfy({ $0 >= 0 }), stored.voters.allSatisfy({ $0 >= 0 }),
              stored.families.allSatisfy({ $0 >= 0 && Int($0) < names }),
              stored.candidates.allSatisfy({ $0.allSatisfy { $0 >= 0 && Int($0) < names } }) else {
            throw StoredError(description: "label evidence: a number out of range")
        }
        self.init(fingerprintKey: stored.fingerprintKey)
        for (id, name) in stored.familyNames.enumerated() {
            guard familyIDs.updateValue(Int32(id), forKey: name) == nil else {
                throw StoredError(description: "label evidence: family '\(name)' twice")
            }
        }
        familyNames = stored.familyNames
        start = stored.start
        voters = stored.voters
        families = stored.families
        engines = stored.engines
        candidates = stored.candidates
        fingerprints = Set(stored.fingerprints)
    }
}
