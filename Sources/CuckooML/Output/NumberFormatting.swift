/// Fixed-point text for a number (`fixed(3.14159, 2)` is "3.14"), without Foundation's formatter.
/// Non-finite values print as `nan`, `inf` and `-inf`.
public func fixed(_ x: Double, _ digits: Int) -> String {
    guard x.isFinite else { return x.isNaN ? "nan" : (x < 0 ? "-inf" : "inf") }
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = (abs(x) * scale).rounded()
    guard scaled < 9e18 else { return "\(x)" }
    let n = UInt64(scaled)
    let intPart = n / UInt64(scale)
    var text = String(intPart)
    if digits > 0 {
        var frac = String(n % UInt64(scale))
        frac = String(repeating: "0", count: digits - frac.count) + frac
        text += "." + frac
    }
    return (x < 0 && scaled != 0 ? "-" : "") + text
}

/// Pads on the left to a width (for right-aligned table columns).
public func leftPad(_ s: String, _ width: Int) -> String {
    let n = s.count
    return n >= width ? s : String(repeating: " ", count: width - n) + s
}

/// Pads on the right to a width.
public func rightPad(_ s: String, _ width: Int) -> String {
    let n = s.count
    return n >= width ? s : s + String(repeating: " ", count: width - n)
}
