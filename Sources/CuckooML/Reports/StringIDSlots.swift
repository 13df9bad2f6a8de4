/// Open-addressing slots from a string's bytes to its number in a `StringTable`: each slot holds the
/// bytes' hash's low 32 bits and the number + 1 (0: empty); a tag match is confirmed against the
/// table's bytes. The table's own index and each loader thread's `StringInterner` are this.
///
/// A slot's place is the hash's low bits, so the tag holds it for every size up to 2^32 slots: growing
/// places each number again from its tag alone. (Re-hashing every string's bytes from the table was
/// a cache miss and a retain of a `String` both loader threads share, per string, at each doubling.)
struct StringIDSlots {
    private(set) var slots: [UInt64]
    /// Numbers held.
    private(set) var count = 0

    /// `size`: a power of two.
    init(size: Int) { slots = [UInt64](repeating: 0, count: size) }

    /// The number of the string with `bytes` (whose `ByteHash` is `hash`), else the empty slot where
    /// it goes (for `insert`).
    @inline(__always)
    func find(_ bytes: UnsafeRawBufferPointer, hash: UInt64, in table: StringTable) -> (id: StringID?, slot: Int) {
        let tag = hash & 0xFFFF_FFFF, mask = slots.count - 1
        var i = Int(truncatingIfNeeded: hash) & mask
        while true {
            let slot = slots[i]
            if slot == 0 { return (nil, i) }
            if slot >> 32 == tag {
                let id = StringID(truncatingIfNeeded: slot &- 1)
                if table.withBytes(id, { StringTable.equal($0, bytes) }) { return (id, i) }
            }
            i = (i + 1) & mask
        }
    }

    /// Puts `id` in the empty slot `find` gave (no other insert between).
    mutating func insert(_ id: StringID, hash: UInt64, at slot: Int) {
        slots[slot] = (hash & 0xFFFF_FFFF) << 32 | UInt64(id + 1)
        count += 1
    }

    /// The slots in `size` (a power of two, more than `count`): every number placed again by its
    /// tag (its bytes' hash beyond 2^32 slots, which the tag no longer covers).
    mutating func resize(_ size: Int, table: StringTable) {
        let old = slots
        slots = [UInt64](repeating: 0, count: size)
        let mask = size - 1
        let tagged = size <= 1 << 32
        for slot in old where slot != 0 {
            let hash = tagged ? slot >> 32 : table.withBytes(StringID(truncatingIfNeeded: slot &- 1)) { ByteHash.hash($0) }
            var i = Int(truncatingIfNeeded: hash) & mask
            while slots[i] != 0 { i = (i + 1) & mask }
            slots[i] = slot
        }
    }
}
