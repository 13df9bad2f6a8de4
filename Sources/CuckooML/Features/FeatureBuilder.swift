#if canImport(Glibc)
import Glibc
#endif
import CPlatform
import Dispatch
import Synchronization

/// Builds the session's sparse feature matrix from report records.
///
/// The samples are cut into small contiguous blocks that the threads (one per core) take largest
/// first. Each thread finds its columns with its own dictionary (name → provisional id, in first-seen
/// order), keeps each block's rows as provisional ids in a chunk, and finally sorts its own names. The
/// threads' sorted names are then merged (so the space is the same whatever the load order or thread
/// count) and every row is remapped once while its chunk is copied into the matrix and released, so
/// the peak stays near one copy of the non-zeros: 100 000 samples × a few thousand non-zeros each,
/// over a million distinct names, fit in a few GB.
/// Time is O(total non-zeros · log(non-zeros per row) + columns · log columns), divided by the cores
/// for the extraction and the sorting.
public enum FeatureBuilder {
    /// The feature set of `samples` under `configuration`, coverage filters included. Samples without a
    /// record (rows of an imported matrix) get empty rows. `threads` 0 means one per core.
    public static func build(_ samples: [Sample], configuration: FeatureConfiguration, threads: Int = 0,
                             control: TaskControl = .none) throws(Interrupted) -> FeatureSet {
        try build(samples, configuration: configuration, threads: threads, minimumRowsPerThread: 24, control: control)
    }

    static func build(_ samples: [Sample], configuration: FeatureConfiguration, threads: Int,
                      minimumRowsPerThread: Int, control: TaskControl) throws(Interrupted) -> FeatureSet {
        let cores = threads > 0 ? threads : max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN)))
        let partCount = max(1, min(cores, samples.count / max(1, minimumRowsPerThread)))
        let blocks = Blocks(samples, parts: partCount)
        var parts = [Part?](repeating: nil, count: partCount)
        var chunks = [Chunk?](repeating: nil, count: blocks.ranges.count)
        let next = Atomic<Int>(0), rowsDone = Atomic<Int>(0)
        parts.withUnsafeMutableBufferPointer { partSlots in
            chunks.withUnsafeMutableBufferPointer { chunkSlots in
                let out = Slots(parts: partSlots, chunks: chunkSlots)
                DispatchQueue.concurrentPerform(iterations: partCount) { k in
                    var part = Part(configuration: configuration, index: k)
                    while !control.isCancelled() {
                        let taken = next.add(1, ordering: .relaxed).oldValue
                        guard taken < blocks.order.count else { break }
                        let b = blocks.order[taken]
                        out.chunks[b] = part.extract(samples, blocks.ranges[b])
                        let done = rowsDone.add(blocks.ranges[b].count, ordering: .relaxed).newValue
                        control.report(Progress(phase: "features", done: done, total: samples.count))
                    }
                    // Each part puts its own names in order here, on its own thread; the serial
                    // merge below then only interleaves sorted lists.
                    part.sortNames()
                    out.parts[k] = part
                }
            }
        }
        try control.checkCancellation()
        let merged = mergeNames(parts.map { $0! })
        parts = []
        // The parts' lookup tables (tens of MB a thread at 100 000 samples) are done with; the matrix
        // below is one large block of its own, so their pages would otherwise sit idle under the peak.
        cml_release_free_memory()

        // The columns the space keeps are known from the chunks' support, so the dropped ones (family
        // tokens of one sample, coverage filters) are left out while the rows are renumbered: the
        // matrix is built once at its final size instead of built whole and copied without them.
        let kept = keptColumns(support: support(of: chunks, merged.columns, columns: merged.names.count),
                               rows: samples.count, configuration: configuration)
        let maps = merged.columns.map { $0.map { kept.final[Int($0)] } }
        let names = kept.columns.map { merged.names[$0] }
        chunks.withUnsafeMutableBufferPointer { buffer in
            let out = ChunkSlots(chunks: buffer)
            runTasks(buffer.count, threads: partCount) { b, _ in
                out.chunks[b]!.renumber(maps[out.chunks[b]!.part])
                return !control.isCancelled()
            }
        }
        try control.checkCancellation()
        var matrix = SparseMatrix(columnCount: names.count)
        matrix.reserveCapacity(rows: samples.count, nonZeros: chunks.reduce(0) { $0 + $1!.columns.count })
        // The chunks' storage, freed as it is copied, stays in the extracting threads' heaps until
        // handed back, and the matrix is a block of its own: without this the copy ended with both
        // resident (90 MB more at 100 000 samples, the top of `load`'s peak).
        var freed = 0
        for b in chunks.indices {
            let chunk = chunks[b]!
            chunks[b] = nil
            matrix.appendRows(rowStart: chunk.rowStart, columns: chunk.columns, values: chunk.values)
            freed += chunk.rowStart.count * 8 + chunk.columns.count * 4 + chunk.values.count * (chunk.values.allOnes ? 0 : 8)
            if freed >= Self.releaseEvery { cml_release_free_memory(); freed = 0 }
        }
        return FeatureSet(configuration: configuration, names: names, matrix: matrix)
    }

    /// Bytes of chunks copied into the matrix between two hand-backs of free memory to the kernel.
    static let releaseEvery = 16 << 20

    /// How many rows name each final column (a row names a column at most once).
    private static func support(of chunks: [Chunk?], _ maps: [[Int32]], columns: Int) -> [Int] {
        var support = [Int](repeating: 0, count: columns)
        for chunk in chunks {
            let map = maps[chunk!.part]
            for c in chunk!.columns { support[Int(map[Int(c)])] += 1 }
        }
        return support
    }

    /// The columns `configuration` keeps, in order, and each column's place among them (-1 when
    /// dropped): family tokens seen in at least `FeatureSet.familyMinimumSupport` samples, and every
    /// space's coverage bounds, computed as `FeatureSet.filtered` computes them.
    static func keptColumns(support: [Int], rows: Int, configuration: FeatureConfiguration) -> (columns: [Int], final: [Int32]) {
        let minimumSupport = configuration.kind == .families ? FeatureSet.familyMinimumSupport : 0
        let total = Double(rows)
        var columns: [Int] = []
        var final = [Int32](repeating: -1, count: support.count)
        for (column, count) in support.enumerated() {
            guard count >= minimumSupport else { continue }
            let coverage = rows > 0 ? Double(count) / total : 0
            if let lower = configuration.minimumCoverage, coverage < lower { continue }
            if let upper = configuration.maximumCoverage, coverage > upper { continue }
            final[column] = Int32(columns.count)
            columns.append(column)
        }
        return (columns, final)
    }

    /// The parts' sorted names merged into one sorted list without repeats (names equal as Strings
    /// are one column), with each part's map from its provisional ids to the final columns.
    static func mergeNames(_ parts: [Part]) -> (names: [String], columns: [[Int32]]) {
        // The parts' names and orders read as arrays of their own: `parts[k].names[id]` copied the
        // whole `Part` (a retain and a release of each of its tables) for every name, in this serial step.
        let partNames = parts.map(\.names), orders = parts.map(\.order)
        var names: [String] = []
        var columns = partNames.map { [Int32](repeating: 0, count: $0.count) }
        var heads = [Int](repeating: 0, count: parts.count)
        names.reserveCapacity(partNames.map(\.count).max() ?? 0)
        while true {
            // The least name at the parts' heads (parts are few: a linear pick is enough).
            var least: (part: Int, id: Int)? = nil
            for k in orders.indices where heads[k] < orders[k].count {
                let id = orders[k][heads[k]]
                if let l = least, !namePrecedes(partNames[k][id], partNames[l.part][l.id]) { continue }
                least = (k, id)
            }
            guard let least else { break }
            let column = Int32(names.count)
            let leastName = partNames[least.part][least.id]
            var name = leastName
            for k in orders.indices where heads[k] < orders[k].count {
                let id = orders[k][heads[k]]
                // The least part's own name is `leastName`, which no spelling chosen so far follows.
                if k == least.part {
                    columns[k][id] = column
                    heads[k] += 1
                } else if partNames[k][id] == leastName {
                    columns[k][id] = column
                    heads[k] += 1
                    // Equal names: the spelling first in byte order, as within a part.
                    if bytesPrecede(partNames[k][id], name) { name = partNames[k][id] }
                }
            }
            names.append(name)
        }
        return (names, columns)
    }

    /// Contiguous blocks of samples, handed to the extracting threads largest (by report size) first,
    /// so a big report taken last does not leave the other threads idle; the rows still come out in
    /// sample order, block by block. Blocks are small enough to balance and at most 1 024 rows, so
    /// each block's chunk is released as soon as it is copied into the matrix.
    struct Blocks {
        let ranges: [Range<Int>]
        let order: [Int]

        init(_ samples: [Sample], parts: Int) {
            let size = max(1, min(1024, samples.count / (parts * 16)))
            ranges = stride(from: 0, to: samples.count, by: size).map { $0..<min(samples.count, $0 + size) }
            let weights = ranges.map { r in r.reduce(0) { $0 + max(1, samples[$1].reportSize) } }
            order = parts > 1 ? ranges.indices.sorted { weights[$0] != weights[$1] ? weights[$0] > weights[$1] : $0 < $1 }
                              : Array(ranges.indices)
        }
    }

    /// Whether `a`'s UTF-8 bytes come before `b`'s (a prefix first): `a.utf8.lexicographicallyPrecedes(b.utf8)`
    /// as one `memcmp` (the generic form steps byte by byte, and the merge asks it of most names).
    static func bytesPrecede(_ a: String, _ b: String) -> Bool {
        let compared = a.utf8.withContiguousStorageIfAvailable { x in
            b.utf8.withContiguousStorageIfAvailable { y -> Bool in
                let n = min(x.count, y.count)
                let order = n == 0 ? 0 : memcmp(x.baseAddress!, y.baseAddress!, n)
                return order != 0 ? order < 0 : x.count < y.count
            }
        }
        if case let ordered?? = compared { return ordered }
        return a.utf8.lexicographicallyPrecedes(b.utf8)
    }

    /// String order as `==` sees Strings: by their NFC code units. `<` on Strings is not a strict order
    /// for unnormalised spellings (neither `"Cafe\u{301}" < "Caf\u{e9}s"` nor the converse holds), which
    /// breaks sorting and the merge of the threads' names.
    static func namePrecedes(_ a: String, _ b: String) -> Bool {
        if ByteHash.isASCII(a) && ByteHash.isASCII(b) { return a < b }
        return a._nfcCodeUnits.lexicographicallyPrecedes(b._nfcCodeUnits)
    }

    /// The indices of `names` in String order (`namePrecedes`). ASCII names are sorted by their bytes (the same order
    /// for ASCII, without String comparison's general path); the others, usually few, are sorted as
    /// Strings and each inserted where String comparison with the ASCII names puts it.
    static func sortedOrder(_ names: [String]) -> [Int] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(names.reduce(8) { $0 + $1.utf8.count })
        var start = [0]
        start.reserveCapacity(names.count + 1)
        var asciiNames: [Int] = []
        var others: [Int] = []
        for (i, name) in names.enumerated() {
            if ByteHash.isASCII(name) {
                if name.utf8.withContiguousStorageIfAvailable({ bytes.append(contentsOf: $0) }) == nil {
                    bytes.append(contentsOf: name.utf8)
                }
                start.append(bytes.count)
                asciiNames.append(i)
            } else {
                others.append(i)
            }
        }
        bytes.append(contentsOf: repeatElement(0, count: 8))
        let asciiOrder = byteOrder(bytes, start).map { asciiNames[$0] }
        if others.isEmpty { return asciiOrder }
        var out: [Int] = []
        out.reserveCapacity(names.count)
        var from = 0
        let keys = Dictionary(uniqueKeysWithValues: others.map { ($0, names[$0]._nfcCodeUnits) })
        for o in others.sorted(by: { keys[$0]!.lexicographicallyPrecedes(keys[$1]!) }) {
            // The first ASCII name (from `from` on) not below this one.
            var lo = from, hi = asciiOrder.count
            while lo < hi {
                let mid = (lo + hi) / 2
                if names[asciiOrder[mid]].utf8.lexicographicallyPrecedes(keys[o]!) { lo = mid + 1 } else { hi = mid }
            }
            out.append(contentsOf: asciiOrder[from..<lo])
            out.append(o)
            from = lo
        }
        out.append(contentsOf: asciiOrder[from...])
        return out
    }

    /// The order of the byte strings `bytes[start[i]..<start[i + 1]]` (shorter first on a common
    /// prefix), sorting on 8-byte big-endian words: names sharing long prefixes (`:reg:write:HKEY_...`)
    /// compare as integers, one word deeper for each group still tied. An explicit stack, not
    /// recursion: a name may be very long.
    static func byteOrder(_ bytes: [UInt8], _ start: [Int]) -> [Int] {
        let count = start.count - 1
        var order = Array(0..<count)
        guard count > 1 else { return order }
        // Words are loaded 8 bytes at a time: the last name needs 8 readable bytes after its start
        // (`sortedOrder` leaves room, so this copies only for other callers).
        var padded = bytes
        if padded.count < start[count] + 8 { padded.append(contentsOf: repeatElement(0, count: 8)) }
        return padded.withUnsafeBufferPointer { buffer in
            let base = UnsafeRawPointer(buffer.baseAddress!)
            // The word of name i at byte `depth`, zero past its end.
            func word(_ i: Int, _ depth: Int) -> UInt64 {
                let length = start[i + 1] - start[i]
                if depth >= length { return 0 }
                let raw = UInt64(bigEndian: base.loadUnaligned(fromByteOffset: start[i] + depth, as: UInt64.self))
                let valid = length - depth
                return valid >= 8 ? raw : raw & ~(UInt64.max >> (8 * valid))
            }
            // (word, length if the name ends within this word else Int.max, name): within a tied word,
            // names ending in it are prefixes of the others (the zero padding matched) and come first,
            // shortest first; the rest is sorted one word deeper.
            var keyed: [(UInt64, Int, Int)] = []
            var work: [(Range<Int>, Int)] = [(0..<count, 0)]
            while let (range, from) = work.popLast() {
                // Words every name of the group shares (and none ends in) order nothing: skip them
                // with one pass instead of a sort each (paths share long stems: `C:\Users\...`).
                var depth = from
                let first = order[range.lowerBound]
                shared: while start[first + 1] - start[first] > depth + 8 {
                    let w = word(first, depth)
                    for p in range.dropFirst() {
                        let name = order[p]
                        if start[name + 1] - start[name] <= depth + 8 || word(name, depth) != w { break shared }
                    }
                    depth += 8
                }
                let end = depth + 8
                keyed.removeAll(keepingCapacity: true)
                for p in range {
                    let name = order[p], length = start[name + 1] - start[name]
                    keyed.append((word(name, depth), length <= end ? length : Int.max, name))
                }
                keyed.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
                for (k, entry) in keyed.enumerated() { order[range.lowerBound + k] = entry.2 }
                var i = 0
                while i < keyed.count {
                    var j = i + 1
                    while j < keyed.count && keyed[j].0 == keyed[i].0 { j += 1 }
                    var longer = i
                    while longer < j && keyed[longer].1 != Int.max { longer += 1 }
                    if j - longer > 1 { work.append(((range.lowerBound + longer)..<(range.lowerBound + j), end)) }
                    i = j
                }
            }
            return order
        }
    }

    /// Each thread writes only its own part's slot and the chunks of the blocks it took.
    struct Slots: @unchecked Sendable {
        let parts: UnsafeMutableBufferPointer<Part?>
        let chunks: UnsafeMutableBufferPointer<Chunk?>
    }

    /// Each thread renumbers only the chunks it took.
    struct ChunkSlots: @unchecked Sendable {
        let chunks: UnsafeMutableBufferPointer<Chunk?>
    }

    /// The rows of one block, with the provisional column ids of the part that extracted them.
    struct Chunk {
        let part: Int
        var rowStart: [Int] = [0]
        var columns: [Int32] = []
        var values = SparseValues()
        var rows: Int { rowStart.count - 1 }

        /// Replaces provisional ids by final columns (`map`), leaves out the entries of dropped columns
        /// (mapped to -1) and sorts each row by column. A row's columns are distinct, so each entry is
        /// sorted as one integer (column, then its place in the row), which sorts several times faster
        /// than (column, value) pairs under a closure. Rows only shrink, so they are compacted in place.
        mutating func renumber(_ map: [Int32]) {
            var keys: [UInt64] = []
            var moved: [Double] = []
            var written = 0
            for r in 0..<rows {
                let range = rowStart[r]..<rowStart[r + 1]
                keys.removeAll(keepingCapacity: true)
                for i in range {
                    let column = map[Int(columns[i])]
                    if column >= 0 { keys.append(UInt64(UInt32(column)) << 32 | UInt64(i - range.lowerBound)) }
                }
                keys.sort()
                moved.removeAll(keepingCapacity: true)
                // All-ones values (family features) stay as they are whatever the order.
                if !values.allOnes { for key in keys { moved.append(values[range.lowerBound + Int(key & 0xFFFF_FFFF)]) } }
                rowStart[r] = written
                for (k, key) in keys.enumerated() {
                    columns[written + k] = Int32(truncatingIfNeeded: key >> 32)
                    if !values.allOnes { values[written + k] = moved[k] }
                }
                written += keys.count
            }
            rowStart[rows] = written
            columns.removeLast(columns.count - written)
            values.removeLast(values.count - written)
        }
    }

    /// One extracting thread's columns: names by provisional id in first-seen order, and the
    /// indices that find a name's id again.
    struct Part {
        let index: Int
        let extractor: FeatureExtractor
        var names: [String] = []
        /// Provisional ids in String order of their names (filled by `sortNames`).
        var order: [Int] = []
        /// Names that can be spelled with two prefixes (see `FeatureExtractor.ambiguousPrefixes`).
        private var vocabulary = NameIndex()
        /// Column by (prefix number, rest of the name): known names are found without building them.
        private var keyed: [NameIndex]
        /// Where each column last appeared (row, position in its block's chunk), so repeated names
        /// overwrite without hashing.
        private var markRow: [Int32] = []
        private var markPosition: [Int32] = []
        /// Family features: column by raw report string, per family prefix (see `RawTokenIndex`).
        private var rawKeyed: [RawTokenIndex]
        /// Family features: columns of imported DLLs and functions.
        private var imports = ImportTokenCache()

        init(configuration: FeatureConfiguration, index: Int) {
            self.index = index
            extractor = FeatureExtractor(configuration: configuration)
            keyed = FeatureExtractor.prefixes.map { NameIndex(skip: $0.utf8.count) }
            rawKeyed = configuration.kind == .families
                ? [RawTokenIndex](repeating: RawTokenIndex(), count: FeatureExtractor.familyPrefixes.count) : []
        }

        /// The rows of `samples[range]` (empty rows for samples without a record).
        mutating func extract(_ samples: [Sample], _ range: Range<Int>) -> Chunk {
            var chunk = Chunk(part: index)
            let families = extractor.configuration.kind == .families
            for i in range {
                let row = Int32(truncatingIfNeeded: i)
                if let record = samples[i].record {
                    if families {
                        extractor.extractFamilies(record) { prefix, given, raw, normaliser in
                            guard let raw else { place(column(prefix, given!), 1, row, &chunk); return }
                            // A numbered string's text is made only when its number does not find its column.
                            switch raw {
                            case .imported(let library, let function):
                                placeImport(prefix, library, function, given, row, &chunk, &normaliser)
                                return
                            case .library(nil):
                                placeLibrary(prefix, given!, row, &chunk, &normaliser)
                                return
                            default:
                                break
                            }
                            let slot = prefix - FeatureExtractor.familyBase
                            var lookup = RawTokenIndex.Lookup.unsafe
                            if case .numbered(let id) = raw {
                                lookup = rawKeyed[slot].column(for: id, given ?? StringTable.shared[id], selfWindows: normaliser.selfWindows)
                            } else if case .library(let id?) = raw {
                                lookup = rawKeyed[slot].column(for: id, given ?? StringTable.shared[id], selfWindows: normaliser.selfWindows)
                            }
                            if case .column(let known) = lookup {
                                place(known, 1, row, &chunk)
                                return
                            }
                            let text = given ?? StringTable.shared[raw.number!]
                            // An empty string is no feature (as its empty token would say).
                            guard !text.isEmpty else { return }
                            let (token, usedSelf) = FeatureExtractor.rawToken(text, raw, &normaliser)
                            guard !token.isEmpty else { return }
                            let id = column(prefix, token)
                            if case .absent(let number) = lookup, !usedSelf { rawKeyed[slot].insert(number, text, column: id) }
                            place(id, 1, row, &chunk)
                        }
                    } else {
                        extractor.extractKeyed(record) { prefix, suffix, value in
                            place(column(prefix, suffix), value, row, &chunk)
                        }
                    }
                }
                chunk.rowStart.append(chunk.columns.count)
            }
            // Every chunk is held until all are extracted, and then beside the matrix they are copied
            // into: storage grown by doubling would leave a quarter of that peak unused on average.
            fit(&chunk.rowStart); fit(&chunk.columns); chunk.values.fitStorage()
            return chunk
        }

        /// Places the `library` feature of the DLL named `dll` (see `ImportTokenCache`).
        private mutating func placeLibrary(_ prefix: Int, _ dll: String, _ row: Int32, _ chunk: inout Chunk,
                                           _ normaliser: inout FamilyTokenNormaliser) {
            let dllPlace = imports.library(dll)
            let safe = dllPlace.map { imports.isSafe($0, normaliser.selfWindows) } ?? false
            if safe, let known = imports.libraryColumn(dllPlace!) {
                place(known, 1, row, &chunk)
                return
            }
            let (token, usedSelf) = libraryToken(dllPlace, safe, dll, &normaliser)
            guard !token.isEmpty else { return }
            let id = column(prefix, token)
            if let dllPlace, !usedSelf { imports.setLibraryColumn(dllPlace, id) }
            place(id, 1, row, &chunk)
        }

        /// Places the `import` feature of the function numbered `number` (its text `given`, else the
        /// table's) imported from `dll`; an empty function name is none.
        private mutating func placeImport(_ prefix: Int, _ dll: String, _ number: StringID, _ given: String?, _ row: Int32,
                                          _ chunk: inout Chunk, _ normaliser: inout FamilyTokenNormaliser) {
            // A kept column was made from a non-empty name: the text is needed only without one.
            let dllPlace = imports.library(dll)
            let safe = dllPlace.map { imports.isSafe($0, normaliser.selfWindows) } ?? false
            if safe, let known = imports.importColumn(dllPlace!, number, normaliser.selfWindows) {
                place(known, 1, row, &chunk)
                return
            }
            let function = given ?? StringTable.shared[number]
            guard !function.isEmpty else { return }
            let (library, librarySelf) = libraryToken(dllPlace, safe, dll, &normaliser)
            guard !library.isEmpty else { return }
            let (token, functionSelf) = normaliser.normaliseReportingSelf(function)
            guard !token.isEmpty else { return }
            let id = column(prefix, library + ":" + token)
            if let dllPlace, !librarySelf, !functionSelf { imports.setImportColumn(dllPlace, number, function, id) }
            place(id, 1, row, &chunk)
        }

        /// The library token of `dll` (at `dllPlace` in `imports`, `safe` for this record), kept there
        /// when made without the record's own names.
        private mutating func libraryToken(_ dllPlace: Int32?, _ safe: Bool, _ dll: String,
                                           _ normaliser: inout FamilyTokenNormaliser) -> (token: String, usedSelf: Bool) {
            if safe, let known = imports.libraryToken(dllPlace!) { return (known, false) }
            let made = FeatureExtractor.libraryToken(dll, &normaliser)
            if let dllPlace, !made.usedSelf { imports.setLibraryToken(dllPlace, made.token) }
            return made
        }

        /// The provisional id of the name `prefixes[prefix] + suffix`, made when new.
        @inline(__always) private mutating func column(_ prefix: Int, _ suffix: String) -> Int32 {
            var byteEqual = true
            if let known = keyed[prefix].find(suffix, byteEqual: &byteEqual) {
                if !byteEqual { keepFirstSpelling(known, FeatureExtractor.prefixes[prefix] + suffix) }
                return known
            }
            // A new split; the name itself may still be known under another split.
            let id: Int32
            let name = FeatureExtractor.prefixes[prefix] + suffix
            let ambiguous = FeatureExtractor.ambiguousPrefixes[prefix]
            if ambiguous, let known = vocabulary.find(name) {
                id = known
                keepFirstSpelling(known, name)
            } else {
                id = Int32(names.count)
                if ambiguous { vocabulary.insert(name, id) }
                names.append(name)
                markRow.append(-1)
                markPosition.append(0)
            }
            // The name is kept whole (the String in `names`), found by the suffix after its prefix: the
            // suffix as a String of its own was 16 MB of the build's peak at 100 000 samples. An ASCII
            // suffix makes an ASCII name, stored in `names` with the same bytes (`keepFirstSpelling`
            // keeps the ASCII spelling of equal names: it is the least in byte order).
            keyed[prefix].insert(suffix, id, storing: names[Int(id)])
            return id
        }

        /// Names equal as Strings but spelled differently (`Café` composed or not, the Kelvin sign and
        /// `K`) are one column; it is spelled by the spelling first in byte order, so the name does not
        /// depend on which samples a thread happened to see first.
        private mutating func keepFirstSpelling(_ id: Int32, _ name: String) {
            if name.utf8.lexicographicallyPrecedes(names[Int(id)].utf8) { names[Int(id)] = name }
        }

        /// Puts `value` in column `id` of `row` (the last value wins when a row names a column twice).
        @inline(__always) private mutating func place(_ id: Int32, _ value: Double, _ row: Int32, _ chunk: inout Chunk) {
            let column = Int(id)
            if markRow[column] == row {
                chunk.values[Int(markPosition[column])] = value
            } else {
                markRow[column] = row
                markPosition[column] = Int32(chunk.columns.count)
                chunk.columns.append(id)
                chunk.values.append(value)
            }
        }

        /// Lets go of the lookup tables, which are no longer needed, and orders the names. The tables
        /// go first, their pages handed back: the sort's byte copy of the names would otherwise be
        /// allocated beside them (it may not fit where they were), at the moment the whole build peaks
        /// (the other part may still be extracting).
        mutating func sortNames() {
            vocabulary = NameIndex()
            keyed = []
            rawKeyed = []
            imports = ImportTokenCache()
            markRow = []
            markPosition = []
            cml_release_free_memory()
            order = FeatureBuilder.sortedOrder(names)
        }

    }
}

extension FeatureSet {
    /// How many samples each column is non-zero in.
    public var columnSupport: [Int] {
        var support = [Int](repeating: 0, count: matrix.columnCount)
        for c in matrix.columns { support[Int(c)] += 1 }
        return support
    }

    /// Keeps the columns non-zero in at least `minimumCoverage` and at most `maximumCoverage` of the
    /// samples (fractions 0...1; nil means no bound). Matches the 2016 `filter_dataset`, which dropped
    /// a feature when `non-zero rows / rows < coverage`. The configuration records the bounds, so a
    /// rebuild for new samples applies them again; repeated filters only ever tighten the bounds.
    public func filtered(minimumCoverage: Double?, maximumCoverage: Double?) -> FeatureSet {
        guard minimumCoverage != nil || maximumCoverage != nil else { return self }
        let rows = Double(matrix.rowCount)
        let support = columnSupport
        var kept: [Int] = []
        for column in 0..<matrix.columnCount {
            let coverage = rows > 0 ? Double(support[column]) / rows : 0
            if let lower = minimumCoverage, coverage < lower { continue }
            if let upper = maximumCoverage, coverage > upper { continue }
            kept.append(column)
        }
        var configuration = self.configuration
        if let lower = minimumCoverage { configuration.minimumCoverage = max(lower, configuration.minimumCoverage ?? lower) }
        if let upper = maximumCoverage { configuration.maximumCoverage = min(upper, configuration.maximumCoverage ?? upper) }
        if kept.count == matrix.columnCount {
            return FeatureSet(configuration: configuration, names: names, matrix: matrix)
        }
        return FeatureSet(configuration: configuration, names: kept.map { names[$0] }, matrix: matrix.selectingColumns(kept))
    }

    /// Samples a family token must be seen in to be kept (`features families`).
    public static let familyMinimumSupport = 2

    /// Column number by feature name (build once to place many new records with `row(for:index:)`).
    public func columnIndex() -> [String: Int32] {
        var index: [String: Int32] = [:]
        index.reserveCapacity(names.count)
        for (i, n) in names.enumerated() { index[n] = Int32(i) }
        return index
    }

    /// The row a new record would have in this feature space (features outside it are dropped), for
    /// placing a sample without rebuilding (`compare`). Sorted by column.
    public func row(for record: ReportRecord, index: [String: Int32]? = nil) -> [(Int32, Double)] {
        let index = index ?? columnIndex()
        var values: [Int32: Double] = [:]
        FeatureExtractor(configuration: configuration).extract(record) { name, value in
            if let column = index[name] { values[column] = value }
        }
        return values.filter { $0.value != 0 }.map { ($0.key, $0.value) }.sorted { $0.0 < $1.0 }
    }

    /// Fraction of matrix cells that are non-zero.
    public var density: Double {
        let cells = Double(matrix.rowCount) * Double(matrix.columnCount)
        return cells > 0 ? Double(matrix.nonZeroCount) / cells : 0
    }

    /// Per group (in `FeatureGroup` order): columns and non-zeros. Simple features are all in
    /// `.signature`; names outside every group (an imported matrix) are counted under nil.
    public func groupSummary() -> [(group: FeatureGroup?, columns: Int, nonZeros: Int)] {
        let groups = FeatureGroup.ordered
        let signature = groups.firstIndex(of: .signature)!
        let simple = configuration.kind == .simple
        var columnGroup = [Int](repeating: groups.count, count: names.count)
        for i in names.indices {
            if let group = simple ? signature : FeatureGroup.caseIndex(of: names[i]) { columnGroup[i] = group }
        }
        var columns = [Int](repeating: 0, count: groups.count + 1)
        var nonZeros = columns
        for g in columnGroup { columns[g] += 1 }
        for c in matrix.columns { nonZeros[columnGroup[Int(c)]] += 1 }
        var out: [(group: FeatureGroup?, columns: Int, nonZeros: Int)] = []
        for (i, group) in groups.enumerated() where columns[i] > 0 {
            out.append((group, columns[i], nonZeros[i]))
        }
        if columns.last! > 0 { out.append((nil, columns.last!, nonZeros.last!)) }
        return out
    }
}
