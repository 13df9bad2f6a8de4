/// One thread's way into `StringTable.shared`: finds the number of a string's bytes without taking
/// the table's lock when this thread has met the string before.
///
/// Reports of one corpus repeat most of their strings (the same registry keys, system paths, APIs and
/// antivirus results): on generated corpora a report holds about 250 strings of which about 25 are
/// not already in an earlier report. A repeated string costs a hash and a compare here; only a string
/// new to the thread goes to the shared table (and its lock). Strings given as `String`s are the
/// table's, so every record naming one shares its storage.
///
/// One interner belongs to one thread (the loader gives each worker its own); it is a class so a
/// scanner and the code around it can share it.
final class StringInterner {
    /// Shorter strings are small `String`s (no heap storage): `string(_:)` makes them directly.
    static let smallStringLimit = 15

    /// The strings this thread has met.
    private var met = StringIDSlots(size: 1024)
    private let table: StringTable

    init(table: StringTable = .shared) {
        self.table = table
    }

    var count: Int { met.count }

    /// The number of the string with these UTF-8 bytes (invalid sequences replaced by U+FFFD when
    /// it is made, as `String(decoding:)`).
    func id(_ bytes: UnsafeBufferPointer<UInt8>) -> StringID {
        let raw = UnsafeRawBufferPointer(bytes)
        let hash = ByteHash.hash(raw)
        let (found, slot) = met.find(raw, hash: hash, in: table)
        if let found { return found }
        let id = table.id(raw, hash: hash)
        met.insert(id, hash: hash, at: slot)
        if met.count * 2 > met.slots.count { met.resize(met.slots.count * 2, table: table) }
        return id
    }

    /// The number of the string with `s`'s bytes.
    func id(of s: String) -> StringID {
        if let id = s.utf8.withContiguousStorageIfAvailable({ id($0) }) { return id }
        var copy = s
        return copy.withUTF8 { id($0) }
    }

    /// The string with these UTF-8 bytes (invalid sequences replaced by U+FFFD, as `String(decoding:)`).
    func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        guard bytes.count > Self.smallStringLimit else { return String(decoding: bytes, as: UTF8.self) }
        return table[id(bytes)]
    }
}
