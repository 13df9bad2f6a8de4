#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// API name → call count of one report (`ReportRecord.apiCounts`), stored as one array of pairs of
/// exactly its size, ordered by the names' UTF-8 bytes.
///
/// A `Dictionary` keeps a power of two of 24-byte buckets at most three quarters full: for a
/// report's ~50-200 APIs that was the largest single allocation of a loaded sample (2.2 KB on
/// average on generated reports, against ~1.1 KB as pairs), held for as long as the sample stays
/// loaded. Reports are read into a `Dictionary` and then frozen here; readers iterate, count and
/// occasionally look a name up.
///
/// Semantics are the dictionary's: keys are unique as `String`s are equal (canonical equivalence),
/// assigning a key replaces its value, iteration yields `(key:value:)` pairs (here in byte order,
/// where a dictionary's order was arbitrary) and equality ignores order.
public struct APICounts: Sendable, Equatable, Sequence, ExpressibleByDictionaryLiteral {
    public typealias Element = (key: String, value: Int)
    private var entries: [Element] = []
    /// Whether every key is ASCII (then String equality is byte equality and a lookup is one binary search).
    private var allASCII = true

    public init() {}

    public init(_ counts: [String: Int]) {
        var entries = [Element]()
        entries.reserveCapacity(counts.count)
        for (key, value) in counts { entries.append((key, value)) }
        entries.sort { Self.bytePrecedes($0.key, $1.key) }
        self.entries = entries
        allASCII = entries.allSatisfy { ByteHash.isASCII($0.key) }
    }

    /// The counts of `pairs`, whose keys are distinct Strings.
    init(distinct pairs: [Element]) {
        var entries = pairs
        entries.sort { Self.bytePrecedes($0.key, $1.key) }
        fit(&entries)
        self.entries = entries
        allASCII = entries.allSatisfy { ByteHash.isASCII($0.key) }
    }

    /// `pairs` as they are, when their names are ASCII and strictly ascending by bytes (the order
    /// `APICounts` iterates, which a session file keeps); nil otherwise, for the caller to build the
    /// counts as a dictionary (no sort, no hashing for the usual case).
    init?(ascendingASCII pairs: [Element]) {
        for k in pairs.indices {
            guard ByteHash.isASCII(pairs[k].key), k == 0 || Self.bytePrecedes(pairs[k - 1].key, pairs[k].key) else { return nil }
        }
        entries = pairs
    }

    public init(dictionaryLiteral elements: (String, Int)...) {
        var counts: [String: Int] = [:]
        for (key, value) in elements { counts[key] = value }
        self.init(counts)
    }

    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }
    public var keys: [String] { entries.map(\.key) }
    public var values: [Int] { entries.map(\.value) }

    public func makeIterator() -> IndexingIterator<[Element]> { entries.makeIterator() }
    public var underestimatedCount: Int { entries.count }

    public subscript(key: String) -> Int? {
        get { position(of: key).map { entries[$0].value } }
        set {
            if let i = position(of: key) {
                if let newValue { entries[i].value = newValue } else { entries.remove(at: i) }
            } else if let newValue {
                entries.insert((key, newValue), at: insertionPoint(key))
                if allASCII && !ByteHash.isASCII(key) { allASCII = false }
            }
        }
    }

    public static func == (a: APICounts, b: APICounts) -> Bool {
        guard a.count == b.count else { return false }
        for (key, value) in a where b[key] != value { return false }
        return true
    }

    /// Where `key` is: found by its bytes, else (a spelling canonically equal to a stored one, which
    /// sorts elsewhere by bytes) by `==` over all entries, as a dictionary would find it.
    private func position(of key: String) -> Int? {
        let i = insertionPoint(key)
        if i < entries.count && entries[i].key.utf8.elementsEqual(key.utf8) { return i }
        if allASCII && ByteHash.isASCII(key) { return nil }
        return entries.firstIndex { $0.key == key }
    }

    /// The first entry whose key does not precede `key` in byte order.
    private func insertionPoint(_ key: String) -> Int {
        var lo = 0, hi = entries.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if Self.bytePrecedes(entries[mid].key, key) { lo = mid + 1 } else { hi = mid }
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

    func build() -> APICounts { APICounts(distinct: pairs) }
}
