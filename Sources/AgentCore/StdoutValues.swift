import BatonModel

/// The values an action printed on stdout, by key: the members of a JSON object when all of stdout
/// is one, or else `key=value` lines.
struct StdoutValues: Sendable {
    enum Format: Sendable { case jsonObject, lines }

    let format: Format
    let values: [String: String]

    /// `truncated`: `text` is the end of a longer stdout, so its first line may be cut and is ignored.
    init(_ text: String, truncated: Bool = false) {
        let bytes = Array(text.utf8)
        if let members = JSONObjectScanner.members(of: bytes) {
            format = .jsonObject
            values = members
        } else {
            format = .lines
            values = Self.lines(bytes, skipFirst: truncated)
        }
    }

    /// `key=value` lines: the first `=` splits, a later line with the same key wins, a trailing CR
    /// is dropped, lines without `=` are ignored.
    static func lines(_ bytes: [UInt8], skipFirst: Bool) -> [String: String] {
        var values: [String: String] = [:]
        for (number, line) in bytes.split(separator: 0x0A, omittingEmptySubsequences: false).enumerated() {
            if skipFirst, number == 0 { continue }
            var line = line[...]
            if line.last == 0x0D { line = line.dropLast() }
            guard let equals = line.firstIndex(of: UInt8(ascii: "=")) else { continue }
            values[String(decoding: line[..<equals], as: UTF8.self)] =
                String(decoding: line[(equals + 1)...], as: UTF8.self)
        }
        return values
    }
}

/// A strict JSON (RFC 8259) scanner for one top-level object. Member values come out as text:
/// strings decoded, numbers, booleans and `null` as written, objects and arrays as compact JSON
/// (the written text without insignificant whitespace).
struct JSONObjectScanner {
    static let maximumDepth = 512

    private let bytes: [UInt8]
    private var index = 0

    private init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// The members of `bytes` if they are exactly one JSON object (surrounding whitespace aside);
    /// a key written twice keeps its last value.
    static func members(of bytes: [UInt8]) -> [String: String]? {
        var scanner = JSONObjectScanner(bytes)
        scanner.skipWhitespace()
        guard scanner.peek == UInt8(ascii: "{") else { return nil }
        var members: [String: String] = [:]
        let complete = scanner.container(close: UInt8(ascii: "}"), depth: 1) { scanner, key, start in
            members[key] = scanner.bytes[start] == UInt8(ascii: "\"")
                ? scanner.decodedString(at: start) : compact(scanner.bytes[start..<scanner.index])
        }
        guard complete else { return nil }
        scanner.skipWhitespace()
        return scanner.index == bytes.count ? members : nil
    }

    private var peek: UInt8? { index < bytes.count ? bytes[index] : nil }

    private mutating func consume(_ byte: UInt8) -> Bool {
        guard peek == byte else { return false }
        index += 1
        return true
    }

    private mutating func skipWhitespace() {
        while let byte = peek, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D { index += 1 }
    }

    private mutating func value(depth: Int) -> Bool {
        guard depth <= Self.maximumDepth, let byte = peek else { return false }
        switch byte {
        case UInt8(ascii: "\""): return string() != nil
        case UInt8(ascii: "{"): return container(close: UInt8(ascii: "}"), depth: depth + 1, member: nil)
        case UInt8(ascii: "["): return container(close: UInt8(ascii: "]"), depth: depth + 1, member: nil)
        case UInt8(ascii: "t"): return literal("true")
        case UInt8(ascii: "f"): return literal("false")
        case UInt8(ascii: "n"): return literal("null")
        default: return number()
        }
    }

    /// An object (`close` is `}`: keyed members) or an array, from its opening bracket. `member` sees
    /// each object member's key and the start of its value, once the value has been scanned.
    private mutating func container(
        close: UInt8, depth: Int, member: ((inout JSONObjectScanner, String, Int) -> Void)?
    ) -> Bool {
        index += 1
        skipWhitespace()
        if consume(close) { return true }
        while true {
            skipWhitespace()
            var key = ""
            if close == UInt8(ascii: "}") {
                guard let name = string() else { return false }
                key = name
                skipWhitespace()
                guard consume(UInt8(ascii: ":")) else { return false }
                skipWhitespace()
            }
            let start = index
            guard value(depth: depth) else { return false }
            member?(&self, key, start)
            skipWhitespace()
            if consume(UInt8(ascii: ",")) { continue }
            return consume(close)
        }
    }

    private mutating func literal(_ word: String) -> Bool {
        let text = Array(word.utf8)
        guard bytes.count - index >= text.count, bytes[index..<(index + text.count)].elementsEqual(text) else { return false }
        index += text.count
        return true
    }

    private mutating func number() -> Bool {
        _ = consume(UInt8(ascii: "-"))
        if !consume(UInt8(ascii: "0")) {
            guard let first = peek, (UInt8(ascii: "1")...UInt8(ascii: "9")).contains(first) else { return false }
            _ = digits()
        }
        if consume(UInt8(ascii: ".")), !digits() { return false }
        if peek == UInt8(ascii: "e") || peek == UInt8(ascii: "E") {
            index += 1
            if peek == UInt8(ascii: "+") || peek == UInt8(ascii: "-") { index += 1 }
            return digits()
        }
        return true
    }

    /// Skips one or more decimal digits; false when there is none.
    private mutating func digits() -> Bool {
        let start = index
        while let byte = peek, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { index += 1 }
        return index > start
    }

    /// Scans a string from its opening quote and returns it decoded, or nil when it is not valid.
    private mutating func string() -> String? {
        guard consume(UInt8(ascii: "\"")) else { return nil }
        var out: [UInt8] = []
        while let byte = peek {
            index += 1
            switch byte {
            case UInt8(ascii: "\""):
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                guard let escape = peek else { return nil }
                index += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): out.append(escape)
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    guard let scalar = unicodeEscape() else { return nil }
                    UTF8.encode(scalar) { out.append($0) }
                default: return nil
                }
            case 0x00..<0x20:
                return nil
            default:
                out.append(byte)
            }
        }
        return nil
    }

    /// The string value starting at `start` (already scanned, so valid).
    private func decodedString(at start: Int) -> String {
        var copy = self
        copy.index = start
        return copy.string() ?? ""
    }

    /// The scalar of `XXXX` after `\u` (a surrogate pair spans two escapes; a lone surrogate becomes U+FFFD).
    private mutating func unicodeEscape() -> Unicode.Scalar? {
        guard let first = hex4() else { return nil }
        if (0xD800...0xDBFF).contains(first), bytes[index...].starts(with: [UInt8(ascii: "\\"), UInt8(ascii: "u")]) {
            let mark = index
            index += 2
            if let second = hex4(), (0xDC00...0xDFFF).contains(second) {
                return Unicode.Scalar(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))
            }
            index = mark
        }
        return Unicode.Scalar(first) ?? "\u{FFFD}"
    }

    private mutating func hex4() -> UInt32? {
        guard bytes.count - index >= 4 else { return nil }
        var value: UInt32 = 0
        for byte in bytes[index..<(index + 4)] {
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: return nil
            }
            value = value << 4 | UInt32(digit)
        }
        index += 4
        return value
    }

    /// Valid JSON text without the whitespace outside its strings.
    static func compact(_ text: ArraySlice<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.count)
        var inString = false
        var escaped = false
        for byte in text {
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
            } else if byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
                continue
            } else if byte == UInt8(ascii: "\"") {
                inString = true
            }
            out.append(byte)
        }
        return String(decoding: out, as: UTF8.self)
    }
}
