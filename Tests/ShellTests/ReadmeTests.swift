import Testing
@testable import cuckooml

/// The README's command reference is generated from the declarations; this keeps it true.
@Suite struct ReadmeTests {
    @Test func commandReferenceMatchesTheDeclarations() throws {
        let readme = try TestText.read(TestPaths.packageRoot + "/README.md")
        let begin = try #require(readme.firstRange("<!-- reference:begin -->\n"))
        let end = try #require(readme.firstRange("<!-- reference:end -->"))
        let section = String(readme[begin.upperBound..<end.lowerBound])
        #expect(section == HelpRenderer.markdownReference(.standard),
                "README.md is out of date: regenerate its reference with `cuckooml --reference`")
    }

    @Test func optionListMatchesTheDeclaration() throws {
        let readme = try TestText.read(TestPaths.packageRoot + "/README.md")
        let begin = try #require(readme.firstRange("<!-- options:begin -->\n"))
        let end = try #require(readme.firstRange("<!-- options:end -->"))
        #expect(String(readme[begin.upperBound..<end.lowerBound]) == "```\n" + CommandLineOptions.help + "```\n",
                "README.md is out of date: regenerate it with scripts/update-readme")
    }

    @Test func readmeNamesTheTwoSetUpCommands() throws {
        let readme = try TestText.read(TestPaths.packageRoot + "/README.md")
        #expect(readme.firstRange("scripts/demo") != nil)
        #expect(readme.firstRange("scripts/test") != nil)
    }
}
