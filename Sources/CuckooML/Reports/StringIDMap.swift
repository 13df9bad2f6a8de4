/// A map from string numbers (`StringID`) to 32-bit values, for lookups keyed by the numbers records
/// hold: an open-addressing slot of 8 bytes (the number + 1, the value) per entry, at most three
/// quarters full (numbers are spread by a multiplicative hash, and a probe reads one word).
/// It holds no `String` and hashes no bytes, where a String-keyed table kept a hash, a `String` and
/// the value per entry beside its slots.
struct StringIDMap {
    private var slots = [UInt64](repeating: 0, count: 64)
    private(set) var count = 0

    init() {}

    /// The value of `id`, if stored.
    @inline(__always) subscript(id: StringID) -> UInt32? {
        let key = UInt64(id) + 1, mask = slots.count - 1
        var i = Self.home(id, mask)
        while true {
            let slot = slots[i]
            if slot == 0 { return nil }
            if slot >> 32 == key { return UInt32(truncatingIfNeeded: slot) }
            i = (i + 1) & mask
        }
    }

    /// Stores `value` for `id`, which is not stored.
    mutating func insert(_ id: StringID, _ value: UInt32) {
        if (count + 1) * 4 > slots.count * 3 { grow() }
        place((UInt64(id) + 1) << 32 | UInt64(value))
        count += 1
    }

    /// Every number stored with its value, in no particular order.
    var entries: [(id: StringID, value: UInt32)] {
        slots.compactMap { $0 == 0 ? nil : (StringID(truncatingIfNeeded: ($0 >> 32) - 1), UInt32(truncatingIfNeeded: $0)) }
    }

    @inline(__always) private static func home(_ id: StringID, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (UInt64(id) &* 0x9E37_79B9_7F4A_7C15) >> 32) & mask
    }

    private mutating func place(_ slot: UInt64) {
        let mask = slots.count - 1
        var i = Self.home(StringID(truncatingIfNeeded: (slot >> 32) - 1), mask)
        while slots[i] != 0 { i = (i + 1) & mask }
        slots[i] = slot
    }

    private mutating func grow() {
        let old = slots
        slots = [UInt64](repeating: 0, count: old.count * 2)
        for slot in old where slot != 0 { place(slot) }
    }
}
