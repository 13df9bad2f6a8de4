import Testing
@testable import CuckooML

/// Antivirus results are stored as engine numbers and result strings; they must read back exactly
/// as appended, whatever the engine names.
struct EngineResultsTests {
    @Test func resultsReadBackInOrderWithTheirFlags() {
        let given = [EngineResult(engine: "Kaspersky", detected: true, result: "Trojan.Win32.Zorbex.a"),
                     EngineResult(engine: "Some New Engine", detected: false, result: nil),
                     EngineResult(engine: "ClamAV", detected: false, result: ""),
                     EngineResult(engine: "Some New Engine", detected: true, result: "x"),
                     EngineResult(engine: "", detected: true, result: "empty engine name")]
        let results = EngineResults(given)
        #expect(Array(results) == given)
        #expect(results.count == 5 && results[3] == given[3])
        var removed = results
        removed.removeAll { $0.engine == "Some New Engine" }
        #expect(Array(removed) == [given[0], given[2], given[4]])
        var appended = results
        appended += [EngineResult(engine: "Avast", detected: true, result: "Win32:Zorbex")]
        #expect(Array(appended) == given + [EngineResult(engine: "Avast", detected: true, result: "Win32:Zorbex")])
    }

    /// A name equal as a String to a known engine but spelled with other code points (a Kelvin sign
    /// for the K) keeps its own bytes, and still compares equal, as Strings do.
    @Test func namesKeepTheirBytes() {
        let kelvin = "\u{212A}aspersky"
        let results = EngineResults([EngineResult(engine: kelvin, detected: true, result: "a")])
        #expect(Array(results[0].engine.utf8) == Array(kelvin.utf8))
        #expect(results == EngineResults([EngineResult(engine: "Kaspersky", detected: true, result: "a")]))
        #expect(results != EngineResults([EngineResult(engine: "Kaspersky", detected: false, result: "a")]))
    }

    @Test func manyUnknownEnginesAndEveryKnownOne() {
        let unknown = (0..<5000).map { EngineResult(engine: "engine-\($0)", detected: $0 % 3 == 0, result: "r\($0)") }
        let known = EngineResults.knownEngines.enumerated().map { EngineResult(engine: $0.element, detected: $0.offset % 2 == 0, result: nil) }
        var results = EngineResults(unknown + known)
        #expect(Array(results) == unknown + known)
        results.reserveCapacity(20_000)
        results.fitStorage()
        #expect(Array(results) == unknown + known && results.capacity < 20_000)
    }

    /// Appending by the engine name's string number (`session open`'s way) stores what appending by
    /// the name stores, for every known engine, unknown ones and a Kelvin-sign spelling of a known one.
    @Test func appendingByStringNumberStoresWhatAppendingByNameStores() {
        let names = EngineResults.knownEngines + ["Some New Engine", "\u{212A}aspersky", "", "kaspersky"]
        var byName = EngineResults(), byNumber = EngineResults()
        for (k, name) in names.enumerated() {
            let result: StringID? = k % 3 == 0 ? nil : StringTable.shared.id(of: "r\(k)")
            byName.append(engine: name, detected: k % 2 == 0, resultID: result)
            byNumber.append(engineID: StringTable.shared.id(of: name), detected: k % 2 == 0, resultID: result)
        }
        #expect(Array(byNumber) == Array(byName))
        #expect(zip(byNumber, names).allSatisfy { Array($0.engine.utf8) == Array($1.utf8) })
        #expect(byNumber == byName)
    }

    /// Repeated engines are dropped by engine number when every engine is a known one, and through
    /// a set of names otherwise: either way what the direct way (a set of the names seen) keeps.
    @Test func removingRepeatedEnginesKeepsEachEnginesFirstResult() {
        let cases: [[EngineResult]] = [
            [],
            [EngineResult(engine: "Avast", detected: true, result: "Win32:Zorbex"),
             EngineResult(engine: "ClamAV", detected: false, result: nil)],
            [EngineResult(engine: "Avast", detected: true, result: "a"), EngineResult(engine: "ClamAV", detected: false, result: nil),
             EngineResult(engine: "Avast", detected: false, result: "b"), EngineResult(engine: "tehtris", detected: true, result: "c"),
             EngineResult(engine: "ALYac", detected: true, result: "d"), EngineResult(engine: "tehtris", detected: false, result: "e")],
            EngineResults.knownEngines.enumerated().map { EngineResult(engine: $0.element, detected: $0.offset % 2 == 0, result: "r\($0.offset)") }
                + EngineResults.knownEngines.reversed().map { EngineResult(engine: $0, detected: true, result: nil) },
            [EngineResult(engine: "Some New Engine", detected: true, result: "a"), EngineResult(engine: "Avast", detected: true, result: "b"),
             EngineResult(engine: "Some New Engine", detected: false, result: "c"), EngineResult(engine: "Avast", detected: false, result: "d"),
             EngineResult(engine: "\u{212A}aspersky", detected: true, result: "e"), EngineResult(engine: "Kaspersky", detected: true, result: "f")],
        ]
        for given in cases {
            var seen = Set<String>()
            let direct = given.filter { seen.insert($0.engine).inserted }
            var results = EngineResults(given)
            results.removeRepeatedEngines()
            #expect(Array(results) == direct)
            #expect(results.map { Array($0.engine.utf8) } == direct.map { Array($0.engine.utf8) })
        }
    }
}
