import Testing
@testable import CuckooML

@Suite("Record APICounts")
struct APICountsTests {
    @Test func behavesAsTheDictionaryItReplaces() {
        let dictionary = ["NtClose": 12, "LdrLoadDll": 3, "caf\u{e9}": 1, "A": 0, "NtOpenKey": 241]
        var counts = APICounts(dictionary)
        #expect(counts.count == 5)
        #expect(counts.keys == ["A", "LdrLoadDll", "NtClose", "NtOpenKey", "caf\u{e9}"])
        for (key, value) in dictionary { #expect(counts[key] == value) }
        #expect(counts["Missing"] == nil)
        // A canonically equal spelling is the same key, as in a Dictionary.
        #expect(counts["cafe\u{301}"] == 1)
        counts["cafe\u{301}"] = 5
        #expect(counts.count == 5 && counts["caf\u{e9}"] == 5)
        counts["Sleep"] = 7
        counts["NtClose"] = nil
        #expect(counts.keys == ["A", "LdrLoadDll", "NtOpenKey", "Sleep", "caf\u{e9}"])
        let total: Int = counts.values.reduce(0, +)
        #expect(total == 256)
        let expected: APICounts = ["Sleep": 7, "caf\u{e9}": 5, "A": 0, "NtOpenKey": 241, "LdrLoadDll": 3]
        #expect(counts == expected)
        let other: APICounts = ["Sleep": 7]
        #expect(counts != other)
        #expect(APICounts() == [:] && APICounts().isEmpty)
    }

    /// Counts that do not fit the compact 32-bit form (negative, huge) keep their values.
    @Test func wideCountsKeepTheirValues() {
        var counts: APICounts = ["A": 1, "B": Int.max, "C": -3]
        #expect(counts["A"] == 1 && counts["B"] == Int.max && counts["C"] == -3)
        counts["D"] = 4
        #expect(counts.values == [1, Int.max, -3, 4])
        #expect(counts == ["D": 4, "C": -3, "B": Int.max, "A": 1])
    }

    @Test func asciiKeysAreFoundByBinarySearch() {
        var counts = APICounts()
        for i in stride(from: 999, through: 0, by: -1) { counts["Api\(i)"] = i }
        #expect(counts.count == 1000)
        #expect(zip(counts.keys, counts.keys.dropFirst()).allSatisfy { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        for i in 0..<1000 { #expect(counts["Api\(i)"] == i) }
        // Kelvin sign: canonically equal to ASCII K, so found although its bytes differ.
        counts["\u{212A}ey"] = 1
        #expect(counts["Key"] == 1)
    }

    /// The reader's builder sums by string number; what it freezes must be what summing by String
    /// in a dictionary gives (the direct way), ASCII names or not, in the order APICounts keeps.
    @Test(arguments: [false, true])
    func builderSumsAsADictionaryDoes(nonASCII: Bool) {
        var names = ["NtClose", "NtQueryValueKey", "NtQueryVirtualMemory", "NtQueryV", "A", "", "a\u{0}",
                     "a", "LdrLoadDll", "GetProcAddress", "GetProcAddressForCaller", "Zw", "NtOpenKeyEx"]
        // Equal as Strings, different bytes: one key for the dictionary, two numbers for the builder.
        if nonASCII { names += ["caf\u{e9}", "cafe\u{301}", "\u{212A}ey", "Key"] }
        var generator = EngineReference.Random(seed: 7)
        var dictionary: [String: Int] = [:]
        var builder = APICountsBuilder()
        for _ in 0..<500 {
            let name = names[Int(generator.next() % UInt64(names.count))]
            let count = Int(generator.next() % 1000)
            dictionary[name, default: 0] += count
            var copy = name
            let ascii = copy.withUTF8 { ByteHash.isASCII(UnsafeRawBufferPointer($0)) }
            builder.add(StringTable.shared.id(of: name), ascii: ascii, count)
        }
        let built = builder.build()
        let direct = APICounts(dictionary)
        #expect(built == direct)
        #expect(built.count == dictionary.count)
        #expect(built.keys.map { Array($0.utf8) } == direct.keys.map { Array($0.utf8) })
        #expect(built.values == direct.values)
        #expect(zip(built.keys, built.keys.dropFirst()).allSatisfy { $0.utf8.lexicographicallyPrecedes($1.utf8) })
    }
}
