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

    /// The hash's top 32 bits and the table's number + 1 of each string met (0: empty slot).
    private var slots: [UInt64]
    private(set) var count = 0
    private var mask: Int
    private let table: StringTable

    init(table: StringTable = .shared) {
        self.table = table
        slots = [UInt64](repeating: 0, count: 1024)
        mask = 1023
    }

    /// The number of the string with these UTF-8 bytes (invalid sequences replaced by U+FFFD when
    /// it is made, as `String(decoding:)`).
    func id(_ bytes: UnsafeBufferPointer<UInt8>) -> StringID {
        let raw = UnsafeRawBufferPointer(bytes)
        let hash = ByteHash.hash(raw)
        let tag = hash >> 32
        var i = Int(truncatingIfNeeded: hash) & mask
        while true {
            let slot = slots[i]
            if slot == 0 { break }
            if slot >> 32 == tag {
                let id = StringID(truncatingIfNeeded: slot &- 1)
                if table.withBytes(id, { StringTable.equal($0, raw) }) { return id }
            }
            i = (i + 1) & mask
        }
        let id = table.id(raw, hash: hash)
        slots[i] = tag << 32 | UInt64(id + 1)
        count += 1
        if count * 2 > slots.count { grow() }
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

    private func grow() {
        let old = slots
        slots = [UInt64](repeating: 0, count: old.count * 2)
        mask = slots.count - 1
        for slot in old where slot != 0 {
            let hash = table.withBytes(StringID(truncatingIfNeeded: slot &- 1)) { ByteHash.hash($0) }
            var i = Int(truncatingIfNeeded: hash) & mask
            while slots[i] != 0 { i = (i + 1) & mask }
            slots[i] = slot
        }
    }
}
