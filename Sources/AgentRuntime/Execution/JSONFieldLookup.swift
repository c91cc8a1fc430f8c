import BatonModel
import Foundation

/// A JSON document decoded into plain values, for `json: {path: ..., equals: ...}` checks.
indirect enum JSONValue: Decodable, Equatable, Sendable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// The value's string form: a string as is, numbers and booleans as written, `null`,
    /// and arrays/objects as compact JSON with sorted keys.
    var text: String {
        switch self {
        case .null: return "null"
        case .bool(let value): return value ? "true" : "false"
        case .integer(let value): return String(value)
        case .number(let value):
            return value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        case .string(let value): return value
        case .array(let items): return "[" + items.map(\.json).joined(separator: ",") + "]"
        case .object(let members):
            return "{" + members.keys.sorted().map { "\(JSONValue.string($0).json):\(members[$0]!.json)" }.joined(separator: ",") + "}"
        }
    }

    private var json: String {
        guard case .string(let value) = self else { return text }
        var out = "\""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// The value at a dotted path (`a.b.0.c`; numeric segments index arrays), or why there is none.
    func value(at path: String) -> Result<JSONValue, LookupFailure> {
        var current = self
        var walked: [Substring] = []
        for segment in path.split(separator: ".", omittingEmptySubsequences: false) {
            let here = walked.isEmpty ? "the top level" : walked.joined(separator: ".")
            switch current {
            case .object(let members):
                guard let next = members[String(segment)] else { return .failure(.init("no key '\(segment)' in \(here)")) }
                current = next
            case .array(let items):
                guard let index = Int(segment), items.indices.contains(index) else {
                    return .failure(.init("no index \(segment) in \(here) (\(items.count) items)"))
                }
                current = items[index]
            default:
                return .failure(.init("\(here) is not an object or array"))
            }
            walked.append(segment)
        }
        return .success(current)
    }

    struct LookupFailure: Error, Equatable, Sendable {
        var reason: String
        init(_ reason: String) { self.reason = reason }
    }
}

extension ProbeEvaluator {
    /// Checks one JSON field of `bytes` (stdout or a response body, named by `source`).
    static func checkJSON(_ check: JSONFieldCheck, in bytes: [UInt8], source: String) -> (observed: String, passed: Bool) {
        guard let document = try? JSONDecoder().decode(JSONValue.self, from: Data(bytes)) else {
            return ("\(source) is not JSON", false)
        }
        switch document.value(at: check.path) {
        case .failure(let failure):
            return ("json \(check.path) is missing (\(failure.reason))", false)
        case .success(let value):
            let passed = value.text == check.equals
            return ("json \(check.path) \(passed ? "is" : "is not") \(EvidenceText.quoted(check.equals))"
                + (passed ? "" : " but \(EvidenceText.quoted(value.text))"), passed)
        }
    }

    /// How a JSON check is written in `Evidence.expected`.
    static func expectedJSON(_ check: JSONFieldCheck) -> String {
        "json \(check.path) is \(EvidenceText.quoted(check.equals))"
    }
}
