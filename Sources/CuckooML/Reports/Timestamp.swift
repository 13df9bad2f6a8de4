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
