/// The column each raw report string of one family prefix was given, so `FeatureBuilder` finds a
/// string it has seen in an earlier record by its number in `StringTable.shared`, as it finds the
/// 2016 features, instead of normalising it again (the normalised token would lead to the same
/// column). Keyed by the number, the index holds no `String`s and hashes no bytes: per string 4 bytes
/// of column, 32 of bloom filter and its slot.
///
/// A column is reused only where the token would be the same: one holding `<self>` is never stored
/// (it is the storing record's alone), and a stored string is not reused for a record whose own
/// names (hashes, file name) may occur in it. For that each string keeps a 256-bit bloom filter of
/// its lower-cased 4-byte windows; a record's name whose first, middle and last windows are all in it
/// sends the string through the normaliser again. Only ASCII strings are stored (others lower-case by
/// Unicode rules, not byte by byte); a non-ASCII string equal as a `String` to a stored one (U+212A
/// KELVIN SIGN is "K") finds its column, as it did when the index was keyed by `String`.
struct RawTokenIndex {
    /// Strings stored at most per index; later ones are normalised each time.
    static let capacity = 1 << 20

    /// Entry (into `columns` and `blooms`) by the stored string's number.
    private var entries = StringIDMap()
    private var columns: [Int32] = []
    private var blooms: [Bits256] = []

    init() {}

    /// `absent` carries the number to store the string's column under.
    enum Lookup { case absent(StringID), unsafe, column(Int32) }

    /// The column stored for `s`, numbered `id`; `unsafe` when one of the record's names
    /// (`selfWindows`) may occur in it, `absent` when it is not stored.
    /// `s` is made only when `id` is not stored.
    mutating func column(for id: StringID, _ text: @autoclosure () -> String, selfWindows: [(UInt8, UInt8, UInt8)]) -> Lookup {
        var entry = entries[id]
        if entry == nil, case let s = text(), !ByteHash.isASCII(s), ByteHash.mayEqualASCII(s) {
            // The one ASCII spelling equal to `s` is its NFC form, stored under that string's number.
            let nfc = Array(s._nfcCodeUnits)
            if nfc.allSatisfy({ $0 < 0x80 }), let equal = StringTable.shared.existingID(of: String(decoding: nfc, as: UTF8.self)) {
                entry = entries[equal]
            }
        }
        guard let entry else { return .absent(id) }
        guard !Self.mayHoldSelf(blooms[Int(entry)], selfWindows) else { return .unsafe }
        return .column(columns[Int(entry)])
    }

    /// Stores the column of a string `column(for:)` found `absent` (under the number it gave).
    mutating func insert(_ id: StringID, _ s: String, column: Int32) {
        guard columns.count < Self.capacity, ByteHash.isASCII(s) else { return }
        entries.insert(id, UInt32(columns.count))
        columns.append(column)
        blooms.append(Self.bloom(of: s))
    }

    /// The bloom filter of the lower-cased 4-byte windows of an ASCII string.
    static func bloom(of s: String) -> Bits256 {
        var bloom = Bits256()
        var copy = s
        copy.withUTF8 { bytes in
            var window: UInt32 = 0
            for k in 0..<bytes.count {
                let b = bytes[k]
                window = window << 8 | UInt32(b &- 65 < 26 ? b | 0x20 : b)
                if k >= 3 { bloom.insert(Self.bloomBit(window)) }
            }
        }
        return bloom
    }

    /// Whether one of a record's names (`selfWindows`) may occur in the string of `bloom`.
    @inline(__always)
    static func mayHoldSelf(_ bloom: Bits256, _ selfWindows: [(UInt8, UInt8, UInt8)]) -> Bool {
        selfWindows.contains { bloom.contains($0.0) && bloom.contains($0.1) && bloom.contains($0.2) }
    }

    /// The bloom bit of 4 lower-cased bytes.
    static func bloomBit(window bytes: ArraySlice<UInt8>) -> UInt8 {
        bloomBit(bytes.reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
    }

    @inline(__always) static func bloomBit(_ window: UInt32) -> UInt8 {
        UInt8(truncatingIfNeeded: (window &* 0x9E37_79B1) >> 24)
    }
}

/// A set of byte values (256 bits).
struct Bits256 {
    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    init() {}

    @inline(__always) mutating func insert(_ b: UInt8) {
        let bit = UInt64(1) << UInt64(b & 63)
        switch b >> 6 {
        case 0: words.0 |= bit
        case 1: words.1 |= bit
        case 2: words.2 |= bit
        default: words.3 |= bit
        }
    }

    @inline(__always) func contains(_ b: UInt8) -> Bool {
        let bit = UInt64(1) << UInt64(b & 63)
        switch b >> 6 {
        case 0: return words.0 & bit != 0
        case 1: return words.1 & bit != 0
        case 2: return words.2 & bit != 0
        default: return words.3 & bit != 0
        }
    }
}
