/// Parses "YYYY-MM-DD hh:mm:ss" (also with `T` between date and time, a trailing `Z`, and without the
/// time) as UTC seconds since the epoch; nil for anything else or an impossible date.
func parseTimestamp(_ bytes: UnsafeBufferPointer<UInt8>) -> Int? {
    func number(_ from: Int, _ count: Int) -> Int? {
        guard from + count <= bytes.count else { return nil }
        var v = 0
        for i in from..<from + count {
            let d = bytes[i] &- 0x30
            guard d < 10 else { return nil }
            v = v * 10 + Int(d)
        }
        return v
    }
    guard bytes.count >= 10, bytes[4] == 0x2D, bytes[7] == 0x2D,
          let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
          (1...12).contains(month), day >= 1, day <= daysInMonth(year, month) else { return nil }
    var seconds = 0
    if bytes.count > 10 {
        guard bytes.count >= 19, bytes[10] == 0x20 || bytes[10] == 0x54, bytes[13] == 0x3A, bytes[16] == 0x3A,
              let h = number(11, 2), let m = number(14, 2), let s = number(17, 2), h < 24, m < 60, s < 61 else { return nil }
        guard bytes.count == 19 || (bytes.count == 20 && bytes[19] == 0x5A) else { return nil }
        seconds = h * 3600 + m * 60 + s
    }
    return daysFromCivil(year, month, day) * 86_400 + seconds
}

private func daysInMonth(_ year: Int, _ month: Int) -> Int {
    switch month {
    case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
    case 4, 6, 9, 11: 30
    default: 31
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
    let y = month <= 2 ? year - 1 : year
    let era = (y >= 0 ? y : y - 399) / 400
    let yoe = y - era * 400
    let mp = (month + 9) % 12
    let doy = (153 * mp + 2) / 5 + day - 1
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
    return era * 146_097 + doe - 719_468
}

/// Formats seconds since the epoch as "YYYY-MM-DD hh:mm:ss" (UTC), the reports' own notation.
public func formatTimestamp(_ seconds: Int) -> String {
    let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
    let rest = seconds - days * 86_400
    // Howard Hinnant's `civil_from_days`.
    let z = days + 719_468
    let era = (z >= 0 ? z : z - 146_096) / 146_097
    let doe = z - era * 146_097
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
    let mp = (5 * doy + 2) / 153
    let day = doy - (153 * mp + 2) / 5 + 1
    let month = mp < 10 ? mp + 3 : mp - 9
    let year = yoe + era * 400 + (month <= 2 ? 1 : 0)
    func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
    let y = year >= 0 && year < 10_000 ? String(repeating: "0", count: 4 - String(year).count) + String(year) : String(year)
    return "\(y)-\(two(month))-\(two(day)) \(two(rest / 3600)):\(two(rest / 60 % 60)):\(two(rest % 60))"
}
