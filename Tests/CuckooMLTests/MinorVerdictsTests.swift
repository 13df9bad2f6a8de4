import Testing
@testable import CuckooML

/// Issue 13, bug 9: `import matrix` and label files.
@Suite struct MinorVerdictsTests {
    func message(_ text: String, labelColumn: String? = nil, idColumn: String? = nil) -> String? {
        do {
            _ = try ImportedMatrix.parse(text, path: "m.csv", labelColumn: labelColumn, idColumn: idColumn)
            return nil
        } catch {
            return error.description
        }
    }

    @Test func nonFiniteValuesAreRefusedNamingLineAndColumn() {
        #expect(message("id,a,b\nx,1,2\ny,3,nan\n") == "m.csv: line 3, column 'b': 'nan' is not a finite number")
        #expect(message("a,b\n1,inf\n") == "m.csv: line 2, column 'b': 'inf' is not a finite number")
        #expect(message("a,b\n-Infinity,1\n") == "m.csv: line 2, column 'a': '-Infinity' is not a finite number")
        #expect(message("a,b\n1e400,1\n") == "m.csv: line 2, column 'a': '1e400' is not a finite number")
    }

    @Test func quotedFieldsMayHoldLineBreaks() throws {
        let m = try ImportedMatrix.parse("name,\"x\ny\",kind\n\"two\nlines\",1,\"k\r\n1\"\nb,2,k2\nc,\"3\",k3\n", path: "m.csv", labelColumn: "kind")
        #expect(m.ids == ["two\nlines", "b", "c"])
        #expect(m.names == ["x\ny"])
        #expect(m.labels == ["k\r\n1", "k2", "k3"])
        #expect(m.matrix.dense().values == [1, 2, 3])
        // Errors name the line the record starts on.
        #expect(message("id,a\n\"x\ny\",1\nz,q\n") == "m.csv: line 4, column 'a': 'q' is not a number")
        #expect(message("id,a\nx,1\n\"y,2\nz,3\n") == "m.csv: line 3: unterminated quote")
    }

    @Test func idColumnsByNameOrByOption() throws {
        // A numeric column named like an id is the id, wherever it is.
        let byName = try ImportedMatrix.parse("x,md5,y\n1,101,2\n3,102,4\n", path: "m.csv")
        #expect(byName.ids == ["101", "102"] && byName.names == ["x", "y"])
        for name in ["sample", "ID", "sha1", "sha256", "Name"] {
            #expect(try ImportedMatrix.parse("\(name),a\n1,2\n", path: "m.csv").ids == ["1"], "\(name)")
        }
        let byOption = try ImportedMatrix.parse("x,key,y\n1,7,2\n3,8,4\n", path: "m.csv", idColumn: "key")
        #expect(byOption.ids == ["7", "8"] && byOption.names == ["x", "y"])
        #expect(message("x,y\n1,2\n", idColumn: "key") == "m.csv: no column named 'key' in the header")
        #expect(message("x,y\n1,2\n", labelColumn: "x", idColumn: "x") == "m.csv: column 'x' cannot be both the id and the label")
        // Without a name or an option, a numeric first column is still a feature.
        #expect(try ImportedMatrix.parse("a,b\n1,2\n", path: "m.csv").ids == ["row1"])
    }

    @Test func labelFilesReportConflictsAndBlankRows() throws {
        let labels = try ExternalLabels.parse("sample,family\na,zbot\nb,emotet\n,orphan\nc,\na.json,zeus\nb,emotet\n", path: "l.csv")
        #expect(labels.blankRows.map(\.line) == [4, 5])
        let samples = ["a", "b"].map { Sample(id: $0, path: nil, reportSize: 0, record: nil) }
        let conflicts = labels.conflicts(samples)
        #expect(conflicts.count == 1, "b twice with the same family is no conflict")
        #expect(conflicts.first?.sample == "a" && conflicts.first?.earlier.line == 2 && conflicts.first?.later.line == 6)
        #expect(labels.match(samples).labels["a"]?.family == "zeus", "the later row is kept")
    }
}
