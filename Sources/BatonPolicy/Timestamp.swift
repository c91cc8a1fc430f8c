import BatonModel

/// RFC 3339 timestamps (`2026-12-28T00:00:00Z`, `2026-12-28T09:30:00.500+02:00`) as instants,
/// computed by hand so the result never depends on the machine's locale or calendar.
enum Timestamp {
    static func parse(_ text: String) -> Instant? {
        let chars = Array(text.utf8)
        func number(_ start: Int, _ count: Int) -> Int? {
            guard start + count <= chars.count else { return nil }
            var value = 0
            for c in chars[start..<start + count] {
                guard c >= 48, c <= 57 else { return nil }
                value = value * 10 + Int(c - 48)
            }
            return value
        }
        func at(_ index: Int, _ expected: Character) -> Bool {
            index < chars.count && chars[index] == expected.asciiValue!
        }
        guard chars.count >= 20, let year = number(0, 4), at(4, "-"), let month = number(5, 2), at(7, "-"),
            let day = number(8, 2), at(10, "T") || at(10, "t"), let hour = number(11, 2), at(13, ":"),
            let minute = number(14, 2), at(16, ":"), let second = number(17, 2)
        else { return nil }
        var index = 19
        var fraction: Int64 = 0
        if at(index, ".") {
            index += 1
            var digits = 0
            while index < chars.count, chars[index] >= 48, chars[index] <= 57 {
                if digits < 3 { fraction = fraction * 10 + Int64(chars[index] - 48) }
                digits += 1
                index += 1
            }
            guard digits > 0 else { return nil }
            for _ in digits..<max(digits, 3) { fraction *= 10 }
        }
        var offsetMinutes = 0
        if at(index, "Z") || at(index, "z") {
            index += 1
        } else if at(index, "+") || at(index, "-") {
            let sign = at(index, "-") ? -1 : 1
            guard let h = number(index + 1, 2), at(index + 3, ":"), let m = number(index + 4, 2), h < 24, m < 60
            else { return nil }
            offsetMinutes = sign * (h * 60 + m)
            index += 6
        } else {
            return nil
        }
        guard index == chars.count, (1...12).contains(month), day >= 1, day <= daysIn(month: month, year: year),
            hour < 24, minute < 60, second < 60
        else { return nil }
        let days = Int64(daysFromCivil(year: year, month: month, day: day))
        let seconds = days * 86_400 + Int64(hour * 3_600 + minute * 60 + second - offsetMinutes * 60)
        return Instant(millisecondsSinceEpoch: seconds * 1_000 + fraction)
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 (Howard Hinnant's algorithm).
    private static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }
}
