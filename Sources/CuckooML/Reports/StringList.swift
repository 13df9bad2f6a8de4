/// A list of strings held as their numbers in `StringTable.shared`: 4 bytes an element where
/// `[String]` takes 16 (a loaded report holds ~150 strings in such lists: paths, registry keys,
/// mutexes, imported functions, hosts).
///
/// It reads, compares and prints as the `[String]` it holds, in the same order; `ids` gives the
/// numbers themselves (`session save`, and lookups that key on them).
public struct StringList: RandomAccessCollection, RangeReplaceableCollection, MutableCollection, Sendable, Equatable,
    ExpressibleByArrayLiteral, CustomStringConvertible, CustomDebugStringConvertible {
    public private(set) var ids: [StringID] = []

    public init() {}

    public init(ids: [StringID]) { self.ids = ids }

    public init(arrayLiteral elements: String...) { self.init(elements) }

    public init<S: Sequence>(_ elements: S) where S.Element == String {
        ids = elements.map { StringTable.shared.id(of: $0) }
    }

    public var startIndex: Int { 0 }
    public var endIndex: Int { ids.count }

    public subscript(position: Int) -> String {
        get { StringTable.shared[ids[position]] }
        set { ids[position] = StringTable.shared.id(of: newValue) }
    }

    public mutating func replaceSubrange<C: Collection>(_ subrange: Range<Int>, with new: C) where C.Element == String {
        ids.replaceSubrange(subrange, with: new.map { StringTable.shared.id(of: $0) })
    }

    public mutating func append(_ s: String) { ids.append(StringTable.shared.id(of: s)) }

    /// Appends a string already numbered (the reader's way: no `String` made).
    mutating func append(id: StringID) { ids.append(id) }

    public mutating func append(contentsOf other: StringList) { ids.append(contentsOf: other.ids) }

    /// Numbers appended as they are (not looked up again by their strings).
    public static func += (list: inout StringList, other: StringList) { list.ids.append(contentsOf: other.ids) }

    public mutating func reserveCapacity(_ n: Int) { ids.reserveCapacity(n) }

    /// Elements the storage has room for.
    var capacity: Int { ids.capacity }

    /// Storage of exactly what is held (see `ReportRecord.fitStorage`).
    mutating func fitStorage() { fit(&ids) }

    /// The strings as an array.
    public var strings: [String] { Array(self) }

    public static func == (a: StringList, b: StringList) -> Bool {
        // Equal bytes are one number; other spellings of equal Strings compare as Strings.
        a.ids == b.ids || a.elementsEqual(b)
    }

    public static func == (a: StringList, b: [String]) -> Bool { a.elementsEqual(b) }
    public static func == (a: [String], b: StringList) -> Bool { a.elementsEqual(b) }
    public static func != (a: StringList, b: [String]) -> Bool { !(a == b) }
    public static func != (a: [String], b: StringList) -> Bool { !(a == b) }

    public var description: String { strings.description }
    public var debugDescription: String { strings.debugDescription }
}

extension StringList {
    /// `ByteHash.distinctCount` of lists held as numbers: equal bytes are one number, so ASCII strings are
    /// counted by number; the others as there (a `Set<String>`, or every string as one when a
    /// non-ASCII one could equal an ASCII one).
    static func distinctCount<C: Collection<StringList>>(_ lists: C) -> Int {
        let table = StringTable.shared
        var seen = Set<StringID>()
        var ascii = 0
        var others = Set<String>()
        for list in lists {
            for id in list.ids where seen.insert(id).inserted {
                if table.withBytes(id, { ByteHash.isASCII($0) }) { ascii += 1; continue }
                let s = table[id]
                guard !ByteHash.mayEqualASCII(s) else { return Set(lists.joined()).count }
                others.insert(s)
            }
        }
        return ascii + others.count
    }
}

extension StringList: Hashable {
    public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        for s in self { hasher.combine(s) }
    }
}
