import Testing
@testable import CuckooML

@Suite("ASCIISearch")
struct ASCIISearchTests {
    @Test func agreesWithStringContains() {
        let texts = ["", "v", "virustotal", "antivirus_virustotal", "virus_total_x", "virustota", "VirusTotal",
                     "caf\u{e9}_virustotal", "virustotal\u{301}", "e\u{301}virus", "2.4-CAPE", "2.0-dev", "CAP", "xCAPEx"]
        for text in texts {
            #expect(ASCIISearch.contains(text, "virustotal") == text.contains("virustotal"), "\(text)")
            #expect(ASCIISearch.contains(text, "CAPE") == text.contains("CAPE"), "\(text)")
        }
        // Non-ASCII text takes the standard library's Character search: a combining mark after the
        // last letter makes another Character, so the needle is not found there.
        #expect(!ASCIISearch.contains("virustotal\u{301}", "virustotal"))
        #expect(ASCIISearch.contains("caf\u{e9}_virustotal", "virustotal"))
    }
}
