/// The parts of an HDBSCAN fit that are not per-row results but that `show tree`, `compare` and the
/// HTML report read: which rows the condensed tree's points are, which tree clusters were selected,
/// every tree cluster's stability, and the clipped min_samples. They live in their own table so that
/// files written before it existed still open (the values are then derived from the condensed tree, as
/// the fit derived them).
extension SessionStore {
    static let hdbscanFitSchema = """
        CREATE TABLE hdbscan_fit(algorithm TEXT PRIMARY KEY,  -- hdbscan
            tree_points BLOB NOT NULL,        -- int32 per condensed-tree point: its row (rows with NaN/inf are
                                              -- left out; with deduplicate one row stands for its copies)
            selected_clusters BLOB NOT NULL,  -- int32 per cluster label k: the tree cluster it is
            cluster_stability BLOB NOT NULL,  -- float64 per tree cluster (id − points): stability before selection
            min_samples_used INTEGER NOT NULL -- min_samples after clipping to (clustered points − 1)
        );
        """

    static func writeFitDetails(_ db: SQLiteDatabase, _ h: HDBSCANResult) throws {
        try db.execute(hdbscanFitSchema)
        let insert = try db.prepare("INSERT INTO hdbscan_fit VALUES('hdbscan', ?, ?, ?, ?)")
        insert.bind(1, blob: littleEndianBytes(h.treePointRows.map { Int32(truncatingIfNeeded: $0) }))
        insert.bind(2, blob: littleEndianBytes(h.selectedClusters.map { Int32(truncatingIfNeeded: $0) }))
        insert.bind(3, blob: littleEndianBytes(h.clusterStability))
        insert.bind(4, h.minSamplesUsed)
        try insert.run()
    }

    /// Fills in what `writeFitDetails` stored, or derives it for a file without the table.
    static func readFitDetails(_ db: SQLiteDatabase, into h: inout HDBSCANResult) throws {
        let hasTable = try db.integer("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'hdbscan_fit'") == 1
        if hasTable {
            let row = try db.prepare("SELECT tree_points, selected_clusters, cluster_stability, min_samples_used FROM hdbscan_fit WHERE algorithm = 'hdbscan'")
            guard try row.step() else { throw SQLiteError(code: 0, message: "hdbscan_fit has no hdbscan row") }
            h.treePointRows = try int32s(row.blob(0))
            h.selectedClusters = try int32s(row.blob(1))
            h.clusterStability = try storedDoubles(row.blob(2))
            h.minSamplesUsed = row.int(3)
            return
        }
        h.treePointRows = Array(0..<h.labels.count)
        h.minSamplesUsed = max(1, min(h.parameters.minSamples, h.labels.count - 1))
        guard !h.condensedTree.isEmpty else { return }
        do { try SessionValidation.validateTree(h.condensedTree, pointCount: h.treePointRows.count) } catch {
            throw SQLiteError(code: 0, message: error.description)
        }
        let index = CondensedTreeIndex(h.condensedTree, pointCount: h.treePointRows.count)
        h.clusterStability = HDBSCAN.stability(tree: h.condensedTree, index: index)
        h.selectedClusters = HDBSCAN.selectClusters(tree: h.condensedTree, index: index, stability: h.clusterStability,
                                                    selection: h.parameters.selection, epsilon: h.parameters.epsilon,
                                                    allowSingleCluster: h.parameters.allowSingleCluster).selected
    }

    private static func int32s(_ blob: UnsafeRawBufferPointer?) throws -> [Int] {
        guard let blob, blob.count % 4 == 0 else { throw SQLiteError(code: 0, message: "a list of ids has a partial value") }
        return (0..<(blob.count / 4)).map { Int(Int32(bitPattern: blob.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self).littleEndian)) }
    }

    private static func storedDoubles(_ blob: UnsafeRawBufferPointer?) throws -> [Double] {
        guard let blob, blob.count % 8 == 0 else { throw SQLiteError(code: 0, message: "a list of numbers has a partial value") }
        return (0..<(blob.count / 8)).map { Double(bitPattern: blob.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self).littleEndian) }
    }
}
