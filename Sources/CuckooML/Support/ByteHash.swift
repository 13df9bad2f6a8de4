#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A fast hash of a string's UTF-8 bytes, 8 bytes at a time, for tables private to one process: the
/// standard library's SipHash costs more than the rest of the work for the long paths and registry
/// keys features are made of. The seed is random per process, so report authors cannot aim collisions.
enum ByteHash {
    static let seed: UInt64 = UInt64.random(in: 1...UInt64.max)

    @inline(__always)
    static func hash(_ s: String) -> UInt64 {
        if let h = s.utf8.withContiguousStorageIfAvailable({ hash(UnsafeRawBufferPointer($0)) }) { return h }
        var copy = s
        return copy.withUTF8 { hash(UnsafeRawBufferPointer($0)) }
    }

    /// `hash(s)` when every byte of `s` is ASCII, else nil: one pass over the bytes instead of two
    /// for the lookups that need both (every feature a report emits).
    @inline(__always)
    static func asciiHash(_ s: String) -> UInt64? {
        if let h = s.utf8.withContiguousStorageIfAvailable({ asciiHash(UnsafeRawBufferPointer($0)) }) { return h }
        var copy = s
        return copy.withUTF8 { asciiHash(UnsafeRawBufferPointer($0)) }
    }

    /// Whether every byte of `s` is ASCII (then String equality is byte equality).
    @inline(__always)
    static func isASCII(_ s: String) -> Bool {
        if let r = s.utf8.withContiguousStorageIfAvailable({ isASCII(UnsafeRawBufferPointer($0)) }) { return r }
        return s.utf8.allSatisfy { $0 < 0x80 }
    }

    @inline(__always)
    static func isASCII(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let n = bytes.count
        guard let base = bytes.baseAddress else { return true }
        var i = 0
        var or: UInt64 = 0
        while i + 8 <= n { or |= base.loadUnaligned(fromByteOffset: i, as: UInt64.self); i += 8 }
        while i < n { or |= UInt64(base.load(fromByteOffset: i, as: UInt8.self)); i += 1 }
        return or & 0x8080_8080_8080_8080 == 0
    }

    @inline(__always)
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 { hashAndBits(bytes).hash }

    @inline(__always)
    static func asciiHash(_ bytes: UnsafeRawBufferPointer) -> UInt64? {
        let (hash, bits) = hashAndBits(bytes)
        return bits & 0x8080_8080_8080_8080 == 0 ? hash : nil
    }

    /// The hash of the bytes and the OR of all their words (high bits set ⇔ a non-ASCII byte).
    @inline(__always)
    private static func hashAndBits(_ bytes: UnsafeRawBufferPointer) -> (hash: UInt64, bits: UInt64) {
        let n = bytes.count
        var h = seed ^ (UInt64(truncatingIfNeeded: n) &* 0x9E37_79B9_7F4A_7C15)
        var bits: UInt64 = 0
        var i = 0
        if let base = bytes.baseAddress {
            while i + 8 <= n {
                let word = base.loadUnaligned(fromByteOffset: i, as: UInt64.self)
                bits |= word
                h = mix(h ^ word)
                i += 8
            }
            if i < n {
                var tail: UInt64 = 0
                for k in 0..<(n - i) { tail |= UInt64(base.load(fromByteOffset: i + k, as: UInt8.self)) << (8 * k) }
                bits |= tail
                h = mix(h ^ tail)
            }
        }
        // murmur3's finaliser: every input bit reaches every output bit.
        h ^= h >> 33; h &*= 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 33; h &*= 0xC4CE_B9FE_1A85_EC53
        return (h ^ (h >> 33), bits)
    }

    @inline(__always)
    private static func mix(_ x: UInt64) -> UInt64 {
        let m = x.multipliedFullWidth(by: 0x9FB2_1C65_1E98_DF25)
        return m.high ^ m.low
    }

    /// The number of distinct strings among `lists`. ASCII strings are counted in an open-addressing
    /// table of (hash, where the string is): tens of thousands of file paths per report are counted
    /// for `:file:count:all`, and a table holding the strings themselves cost a retain and a release
    /// for each. Strings with non-ASCII bytes are counted by a `Set<String>`, which treats canonically
    /// equivalent spellings as one string, as the rest of the library does.
    static func distinctCount<C: Collection<[String]>>(_ lists: C) -> Int {
        let all = Array(lists)
        let total = all.reduce(0) { $0 + $1.count }
        var size = 64
        while size < 2 * total { size *= 2 }
        let mask = size - 1
        var slots = [Int32](repeating: -1, count: size)
        var hashes: [UInt64] = [], places: [(list: Int32, item: Int32)] = []
        hashes.reserveCapacity(total)
        places.reserveCapacity(total)
        var others = Set<String>()
        for (l, list) in all.enumerated() {
            for (i, s) in list.enumerated() {
                guard let h = asciiHash(s) else {
                    guard !mayEqualASCII(s) else { return Set(all.joined()).count }
                    others.insert(s)
                    continue
                }
                var slot = Int(truncatingIfNeeded: h) & mask
                var found = false
                while slots[slot] >= 0 {
                    let e = Int(slots[slot])
                    if hashes[e] == h && all[Int(places[e].list)][Int(places[e].item)] == s { found = true; break }
                    slot = (slot + 1) & mask
                }
                if !found {
                    slots[slot] = Int32(hashes.count)
                    hashes.append(h)
                    places.append((Int32(l), Int32(i)))
                }
            }
        }
        return hashes.count + others.count
    }

    /// Whether a non-ASCII string could equal an ASCII one as a Swift String. Only three characters
    /// decompose canonically to ASCII (U+037E to ';', U+1FEF to '`', U+212A to 'K'); a string without
    /// them keeps a non-ASCII character in every canonically equivalent spelling.
    static func mayEqualASCII(_ s: String) -> Bool {
        s.unicodeScalars.contains { $0.value == 0x037E || $0.value == 0x1FEF || $0.value == 0x212A }
    }
}

/// An open-addressing map from ASCII strings to ids, hashed with `ByteHash`. Callers keep non-ASCII
/// strings elsewhere: a non-ASCII string may equal an ASCII one as a Swift String (canonical
/// equivalence: U+212A KELVIN SIGN is "K"), which a byte table cannot see.
///
/// With `skip` > 0 each stored string starts with `skip` bytes that are not part of its key (a
/// feature name stored whole is found by the rest after its prefix): the caller keeps one `String`
/// for both, where a separate key would be an allocation of its own.
struct ASCIITable {
    private var slots: [Int32]
    private var hashes: [UInt64] = []
    private var keys: [String] = []
    private var values: [Int32] = []
    private var mask: Int
    let skip: Int

    init(capacity: Int = 32, skip: Int = 0) {
        self.skip = skip
        var size = 64
        while size < 2 * capacity { size *= 2 }
        slots = [Int32](repeating: -1, count: size)
        mask = size - 1
        hashes.reserveCapacity(capacity)
        keys.reserveCapacity(capacity)
        values.reserveCapacity(capacity)
    }

    var count: Int { keys.count }

    /// The keys (without their first `skip` bytes) and their ids.
    var entries: [(String, Int32)] {
        zip(keys, values).map { (skip == 0 ? $0 : String(decoding: $0.utf8.dropFirst(skip), as: UTF8.self), $1) }
    }

    @inline(__always)
    func find(_ key: String, hash: UInt64) -> Int32? {
        var i = Int(truncatingIfNeeded: hash) & mask
        while true {
            let e = slots[i]
            if e < 0 { return nil }
            if hashes[Int(e)] == hash && (skip == 0 ? keys[Int(e)] == key : Self.tailEquals(keys[Int(e)], skip, key)) {
                return values[Int(e)]
            }
            i = (i + 1) & mask
        }
    }

    /// Adds a key that is not in the table (`stored`: the key after `skip` bytes).
    mutating func insert(_ stored: String, hash: UInt64, value: Int32) {
        if (keys.count + 1) * 2 > slots.count { grow() }
        let e = Int32(keys.count)
        hashes.append(hash); keys.append(stored); values.append(value)
        place(e, hash)
    }

    /// Whether `stored` after its first `skip` bytes has the bytes of `key`.
    private static func tailEquals(_ stored: String, _ skip: Int, _ key: String) -> Bool {
        var a = stored, b = key
        return a.withUTF8 { sa in
            b.withUTF8 { sb in
                sa.count - skip == sb.count && (sb.isEmpty || memcmp(sa.baseAddress! + skip, sb.baseAddress!, sb.count) == 0)
            }
        }
    }

    private mutating func place(_ e: Int32, _ hash: UInt64) {
        var i = Int(truncatingIfNeeded: hash) & mask
        while slots[i] >= 0 { i = (i + 1) & mask }
        slots[i] = e
    }

    private mutating func grow() {
        slots = [Int32](repeating: -1, count: slots.count * 2)
        mask = slots.count - 1
        for e in 0..<keys.count { place(Int32(e), hashes[e]) }
    }
}

/// Ids by name with String equality, fast for ASCII names: those live in an `ASCIITable`, the others
/// in a dictionary. A name that could equal an ASCII one in another spelling (`mayEqualASCII`) moves
/// everything into one dictionary, which then decides every lookup.
struct NameIndex {
    private var ascii: ASCIITable
    private var other: [String: Int32] = [:]
    private var all: [String: Int32]? = nil

    /// `skip`: see `insert(_:_:storing:)`.
    init(skip: Int = 0) { ascii = ASCIITable(skip: skip) }

    mutating func find(_ name: String) -> Int32? {
        var byteEqual = true
        return find(name, byteEqual: &byteEqual)
    }

    /// As `find(_:)`, also telling whether a name found is known to be stored with the same bytes (it
    /// is when found in the ASCII table; the dictionaries match other spellings of an equal String).
    mutating func find(_ name: String, byteEqual: inout Bool) -> Int32? {
        let hash = ByteHash.asciiHash(name)
        if all == nil && hash == nil && ByteHash.mayEqualASCII(name) { mergeAll() }
        byteEqual = all == nil && hash != nil
        if let all { return all[name] }
        if let hash { return ascii.find(name, hash: hash) }
        return other[name]
    }

    /// Adds a name that `find` did not find.
    mutating func insert(_ name: String, _ id: Int32) {
        precondition(ascii.skip == 0)
        insert(name, id, storing: name)
    }

    /// Adds a name that `find` did not find; an ASCII one is kept as `stored`, which is the `skip`
    /// bytes the index was made with followed by `name`'s bytes.
    mutating func insert(_ name: String, _ id: Int32, storing stored: String) {
        let hash = ByteHash.asciiHash(name)
        if all == nil && hash == nil && ByteHash.mayEqualASCII(name) { mergeAll() }
        if all != nil {
            all![name] = id
        } else if let hash {
            ascii.insert(stored, hash: hash, value: id)
        } else {
            other[name] = id
        }
    }

    private mutating func mergeAll() {
        var merged = other
        for (name, id) in ascii.entries { merged[name] = id }
        all = merged
        other = [:]
        ascii = ASCIITable(skip: ascii.skip)
    }
}
