import CSQLite

/// A failed SQLite call: the library's message and result code.
struct SQLiteError: Error, CustomStringConvertible {
    var code: Int32
    var message: String
    var description: String { message }
}

/// The little of SQLite the session store needs: one connection, prepared statements, typed binds.
final class SQLiteDatabase {
    let handle: OpaquePointer

    init(path: String, readOnly: Bool) throws {
        var db: OpaquePointer?
        let flags = readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        let rc = FileSystemPath.with(path) { sqlite3_open_v2($0, &db, flags | SQLITE_OPEN_NOMUTEX, nil) }
        guard rc == SQLITE_OK, let db else {
            let message = db.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            if let db { sqlite3_close_v2(db) }
            throw SQLiteError(code: rc, message: message)
        }
        handle = db
    }

    deinit { sqlite3_close_v2(handle) }

    func execute(_ sql: String) throws {
        var error: UnsafeMutablePointer<CChar>?
        let rc = sqlite3_exec(handle, sql, nil, nil, &error)
        if rc != SQLITE_OK {
            let message = error.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(error)
            throw SQLiteError(code: rc, message: message)
        }
    }

    func prepare(_ sql: String) throws -> SQLiteStatement {
        var statement: OpaquePointer?
        let rc = sqlite3_prepare_v2(handle, sql, -1, &statement, nil)
        guard rc == SQLITE_OK, let statement else { throw SQLiteError(code: rc, message: String(cString: sqlite3_errmsg(handle))) }
        return SQLiteStatement(statement, database: self)
    }

    /// The first column of the first row of a query, as an integer (PRAGMA values, counts).
    func integer(_ sql: String) throws -> Int? {
        let statement = try prepare(sql)
        return try statement.step() ? statement.int(0) : nil
    }

    var lastError: SQLiteError { SQLiteError(code: sqlite3_errcode(handle), message: String(cString: sqlite3_errmsg(handle))) }
}

/// A prepared statement; binds are 1-based, columns 0-based (as in SQLite).
final class SQLiteStatement {
    let handle: OpaquePointer
    let database: SQLiteDatabase

    init(_ handle: OpaquePointer, database: SQLiteDatabase) {
        self.handle = handle
        self.database = database
    }

    deinit { sqlite3_finalize(handle) }

    func bind(_ i: Int32, _ value: Int) { sqlite3_bind_int64(handle, i, Int64(value)) }
    /// NaN is stored as NULL (SQLite has no NaN); `double(_:)` reads NULL back as NaN.
    func bind(_ i: Int32, _ value: Double) {
        if value.isNaN { sqlite3_bind_null(handle, i) } else { sqlite3_bind_double(handle, i, value) }
    }
    func bind(_ i: Int32, _ value: Double?) {
        if let value { bind(i, value) } else { sqlite3_bind_null(handle, i) }
    }
    func bind(_ i: Int32, _ value: String?) {
        guard let value else { sqlite3_bind_null(handle, i); return }
        sqlite3_bind_text(handle, i, value, -1, cml_sqlite_transient())
    }
    func bind(_ i: Int32, blob: [UInt8]?) {
        guard let blob else { sqlite3_bind_null(handle, i); return }
        // An empty array may have no base address; SQLite would store NULL for a nil pointer.
        let bytes = blob.isEmpty ? [0] : blob
        bytes.withUnsafeBytes { _ = sqlite3_bind_blob64(handle, i, $0.baseAddress, sqlite3_uint64(blob.count), cml_sqlite_transient()) }
    }

    /// Binds bytes that SQLite copies (an empty buffer is an empty blob, not NULL).
    func bind(_ i: Int32, blob: UnsafeRawBufferPointer) {
        guard let base = blob.baseAddress, blob.count > 0 else { bind(i, blob: [UInt8]()); return }
        sqlite3_bind_blob64(handle, i, base, sqlite3_uint64(blob.count), cml_sqlite_transient())
    }

    /// Runs one step; true when a row is available.
    @discardableResult
    func step() throws -> Bool {
        switch sqlite3_step(handle) {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default: throw database.lastError
        }
    }

    /// Runs an insert/update to completion and resets for the next binds.
    func run() throws {
        _ = try step()
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    func isNull(_ column: Int32) -> Bool { sqlite3_column_type(handle, column) == SQLITE_NULL }
    func int(_ column: Int32) -> Int { Int(sqlite3_column_int64(handle, column)) }
    func double(_ column: Int32) -> Double { isNull(column) ? .nan : sqlite3_column_double(handle, column) }
    func string(_ column: Int32) -> String? {
        guard let text = sqlite3_column_text(handle, column) else { return nil }
        let count = Int(sqlite3_column_bytes(handle, column))
        return String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self)
    }
    /// The column's bytes, valid until the next step.
    func blob(_ column: Int32) -> UnsafeRawBufferPointer? {
        guard let bytes = sqlite3_column_blob(handle, column) else { return isNull(column) ? nil : UnsafeRawBufferPointer(start: nil, count: 0) }
        return UnsafeRawBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(handle, column)))
    }
}
