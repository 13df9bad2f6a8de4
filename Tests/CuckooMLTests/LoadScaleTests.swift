#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import CuckooML

/// The memory-saving paths of loading and session files give exactly what the plain paths give.
struct LoadScaleTests {
    private func intern(_ interner: StringInterner, _ bytes: [UInt8]) -> String {
        bytes.withUnsafeBufferPointer { interner.string($0) }
    }

    /// Two equal long strings come back as one storage; short, distinct and invalid ones as
    /// `String(decoding:)` makes them.
    @Test func internerSharesEqualStringsAndChangesNoValue() {
        let interner = StringInterner()
        let path = Array("C:\\Users\\admin\\AppData\\Local\\Temp\\x.exe".utf8)
        let a = intern(interner, path), b = intern(interner, path)
        #expect(a == String(decoding: path, as: UTF8.self) && b == a)
        let same = a.utf8.withContiguousStorageIfAvailable { x in b.utf8.withContiguousStorageIfAvailable { $0.baseAddress == x.baseAddress } }
        #expect(same == true)
        #expect(interner.count == 1)
        #expect(intern(interner, Array("short".utf8)) == "short" && interner.count == 1)
        let invalid: [UInt8] = Array("HKEY_LOCAL_MACHINE\\Software\\".utf8) + [0xFF, 0xC3]
        #expect(intern(interner, invalid) == String(decoding: invalid, as: UTF8.self))
        #expect(intern(interner, invalid) == String(decoding: invalid, as: UTF8.self))
        // Many distinct strings: the table grows and still finds each one.
        let many = (0..<5000).map { Array("kernel32.dll!Function\($0)".utf8) }
        let first = many.map { intern(interner, $0) }
        #expect(many.indices.allSatisfy { intern(interner, many[$0]) == first[$0] && first[$0] == String(decoding: many[$0], as: UTF8.self) })
    }

    /// Equal bytes get one number, from any thread's interner or the table itself; invalid UTF-8 is
    /// numbered as its repaired string, once.
    @Test func stringTableNumbersEqualBytesOnce() {
        let table = StringTable.shared
        let text = "HKEY_CURRENT_USER\\Software\\StringTableTest\\\(UInt64.random(in: 0...UInt64.max))"
        let a = table.id(of: text), b = StringInterner().id(of: text), c = StringInterner().id(of: String(text))
        #expect(a == b && b == c && table[a] == text)
        #expect(table.id(of: text + "!") != a && table.id(of: "") == table.id(of: ""))
        let invalid: [UInt8] = Array("StringTableTest\\bad".utf8) + [0xFF, 0xC3]
        let repaired = String(decoding: invalid, as: UTF8.self)
        let viaBytes = invalid.withUnsafeBufferPointer { StringInterner().id($0) }
        #expect(table[viaBytes] == repaired && table.id(of: repaired) == viaBytes)
        let before = table.count
        _ = invalid.withUnsafeBufferPointer { StringInterner().id($0) }
        #expect(table.count == before)
    }

    /// The interner's cache of recent strings gives every string the number the table gives it, for
    /// every length around the 16 bytes it keeps inline, invalid UTF-8 (numbered as repaired), and
    /// more strings than it has entries (so they evict each other), looked up again and again.
    @Test func internerCacheGivesTheTableNumbers() {
        let table = StringTable.shared
        let tag = UInt64.random(in: 0...UInt64.max)
        var strings: [[UInt8]] = [[]]
        for length in 1...40 { strings.append(Array("\(tag)".utf8.prefix(length)) + Array(repeating: UInt8(ascii: "k"), count: max(0, length - 20))) }
        for length in [3, 15, 16, 17, 30] { strings.append(Array(repeating: UInt8(ascii: "x"), count: length - 1) + [0xFF]) }
        strings += (0..<(StringInterner.recentCount * 2)).map { Array("HKEY_LOCAL_MACHINE\\Software\\\(tag)\\\($0)".utf8) }
        let expected = strings.map { table.id(of: String(decoding: $0, as: UTF8.self)) }
        let interner = StringInterner()
        for pass in 0..<3 {
            let ids = strings.map { bytes in bytes.withUnsafeBufferPointer { interner.id($0) } }
            #expect(ids == expected, "pass \(pass)")
        }
        // Another interner, meeting them in the other order, gives the same numbers.
        let other = StringInterner()
        #expect(strings.indices.reversed().allSatisfy { i in strings[i].withUnsafeBufferPointer { other.id($0) } == expected[i] })
    }

    /// Slots grown from their tags alone (no string read again) still find every number, among strings
    /// sharing their home slot at the small size, and find nothing for a string not held.
    @Test func stringSlotsGrowFromTheirTags() {
        let table = StringTable.shared
        let tag = UInt64.random(in: 0...UInt64.max)
        let strings = (0..<400).map { "StringIDSlotsTest\\\(tag)\\\($0)" }
        let ids = strings.map { table.id(of: $0) }
        func find(_ slots: StringIDSlots, _ s: String) -> StringID? {
            var copy = s
            return copy.withUTF8 { bytes in
                let raw = UnsafeRawBufferPointer(bytes)
                return slots.find(raw, hash: ByteHash.hash(raw), in: table).id
            }
        }
        var slots = StringIDSlots(size: 512)
        for (s, id) in zip(strings, ids) {
            var copy = s
            copy.withUTF8 { bytes in
                let raw = UnsafeRawBufferPointer(bytes)
                let hash = ByteHash.hash(raw)
                let (found, slot) = slots.find(raw, hash: hash, in: table)
                #expect(found == nil)
                slots.insert(id, hash: hash, at: slot)
            }
        }
        for size in [1024, 4096, 1 << 16] {
            slots.resize(size, table: table)
            #expect(slots.slots.count == size && slots.count == strings.count)
            #expect(zip(strings, ids).allSatisfy { find(slots, $0) == $1 }, "size \(size)")
            #expect(find(slots, "StringIDSlotsTest\\\(tag)\\missing") == nil)
        }
    }

    /// Reading with an interner and fitted lists gives the same record as reading without.
    @Test func readingWithAnInternerGivesTheSameRecords() throws {
        let directory = TestSupport.packageRoot + "/sample_data/reports"
        let files = PathExpansion.expand([directory], recursive: false).files
        try #require(files.count > 100)
        let interner = StringInterner()
        for path in files.prefix(60) {
            let plain = try ReportReader.read(path: path)
            let shared = try ReportReader.read(path: path, control: .none, interner: interner, progress: nil)
            #expect(plain == shared, "\(path)")
        }
        #expect(interner.count > 0)
    }

    @Test func fittedListsHoldTheSameValues() {
        var record = SessionFixtures.record(3)
        record.mutexes.reserveCapacity(100)
        record.virusTotal = VirusTotalResults()
        record.virusTotal!.scans.reserveCapacity(64)
        record.virusTotal!.scans.append(EngineResult(engine: "A", detected: true, result: "Trojan.X"))
        let before = record
        record.fitStorage()
        #expect(record == before)
        #expect(record.mutexes.capacity < 100 && record.virusTotal!.scans.capacity < 64)
    }

    /// The ascending fast path of `selectingColumns` equals the general path (a permutation).
    @Test func selectingAscendingColumnsEqualsTheGeneralPath() {
        var matrix = SparseMatrix(columnCount: 9)
        for r in 0..<40 {
            matrix.appendRow((0..<9).compactMap { c in (r * 7 + c * 3) % 5 < 2 ? (Int32(c), Double(c + r) / 4 + 0.5) : nil })
        }
        let kept = [0, 2, 3, 7, 8]
        let fast = matrix.selectingColumns(kept)
        // The same columns chosen through a non-ascending list, then put back in order.
        let general = matrix.selectingColumns([8, 0, 7, 3, 2]).selectingColumns([1, 4, 3, 2, 0])
        #expect(fast == general)
        #expect(fast.rowCount == 40 && fast.columnCount == 5)
        for r in 0..<40 {
            let row = matrix.row(r)
            let expected = zip(row.columns, row.values).filter { kept.contains(Int($0.0)) }
            let got = fast.row(r)
            #expect(got.columns.map { kept[Int($0)] } == expected.map { Int($0.0) })
            #expect(Array(got.values) == expected.map(\.1))
        }
    }

    /// Session save and open stop on Ctrl-C with `Interrupted`, leave no file behind, and report progress.
    @Test func sessionSaveAndOpenStopWhenCancelled() throws {
        let dir = OutputFixtures.temporaryDirectory()
        var session = SessionFixtures.full(samples: 2000)
        // The fixture's clusterings are made for its 7-sample default; rows and labels are what count here.
        session.fixture.hdbscan = nil; session.fixture.dbscan = nil; session.fixture.linkage = nil; session.fixture.lastClustered = nil
        let reports = Locked(0)
        let counting = TaskControl(report: { _ in reports.withLock { $0 += 1 } })
        try SessionStore.save(session, to: dir + "/s.cml", control: counting)
        #expect(reports.withLock { $0 } > 0)
        let cancelled = TaskControl(isCancelled: { true })
        #expect(throws: Interrupted.self) { try SessionStore.save(session, to: dir + "/t.cml", control: cancelled) }
        #expect(access(dir + "/t.cml", F_OK) != 0)
        #expect(TestSupport.listDirectory(dir) == ["s.cml"])
        #expect(throws: Interrupted.self) { _ = try SessionStore.open(dir + "/s.cml", control: cancelled) }
        #expect(sameSession(try SessionStore.open(dir + "/s.cml", control: counting), session))
    }
}
