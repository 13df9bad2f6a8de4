#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `String.contains` for an ASCII needle, searched as bytes when the text is ASCII too.
///
/// The standard library's `contains(_:)` searches by `Character` through a generic substring searcher
/// that sets itself up on every call; `load` asks it once per signature name of every report (the
/// family features' `virustotal` check), which cost about 6 % of the whole command. For ASCII text
/// every byte is a `Character` of its own, so a byte search gives the same answer; other text takes
/// the standard library's path.
enum ASCIISearch {
    /// Whether `text` contains `needle` (non-empty ASCII), as `text.contains(needle)`.
    static func contains(_ text: String, _ needle: StaticString) -> Bool {
        precondition(needle.isASCII && needle.utf8CodeUnitCount > 0, "needle must be non-empty ASCII")
        let found: Bool?? = text.utf8.withContiguousStorageIfAvailable { bytes -> Bool? in
            guard ByteHash.isASCII(UnsafeRawBufferPointer(bytes)) else { return nil }
            guard bytes.count >= needle.utf8CodeUnitCount, let base = bytes.baseAddress else { return false }
            let n = needle.utf8CodeUnitCount, first = needle.utf8Start[0]
            var i = 0
            while i + n <= bytes.count {
                guard let hit = memchr(base + i, Int32(first), bytes.count - n + 1 - i) else { return false }
                i = UnsafePointer<UInt8>(hit.assumingMemoryBound(to: UInt8.self)) - base
                if memcmp(base + i, needle.utf8Start, n) == 0 { return true }
                i += 1
            }
            return false
        }
        if let found, let found { return found }
        return text.contains(needle.description)
    }
}
