/// The keyed hash of the scan fingerprints (`FamilyLabeller.scanFingerprint`). A `Hasher`'s seed is
/// random per process, but session files keep the fingerprints with their key
/// (`LabelEvidence.fingerprintKey`), and the reports a later process compares must hash as they did:
/// this hash gives the same value in every process for the same key. The key stays random (one per
/// evidence gathered afresh), so report authors still cannot aim collisions.
///
/// Equal `String`s hash equally whatever their bytes, as `String.hashValue` does: text is hashed by its
/// NFC code units, which `String` equality compares (ASCII text is its own NFC form).
///
/// What this computes is kept in files: changing it changes stored fingerprints, so bump
/// `LabelEvidence.storedVersion` with it.
enum FingerprintHash {
    static func hash(_ s: String, key: UInt64) -> UInt64 {
        if let h = s.utf8.withContiguousStorageIfAvailable({ bytes -> UInt64? in
            let raw = UnsafeRawBufferPointer(bytes)
            return ByteHash.isASCII(raw) ? hash(raw, key: key) : nil
        }), let h { return h }
        let nfc = Array(s._nfcCodeUnits)
        return nfc.withUnsafeBytes { hash($0, key: key) }
    }

    static func hash(_ bytes: UnsafeRawBufferPointer, key: UInt64) -> UInt64 {
        let n = bytes.count
        var h = key ^ (UInt64(truncatingIfNeeded: n) &* 0x9E37_79B9_7F4A_7C15)
        var i = 0
        if let base = bytes.baseAddress {
            while i + 8 <= n {
                h = mix(h ^ base.loadUnaligned(fromByteOffset: i, as: UInt64.self).littleEndian)
                i += 8
            }
            if i < n {
                var tail: UInt64 = 0
                for k in 0..<(n - i) { tail |= UInt64(base.load(fromByteOffset: i + k, as: UInt8.self)) << (8 * k) }
                h = mix(h ^ tail)
            }
        }
        return finish(h)
    }

    /// `h` having taken in `value` (an ordered combination: the fingerprint of a sequence).
    @inline(__always)
    static func combine(_ h: UInt64, _ value: UInt64) -> UInt64 { mix(h ^ value) &+ 0x9E37_79B9_7F4A_7C15 }

    /// murmur3's finaliser: every input bit reaches every output bit.
    @inline(__always)
    static func finish(_ x: UInt64) -> UInt64 {
        var h = x
        h ^= h >> 33; h &*= 0xFF51_AFD7_ED55_8CCD
        h ^= h >> 33; h &*= 0xC4CE_B9FE_1A85_EC53
        return h ^ (h >> 33)
    }

    @inline(__always)
    private static func mix(_ x: UInt64) -> UInt64 {
        let m = x.multipliedFullWidth(by: 0x9FB2_1C65_1E98_DF25)
        return m.high ^ m.low
    }
}
