#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
///
/// In front of the strings met sits `recent`, a small cache of the strings found last: at 100 000
/// reports a thread has met over a million strings, so a lookup in `met` missed the processor's
/// caches twice (its slot, then the table's `String` to compare bytes with), which was most of the
/// reading's time in the interner. The strings reports repeat most (registry keys, system paths,
/// API names) stay in `recent`, where one entry holds what confirms a match.
final class StringInterner {
    /// Shorter strings are small `String`s (no heap storage): `string(_:)` makes them directly.
    static let smallStringLimit = 15

    /// The strings this thread has met.
    private var met = StringIDSlots(size: 1024)
    private let table: StringTable
    /// `recentCount` entries by the top bits of the bytes' hash; zeroed pages from `calloc`, so an
    /// interner made for one report touches only the entries it uses.
    private let recent: UnsafeMutablePointer<RecentString>
    static let recentBits = 14
    static let recentCount = 1 << recentBits

    init(table: StringTable = .shared) {
        self.table = table
        recent = calloc(Self.recentCount, MemoryLayout<RecentString>.stride)!.bindMemory(to: RecentString.self, capacity: Self.recentCount)
    }

    deinit { free(recent) }

    var count: Int { met.count }

    /// The number of the string with these UTF-8 bytes (invalid sequences replaced by U+FFFD when
    /// it is made, as `String(decoding:)`).
    func id(_ bytes: UnsafeBufferPointer<UInt8>) -> StringID {
        let raw = UnsafeRawBufferPointer(bytes)
        let hash = ByteHash.hash(raw)
        let entry = recent + Int(truncatingIfNeeded: hash >> UInt64(64 - Self.recentBits))
        if let id = entry.pointee.id(matching: raw, hash: hash) { return id }
        let (found, slot) = met.find(raw, hash: hash, in: table)
        let id: StringID
        if let found {
            id = found
        } else {
            id = table.id(raw, hash: hash)
            met.insert(id, hash: hash, at: slot)
            if met.count * 2 > met.slots.count { met.resize(met.slots.count * 2, table: table) }
        }
        entry.pointee = RecentString(id: id, hash: hash, bytes: raw, table: table)
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

/// One entry of `StringInterner`'s cache: a string's hash, length and number, and what its bytes are
/// compared with: the bytes themselves when they fit in 16, else where the table's `String` keeps
/// them (`StringTable.lastingBytes`; the interner holds the table). (All zero: empty.)
struct RecentString {
    private var hash: UInt64 = 0
    /// The number + 1 (0: empty).
    private var number: UInt32 = 0
    private var count: UInt32 = 0
    private var inline: (UInt64, UInt64) = (0, 0)

    private static let inlineLimit = 16

    /// The entry for `bytes` (numbered `id`, hashing to `hash`); empty when the table's bytes for
    /// `id` are not `bytes` (invalid UTF-8, stored repaired) and too long to keep here.
    init(id: StringID, hash: UInt64, bytes: UnsafeRawBufferPointer, table: StringTable) {
        guard bytes.count < Int(UInt32.max) else { return }
        if bytes.count <= Self.inlineLimit {
            withUnsafeMutableBytes(of: &inline) { $0.copyMemory(from: bytes) }
        } else {
            guard let stored = table.lastingBytes(id), StringTable.equal(stored, bytes) else { return }
            inline.0 = UInt64(UInt(bitPattern: stored.baseAddress))
        }
        self.hash = hash
        self.number = id &+ 1
        self.count = UInt32(bytes.count)
    }

    /// The number when this entry holds `bytes` (whose hash is `hash`).
    @inline(__always)
    func id(matching bytes: UnsafeRawBufferPointer, hash: UInt64) -> StringID? {
        guard self.hash == hash, number != 0, Int(count) == bytes.count else { return nil }
        let n = bytes.count
        guard n > 0 else { return number &- 1 }
        let same: Bool
        if n <= Self.inlineLimit {
            var copy = inline
            same = withUnsafeBytes(of: &copy) { memcmp($0.baseAddress!, bytes.baseAddress!, n) == 0 }
        } else {
            same = memcmp(UnsafeRawPointer(bitPattern: UInt(inline.0))!, bytes.baseAddress!, n) == 0
        }
        return same ? number &- 1 : nil
    }
}
