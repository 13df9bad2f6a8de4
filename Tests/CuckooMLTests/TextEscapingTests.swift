import Testing
@testable import CuckooML

@Suite struct TextEscapingTests {
    @Test func plainTextIsUnchanged() {
        #expect(escapeForTerminal("C:\\Windows\\system32\\kernel32.dll") == "C:\\Windows\\system32\\kernel32.dll")
        #expect(escapeForTerminal("zeus ünïcödé 木马") == "zeus ünïcödé 木马")
    }

    @Test func terminalEscapesBecomeVisible() {
        #expect(escapeForTerminal("\u{1B}]0;pwned\u{07}") == "\\e]0;pwned\\x07")
        #expect(escapeForTerminal("a\nb\tc\r") == "a\\nb\\tc\\r")
        #expect(escapeForTerminal("\u{9B}31m") == "\\x9b31m")
        #expect(escapeForTerminal("invoice\u{202E}fdp.exe") == "invoice\\u{202e}fdp.exe")
        #expect(escapeForTerminal("\u{7F}") == "\\x7f")
    }

    @Test func jsonStringsEscapeControls() {
        let v: JSONValue = ["name": "a\"b\\c\u{1B}", "n": 1, "x": .double(.nan), "y": 0.5, "z": 2.0]
        #expect(v.serialized == #"{"name":"a\"b\\c\u001b","n":1,"x":null,"y":0.5,"z":2.0}"#)
    }

    @Test func fixedPointFormatting() {
        #expect(fixed(3.14159, 2) == "3.14")
        #expect(fixed(-0.004, 2) == "0.00")
        #expect(fixed(-1.5, 0) == "-2")
        #expect(fixed(0.125, 3) == "0.125")
        #expect(fixed(.nan, 2) == "nan")
    }
}
