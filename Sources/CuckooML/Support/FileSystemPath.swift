#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// File names on Linux are bytes, not text: a report dropped by malware may be called `caf\xE9.json`
/// (Latin-1), which is not UTF-8 and which a Swift `String` cannot hold as is. Such names are kept
/// exactly by decoding each byte of an invalid UTF-8 sequence to a scalar of the last private-use
/// block, U+10FF80 + (byte − 0x80), and encoding those scalars back to the byte whenever a path goes to
/// the kernel (`withFileSystemPath`). Valid UTF-8 decodes unchanged, so ordinary paths cost nothing;
/// `escapeForTerminal` prints the stand-ins as `\xE9`. (A real name holding U+10FF80...U+10FFFF — a
/// private-use code point no system assigns — would be read back as the raw byte: the one ambiguity
/// of this encoding, as with Python's surrogateescape.)
public enum FileSystemPath {
    static let rawByteBase: UInt32 = 0x10_FF00

    /// The scalar standing for a raw byte ≥ 0x80 that is not part of valid UTF-8.
    @inline(__always)
    public static func isRawByte(_ scalar: Unicode.Scalar) -> Bool { scalar.value >= rawByteBase + 0x80 }

    /// Decodes the bytes of a path (from readdir, glob, argv, a script): valid UTF-8 as text, every
    /// other byte as its stand-in scalar.
    public static func decode<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        if let valid = String(validating: bytes, as: UTF8.self) { return valid }
        let b = Array(bytes)
        var out = String.UnicodeScalarView()
        var i = 0
        while i < b.count {
            let lead = b[i]
            if lead < 0x80 { out.append(Unicode.Scalar(lead)); i += 1; continue }
            let length = lead >= 0xF5 ? 0 : lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC2 ? 2 : 0
            // String(validating:) also rejects overlong forms, surrogates and values above U+10FFFF.
            if length > 0, i + length <= b.count, let scalar = String(validating: b[i..<(i + length)], as: UTF8.self)?.unicodeScalars.first {
                out.append(scalar)
                i += length
            } else {
                out.append(Unicode.Scalar(rawByteBase + UInt32(lead))!)
                i += 1
            }
        }
        return String(out)
    }

    /// Decodes a NUL-terminated C string (readdir, glob).
    public static func decode(cString: UnsafePointer<CChar>) -> String {
        decode(UnsafeBufferPointer(start: UnsafeRawPointer(cString).assumingMemoryBound(to: UInt8.self), count: strlen(cString)))
    }

    /// The bytes the kernel knows the path by.
    public static func bytes(_ path: String) -> [UInt8] {
        guard path.unicodeScalars.contains(where: isRawByte) else { return Array(path.utf8) }
        var out: [UInt8] = []
        out.reserveCapacity(path.utf8.count)
        for scalar in path.unicodeScalars {
            if isRawByte(scalar) { out.append(UInt8(scalar.value - rawByteBase)) } else { out.append(contentsOf: String(scalar).utf8) }
        }
        return out
    }

    /// Runs `body` with the path as the kernel expects it (NUL-terminated bytes).
    public static func with<R, E: Error>(_ path: String, _ body: (UnsafePointer<CChar>) throws(E) -> R) throws(E) -> R {
        var raw = bytes(path)
        raw.append(0)
        return try raw.withUnsafeBufferPointer { buffer throws(E) in
            try body(UnsafeRawPointer(buffer.baseAddress!).assumingMemoryBound(to: CChar.self))
        }
    }
}
