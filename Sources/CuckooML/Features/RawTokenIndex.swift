/// The column each raw report string of one family prefix was given, so `FeatureBuilder` finds a
/// string it has seen in an earlier record with one hash, as it finds the 2016 features, instead of
/// normalising it again (the normalised token would lead to the same column).
///
/// A column is reused only where the token would be the same: one holding `<self>` is never stored
/// (it is the storing record's alone), and a stored string is not reused for a record whose own
/// names (hashes, file name) may occur in it. For that each string keeps a 256-bit bloom filter of
/// its lower-cased 4-byte windows; a record's name whose first, middle and last windows are all in it
/// sends the string through the normaliser again. Only ASCII strings are stored (others lower-case by
/// Unicode rules, not byte by byte).
struct RawTokenIndex {
    /// Strings stored at most per index; later ones are normalised each time.
    static let capacity = 1 << 20

    private var index = NameIndex()
    private var columns: [Int32] = []
    private var blooms: [(UInt64, UInt64, UInt64, UInt64)] = []

    init() {}

    enum Lookup { case absent, unsafe, column(Int32) }

    /// The column stored for `s`; `unsafe` when one of the record's names (`selfWindows`) may occur
    /// in it, `absent` when it is not stored.
    mutating func column(for s: String, selfWindows: [(UInt8, UInt8, UInt8)]) -> Lookup {
        guard let id = index.find(s) else { return .absent }
        let bloom = blooms[Int(id)]
        for (first, middle, last) in selfWindows
        where Self.test(bloom, first) && Self.test(bloom, middle) && Self.test(bloom, last) { return .unsafe }
        return .column(columns[Int(id)])
    }

    /// Stores the column of a string `column(for:)` found `absent`.
    mutating func insert(_ s: String, column: Int32) {
        guard columns.count < Self.capacity, ByteHash.isASCII(s) else { return }
        var bloom: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
        var copy = s
        copy.withUTF8 { bytes in
            var window: UInt32 = 0
            for k in 0..<bytes.count {
                let b = bytes[k]
                window = window << 8 | UInt32(b &- 65 < 26 ? b | 0x20 : b)
                if k >= 3 { Self.set(&bloom, Self.bloomBit(window)) }
            }
        }
        index.insert(s, Int32(columns.count))
        columns.append(column)
        blooms.append(bloom)
    }

    /// The bloom bit of 4 lower-cased bytes.
    static func bloomBit(window bytes: ArraySlice<UInt8>) -> UInt8 {
        bloomBit(bytes.reduce(UInt32(0)) { $0 << 8 | UInt32($1) })
    }

    @inline(__always) static func bloomBit(_ window: UInt32) -> UInt8 {
        UInt8(truncatingIfNeeded: (window &* 0x9E37_79B1) >> 24)
    }

    @inline(__always) private static func test(_ bloom: (UInt64, UInt64, UInt64, UInt64), _ bit: UInt8) -> Bool {
        let mask = UInt64(1) << UInt64(bit & 63)
        switch bit >> 6 {
        case 0: return bloom.0 & mask != 0
        case 1: return bloom.1 & mask != 0
        case 2: return bloom.2 & mask != 0
        default: return bloom.3 & mask != 0
        }
    }

    @inline(__always) private static func set(_ bloom: inout (UInt64, UInt64, UInt64, UInt64), _ bit: UInt8) {
        let mask = UInt64(1) << UInt64(bit & 63)
        switch bit >> 6 {
        case 0: bloom.0 |= mask
        case 1: bloom.1 |= mask
        case 2: bloom.2 |= mask
        default: bloom.3 |= mask
        }
    }
}
