import Testing
@testable import CuckooML

@Suite("import matrix CSV parsing")
struct ImportedMatrixTests {
    @Test func idColumnLabelsAndZerosDropped() throws {
        let m = try ImportedMatrix.parse("name,x,y,kind\r\na,1,0,k1\r\n\"b,2\",0.5,-3,k2\r\n", path: "m.csv", labelColumn: "kind")
        #expect(m.ids == ["a", "b,2"])
        #expect(m.names == ["x", "y"])
        #expect(m.labels == ["k1", "k2"])
        #expect(m.matrix.dense().values == [1, 0, 0.5, -3])
        #expect(m.matrix.nonZeroCount == 3)
    }

    @Test func numericFirstColumnIsAFeature() throws {
        let m = try ImportedMatrix.parse("a,b\n1,2\n3,4\n", path: "m.csv")
        #expect(m.ids == ["row1", "row2"] && m.names == ["a", "b"])
        #expect(m.matrix.dense().values == [1, 2, 3, 4])
    }

    @Test("bad input gives one line naming the file and place", arguments: [
        ("", "m.csv: the file is empty (a header line is required)"),
        ("a,b\n", "m.csv: no data rows after the header"),
        ("a,b\n1,2\n3\n", "m.csv: line 3: 1 fields, but the header has 2"),
        ("id,a\nx,1\nx,2\n", "m.csv: line 3: sample id 'x' repeats"),
        ("a,b\n1,\"2\n", "m.csv: line 2: unterminated quote"),
        ("id,a\nx,1\ny,z\n", "m.csv: line 3, column 'a': 'z' is not a number"),
        ("id,a\nx,\n", "m.csv: line 2, column 'a': '' is not a number"),
    ])
    func errors(_ text: String, _ message: String) {
        do {
            _ = try ImportedMatrix.parse(text, path: "m.csv")
            Issue.record("no error for \(text.debugDescription)")
        } catch {
            #expect(error.description == message)
        }
    }

    @Test func unknownLabelColumn() {
        #expect(throws: ImportError("m.csv", "no column named 'family' in the header")) {
            try ImportedMatrix.parse("a\n1\n", path: "m.csv", labelColumn: "family")
        }
    }

    /// The byte-level number parser agrees with `Double(String)` after trimming, fast paths included.
    @Test func byteNumbersMatchStringNumbers() {
        let cases = ["0", "1", "-0", "007", " 12\t", "-3", "123456789012345", "1234567890123456789",
                     "99999999999999999999999", "0.1", "-2.5e-3", "1E10", "3.14159265358979323846", "1.",
                     ".5", "+1", "1e", "e5", "-", "", " ", "nan", "inf", "-inf", "0x1p3", "1,5", "1 2",
                     "4.9e-324", "1e400", "0.30000000000000004", "١"]
        for text in cases {
            let bytes = Array(text.utf8)
            let got = bytes.withUnsafeBufferPointer { CSVBytes.number($0) }
            let want = ImportedMatrix.number(text)
            #expect(got?.bitPattern == want?.bitPattern || (got?.isNaN == true && want?.isNaN == true),
                    "\(text.debugDescription): \(String(describing: got)) vs \(String(describing: want))")
        }
    }

    @Test func quotesEscapesAndLineEnds() throws {
        let n = try ImportedMatrix.parse("id,\"x\"\n\"a\"\"b\"c,1\r\r\nq,2\r", path: "m.csv")
        #expect(n.ids == ["a\"bc", "q"] && n.names == ["x"] && n.matrix.dense().values == [1, 2])
        let bytes = Array("id,x\nr1,0.25\nr2,-1e2\n".utf8)
        let b = try ImportedMatrix.parse(bytes: bytes, path: "m.csv")
        #expect(b.ids == ["r1", "r2"] && b.matrix.dense().values == [0.25, -100])
    }
}
