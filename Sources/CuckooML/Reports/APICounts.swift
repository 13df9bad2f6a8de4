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

/// Sums call counts by API name while a report is read, then freezes them into `APICounts`. Names are
/// found with `NameIndex` (the byte hash for ASCII names, String equality as a Dictionary's for the
/// others): the standard library's SipHash of every API name of every process was ~5 % of `load`.
struct APICountsBuilder {
    private var index = NameIndex()
    private var pairs: [APICounts.Element] = []

    mutating func add(_ name: String, _ count: Int) {
        if let i = index.find(name) {
            pairs[Int(i)].value += count
        } else {
            index.insert(name, Int32(pairs.count))
            pairs.append((name, count))
        }
    }

    /// The counts, their names numbered through `interner` when given.
    func build(interner: StringInterner? = nil) -> APICounts { APICounts(distinct: pairs, interner: interner) }
}
