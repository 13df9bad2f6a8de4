#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The session file's string table (records of version 4 on): every distinct string of the saved
/// records once, numbered from 0 in the order `encode` first meets it; a record holds indices.
///
/// Reports of one corpus repeat most of their strings (the same registry keys, system paths, APIs and
/// antivirus results: on generated corpora ~250 strings a report, ~30 of them new), so storing each
/// once makes the file several times smaller and lets `open` build each `String` once, shared by every
/// record naming it, instead of decoding and re-interning every copy.
///
/// Stored form: per string a LEB128 byte count and its UTF-8 bytes, back to back; the session file
/// keeps it in blocks of about `blockBytes` (`SessionStore`'s `record_strings` table).
enum RecordStrings {
    /// A block of the stored table is cut after the string that takes it past this size.
    static let blockBytes = 1 << 20

    /// The strings stored in `bytes` (a block of the table), appended to `strings`.
    static func decode(_ bytes: UnsafeRawBufferPointer, into strings: inout [String]) throws(RecordCoding.DecodeError) {
        var rd = ByteReader(bytes: bytes)
        rd.what = "string table"
        while rd.position < bytes.count {
            let n = try rd.count()
            guard n > 0 else { strings.append(""); continue }
            let base = bytes.baseAddress!.advanced(by: rd.position).assumingMemoryBound(to: UInt8.self)
            strings.append(String(decoding: UnsafeBufferPointer(start: base, count: n), as: UTF8.self))
            rd.position += n
        }
    }
}

/// Numbers the distinct strings of the records `session save` writes and collects their stored
/// bytes (see `RecordStrings`).
///
/// A record's strings are looked up twice over: first by the `String` value's own 16 bytes, which are
/// its contents for a small string (≤ 15 UTF-8 bytes) and its storage's address and length otherwise,
/// so the many records sharing one storage (the loader's `StringInterner`, or `open` here) cost a
/// multiply and a compare each; only a value not met before is hashed by its UTF-8 bytes, which
/// finds equal strings held in different storage. Every value looked up is kept (retained) here, so
/// no storage met can be freed and its address reused for other contents while the table lives.
final class RecordStringTableBuilder {
    /// The table as stored: per string a LEB128 byte count and its UTF-8 bytes, in index order.
    @exclusivity(unchecked) private(set) var bytes: [UInt8] = []
    /// Where each string's entry starts in `bytes`, and (last) where the table ends.
    @exclusivity(unchecked) private var entryStarts: [Int] = [0]
    /// Where each string's UTF-8 bytes start in `bytes`; and the slots finding a string's index by the
    /// hash of its bytes (inline with its hash and byte count: one cache miss, then a compare).
    @exclusivity(unchecked) private var textStarts: [Int] = []
    @exclusivity(unchecked) private var textSlots: [TextSlot]
    @exclusivity(unchecked) private var textMask: Int

    private struct TextSlot {
        var hash: UInt64 = 0
        var count: UInt32 = 0  // the byte count's low 32 bits (the entry's bounds give it all)
        var index: Int32 = -1
    }

    /// The values met, kept alive; and the slots finding a value's index by its 16 bytes (inline, so
    /// a lookup is one cache miss: these tables hold millions of entries at 100 000 reports).
    @exclusivity(unchecked) private var values: [String] = []
    @exclusivity(unchecked) private var valueSlots: [ValueSlot]
    @exclusivity(unchecked) private var valueMask: Int

    private struct ValueSlot {
        var bits: (UInt64, UInt64) = (0, 0)
        var index: Int32 = -1
    }

    /// A table sized for about `expected` distinct strings (it grows past that): growing the slots
    /// of millions of strings by doubling cost a fifth of `save` at 100 000 reports, mostly the
    /// kernel handing out fresh pages.
    init(expected: Int = 0) {
        var slots = 1024
        while slots * 3 < expected * 4 { slots *= 2 }
        textSlots = [TextSlot](repeating: TextSlot(), count: slots)
        textMask = slots - 1
        valueSlots = [ValueSlot](repeating: ValueSlot(), count: slots)
        valueMask = slots - 1
        textStarts.reserveCapacity(expected)
        entryStarts.reserveCapacity(expected + 1)
        values.reserveCapacity(expected)
        bytes.reserveCapacity(expected * 40)
    }

    /// How many distinct strings the table holds.
    var count: Int { textStarts.count }

    /// The index of `s` in the table, added when it is new.
    func index(of s: String) -> Int {
        withUnsafePointer(to: s) { index(at: $0) }
    }

    /// The index of the string at `pointer` (an element of a list being encoded): the lookup by the
    /// value's bytes reads them in place, so a string met before is not even retained.
    @inline(__always)
    func index(at pointer: UnsafePointer<String>) -> Int {
        let bits = UnsafeRawPointer(pointer).load(as: (UInt64, UInt64).self)
        var i = Int(truncatingIfNeeded: Self.mix(bits)) & valueMask
        while true {
            let slot = valueSlots[i]
            if slot.index < 0 { break }
            if slot.bits == bits { return Int(slot.index) }
            i = (i + 1) & valueMask
        }
        return add(pointer.pointee, bits: bits, slot: i)
    }

    /// Each `StringID` met: its index here + 1 (0: not met yet); by far the most strings a record
    /// holds come as numbers, found here with one array read.
    @exclusivity(unchecked) private var idIndices: [Int32] = []

    /// The index of the string numbered `id` in `StringTable.shared`, added when it is new.
    @inline(__always)
    func index(ofID id: StringID) -> Int {
        let k = Int(id)
        if k < idIndices.count, idIndices[k] > 0 { return Int(idIndices[k]) - 1 }
        return addID(id)
    }

    private func addID(_ id: StringID) -> Int {
        let k = Int(id)
        if k >= idIndices.count {
            idIndices.append(contentsOf: repeatElement(0, count: max(k + 1, StringTable.shared.count) - idIndices.count))
        }
        let index = textIndex(of: StringTable.shared[id])
        idIndices[k] = Int32(index + 1)
        return index
    }

    /// Numbers a value not met before (a new string, or a known one in other storage).
    private func add(_ s: String, bits: (UInt64, UInt64), slot i: Int) -> Int {
        let index = textIndex(of: s)
        valueSlots[i] = ValueSlot(bits: bits, index: Int32(index))
        values.append(s)
        // Linear probing stays short up to three quarters full.
        if values.count * 4 > valueSlots.count * 3 { growValues() }
        return index
    }

    /// The stored table cut into blocks of about `RecordStrings.blockBytes`: each block's bytes and
    /// the index of its first string.
    func blocks() -> [(first: Int, bytes: ArraySlice<UInt8>)] {
        var out: [(first: Int, bytes: ArraySlice<UInt8>)] = []
        var first = 0
        for k in 0..<count where entryStarts[k + 1] - entryStarts[first] >= RecordStrings.blockBytes || k == count - 1 {
            out.append((first, bytes[entryStarts[first]..<entryStarts[k + 1]]))
            first = k + 1
        }
        return out
    }

    /// Spreads a value's 16 bytes over the slots. Equal bytes are the same contents (the same small
    /// string, or the same storage and length); different bytes may still be equal strings.
    @inline(__always)
    private static func mix(_ bits: (UInt64, UInt64)) -> UInt64 {
        var h = (bits.0 ^ (bits.1 &* 0x9E37_79B9_7F4A_7C15)) &* 0xBF58_476D_1CE4_E5B9
        h ^= h >> 29
        return (h &* 0x94D0_49BB_1331_11EB) ^ (h >> 32)
    }

    /// The index of the string with `s`'s UTF-8 bytes, added when it is new.
    private func textIndex(of s: String) -> Int {
        if let index = s.utf8.withContiguousStorageIfAvailable({ textIndex(of: UnsafeRawBufferPointer($0)) }) { return index }
        return Array(s.utf8).withUnsafeBytes { textIndex(of: $0) }
    }

    private func textIndex(of text: UnsafeRawBufferPointer) -> Int {
        let n = text.count
        let hash = ByteHash.hash(text)
        var i = Int(truncatingIfNeeded: hash) & textMask
        while true {
            let slot = textSlots[i]
            if slot.index < 0 { break }
            if slot.hash == hash, slot.count == UInt32(truncatingIfNeeded: n) {
                let e = Int(slot.index)
                if entryStarts[e + 1] - textStarts[e] == n,
                   n == 0 || bytes.withUnsafeBytes({ memcmp($0.baseAddress! + textStarts[e], text.baseAddress!, n) == 0 }) {
                    return e
                }
            }
            i = (i + 1) & textMask
        }
        let index = count
        textSlots[i] = TextSlot(hash: hash, count: UInt32(truncatingIfNeeded: n), index: Int32(index))
        ByteWriter.appendVarint(UInt64(n), to: &bytes)
        textStarts.append(bytes.count)
        bytes.append(contentsOf: text)
        entryStarts.append(bytes.count)
        if count * 4 > textSlots.count * 3 { growTexts() }
        return index
    }

    private func growTexts() {
        let old = textSlots
        textSlots = [TextSlot](repeating: TextSlot(), count: old.count * 2)
        textMask = textSlots.count - 1
        for slot in old where slot.index >= 0 {
            var i = Int(truncatingIfNeeded: slot.hash) & textMask
            while textSlots[i].index >= 0 { i = (i + 1) & textMask }
            textSlots[i] = slot
        }
    }

    private func growValues() {
        let old = valueSlots
        valueSlots = [ValueSlot](repeating: ValueSlot(), count: old.count * 2)
        valueMask = valueSlots.count - 1
        for slot in old where slot.index >= 0 {
            var i = Int(truncatingIfNeeded: Self.mix(slot.bits)) & valueMask
            while valueSlots[i].index >= 0 { i = (i + 1) & valueMask }
            valueSlots[i] = slot
        }
    }
}
