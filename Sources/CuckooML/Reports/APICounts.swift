#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// API name → call count of one report (`ReportRecord.apiCounts`), stored as one array of exactly
/// its size, ordered by the names' UTF-8 bytes: per API its name's number in `StringTable.shared`
/// and its count, 8 bytes.
///
/// A `Dictionary` keeps a power of two of 24-byte buckets at most three quarters full: for a
/// report's ~50-200 APIs that was the largest single allocation of a loaded sample (2.2 KB on
/// average on generated reports, then ~1.1 KB as (String, Int) pairs, now ~0.4 KB), held for as
/// long as the sample stays loaded. Reports are read into a `Dictionary`-like builder and then
/// frozen here; readers iterate, count and occasionally look a name up.
///
/// Semantics are the dictionary's: keys are unique as `String`s are equal (canonical equivalence),
/// assigning a key replaces its value, iteration yields `(key:value:)` pairs (here in byte order,
/// where a dictionary's order was arbitrary) and equality ignores order.
public struct APICounts: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    public typealias Element = (key: String, value: Int)
    /// Per entry: the name's `StringID` in the high 32 bits, the count in the low 32 bits (unless `wide`).
    private var entries: [UInt64] = []
    /// Every count, when one does not fit in 32 bits unsigned (a hostile or broken report); nil otherwise.
    private var wide: [Int]? = nil
    /// Whether every key is ASCII (then String equality is byte equality and a lookup is one binary search).
    private var allASCII = true

    public init() {}

    public init(_ counts: [String: Int]) {
        self.init(distinct: counts.map { ($0.key, $0.value) })
    }

    /// The counts of `pairs`, whose keys are distinct Strings, numbered through `interner` when given.
    init(distinct pairs: [Element], interner: StringInterner? = nil) {
        var pairs = pairs
        pairs.sort { Self.bytePrecedes($0.key, $1.key) }
        self.init(sorted: pairs.map { (interner?.id(of: $0.key) ?? StringTable.shared.id(of: $0.key), $0.value) })
        allASCII = pairs.allSatisfy { ByteHash.isASCII($0.key) }
    }

    /// Numbered ASCII names with their counts, in byte order of the names, distinct.
    fileprivate init(sortedASCII pairs: [(StringID, Int)]) {
        self.init(sorted: pairs)
    }

    /// Numbered names with their counts, already in byte order of the names, distinct.
    private init(sorted pairs: [(StringID, Int)]) {
        var entries = [UInt64]()
        entries.reserveCapacity(pairs.count)
        var wide: [Int]? = nil
        for (k, (id, count)) in pairs.enumerated() {
            if wide == nil, count < 0 || count > Int(UInt32.max) { wide = pairs[..<k].map(\.1) }
            wide?.append(count)
            entries.append(UInt64(id) << 32 | UInt64(UInt32(truncatingIfNeeded: wide == nil ? count : 0)))
        }
        self.entries = entries
        self.wide = wide
    }

    /// `pairs` of numbered names as they are, when their names are ASCII and strictly ascending by
    /// bytes (the order `APICounts` iterates, which a session file keeps); nil otherwise, for the
    /// caller to build the counts as a dictionary (no sort, no hashing for the usual case).
    init?(ascendingASCII pairs: [(StringID, Int)]) {
        let table = StringTable.shared
        for k in pairs.indices {
            guard table.withBytes(pairs[k].0, { ByteHash.isASCII($0) }),
                  k == 0 || Self.bytePrecedes(table[pairs[k - 1].0], table[pairs[k].0]) else { return nil }
        }
        self.init(sorted: pairs)
    }

    public init(dictionaryLiteral elements: (String, Int)...) {
        var counts: [String: Int] = [:]
        for (key, value) in elements { counts[key] = value }
        self.init(counts)
    }

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }
    public var keys: [String] { entries.indices.map(key) }
    public var values: [Int] { entries.indices.map(value) }

    /// The name of entry `i`, and its number.
    @inline(__always) private func key(_ i: Int) -> String { StringTable.shared[nameID(i)] }
    @inline(__always) func nameID(_ i: Int) -> StringID { StringID(truncatingIfNeeded: entries[i] >> 32) }
    @inline(__always) private func value(_ i: Int) -> Int { wide?[i] ?? Int(UInt32(truncatingIfNeeded: entries[i])) }

    public struct Iterator: IteratorProtocol {
        fileprivate let counts: APICounts
        fileprivate var i = 0
        public mutating func next() -> Element? {
            guard i < counts.entries.count else { return nil }
            defer { i += 1 }
            return (counts.key(i), counts.value(i))
        }
    }

    public func makeIterator() -> Iterator { Iterator(counts: self) }
    public var underestimatedCount: Int { entries.count }

    /// The numbered names and counts in order (`session save`).
    func forEachNumbered(_ body: (StringID, Int) -> Void) {
        for i in entries.indices { body(nameID(i), value(i)) }
    }

    public subscript(key: String) -> Int? {
        get { position(of: key).map { value($0) } }
        set {
            var pairs = entries.indices.map { (nameID($0), value($0)) }
            if let i = position(of: key) {
                if let newValue { pairs[i].1 = newValue } else { pairs.remove(at: i) }
            } else if let newValue {
                pairs.insert((StringTable.shared.id(of: key), newValue), at: insertionPoint(key))
                if allASCII && !ByteHash.isASCII(key) { allASCII = false }
            } else {
                return
            }
            let ascii = allASCII
            self = APICounts(sorted: pairs)
            allASCII = ascii
        }
    }

    public static func == (a: APICounts, b: APICounts) -> Bool {
        guard a.count == b.count else { return false }
        if a.entries == b.entries && a.wide == b.wide { return true }
        for (key, value) in a where b[key] != value { return false }
        return true
    }

    /// Where `key` is: found by its bytes, else (a spelling canonically equal to a stored one, which
    /// sorts elsewhere by bytes) by `==` over all entries, as a dictionary would find it.
    private func position(of key: String) -> Int? {
        let i = insertionPoint(key)
        if i < entries.count && self.key(i).utf8.elementsEqual(key.utf8) { return i }
        if allASCII && ByteHash.isASCII(key) { return nil }
        return entries.indices.first { self.key($0) == key }
    }

    /// The first entry whose key does not precede `key` in byte order.
    private func insertionPoint(_ key: String) -> Int {
        var lo = 0, hi = entries.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if Self.bytePrecedes(self.key(mid), key) { lo = mid + 1 } else { hi = mid }
        }
        return lo
    }

    /// Byte order of the UTF-8 forms (memcmp on native strings: the generic sequence comparison
    /// cost more than the rest of building a report's counts).
    private static func bytePrecedes(_ a: String, _ b: String) -> Bool {
        let fast = a.utf8.withContiguousStorageIfAvailable { x in
            b.utf8.withContiguousStorageIfAvailable { y -> Bool in
                let n = Swift.min(x.count, y.count)
                let c = n == 0 ? 0 : memcmp(x.baseAddress!, y.baseAddress!, n)
                return c != 0 ? c < 0 : x.count < y.count
            }
        }
        if let fast, let fast { return fast }
        return a.utf8.lexicographicallyPrecedes(b.utf8)
    }
}

/// Sums call counts by API name while a report is read, then freezes them into `APICounts`. Names
/// arrive as their numbers in `StringTable.shared` (the reader numbers every string it keeps anyway)
/// and are summed by number in a small open-addressed table: a report's few hundred APIs are then
/// neither made into `String`s nor hashed as text per call, and are numbered once, not twice (as a
/// `String` key, then again when frozen: together a tenth of `load`).
///
/// Equal numbers are equal bytes; for ASCII names that is String equality, so the sums are the
/// dictionary's. A report with a non-ASCII name is summed again by String equality when frozen
/// (`NameIndex`), in the order the names were first met, as the dictionary did.
struct APICountsBuilder {
    /// Per slot the name's number in the high 32 bits and its place in `pairs` + 1 (0: empty).
    private var slots: [UInt64] = []
    private var pairs: [(id: StringID, count: Int)] = []
    private var allASCII = true

    /// Adds `count` calls of the API numbered `id`, whose bytes were `ascii` or not.
    mutating func add(_ id: StringID, ascii: Bool, _ count: Int) {
        if !ascii { allASCII = false }
        if slots.isEmpty { slots = [UInt64](repeating: 0, count: 256) }
        let mask = slots.count - 1
        var at = Self.slot(id, mask)
        while true {
            let entry = slots[at]
            if entry == 0 { break }
            if entry >> 32 == UInt64(id) {
                pairs[Int(UInt32(truncatingIfNeeded: entry)) - 1].count += count
                return
            }
            at = (at + 1) & mask
        }
        pairs.append((id, count))
        slots[at] = UInt64(id) << 32 | UInt64(pairs.count)
        if pairs.count * 2 > slots.count { grow() }
    }

    @inline(__always) private static func slot(_ id: StringID, _ mask: Int) -> Int {
        Int(truncatingIfNeeded: (UInt64(id) &* 0x9E37_79B9_7F4A_7C15) >> 40) & mask
    }

    private mutating func grow() {
        slots = [UInt64](repeating: 0, count: slots.count * 2)
        let mask = slots.count - 1
        for (k, pair) in pairs.enumerated() {
            var at = Self.slot(pair.id, mask)
            while slots[at] != 0 { at = (at + 1) & mask }
            slots[at] = UInt64(pair.id) << 32 | UInt64(k + 1)
        }
    }

    /// The counts, in the byte order of their names.
    func build() -> APICounts {
        let table = StringTable.shared
        guard allASCII else {
            var index = NameIndex()
            var merged: [APICounts.Element] = []
            for pair in pairs {
                let name = table[pair.id]
                if let i = index.find(name) {
                    merged[Int(i)].value += pair.count
                } else {
                    index.insert(name, Int32(merged.count))
                    merged.append((name, pair.count))
                }
            }
            return APICounts(distinct: merged)
        }
        return APICounts(sortedASCII: byteOrder().map { (pairs[$0].id, pairs[$0].count) })
    }

    /// The places in `pairs` in the byte order of their names: each name's first 8 bytes as a
    /// big-endian word (zero past its end) sort most of them as integers; equal words go to memcmp
    /// over a copy of all the names' bytes (comparing `String`s took a third of freezing the counts).
    private func byteOrder() -> [Int] {
        var bytes: [UInt8] = []
        var start = [0]
        start.reserveCapacity(pairs.count + 1)
        for pair in pairs {
            StringTable.shared.withBytes(pair.id) { bytes.append(contentsOf: $0) }
            start.append(bytes.count)
        }
        bytes.append(contentsOf: repeatElement(0, count: 8))
        return bytes.withUnsafeBufferPointer { buffer in
            let base = UnsafeRawPointer(buffer.baseAddress!)
            let keys = pairs.indices.map { i -> (UInt64, Int) in
                let length = start[i + 1] - start[i]
                let word = UInt64(bigEndian: base.loadUnaligned(fromByteOffset: start[i], as: UInt64.self))
                return (length >= 8 ? word : word & ~(UInt64.max >> (8 * length)), i)
            }
            return keys.sorted { a, b in
                if a.0 != b.0 { return a.0 < b.0 }
                let na = start[a.1 + 1] - start[a.1], nb = start[b.1 + 1] - start[b.1]
                let c = memcmp(base + start[a.1], base + start[b.1], min(na, nb))
                return c != 0 ? c < 0 : na < nb
            }.map(\.1)
        }
    }
}
