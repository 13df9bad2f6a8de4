#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// A string's number in `StringTable.shared`: records hold these (4 bytes) instead of `String`s (16).
public typealias StringID = UInt32

/// Every distinct string the process's records hold, once, numbered from 0 (a `StringID`).
///
/// At 100 000 loaded reports the records hold ~25 million strings, ~250 a report of which only
/// ~25 are new: as `String`s the references alone were 400 MB, and each loader thread kept its own
/// copy of the strings it met. Here each string is stored once per process, and a record's lists,
/// API names and antivirus results hold its 4-byte number.
///
/// Numbers are never reused and strings never freed (an unloaded sample's strings stay, to be found
/// again by the next load): the table grows with the distinct strings a process has met, not with
/// the samples it holds. Looking a string up takes a lock; the loader's threads go through their own
/// `StringInterner` first, so they take it only for strings new to them. The lock spins (then
/// yields): it is held for a probe and maybe an insert, and a sleeping mutex made the loader's two
/// threads wake each other through the kernel thousands of times a second. Reading a string by number
/// takes no lock: strings are stored in segments that never move, and a number is only ever known
/// after the string was stored (under the lock, or handed over with a record).
public final class StringTable: @unchecked Sendable {
    public static let shared = StringTable()

    /// Strings per segment, and segments at most (2^32 numbers).
    private static let segmentShift = 16
    private static let segmentSize = 1 << segmentShift
    private static let segmentLimit = 1 << 16

    private let segments: UnsafeMutablePointer<UnsafeMutablePointer<String>?>
    private let busy = Atomic<Bool>(false)
    /// Guarded by `busy`.
    @exclusivity(unchecked) private var index = StringIDSlots(size: 1 << 12)

    private init() {
        segments = .allocate(capacity: Self.segmentLimit)
        segments.initialize(repeating: nil, count: Self.segmentLimit)
    }

    /// `body` on the index, holding the lock.
    @inline(__always)
    private func withIndex<R>(_ body: (inout StringIDSlots) -> R) -> R {
        var spins = 0
        while !busy.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged {
            spins += 1
            if spins >= 100 { sched_yield(); spins = 0 }
        }
        defer { busy.store(false, ordering: .releasing) }
        return body(&index)
    }

    /// How many strings are stored.
    public var count: Int { withIndex { $0.count } }

    /// Makes room for `more` strings besides those stored: growing re-hashes every string stored
    /// (millions at 100 000 reports, reading each one's bytes) under the lock, which the loader's
    /// other thread then waits for.
    func reserve(_ more: Int) {
        withIndex { index in
            let wanted = (index.count + more) * 4 / 3 + 1
            guard wanted > index.slots.count else { return }
            var size = index.slots.count
            while size < wanted { size *= 2 }
            index.resize(size, table: self)
        }
    }

    /// The string numbered `id`.
    @inline(__always)
    public subscript(id: StringID) -> String {
        segments[Int(id) >> Self.segmentShift].unsafelyUnwrapped[Int(id) & (Self.segmentSize - 1)]
    }

    /// Calls `body` with the UTF-8 bytes of the string numbered `id`.
    @inline(__always)
    func withBytes<R>(_ id: StringID, _ body: (UnsafeRawBufferPointer) -> R) -> R {
        let s = self[id]
        if let r = s.utf8.withContiguousStorageIfAvailable({ body(UnsafeRawBufferPointer($0)) }) { return r }
        var copy = s
        return copy.withUTF8 { body(UnsafeRawBufferPointer($0)) }
    }

    /// Where the UTF-8 bytes of the string numbered `id` are for as long as this table lives, or nil
    /// for a small string (kept inline in its `String`, so its bytes have no place of their own) or
    /// one without contiguous storage. A stored string is never changed or freed, so the storage of
    /// a native one does not move.
    func lastingBytes(_ id: StringID) -> UnsafeRawBufferPointer? {
        let s = self[id]
        guard s.utf8.count > StringInterner.smallStringLimit else { return nil }
        return s.utf8.withContiguousStorageIfAvailable { UnsafeRawBufferPointer($0) }
    }

    /// The number of the string with `s`'s bytes, stored when new.
    public func id(of s: String) -> StringID {
        if let id = s.utf8.withContiguousStorageIfAvailable({ id(UnsafeRawBufferPointer($0), hash: ByteHash.hash(UnsafeRawBufferPointer($0)), made: s) }) {
            return id
        }
        var copy = s
        return copy.withUTF8 { id(UnsafeRawBufferPointer($0), hash: ByteHash.hash(UnsafeRawBufferPointer($0)), made: s) }
    }

    /// The number of the string with `s`'s bytes when it is stored (nothing is stored here).
    func existingID(of s: String) -> StringID? {
        var copy = s
        return copy.withUTF8 { bytes in
            let raw = UnsafeRawBufferPointer(bytes)
            return withIndex { $0.find(raw, hash: ByteHash.hash(raw), in: self).id }
        }
    }

    /// The numbers of `strings`, in order, under one lock (a session file's string table). Room for
    /// all of them is made first: growing the index step by step while millions are added re-hashes
    /// every string stored at each doubling (an eighth of `session open` at 100 000 reports).
    func ids(of strings: [String]) -> [StringID] {
        reserve(strings.count)
        return withIndex { index in
            strings.map { s in
                if let id = s.utf8.withContiguousStorageIfAvailable({ locate(UnsafeRawBufferPointer($0), ByteHash.hash(UnsafeRawBufferPointer($0)), s, &index) }) {
                    return id
                }
                var copy = s
                return copy.withUTF8 { locate(UnsafeRawBufferPointer($0), ByteHash.hash(UnsafeRawBufferPointer($0)), s, &index) }
            }
        }
    }

    /// The number of the string with these bytes (whose `ByteHash` is `hash`), stored when new (as
    /// `made` when given, else decoded from the bytes).
    func id(_ bytes: UnsafeRawBufferPointer, hash: UInt64, made: String? = nil) -> StringID {
        withIndex { locate(bytes, hash, made, &$0) }
    }

    private func locate(_ bytes: UnsafeRawBufferPointer, _ hash: UInt64, _ made: String?, _ index: inout StringIDSlots) -> StringID {
        let (found, slot) = index.find(bytes, hash: hash, in: self)
        if let found { return found }
        let id = index.count
        precondition(id < Self.segmentSize * Self.segmentLimit, "string table full")
        let segment = id >> Self.segmentShift
        if segments[segment] == nil {
            let storage = UnsafeMutablePointer<String>.allocate(capacity: Self.segmentSize)
            segments[segment] = storage
        }
        let s = made ?? String(decoding: bytes.assumingMemoryBound(to: UInt8.self), as: UTF8.self)
        if made == nil, s.utf8.withContiguousStorageIfAvailable({ Self.equal(UnsafeRawBufferPointer($0), bytes) }) != true {
            // Invalid UTF-8, repaired when decoded: the string is stored (once) under its repaired bytes.
            var repaired = s
            return repaired.withUTF8 { locate(UnsafeRawBufferPointer($0), ByteHash.hash(UnsafeRawBufferPointer($0)), s, &index) }
        }
        (segments[segment]! + (id & (Self.segmentSize - 1))).initialize(to: s)
        index.insert(StringID(id), hash: hash, at: slot)
        if index.count * 4 > index.slots.count * 3 { index.resize(index.slots.count * 2, table: self) }
        return StringID(id)
    }

    @inline(__always)
    static func equal(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Bool {
        a.count == b.count && (a.count == 0 || memcmp(a.baseAddress!, b.baseAddress!, a.count) == 0)
    }
}
