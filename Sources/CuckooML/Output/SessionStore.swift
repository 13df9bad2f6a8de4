#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CSQLite

/// Why a session file could not be saved or opened; one line naming the file.
public struct SessionStoreError: Error, Equatable, CustomStringConvertible {
    public var path: String
    public var reason: String
    public init(path: String, reason: String) { self.path = path; self.reason = reason }
    public var description: String { "\(escapeForTerminal(path)): \(reason)" }
}

/// Saves a whole `Session` to one SQLite database and opens it again (`session save|open`). The
/// schema is documented in `schema` (and in the file itself: `sqlite3 FILE .schema`); analysts may
/// query it with sqlite3, pandas or DuckDB, e.g. `SELECT sample, label FROM membership JOIN labels
/// USING(sample) WHERE algorithm = 'hdbscan' AND cluster = 3`. A file whose application id is not ours,
/// or whose `user_version` is newer than `schemaVersion`, is refused. Saving is atomic (a temporary database beside the target, renamed over it). Opening
/// builds a new `Session` value, so a failure leaves the caller's session untouched.
public enum SessionStore {
    /// `PRAGMA application_id`: "CMLS".
    public static let applicationID: Int32 = 0x434D_4C53
    /// `PRAGMA user_version` and `meta.schema_version`. Version 2 added the family clustering
    /// (algorithm `linkage`) and `meta.current_clustering`; version 3 the string table
    /// (`record_strings`, records of version 4 holding indices into it). Version 1 and 2 files open as
    /// they are (they simply have none of these, and records holding their strings), newer ones are
    /// refused.
    public static let schemaVersion = 3
    /// The oldest version `open` reads.
    public static let oldestReadableVersion = 1
    public static let applicationName = "cuckooml-session"

    /// The schema, with its documentation as SQL comments: SQLite keeps them, so `sqlite3 FILE .schema`
    /// shows this text. `row` is the sample's position in the session (row i of the feature matrix and
    /// of every clustering); `sample` is its id (the report's file name without `.json`), for joins.
    /// NaN is stored as NULL. Blobs of numbers are little-endian (int32 indices, float64 values).
    static let schema = """
        CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);
          -- application = cuckooml-session, schema_version = 3 (also PRAGMA user_version;
          -- PRAGMA application_id = 0x434D4C53 "CMLS"), saved_by, samples, and
          -- current_clustering (the algorithm 'cluster' ran last) when there is one
        CREATE TABLE samples(row INTEGER PRIMARY KEY, sample TEXT NOT NULL UNIQUE,
            path TEXT,               -- NULL for rows of an imported matrix
            md5 TEXT, sha256 TEXT, report_size INTEGER NOT NULL,
            record BLOB              -- the extracted ReportRecord, binary (RecordCoding, version byte 4;
                                     -- 1 to 3 still read), its strings numbered in record_strings
        );
        CREATE TABLE record_strings(  -- every distinct string of the records once, numbered from 0
            block INTEGER PRIMARY KEY,   -- 0..<k, in order
            first INTEGER NOT NULL,      -- the number of the block's first string
            strings BLOB NOT NULL        -- per string: its UTF-8 byte count (LEB128 varint), its bytes
        );
        CREATE TABLE feature_configurations(
            role TEXT PRIMARY KEY,   -- 'load': how load builds features; 'matrix': how the current matrix
                                     -- was built (absent when there is no feature matrix)
            kind TEXT NOT NULL,      -- families | simple | full | imported
            groups TEXT NOT NULL,    -- comma-separated feature groups
            import_functions INTEGER NOT NULL, minimum_coverage REAL, maximum_coverage REAL);
        CREATE TABLE features("column" INTEGER PRIMARY KEY, name TEXT NOT NULL);
        CREATE TABLE sample_features(row INTEGER PRIMARY KEY, sample TEXT NOT NULL UNIQUE,
            indices BLOB NOT NULL,   -- ascending column numbers, int32 each
            feature_values BLOB      -- float64 per index; NULL when every value is 1
        );
        CREATE TABLE labels(sample TEXT PRIMARY KEY, label TEXT NOT NULL, votes INTEGER NOT NULL,
            source TEXT NOT NULL,    -- virustotal | external
            engines INTEGER NOT NULL DEFAULT 0,   -- engines that detected the sample
            runner_up TEXT,                       -- the family with the next most votes
            runner_up_votes INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE clusterings(
            algorithm TEXT PRIMARY KEY,  -- hdbscan | dbscan | linkage
            parameters TEXT NOT NULL,    -- JSON, named as in hdbscan / scikit-learn: min_samples,
                                         -- min_cluster_size, metric, cluster_selection_method,
                                         -- cluster_selection_epsilon, alpha, allow_single_cluster,
                                         -- deduplicate; or eps, min_samples, metric; or (linkage,
                                         -- complete linkage cut at t) t, metric, mode (auto |
                                         -- exact | sampled), sample; and when it was sampled:
                                         -- sampled, rows, placed, leftovers, rounds
            clusters INTEGER NOT NULL, noise INTEGER NOT NULL,
            persistence BLOB,            -- float64 per cluster (hdbscan cluster_persistence_)
            core_distances BLOB          -- float64 per row (fit-time core distances)
        );
        CREATE TABLE clusters(algorithm TEXT NOT NULL, cluster INTEGER NOT NULL, size INTEGER NOT NULL,
            persistence REAL, PRIMARY KEY(algorithm, cluster));
        CREATE TABLE membership(algorithm TEXT NOT NULL, row INTEGER NOT NULL, sample TEXT NOT NULL,
            cluster INTEGER NOT NULL,    -- -1 is noise
            probability REAL, outlier_score REAL, core_distance REAL,  -- hdbscan; linkage:
                                         -- probability = membership strength, outlier_score
            is_core INTEGER,                                         -- dbscan
            PRIMARY KEY(algorithm, row));
        CREATE INDEX membership_cluster ON membership(algorithm, cluster);
        CREATE TABLE condensed_tree(    -- hdbscan condensed_tree_ in order: points 0..n-1, clusters n...
            algorithm TEXT NOT NULL, seq INTEGER NOT NULL, parent INTEGER NOT NULL, child INTEGER NOT NULL,
            lambda_val REAL, child_size INTEGER NOT NULL, PRIMARY KEY(algorithm, seq));
        CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT NOT NULL);  -- as `show settings` lists them
        """

    // MARK: Saving

    /// Writes `session` to `path` atomically (an existing file is replaced only once the new one is complete).
    public static func save(_ session: Session, to path: String) throws(SessionStoreError) {
        do { try save(session, to: path, control: .none) } catch let error as SessionStoreError { throw error } catch {
            throw SessionStoreError(path: path, reason: "cannot save: \(error)")
        }
    }

    /// As `save(_:to:)`, reporting progress (rows written) to `control` and stopping with
    /// `Interrupted` when it is cancelled; nothing is left behind then.
    public static func save(_ session: Session, to path: String, control: TaskControl) throws {
        if let features = session.features, features.matrix.rowCount != session.samples.count {
            throw SessionStoreError(path: path, reason: "the feature matrix has \(features.matrix.rowCount) rows for \(session.samples.count) samples")
        }
        let temporary: String
        do { let created = try PartialFile.create(beside: path); close(created.fd); temporary = created.path } catch {
            throw SessionStoreError(path: path, reason: error.reason)
        }
        var done = false
        defer { if !done { FileSystemPath.with(temporary) { _ = unlink($0) } } }
        do {
            try write(session, toNewDatabase: temporary, control: control)
        } catch let interrupted as Interrupted {
            throw interrupted
        } catch {
            throw SessionStoreError(path: path, reason: "cannot save: \(error)")
        }
        let syncFD = FileSystemPath.with(temporary) { Glibc.open($0, O_RDONLY | O_CLOEXEC) }
        if syncFD >= 0 { fsync(syncFD); close(syncFD) }
        guard FileSystemPath.with(temporary, { from in FileSystemPath.with(path) { rename(from, $0) } }) == 0 else {
            throw SessionStoreError(path: path, reason: "cannot rename into place: \(errnoText())")
        }
        done = true
    }

    private static func write(_ session: Session, toNewDatabase path: String, control: TaskControl) throws {
        var progress = RowProgress(phase: "session save", control: control, total: rowCount(session))
        let db = try SQLiteDatabase(path: path, readOnly: false)
        // The file is private until renamed, so durability comes from one fsync at the end.
        try db.execute("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;")
        if let limit = WriteFaults.limit(for: path) { try db.execute("PRAGMA max_page_count=\(max(1, limit / 4096))") }
        try db.execute("PRAGMA application_id=\(applicationID); PRAGMA user_version=\(schemaVersion);")
        try db.execute("BEGIN")
        try db.execute(schema)

        let meta = try db.prepare("INSERT INTO meta VALUES(?, ?)")
        for (key, value) in [("application", applicationName), ("schema_version", String(schemaVersion)),
                             ("saved_by", "cuckooml"), ("samples", String(session.samples.count))]
                + (session.lastClustered.map { [("current_clustering", $0.rawValue)] } ?? []) {
            meta.bind(1, key); meta.bind(2, value); try meta.run()
        }

        // The records are encoded (numbering their strings) on a thread of their own while this one
        // writes the other tables and then the samples' rows, a block of records as each is done:
        // at 100 000 samples the encoding takes a few seconds of one core.
        let stop = StopFlag()
        let records = session.samples
        let encoded = EncodedRecords(samples: records)
        let (_, others) = try alongside({ encodeRecords(records, into: encoded, control: control, stop: stop) }) {
            () throws(Interrupted) -> Result<Void, any Error> in
            do {
                let configurations = try db.prepare("INSERT INTO feature_configurations VALUES(?, ?, ?, ?, ?, ?)")
                func insert(_ role: String, _ c: FeatureConfiguration) throws {
                    configurations.bind(1, role)
                    configurations.bind(2, c.kind.rawValue)
                    configurations.bind(3, c.groups.map(\.rawValue).sorted().joined(separator: ","))
                    configurations.bind(4, c.importFunctions ? 1 : 0)
                    configurations.bind(5, c.minimumCoverage)
                    configurations.bind(6, c.maximumCoverage)
                    try configurations.run()
                }
                try insert("load", session.featureConfiguration)
                if let features = session.features {
                    try insert("matrix", features.configuration)
                    let names = try db.prepare("INSERT INTO features VALUES(?, ?)")
                    for (column, name) in features.names.enumerated() {
                        names.bind(1, column); names.bind(2, name); try names.run()
                    }
                    let rows = try db.prepare("INSERT INTO sample_features VALUES(?, ?, ?, ?)")
                    for row in 0..<features.matrix.rowCount {
                        let r = features.matrix.row(row)
                        rows.bind(1, row)
                        rows.bind(2, session.samples[row].id)
                        rows.bind(3, blob: littleEndianBytes(r.columns))
                        // Binary features (all 1) need no values: NULL means "every value is 1".
                        rows.bind(4, blob: r.values.allSatisfy { $0 == 1 } ? nil : littleEndianBytes(r.values))
                        try rows.run()
                        try progress.step()
                    }
                }

                let labels = try db.prepare("INSERT INTO labels VALUES(?, ?, ?, ?, ?, ?, ?)")
                for (sample, label) in session.labels.sorted(by: { $0.key < $1.key }) {
                    labels.bind(1, sample); labels.bind(2, label.family); labels.bind(3, label.votes); labels.bind(4, label.source.rawValue)
                    labels.bind(5, label.engines); labels.bind(6, label.runnerUp); labels.bind(7, label.runnerUpVotes)
                    try labels.run()
                    try progress.step()
                }

                let clusterings = try db.prepare("INSERT INTO clusterings VALUES(?, ?, ?, ?, ?, ?)")
                let clusters = try db.prepare("INSERT INTO clusters VALUES(?, ?, ?, ?)")
                let membership = try db.prepare("INSERT INTO membership VALUES(?, ?, ?, ?, ?, ?, ?, ?)")
                func insertClustering(_ algorithm: String, _ c: some FlatClustering, parameters: JSONValue,
                                      persistence: [Double]?, coreDistances: [Double]?) throws {
                    guard c.labels.count == session.samples.count else {
                        throw SQLiteError(code: 0, message: "the \(algorithm) clustering has \(c.labels.count) labels for \(session.samples.count) samples")
                    }
                    clusterings.bind(1, algorithm)
                    clusterings.bind(2, parameters.serialized)
                    clusterings.bind(3, c.clusterCount)
                    clusterings.bind(4, c.noiseCount)
                    clusterings.bind(5, blob: persistence.map(littleEndianBytes))
                    clusterings.bind(6, blob: coreDistances.map(littleEndianBytes))
                    try clusterings.run()
                    var sizes = [Int](repeating: 0, count: max(c.clusterCount, persistence?.count ?? 0))
                    for label in c.labels where label >= 0 { sizes[label] += 1 }
                    for (cluster, size) in sizes.enumerated() {
                        clusters.bind(1, algorithm); clusters.bind(2, cluster); clusters.bind(3, size)
                        clusters.bind(4, persistence.flatMap { cluster < $0.count ? $0[cluster] : nil } ?? .nan)
                        try clusters.run()
                    }
                }
                if let h = session.hdbscan {
                    let p = h.parameters
                    try insertClustering("hdbscan", h, parameters: [
                        "min_samples": .int(p.minSamples), "min_cluster_size": .int(p.minClusterSize),
                        "metric": .string(p.metric.rawValue), "cluster_selection_method": .string(p.selection.rawValue),
                        "cluster_selection_epsilon": .double(p.epsilon), "alpha": .double(p.alpha),
                        "allow_single_cluster": .bool(p.allowSingleCluster), "deduplicate": .bool(p.deduplicate),
                    ], persistence: h.persistence, coreDistances: h.coreDistances)
                    guard h.probabilities.count == h.labels.count, h.outlierScores.count == h.labels.count else {
                        throw SQLiteError(code: 0, message: "the hdbscan result's arrays differ in length")
                    }
                    let hasCore = h.coreDistances.count == h.labels.count
                    for row in h.labels.indices {
                        membership.bind(1, "hdbscan"); membership.bind(2, row); membership.bind(3, session.samples[row].id)
                        membership.bind(4, h.labels[row]); membership.bind(5, h.probabilities[row]); membership.bind(6, h.outlierScores[row])
                        membership.bind(7, hasCore ? h.coreDistances[row] : .nan)
                        try membership.run()
                        try progress.step()
                    }
                    let tree = try db.prepare("INSERT INTO condensed_tree VALUES('hdbscan', ?, ?, ?, ?, ?)")
                    for (seq, node) in h.condensedTree.enumerated() {
                        tree.bind(1, seq); tree.bind(2, node.parent); tree.bind(3, node.child); tree.bind(4, node.lambda); tree.bind(5, node.childSize)
                        try tree.run()
                        try progress.step()
                    }
                    try writeFitDetails(db, h)
                }
                if let d = session.dbscan {
                    let p = d.parameters
                    try insertClustering("dbscan", d, parameters: [
                        "eps": .double(p.eps), "min_samples": .int(p.minSamples), "metric": .string(p.metric.rawValue),
                    ], persistence: nil, coreDistances: nil)
                    guard d.isCore.count == d.labels.count else { throw SQLiteError(code: 0, message: "the dbscan result's arrays differ in length") }
                    for row in d.labels.indices {
                        membership.bind(1, "dbscan"); membership.bind(2, row); membership.bind(3, session.samples[row].id)
                        membership.bind(4, d.labels[row]); membership.bind(8, d.isCore[row] ? 1 : 0)
                        try membership.run()
                        try progress.step()
                    }
                }

                if let l = session.linkage {
                    var parameters: JSONValue = [
                        "t": .double(l.parameters.threshold), "metric": .string(l.parameters.metric.rawValue),
                        "mode": .string(l.parameters.mode.rawValue), "sample": .int(l.parameters.sampleSize),
                    ]
                    if let sampling = l.sampling, case .object(let fields) = parameters {
                        parameters = .object(fields + [
                            ("sampled", .int(sampling.sampled)), ("rows", .int(sampling.rows)), ("placed", .int(sampling.placed)),
                            ("leftovers", .int(sampling.leftovers)), ("rounds", .int(sampling.rounds)),
                        ])
                    }
                    try insertClustering("linkage", l, parameters: parameters, persistence: nil, coreDistances: nil)
                    guard l.strengths.count == l.labels.count, l.outlierScores.count == l.labels.count else {
                        throw SQLiteError(code: 0, message: "the linkage result's arrays differ in length")
                    }
                    for row in l.labels.indices {
                        membership.bind(1, "linkage"); membership.bind(2, row); membership.bind(3, session.samples[row].id)
                        membership.bind(4, l.labels[row]); membership.bind(5, l.strengths[row]); membership.bind(6, l.outlierScores[row])
                        try membership.run()
                        try progress.step()
                    }
                }

                let settings = try db.prepare("INSERT INTO settings VALUES(?, ?)")
                for entry in session.settings.entries {
                    settings.bind(1, entry.key); settings.bind(2, entry.value); try settings.run()
                }

                let samples = try db.prepare("INSERT INTO samples VALUES(?, ?, ?, ?, ?, ?, ?)")
                var row = 0
                while row < session.samples.count, let block = encoded.next() {
                    try block.bytes.withUnsafeBytes { all in
                        var start = 0
                        for end in block.ends {
                            let sample = session.samples[row]
                            samples.bind(1, row)
                            samples.bind(2, sample.id)
                            samples.bind(3, sample.path)
                            samples.bind(4, sample.md5)
                            samples.bind(5, sample.sha256)
                            samples.bind(6, sample.reportSize)
                            if end >= 0 {
                                samples.bind(7, blob: UnsafeRawBufferPointer(rebasing: all[start..<end]))
                                start = end
                            } else {
                                samples.bind(7, blob: nil)
                            }
                            try samples.run()
                            try progress.step()
                            row += 1
                        }
                    }
                }
                return .success(())
            } catch {
                stop.raise()
                return .failure(error)
            }
        }
        try others.get()
        try control.checkCancellation()
        guard encoded.complete else { throw Interrupted() }

        let stringBlocks = try db.prepare("INSERT INTO record_strings VALUES(?, ?, ?)")
        for (block, part) in encoded.strings.blocks().enumerated() {
            stringBlocks.bind(1, block)
            stringBlocks.bind(2, part.first)
            stringBlocks.bind(3, blob: Array(part.bytes))
            try stringBlocks.run()
        }
        try writeLabelEvidence(db, session)
        try db.execute("COMMIT")
    }

    // MARK: Opening

    /// Reads a session saved by `save`. Throws a one-line error for a missing, corrupt, foreign or
    /// newer-version file.
    public static func open(_ path: String) throws(SessionStoreError) -> Session {
        do { return try open(path, control: .none) } catch let error as SessionStoreError { throw error } catch {
            throw SessionStoreError(path: path, reason: "cannot open: \(error)")
        }
    }

    /// As `open(_:)`, reporting progress (rows read) to `control` and stopping with `Interrupted`
    /// when it is cancelled.
    public static func open(_ path: String, control: TaskControl) throws -> Session {
        guard FileSystemPath.with(path, { access($0, R_OK) }) == 0 else { throw SessionStoreError(path: path, reason: "cannot read: \(errnoText())") }
        var st = stat()
        if FileSystemPath.with(path, { stat($0, &st) }) == 0, (st.st_mode & S_IFMT) == S_IFDIR { throw SessionStoreError(path: path, reason: "is a directory, not a session file") }
        // SQLite would block reading a FIFO: only a regular file is opened.
        do { try RegularFile.check(path) } catch { throw SessionStoreError(path: path, reason: "cannot read: \(error.reason)") }
        let db: SQLiteDatabase
        do { db = try SQLiteDatabase(path: path, readOnly: true) } catch {
            throw SessionStoreError(path: path, reason: "cannot open: \(error)")
        }
        let id: Int
        do { id = try db.integer("PRAGMA application_id") ?? 0 } catch let error as SQLiteError {
            throw SessionStoreError(path: path, reason: error.code == SQLITE_NOTADB
                ? "not a cuckooml session: not a SQLite database"
                : "corrupt session: \(error)")
        } catch {
            throw SessionStoreError(path: path, reason: "corrupt session: \(error)")
        }
        guard id == Int(applicationID) else {
            throw SessionStoreError(path: path, reason: "not a cuckooml session (SQLite application id \(id), expected \(applicationID))")
        }
        let version = (try? db.integer("PRAGMA user_version")) ?? 0
        guard version <= schemaVersion else {
            throw SessionStoreError(path: path, reason: "session schema version \(version) is newer than this cuckooml reads (\(schemaVersion)); update cuckooml")
        }
        guard version >= oldestReadableVersion else {
            throw SessionStoreError(path: path, reason: "unknown session schema version \(version)")
        }
        do {
            let check = try db.prepare("PRAGMA quick_check")
            guard try check.step(), check.string(0) == "ok" else {
                throw SQLiteError(code: 0, message: "integrity check failed: \(check.string(0) ?? "?")")
            }
            try db.execute("BEGIN")
            defer { try? db.execute("COMMIT") }
            return try read(db, control: control)
        } catch let interrupted as Interrupted {
            throw interrupted
        } catch {
            throw SessionStoreError(path: path, reason: "corrupt session: \(error)")
        }
    }

    private static func corrupt(_ message: String) -> SQLiteError { SQLiteError(code: 0, message: message) }

    /// The file's tables as `SessionContents`, made a `Session` by `Session(restoring:)` (which checks it)
    /// between the file's own cross-table checks.
    private static func read(_ db: SQLiteDatabase, control: TaskControl) throws -> Session {
        var session = SessionContents()
        let stored = try db.integer("SELECT count(*) FROM samples") ?? 0
        var progress = RowProgress(phase: "session open", control: control, total: 2 * stored)
        // Reports of one corpus repeat most of their strings: each is kept once (see `StringInterner`).
        let interners = [StringInterner(), StringInterner()]
        guard try db.integer("SELECT count(*) FROM meta WHERE key = 'application' AND value = '\(applicationName)'") == 1 else {
            throw corrupt("meta table does not name \(applicationName)")
        }
        var samples: [Sample] = []
        samples.reserveCapacity(stored)
        let sampleRows = try db.prepare("SELECT row, sample, path, report_size, record FROM samples ORDER BY row")
        // Each stored string is numbered once in the process's table (records hold the numbers),
        // and the records' `String` fields share the table's storage.
        let fileStrings = try readStrings(db)
        let ids = StringTable.shared.ids(of: fileStrings)
        let strings = ids.map { StringTable.shared[$0] }
        // Rows are read a block at a time and the block's records decoded on two threads, in place.
        var blobs: [[UInt8]?] = []
        var decoded = 0
        func decodePending() throws {
            do {
                try samples.withUnsafeMutableBufferPointer { all in
                    try decodeRecords(blobs, into: UnsafeMutableBufferPointer(rebasing: all[decoded...]), strings: strings, ids: ids, interners: interners)
                }
            } catch let failure as RecordFailure {
                throw corrupt("sample \(decoded + failure.index): \(failure.error)")
            }
            decoded = samples.count
            blobs.removeAll(keepingCapacity: true)
        }
        while try sampleRows.step() {
            guard sampleRows.int(0) == samples.count else { throw corrupt("sample rows are not numbered 0..<n") }
            blobs.append(sampleRows.blob(4).map { [UInt8]($0) })
            samples.append(Sample(id: sampleRows.string(1) ?? "", path: sampleRows.string(2),
                                  reportSize: sampleRows.int(3), record: nil))
            if blobs.count == recordBlock { try decodePending() }
            try progress.step()
        }
        try decodePending()
        let n = samples.count
        session.samples = samples

        var configurations: [String: FeatureConfiguration] = [:]
        let configurationRows = try db.prepare("SELECT role, kind, groups, import_functions, minimum_coverage, maximum_coverage FROM feature_configurations")
        while try configurationRows.step() {
            guard let kind = FeatureConfiguration.Kind(rawValue: configurationRows.string(1) ?? "") else { throw corrupt("unknown feature kind") }
            var groups = Set<FeatureGroup>()
            for name in (configurationRows.string(2) ?? "").split(separator: ",") {
                guard let group = FeatureGroup(rawValue: String(name)) else { throw corrupt("unknown feature group '\(name)'") }
                groups.insert(group)
            }
            configurations[configurationRows.string(0) ?? ""] = FeatureConfiguration(
                kind: kind, groups: groups, importFunctions: configurationRows.int(3) != 0,
                minimumCoverage: configurationRows.isNull(4) ? nil : configurationRows.double(4),
                maximumCoverage: configurationRows.isNull(5) ? nil : configurationRows.double(5))
        }
        if let load = configurations["load"] { session.featureConfiguration = load }

        if let configuration = configurations["matrix"] {
            var names: [String] = []
            let nameRows = try db.prepare("SELECT \"column\", name FROM features ORDER BY \"column\"")
            while try nameRows.step() {
                guard nameRows.int(0) == names.count else { throw corrupt("feature columns are not numbered 0..<m") }
                names.append(nameRows.string(1) ?? "")
            }
            var matrix = SparseMatrix(columnCount: names.count)
            let rows = try db.prepare("SELECT row, indices, feature_values FROM sample_features ORDER BY row")
            var entries: [(Int32, Double)] = []
            while try rows.step() {
                guard rows.int(0) == matrix.rowCount else { throw corrupt("feature rows are not numbered 0..<n") }
                entries.removeAll(keepingCapacity: true)
                guard let indices = rows.blob(1), indices.count % 4 == 0 else { throw corrupt("feature row \(matrix.rowCount): bad indices") }
                let count = indices.count / 4
                let values = rows.blob(2)
                guard values == nil || values!.count == count * 8 else { throw corrupt("feature row \(matrix.rowCount): values do not match indices") }
                var previous: Int32 = -1
                for k in 0..<count {
                    let column = Int32(bitPattern: indices.loadUnaligned(fromByteOffset: 4 * k, as: UInt32.self).littleEndian)
                    guard column > previous, Int(column) < names.count else { throw corrupt("feature row \(matrix.rowCount): bad column \(column)") }
                    previous = column
                    let value = values.map { Double(bitPattern: $0.loadUnaligned(fromByteOffset: 8 * k, as: UInt64.self).littleEndian) } ?? 1
                    entries.append((column, value))
                }
                matrix.appendRow(entries)
                try progress.step()
            }
            guard matrix.rowCount == n else { throw corrupt("\(matrix.rowCount) feature rows for \(n) samples") }
            session.features = FeatureSet(configuration: configuration, names: names, matrix: matrix)
        }

        // Files saved before the label details existed have only the first four columns.
        let detailed = (try? db.prepare("SELECT engines, runner_up, runner_up_votes FROM labels LIMIT 0")) != nil
        let labelRows = try db.prepare("SELECT sample, label, votes, source"
                                       + (detailed ? ", engines, runner_up, runner_up_votes" : "") + " FROM labels")
        while try labelRows.step() {
            guard let source = SampleLabel.Source(rawValue: labelRows.string(3) ?? "") else { throw corrupt("unknown label source") }
            session.labels[labelRows.string(0) ?? ""] = SampleLabel(
                family: labelRows.string(1) ?? "", votes: labelRows.int(2), source: source,
                engines: detailed ? labelRows.int(4) : 0, runnerUp: detailed ? labelRows.string(5) : nil,
                runnerUpVotes: detailed ? labelRows.int(6) : 0)
        }

        let clusteringRows = try db.prepare("""
            SELECT algorithm, json_extract(parameters, '$.min_samples'), json_extract(parameters, '$.min_cluster_size'),
              json_extract(parameters, '$.metric'), json_extract(parameters, '$.cluster_selection_method'),
              json_extract(parameters, '$.cluster_selection_epsilon'), json_extract(parameters, '$.alpha'),
              json_extract(parameters, '$.allow_single_cluster'), json_extract(parameters, '$.deduplicate'),
              json_extract(parameters, '$.eps'), persistence, core_distances, json_extract(parameters, '$.t'),
              json_extract(parameters, '$.mode'), json_extract(parameters, '$.sample'), json_extract(parameters, '$.sampled'),
              json_extract(parameters, '$.rows'), json_extract(parameters, '$.placed'), json_extract(parameters, '$.leftovers'),
              json_extract(parameters, '$.rounds')
            FROM clusterings
            """)
        while try clusteringRows.step() {
            let algorithm = clusteringRows.string(0) ?? ""
            guard let metric = DistanceMetric(rawValue: clusteringRows.string(3) ?? "") else { throw corrupt("\(algorithm): unknown metric") }
            let membership = try readMembership(db, algorithm: algorithm, count: n)
            switch algorithm {
            case "hdbscan":
                guard let selection = ClusterSelection(rawValue: clusteringRows.string(4) ?? "") else { throw corrupt("hdbscan: unknown cluster selection") }
                let parameters = HDBSCANParameters(
                    minSamples: clusteringRows.int(1), minClusterSize: clusteringRows.int(2), metric: metric,
                    selection: selection, epsilon: clusteringRows.double(5), alpha: clusteringRows.double(6),
                    allowSingleCluster: clusteringRows.int(7) != 0, deduplicate: clusteringRows.int(8) != 0)
                var tree: [CondensedTreeRow] = []
                let treeRows = try db.prepare("SELECT seq, parent, child, lambda_val, child_size FROM condensed_tree WHERE algorithm = 'hdbscan' ORDER BY seq")
                while try treeRows.step() {
                    guard treeRows.int(0) == tree.count else { throw corrupt("condensed tree rows are not numbered 0..<k") }
                    tree.append(CondensedTreeRow(parent: treeRows.int(1), child: treeRows.int(2), lambda: treeRows.double(3), childSize: treeRows.int(4)))
                }
                var result = HDBSCANResult(
                    parameters: parameters, labels: membership.labels, probabilities: membership.probabilities,
                    outlierScores: membership.outlierScores, persistence: try doubles(clusteringRows.blob(10)),
                    condensedTree: tree, coreDistances: try doubles(clusteringRows.blob(11)))
                try readFitDetails(db, into: &result)
                session.hdbscan = result
            case "dbscan":
                session.dbscan = DBSCANResult(
                    parameters: DBSCANParameters(eps: clusteringRows.double(9), minSamples: clusteringRows.int(1), metric: metric),
                    labels: membership.labels, isCore: membership.isCore)
            case "linkage":
                // Files before the sampled mode have no mode (their clusterings are exact: auto's result).
                let modeName = clusteringRows.string(13) ?? LinkageMode.auto.rawValue
                guard let mode = LinkageMode(rawValue: modeName) else { throw corrupt("linkage: unknown mode") }
                let sampleSize = clusteringRows.isNull(14) ? LinkageParameters.defaultSampleSize : clusteringRows.int(14)
                let sampling = clusteringRows.isNull(15) ? nil : LinkageSampling(
                    sampled: clusteringRows.int(15), rows: clusteringRows.int(16), placed: clusteringRows.int(17),
                    leftovers: clusteringRows.int(18), rounds: clusteringRows.int(19))
                session.linkage = LinkageResult(
                    parameters: LinkageParameters(threshold: clusteringRows.double(12), metric: metric, mode: mode,
                                                  sampleSize: sampleSize),
                    labels: membership.labels, strengths: membership.probabilities, outlierScores: membership.outlierScores,
                    sampling: sampling)
            default:
                throw corrupt("unknown clustering algorithm '\(algorithm)'")
            }
        }

        let current = try db.prepare("SELECT value FROM meta WHERE key = 'current_clustering'")
        if try current.step() {
            guard let algorithm = ClusteringAlgorithm(rawValue: current.string(0) ?? "") else { throw corrupt("unknown current clustering") }
            session.lastClustered = algorithm
        }

        // A file without a label-rule setting predates the AVClass-style rule: its labels are 2016 ones.
        session.settings.labelRule = .rule2016
        let settingRows = try db.prepare("SELECT key, value FROM settings")
        while try settingRows.step() {
            do { try session.settings.set(settingRows.string(0) ?? "", settingRows.string(1) ?? "") } catch {
                throw corrupt("setting: \(error)")
            }
        }
        session.labelEvidence = try readLabelEvidence(db, samples: session.samples)
        try validateMeta(db, sampleCount: n)
        let restored = try Session(restoring: session)
        try validateClusterTables(db, restored)
        return restored
    }

    /// The file's string table (empty in files older than it), each string made once.
    private static func readStrings(_ db: SQLiteDatabase) throws -> [String] {
        guard try db.integer("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'record_strings'") == 1 else { return [] }
        var strings: [String] = []
        let rows = try db.prepare("SELECT block, first, strings FROM record_strings ORDER BY block")
        var block = 0
        while try rows.step() {
            guard rows.int(0) == block else { throw corrupt("string table blocks are not numbered 0..<k") }
            guard rows.int(1) == strings.count else {
                throw corrupt("string table block \(block) starts at string \(rows.int(1)), not \(strings.count)")
            }
            do { try RecordStrings.decode(rows.blob(2) ?? UnsafeRawBufferPointer(start: nil, count: 0), into: &strings) } catch {
                throw corrupt("string table block \(block): \(error)")
            }
            block += 1
        }
        return strings
    }

    private struct Membership {
        var labels: [Int] = []
        var probabilities: [Double] = []
        var outlierScores: [Double] = []
        var isCore: [Bool] = []
    }

    private static func readMembership(_ db: SQLiteDatabase, algorithm: String, count: Int) throws -> Membership {
        var m = Membership()
        m.labels.reserveCapacity(count)
        let rows = try db.prepare("SELECT row, cluster, probability, outlier_score, is_core FROM membership WHERE algorithm = ? ORDER BY row")
        rows.bind(1, algorithm)
        while try rows.step() {
            guard rows.int(0) == m.labels.count else { throw corrupt("\(algorithm) membership rows are not numbered 0..<n") }
            m.labels.append(rows.int(1))
            m.probabilities.append(rows.double(2))
            m.outlierScores.append(rows.double(3))
            m.isCore.append(rows.int(4) != 0)
        }
        guard m.labels.count == count else { throw corrupt("\(algorithm): \(m.labels.count) memberships for \(count) samples") }
        return m
    }

    private static func doubles(_ blob: UnsafeRawBufferPointer?) throws -> [Double] {
        guard let blob else { return [] }
        guard blob.count % 8 == 0 else { throw corrupt("a list of numbers has a partial value") }
        return (0..<(blob.count / 8)).map { Double(bitPattern: blob.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self).littleEndian) }
    }
}

/// Little-endian bytes of 32-bit integers or doubles, the session file's blob layouts.
func littleEndianBytes(_ values: some Collection<Int32>) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(values.count * 4)
    for v in values { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
    return out
}

func littleEndianBytes(_ values: some Collection<Double>) -> [UInt8] {
    var out: [UInt8] = []
    out.reserveCapacity(values.count * 8)
    for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
    return out
}
