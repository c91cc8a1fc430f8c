/// Durations as written in playbooks: `500ms`, `30s`, `5m`, `1h`, and combinations
/// with the units in decreasing order, each at most once (`1h30m`, `1m30s`, `2s500ms`).
public enum PlaybookDuration {
    private static let units: [(suffix: String, milliseconds: Int64)] = [
        ("h", 3_600_000), ("m", 60_000), ("s", 1_000), ("ms", 1),
    ]

    /// Milliseconds, or nil when `text` is not a duration. Zero is allowed here; callers decide.
    public static func parse(_ text: String) -> Int64? {
        var scalars = Substring(text)
        var total: Int64 = 0
        var nextUnit = 0  // index into `units` of the smallest unit already used + 1
        guard !scalars.isEmpty else { return nil }
        while !scalars.isEmpty {
            let digits = scalars.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, digits.count <= 12, let number = Int64(digits) else { return nil }
            scalars = scalars.dropFirst(digits.count)
            let letters = scalars.prefix { $0.isASCII && $0.isLetter }
            guard let unitIndex = units.firstIndex(where: { $0.suffix == String(letters) }), unitIndex >= nextUnit
            else { return nil }
            scalars = scalars.dropFirst(letters.count)
            nextUnit = unitIndex + 1
            let (product, overflow) = number.multipliedReportingOverflow(by: units[unitIndex].milliseconds)
            guard !overflow else { return nil }
            let (sum, overflowSum) = total.addingReportingOverflow(product)
            guard !overflowSum else { return nil }
            total = sum
        }
        return total
    }

    /// The shortest text `parse` reads back as `milliseconds` (`90000` → `1m30s`, `0` → `0s`).
    public static func format(milliseconds: Int64) -> String {
        guard milliseconds > 0 else { return "0s" }
        var rest = milliseconds
        var text = ""
        for unit in units where rest >= unit.milliseconds {
            text += "\(rest / unit.milliseconds)\(unit.suffix)"
            rest %= unit.milliseconds
        }
        return text
    }
}
