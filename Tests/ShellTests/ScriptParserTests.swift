import Testing
@testable import cuckooml

@Suite struct ScriptParserTests {
    @Test func splitsCommandsCommentsAndQuotes() throws {
        let script = """
            load sample_data/reports   # the shipped corpus
            cluster hdbscan 1 6; assess

            echo "two words" "say \\"hi\\"" "back\\\\slash"
            # a whole-line comment
            labels \\
              load extra.csv
            """
        let commands = try ScriptParser.parse(script)
        #expect(commands.map(\.words) == [
            ["load", "sample_data/reports"],
            ["cluster", "hdbscan", "1", "6"],
            ["assess"],
            ["echo", "two words", "say \"hi\"", "back\\slash"],
            ["labels", "load", "extra.csv"],
        ])
        #expect(commands.map(\.line) == [1, 2, 2, 4, 6])
    }

    @Test func backslashIsLiteralOutsideQuotes() throws {
        let commands = try ScriptParser.parse(#"load C:\reports\a.json"#)
        #expect(commands[0].words == ["load", #"C:\reports\a.json"#])
    }

    @Test func hashInsideAWordIsNotAComment() throws {
        let commands = try ScriptParser.parse("echo a#b \"#c\" #d")
        #expect(commands[0].words == ["echo", "a#b", "#c"])
    }

    @Test func unterminatedQuoteIsAnErrorOnItsLine() {
        #expect(throws: LocatedError.self) { try ScriptParser.parse("echo ok\necho \"oops") }
        do {
            _ = try ScriptParser.parse("echo ok\necho \"oops")
        } catch let error as LocatedError {
            #expect(error.line == 2)
        } catch {
            Issue.record("wrong error \(error)")
        }
    }
}
