/// The columns of one `FeatureBuilder` part's `import` and `library` family features by the strings
/// they are made of, so a DLL and a function met in an earlier record are not normalised again (a
/// report imports some thirty functions, and the same ones recur across a corpus). The rules are
/// `RawTokenIndex`'s: only ASCII strings are kept (String equality is then byte equality), a token
/// holding `<self>` is never kept, and a kept one is not reused for a record whose own names may occur
/// in its strings (their bloom filters).
///
/// DLLs are found by their text (the reader does not number them; a report names a few) and imported
/// functions by their number in `StringTable.shared` beside their DLL's place here.
struct ImportTokenCache {
    /// Entries at most of each kind; later strings are normalised each time.
    static let capacity = 1 << 20

    /// Place of each ASCII DLL text met.
    private var libraries: [String: Int32] = [:]
    private var last: (text: String, place: Int32)?
    private var libraryBlooms: [Bits256] = []
    /// The DLL's library token, once made without a record's own name.
    private var libraryTokens: [String?] = []
    /// The column of the DLL's `library` feature (-1: not known yet).
    private var libraryColumns: [Int32] = []
    /// Entry by (DLL place, function number).
    private var functions: [UInt64: Int32] = [:]
    private var functionBlooms: [Bits256] = []
    private var functionColumns: [Int32] = []

    init() {}

    /// The place of an ASCII DLL text (made when new), nil for other text or when full.
    mutating func library(_ dll: String) -> Int32? {
        guard ByteHash.isASCII(dll) else { return nil }
        // A library's functions come one after another: its text is usually the one just asked for.
        if let last, dll == last.text { return last.place }
        if let known = libraries[dll] { last = (dll, known); return known }
        guard libraryTokens.count < Self.capacity else { return nil }
        let place = Int32(libraryTokens.count)
        libraries[dll] = place
        libraryBlooms.append(RawTokenIndex.bloom(of: dll))
        libraryTokens.append(nil)
        libraryColumns.append(-1)
        last = (dll, place)
        return place
    }

    /// Whether the DLL at `place` cannot hold one of the record's names (`selfWindows`).
    func isSafe(_ place: Int32, _ selfWindows: [(UInt8, UInt8, UInt8)]) -> Bool {
        !RawTokenIndex.mayHoldSelf(libraryBlooms[Int(place)], selfWindows)
    }

    /// The `library` column kept for the DLL at `place` (check `isSafe` first).
    func libraryColumn(_ place: Int32) -> Int32? {
        let column = libraryColumns[Int(place)]
        return column >= 0 ? column : nil
    }

    mutating func setLibraryColumn(_ place: Int32, _ column: Int32) { libraryColumns[Int(place)] = column }

    /// The library token kept for the DLL at `place` (check `isSafe` first).
    func libraryToken(_ place: Int32) -> String? { libraryTokens[Int(place)] }

    mutating func setLibraryToken(_ place: Int32, _ token: String) { libraryTokens[Int(place)] = token }

    /// The `import` column kept for `function` of the DLL at `place`: nil when none is kept, or when
    /// one of the record's names may occur in the function (the DLL is checked by `isSafe`).
    func importColumn(_ place: Int32, _ function: StringID, _ selfWindows: [(UInt8, UInt8, UInt8)]) -> Int32? {
        guard let entry = functions[Self.key(place, function)],
              !RawTokenIndex.mayHoldSelf(functionBlooms[Int(entry)], selfWindows) else { return nil }
        return functionColumns[Int(entry)]
    }

    /// Keeps the `import` column of `function` (text `text`) of the DLL at `place`, made without a
    /// record's own name.
    mutating func setImportColumn(_ place: Int32, _ function: StringID, _ text: String, _ column: Int32) {
        let key = Self.key(place, function)
        guard functions[key] == nil, functionColumns.count < Self.capacity, ByteHash.isASCII(text) else { return }
        functions[key] = Int32(functionColumns.count)
        functionBlooms.append(RawTokenIndex.bloom(of: text))
        functionColumns.append(column)
    }

    private static func key(_ place: Int32, _ function: StringID) -> UInt64 {
        UInt64(UInt32(bitPattern: place)) << 32 | UInt64(function)
    }
}
