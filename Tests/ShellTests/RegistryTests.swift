import Testing
@testable import cuckooml

/// The registry is data: these checks keep every declaration usable by parsing, help and completion.
@Suite struct RegistryTests {
    let registry = Registry.standard

    @Test func namesAndAliasesAreUnique() {
        for level in [registry.commands] + registry.allPaths.map({ $0.command.subcommands }) where !level.isEmpty {
            let words = level.flatMap { [$0.spec.name] + $0.spec.aliases }
            #expect(Set(words).count == words.count, "duplicate names among \(words)")
        }
    }

    @Test func everyCommandExplainsItself() {
        for (path, command) in registry.allPaths {
            let spec = command.spec
            #expect(!spec.summary.isEmpty, "\(path) has no summary")
            #expect(!spec.summary.hasSuffix("."), "\(path): summaries are phrases without a full stop")
            for argument in spec.arguments {
                #expect(!argument.help.isEmpty, "\(path) \(argument.name) has no help")
            }
            let argNames = spec.arguments.map(\.name)
            #expect(Set(argNames).count == argNames.count, "\(path) repeats an argument name")
            let positionals = spec.positionals
            if let repeating = positionals.firstIndex(where: \.isRepeating) {
                #expect(repeating == positionals.count - 1, "\(path): only the last positional may repeat")
            }
            let detail = HelpRenderer.detail(path: path, command: command)
            #expect(detail.hasPrefix("usage: " + path.joined(separator: " ")))
        }
    }

    @Test func unknownCommandSuggestsTheClosest() {
        #expect(throws: ShellError.unknownCommand("statsu", suggestion: "status")) { try registry.resolve(["statsu"]) }
        #expect(throws: ShellError.unknownCommand("hel", suggestion: "help")) { try registry.resolve(["hel"]) }
    }

    @Test func aliasesResolve() throws {
        #expect(try registry.resolve(["exit"]).path == ["quit"])
        #expect(try registry.resolve(["show", "settings"]).path == ["show", "settings"])
    }

    @Test func parsingValidatesBeforeRunning() throws {
        let spec = SetCommand.spec
        #expect(throws: ShellError.self) { try ArgumentParser.parse(["colour", "on"], commandPath: ["set"], spec: spec) }
        #expect(throws: ShellError.usage("missing VALUE (its new value)")) { try ArgumentParser.parse(["format"], commandPath: ["set"], spec: spec) }
        let parsed = try ArgumentParser.parse(["format", "json"], commandPath: ["set"], spec: spec)
        #expect(parsed.string("key") == "format")
        #expect(parsed.string("value") == "json")
    }

    @Test func optionsFlagsAndRanges() throws {
        let spec = CommandSpec(name: "t", summary: "test", arguments: [
            .positional("n", .integer(1...10), help: "n"),
            .option("metric", .choice(["euclidean", "jaccard"]), default: "euclidean", help: "metric"),
            .option("eps", .number(0...1), help: "eps"),
            .flag("recursive", help: "r"),
        ])
        let a = try ArgumentParser.parse(["3", "metric=jaccard", "recursive"], commandPath: ["t"], spec: spec)
        #expect(a.int("n") == 3)
        #expect(a.string("metric") == "jaccard")
        #expect(a.has("recursive"))
        let b = try ArgumentParser.parse(["4"], commandPath: ["t"], spec: spec)
        #expect(b.string("metric") == "euclidean")
        #expect(!b.isGiven("metric"))
        #expect(throws: ShellError.usage("N must be from 1 to 10, not 11")) { try ArgumentParser.parse(["11"], commandPath: ["t"], spec: spec) }
        #expect(throws: ShellError.usage("metric= takes euclidean, jaccard, not 'jacard'; did you mean 'jaccard'?")) {
            try ArgumentParser.parse(["1", "metric=jacard"], commandPath: ["t"], spec: spec)
        }
        #expect(throws: ShellError.usage("unknown option 'metirc'; did you mean 'metric='?")) {
            try ArgumentParser.parse(["1", "metirc=x"], commandPath: ["t"], spec: spec)
        }
        #expect(throws: ShellError.usage("eps= must be between 0.0 and 1.0, not 2")) {
            try ArgumentParser.parse(["1", "eps=2"], commandPath: ["t"], spec: spec)
        }
        #expect(throws: ShellError.usage("unexpected 'recursiv'; did you mean 'recursive'?")) {
            try ArgumentParser.parse(["1", "recursiv"], commandPath: ["t"], spec: spec)
        }
    }
}
