#if canImport(Glibc)
import Glibc
#endif
import CEditLine
import CuckooML

/// Interactive line input through libedit: emacs bindings, history (Up/Down, Ctrl-R search) and Tab
/// completion driven by the command declarations. Used only on the main thread.
final class LineEditor: @unchecked Sendable {

    private let editor: OpaquePointer
    private let historyHandle: OpaquePointer
    private var promptStorage: UnsafeMutablePointer<CChar>
    /// Asked for completion candidates of the text before the cursor.
    var complete: (String) -> [String] = { _ in [] }

    /// Whether the terminal's character set is UTF-8 (else prompts are kept to ASCII).
    let utf8: Bool

    init(history: HistoryStore) {
        utf8 = LineEditor.useUTF8Locale()
        editor = el_init("cuckooml", cml_stdin(), cml_stdout(), cml_stderr())
        historyHandle = history_init()
        promptStorage = strdup("cuckooml> ")
        var event = HistEvent()
        cml_history_setsize(historyHandle, &event, Int32(HistoryStore.limit))
        cml_history_setunique(historyHandle, &event, 1)
        for entry in history.entries { cml_history_enter(historyHandle, &event, entry) }

        cml_el_set_editor(editor, "emacs")
        cml_el_set_signal(editor, 1)
        cml_el_set_history(editor, historyHandle)
        cml_el_set_clientdata(editor, Unmanaged.passUnretained(self).toOpaque())
        cml_el_set_prompt(editor) { el in
            guard let el, let data = cml_el_get_clientdata(el) else { return nil }
            return UnsafePointer(Unmanaged<LineEditor>.fromOpaque(data).takeUnretainedValue().promptStorage)
        }
        cml_el_add_complete_fn(editor) { el, _ in
            guard let el, let data = cml_el_get_clientdata(el) else { return UInt8(CC_ERROR) }
            return Unmanaged<LineEditor>.fromOpaque(data).takeUnretainedValue().completeAtCursor(el)
        }
        // libedit retries a read interrupted by a signal, so Ctrl-C would only take effect on the next
        // key; our reader gives up on EINTR once Ctrl-C was pressed and el_gets returns at once.
        cml_el_set_getcfn(editor) { _, character in
            guard let character else { return -1 }
            return LineEditor.readCharacter(into: character)
        }
        cml_el_bind(editor, "^I", "cml-complete")
        cml_el_bind(editor, "^R", "em-inc-search-prev")
        // Read ~/.editrc so analysts keep their own bindings.
        el_source(editor, nil)
    }

    deinit {
        el_end(editor)
        history_end(historyHandle)
        free(promptStorage)
    }

    /// Reads one line; Ctrl-C cancels the line being typed, Ctrl-D on an empty line ends input.
    func readLine(prompt: String) -> LineInput {
        free(promptStorage)
        // libedit decodes the prompt with the C library's multibyte functions and crashes on text the
        // locale cannot decode, so outside UTF-8 the prompt is made ASCII.
        promptStorage = strdup(utf8 ? prompt : String(prompt.unicodeScalars.map { $0.isASCII ? Character($0) : "-" }))
        var count: Int32 = 0
        errno = 0
        InterruptHandling.reset()  // a Ctrl-C that interrupted the last command is spent
        guard let raw = el_gets(editor, &count) else {
            if count < 0 || errno == EINTR || InterruptHandling.isRequested {
                InterruptHandling.reset()
                return .interrupted
            }
            return .endOfInput
        }
        if InterruptHandling.takeRequest() { return .interrupted }
        var line = String(cString: raw)
        if line.hasSuffix("\n") { line.removeLast() }
        return .line(line)
    }

    /// libedit works in the C library's locale, which is "C" (ASCII) until a program asks for another:
    /// take the user's, or C.UTF-8 when theirs is not UTF-8. Returns whether the result is UTF-8.
    static func useUTF8Locale() -> Bool {
        func isUTF8() -> Bool {
            let codeset = String(cString: nl_langinfo(nl_item(CODESET))).lowercased()
            return codeset == "utf-8" || codeset == "utf8"
        }
        setlocale(LC_CTYPE, "")
        if isUTF8() { return true }
        if setlocale(LC_CTYPE, "C.UTF-8") != nil && isUTF8() { return true }
        return setlocale(LC_CTYPE, "C.utf8") != nil && isUTF8()
    }

    /// Reads one UTF-8 encoded character from stdin: 1 on success, 0 at end of input, -1 when
    /// interrupted by Ctrl-C or on a read error.
    static func readCharacter(into character: UnsafeMutablePointer<wchar_t>) -> Int32 {
        var bytes: [UInt8] = []
        var needed = 1
        while bytes.count < needed {
            var byte: UInt8 = 0
            let n = read(0, &byte, 1)
            if n == 0 { return 0 }
            if n < 0 {
                if errno == EINTR && !InterruptHandling.isRequested { continue }
                return -1
            }
            if bytes.isEmpty {
                needed = byte < 0x80 ? 1 : byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 1
            } else if byte & 0xC0 != 0x80 {
                break  // a malformed sequence: deliver what we have as a replacement character
            }
            bytes.append(byte)
        }
        let scalar = String(decoding: bytes, as: UTF8.self).unicodeScalars.first ?? "\u{FFFD}"
        character.pointee = wchar_t(bitPattern: scalar.value)
        return 1
    }

    func remember(_ line: String) {
        var event = HistEvent()
        cml_history_enter(historyHandle, &event, line)
    }

    private func completeAtCursor(_ el: OpaquePointer) -> UInt8 {
        guard let info = el_line(el)?.pointee else { return UInt8(CC_ERROR) }
        let length = info.cursor - info.buffer
        let before = String(decoding: UnsafeRawBufferPointer(start: info.buffer, count: length), as: UTF8.self)
        let candidates = complete(before)
        guard !candidates.isEmpty else { return UInt8(CC_ERROR) }
        let typed = LineEditor.lastWord(of: before)
        let common = LineEditor.commonPrefix(candidates)
        if candidates.count == 1 {
            let word = candidates[0]
            let ends = word.hasSuffix("/") || word.hasSuffix("=")
            replace(typed, with: quoteWord(word) + (ends ? "" : " "), in: el)
            return UInt8(CC_REFRESH)
        }
        if common.count > typed.count {
            replace(typed, with: common, in: el)
            return UInt8(CC_REFRESH)
        }
        // Several candidates and nothing more in common: list them under the line.
        let shown = candidates.prefix(200).map { name -> String in
            if let slash = name.dropLast().lastIndex(of: "/") { return String(name[name.index(after: slash)...]) }
            return name
        }
        let width = (shown.map(\.count).max() ?? 0) + 2
        let perRow = max(1, 80 / width)
        var text = "\n"
        for (i, name) in shown.enumerated() {
            text += rightPad(escapeForTerminal(name), width)
            if (i + 1) % perRow == 0 || i == shown.count - 1 { text += "\n" }
        }
        if candidates.count > shown.count { text += "... and \(candidates.count - shown.count) more\n" }
        fputs(text, cml_stdout())
        fflush(cml_stdout())
        return UInt8(CC_REDISPLAY)
    }

    private func replace(_ typed: String, with text: String, in el: OpaquePointer) {
        if !typed.isEmpty { el_deletestr(el, Int32(typed.count)) }
        el_insertstr(el, text)
    }

    /// The raw text of the word being typed (after the last unquoted blank).
    static func lastWord(of line: String) -> String {
        var inQuotes = false
        var start = line.startIndex
        var i = line.startIndex
        while i < line.endIndex {
            let c = line[i]
            if c == "\"" { inQuotes.toggle() }
            if !inQuotes && (c == " " || c == "\t" || c == ";") { start = line.index(after: i) }
            i = line.index(after: i)
        }
        return String(line[start...])
    }

    static func commonPrefix(_ words: [String]) -> String {
        guard var prefix = words.first else { return "" }
        for w in words.dropFirst() {
            while !w.hasPrefix(prefix) { prefix.removeLast() }
        }
        return prefix
    }
}
