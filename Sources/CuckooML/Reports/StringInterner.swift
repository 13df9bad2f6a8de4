#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Gives equal byte strings one shared `String` storage, so a corpus keeps each distinct path,
/// registry key, API or engine result once however many reports name it.
///
/// Reports of one corpus repeat most of their strings (the same registry keys, system paths, APIs and
/// antivirus results): on generated corpora a report holds about 250 strings of which about 30 are
/// not already in an earlier report, and a `String` longer than 15 bytes is a heap object of its own
/// (its bytes plus about 48 bytes of header and allocator rounding). Interning them makes a loaded
/// sample cost a reference (16 bytes) per repeated string instead, and a repeated string costs a hash
/// and a compare instead of a UTF-8 validation and an allocation.
///
/// Strings of at most 15 UTF-8 bytes are stored inside the `String` value itself and are not interned.
/// The table keeps at most `capacity` strings; later new strings are made as usual. One interner
/// belongs to one thread (the loader gives each worker its own); it is a class so a scanner and the
/// code around it can share it.
final class StringInterner {
    /// Distinct strings kept at most (about 40 MB of table, plus the strings the samples hold anyway).
    static let capacity = 1 << 21
    /// Shorter strings are small `String`s (no heap storage): nothing to share.
    static let smallStringLimit = 15

    private var slots: [Int32]
    private var hashes: [UInt64] = []
    private var strings: [String] = []
    private var mask: Int

    init() {
        slots = [Int32](repeating: -1, count: 1024)
        mask = 1023
    }

    /// How many distinct strings are held.
    var count: Int { strings.count }

    /// The string with these UTF-8 bytes (invalid sequences replaced by U+FFFD, as `String(decoding:)`).
    func string(_ bytes: UnsafeBufferPointer<UInt8>) -> String {
        let n = bytes.count
        guard n > Self.smallStringLimit else { return String(decoding: bytes, as: UTF8.self) }
        let raw = UnsafeRawBufferPointer(bytes)
        let hash = ByteHash.hash(raw)
        var i = Int(truncatingIfNeeded: hash) & mask
        while true {
            let e = Int(slots[i])
            if e < 0 { break }
            if hashes[e] == hash, Self.bytes(of: strings[e], equal: raw) { return strings[e] }
            i = (i + 1) & mask
        }
        let made = String(decoding: bytes, as: UTF8.self)
        guard strings.count < Self.capacity else { return made }
        slots[i] = Int32(strings.count)
        hashes.append(hash)
        strings.append(made)
        if strings.count * 2 > slots.count { grow() }
        return made
    }

    /// Whether the stored string's UTF-8 bytes are `bytes`. A stored string is native (made by
    /// `String(decoding:)`), so its bytes are contiguous.
    private static func bytes(of s: String, equal bytes: UnsafeRawBufferPointer) -> Bool {
        s.utf8.withContiguousStorageIfAvailable { stored in
            stored.count == bytes.count && (bytes.count == 0 || memcmp(stored.baseAddress!, bytes.baseAddress!, bytes.count) == 0)
        } ?? false
    }

    private func grow() {
        slots = [Int32](repeating: -1, count: slots.count * 2)
        mask = slots.count - 1
        for (e, hash) in hashes.enumerated() {
            var i = Int(truncatingIfNeeded: hash) & mask
            while slots[i] >= 0 { i = (i + 1) & mask }
            slots[i] = Int32(e)
        }
    }
}
