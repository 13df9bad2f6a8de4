/// The AVClass-style labeller's evidence of the saved samples (`CorpusLabelEvidence`), kept in its
/// own table so that the first `compare` after `session open` reads none of the loaded reports'
/// results (at 100 000 samples that was 2.5-3 CPU-seconds of every such `compare`). Files without the
/// table (written before it, or under the 2016 rule), or whose evidence is of another labeller version
/// or other tables, still open: the evidence is then gathered afresh when it is needed, as before.
extension SessionStore {
    static let labelEvidenceSchema = """
        CREATE TABLE label_evidence(    -- what the AVClass-style labeller learnt from the samples with a
                                        -- record, in row order; absent under the 2016 rule
            version INTEGER NOT NULL,   -- of the labeller's rules; evidence of another is not used
            tables TEXT NOT NULL,       -- digest of the label tables it was gathered with (likewise)
            samples INTEGER NOT NULL,   -- the samples with a record
            fingerprint_key INTEGER NOT NULL,  -- the key of the scan fingerprints' hash
            family_names BLOB NOT NULL, -- per family: its UTF-8 byte count (LEB128 varint), its bytes
            evidence BLOB NOT NULL,     -- per sample, varints: detecting engines, (voter, family) pairs
                                        -- (count, then each), alias candidates (count, then each family)
            fingerprints BLOB NOT NULL  -- int64 per distinct scan fingerprint, ascending
        );
        """

    /// Writes the session's evidence under the AVClass-style rule, gathering what it lacks first (a
    /// session opened from a file without it: 2.5-3 CPU-seconds at 100 000 samples, once).
    static func writeLabelEvidence(_ db: SQLiteDatabase, _ session: Session) throws {
        guard session.settings.labelRule == .avclass else { return }
        let samples = session.samples
        let rows = samples.rowsWithRecords()
        let corpus = CorpusLabelEvidence.covering(rows, of: samples, from: session.labelEvidence,
                                                  parts: min(2, Session.coreCount))
        let stored = corpus.evidence.stored
        var names = ByteWriter()
        for name in stored.familyNames { names.string(name) }
        var evidence = ByteWriter()
        for i in stored.engines.indices {
            evidence.uint(UInt64(stored.engines[i]))
            evidence.uint(UInt64(stored.start[i + 1] - stored.start[i]))
            for k in stored.start[i]..<stored.start[i + 1] {
                evidence.uint(UInt64(stored.voters[k]))
                evidence.uint(UInt64(stored.families[k]))
            }
            evidence.uint(UInt64(stored.candidates[i].count))
            for family in stored.candidates[i] { evidence.uint(UInt64(family)) }
        }
        var fingerprints: [UInt8] = []
        fingerprints.reserveCapacity(8 * stored.fingerprints.count)
        for f in stored.fingerprints { withUnsafeBytes(of: Int64(f).littleEndian) { fingerprints.append(contentsOf: $0) } }
        try db.execute(labelEvidenceSchema)
        let insert = try db.prepare("INSERT INTO label_evidence VALUES(?, ?, ?, ?, ?, ?, ?)")
        insert.bind(1, LabelEvidence.storedVersion)
        insert.bind(2, LabelEvidence.tablesDigest)
        insert.bind(3, rows.count)
        insert.bind(4, Int(Int64(bitPattern: stored.fingerprintKey)))
        insert.bind(5, blob: names.bytes)
        insert.bind(6, blob: evidence.bytes)
        insert.bind(7, blob: fingerprints)
        try insert.run()
    }

    /// The stored evidence of `samples`, or nil when the file has none of this labeller version and
    /// these tables. A table that does not decode, or covers another number of samples, is corrupt.
    static func readLabelEvidence(_ db: SQLiteDatabase, samples: [Sample]) throws -> CorpusLabelEvidence? {
        guard try db.integer("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'label_evidence'") == 1 else { return nil }
        let row = try db.prepare("SELECT version, tables, samples, fingerprint_key, family_names, evidence, fingerprints FROM label_evidence")
        guard try row.step() else { return nil }
        guard row.int(0) == LabelEvidence.storedVersion, row.string(1) == LabelEvidence.tablesDigest else { return nil }
        let ids = samples.rowsWithRecords().map { samples[$0].id }
        guard row.int(2) == ids.count else {
            throw SQLiteError(code: 0, message: "label evidence of \(row.int(2)) samples for \(ids.count) with a record")
        }
        var stored = LabelEvidence.Stored()
        stored.fingerprintKey = UInt64(bitPattern: Int64(row.int(3)))
        let empty = UnsafeRawBufferPointer(start: nil, count: 0)
        do {
            var names = ByteReader(bytes: row.blob(4) ?? empty)
            names.what = "label evidence's family names"
            while names.position < names.bytes.count { stored.familyNames.append(try names.string()) }
            var evidence = ByteReader(bytes: row.blob(5) ?? empty)
            evidence.what = "label evidence"
            stored.engines.reserveCapacity(ids.count)
            stored.candidates.reserveCapacity(ids.count)
            stored.start.reserveCapacity(ids.count + 1)
            for _ in 0..<ids.count {
                stored.engines.append(Int(try int32(&evidence)))
                let pairs = try evidence.count()
                for _ in 0..<pairs {
                    stored.voters.append(try int32(&evidence))
                    stored.families.append(try int32(&evidence))
                }
                stored.start.append(stored.families.count)
                let candidates = try evidence.count()
                var list: [Int32] = []
                list.reserveCapacity(candidates)
                for _ in 0..<candidates { list.append(try int32(&evidence)) }
                stored.candidates.append(list)
            }
            guard evidence.position == evidence.bytes.count else { throw SQLiteError(code: 0, message: "label evidence: bytes after the last sample") }
        } catch let error as RecordCoding.DecodeError {
            throw SQLiteError(code: 0, message: error.description)
        }
        guard let prints = row.blob(6), prints.count % 8 == 0 else { throw SQLiteError(code: 0, message: "label evidence: a partial fingerprint") }
        stored.fingerprints = (0..<(prints.count / 8)).map { Int(Int64(littleEndian: prints.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self))) }
        do {
            return CorpusLabelEvidence(ids: ids, evidence: try LabelEvidence(stored: stored))
        } catch {
            throw SQLiteError(code: 0, message: error.description)
        }
    }

    /// A varint that must fit an `Int32` (the evidence's numbers).
    private static func int32(_ reader: inout ByteReader) throws -> Int32 {
        let v = try reader.uint()
        guard v <= UInt64(Int32.max) else { throw SQLiteError(code: 0, message: "label evidence: a number out of range") }
        return Int32(v)
    }
}
