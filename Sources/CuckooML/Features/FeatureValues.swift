#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The value transforms the 2016 feature extractor applied.
public enum FeatureValues {
    /// The log-base-3 bin `int(log3(v + 2))`: 0 → 0, 1 → 1, 7 → 2, 25 → 3. Computed as the 2016 code
    /// did (`log(v + 2) / log(3)` in doubles, then truncated), so bins agree with it even where the
    /// quotient rounds below a whole number (v = 241 gives 4, as in Python). Negative inputs (a PE
    /// timestamp before 1970, CAPE's call count of -1) are clamped to 0 first.
    public static func log3Bin(_ value: Int) -> Int {
        let v = Double(max(value, 0))
        return Int(log(v + 2) / log(3.0))
    }

    /// A string's shape: lower-cased, every digit → `0`, every letter → `a`, everything else kept.
    /// The 2016 code mapped only ASCII letters and digits; here every Unicode letter and decimal digit
    /// is mapped too, so non-Latin names become patterns rather than content.
    public static func shape(_ s: String) -> [Unicode.Scalar] {
        var out: [Unicode.Scalar] = []
        out.reserveCapacity(s.unicodeScalars.count)
        for scalar in s.unicodeScalars {
            let v = scalar.value
            if v < 0x80 {
                if v >= 48 && v <= 57 { out.append("0") }
                else if (v >= 65 && v <= 90) || (v >= 97 && v <= 122) { out.append("a") }
                else { out.append(scalar) }
            } else if scalar.properties.numericType == .decimal {
                out.append("0")
            } else if scalar.properties.isAlphabetic {
                out.append("a")
            } else {
                out.append(scalar)
            }
        }
        return out
    }

    /// The distinct 3-grams of a string's shape; a shape of 3 characters or fewer is its own single
    /// gram (as in 2016). An empty string gives none (2016 would have produced an empty-named feature).
    public static func shapeTrigrams(_ s: String) -> Set<String> {
        let shaped = shape(s)
        guard !shaped.isEmpty else { return [] }
        func text(_ scalars: ArraySlice<Unicode.Scalar>) -> String {
            var t = ""
            t.unicodeScalars.append(contentsOf: scalars)
            return t
        }
        guard shaped.count > 3 else { return [text(shaped[...])] }
        var grams = Set<String>()
        for i in 0...(shaped.count - 3) { grams.insert(text(shaped[i..<(i + 3)])) }
        return grams
    }

    /// Calls `body` once for each member of `shapeTrigrams(s)`, in no particular order. ASCII text is
    /// shaped and its grams told apart as packed bytes, so only the distinct grams become strings.
    public static func forEachShapeTrigram(_ s: String, _ body: (String) -> Void) {
        let utf8 = s.utf8
        guard !utf8.isEmpty else { return }
        guard utf8.allSatisfy({ $0 < 0x80 }) else {
            for g in shapeTrigrams(s) { body(g) }
            return
        }
        func shaped(_ b: UInt8) -> UInt8 {
            if b >= 48 && b <= 57 { return 48 }
            if (b >= 65 && b <= 90) || (b >= 97 && b <= 122) { return 97 }
            return b
        }
        func text(_ key: UInt32, _ length: Int) -> String {
            String(unsafeUninitializedCapacity: length) { buffer in
                for i in 0..<length { buffer[i] = UInt8(truncatingIfNeeded: key >> (8 * (length - 1 - i))) }
                return length
            }
        }
        let count = utf8.count
        if count <= 3 {
            var key: UInt32 = 0
            for b in utf8 { key = key << 8 | UInt32(shaped(b)) }
            body(text(key, count))
            return
        }
        var keys: [UInt32] = []
        keys.reserveCapacity(count - 2)
        var window: UInt32 = 0
        for (i, b) in utf8.enumerated() {
            window = (window << 8 | UInt32(shaped(b))) & 0xFF_FFFF
            if i >= 2 { keys.append(window) }
        }
        keys.sort()
        var previous: UInt32? = nil
        for key in keys where key != previous {
            body(text(key, 3))
            previous = key
        }
    }
}
