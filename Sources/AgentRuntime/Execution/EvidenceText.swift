/// Formatting helpers for the short, one-line strings in `Evidence.expected` / `.observed`.
enum EvidenceText {
    /// `text` in double quotes on one line: control characters escaped, cut after `limit`
    /// characters with a trailing `…`.
    static func quoted(_ text: String, limit: Int = 200) -> String {
        var out = "\""
        var count = 0
        for character in text {
            if count == limit {
                out += "…"
                break
            }
            switch character {
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            default:
                if let scalar = character.unicodeScalars.first, character.unicodeScalars.count == 1,
                    scalar.value < 0x20 || scalar.value == 0x7f
                {
                    out += "\\u{\(String(scalar.value, radix: 16))}"
                } else {
                    out.append(character)
                }
            }
            count += 1
        }
        return out + "\""
    }

    /// `1.6 s`: milliseconds as seconds with one decimal.
    static func seconds(_ milliseconds: Int64) -> String {
        let tenths = (max(0, milliseconds) + 50) / 100
        return "\(tenths / 10).\(tenths % 10) s"
    }

    /// `8 bytes`, `1 byte`.
    static func bytes(_ count: Int) -> String { count == 1 ? "1 byte" : "\(count) bytes" }
}
