import Foundation
import Hummingbird
import NIOCore

/// Reading request bodies and query parameters, with 400s that say what is wrong.
enum RequestInput {
    /// Collects at most `limit` bytes (more throws `NIOTooManyBytesError`, answered with 413) and decodes JSON.
    static func decodeJSON<T: Decodable>(_ type: T.Type, from request: Request, limit: Int) async throws -> T {
        if let length = request.headers[.contentLength].flatMap(Int.init), length > limit {
            throw NIOTooManyBytesError(maxBytes: limit)
        }
        let buffer = try await request.body.collect(upTo: limit)
        guard buffer.readableBytes > 0 else {
            throw APIError.badRequest("the request body is empty; expected a JSON \(T.self) object")
        }
        return try decodeJSON(type, from: buffer)
    }

    /// Decodes a collected body; a decoding failure is a 400 naming the field.
    static func decodeJSON<T: Decodable>(_ type: T.Type, from buffer: ByteBuffer) throws -> T {
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            throw APIError.badRequest("malformed \(T.self) JSON: \(describe(error))")
        } catch {
            throw APIError.badRequest("malformed \(T.self) JSON: \(error)")
        }
    }

    /// A readable account of a decoding failure, naming the field involved.
    static func describe(_ error: DecodingError) -> String {
        func field(_ path: [any CodingKey], _ last: (any CodingKey)? = nil) -> String {
            let keys = (path + (last.map { [$0] } ?? [])).map { key in
                key.intValue.map { "[\($0)]" } ?? key.stringValue
            }
            return keys.isEmpty ? "the body" : "'\(keys.joined(separator: "."))'"
        }
        switch error {
        case .keyNotFound(let key, let context):
            return "missing field \(field(context.codingPath, key))"
        case .typeMismatch(let type, let context):
            if context.codingPath.isEmpty { return "the body must be a JSON object" }
            return "\(field(context.codingPath)) must be \(typeName(type))"
        case .valueNotFound(let type, let context):
            return "\(field(context.codingPath)) is null; expected \(typeName(type))"
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                return "the body is not valid JSON" + (context.underlyingError.map { " (\($0))" } ?? "")
            }
            return "\(field(context.codingPath)): \(context.debugDescription)"
        @unknown default:
            return "\(error)"
        }
    }

    private static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type, is Int32.Type, is UInt64.Type: "an integer"
        case is Bool.Type: "a boolean"
        case is [String: String].Type, is [String: Any].Type: "an object whose values are strings"
        default: "\(type)"
        }
    }

    /// A non-negative integer query parameter within `range`, or `defaultValue` when absent.
    static func integer<T: FixedWidthInteger & Sendable>(
        _ name: String, in request: Request, default defaultValue: T, range: ClosedRange<T>, meaning: String
    ) throws(APIError) -> T {
        let values = request.uri.queryParameters.getAll(name)
        guard let text = values.last else { return defaultValue }
        guard values.count == 1 else { throw .badRequest("query parameter '\(name)' is given \(values.count) times") }
        guard let value = T(text), range.contains(value) else {
            let expected =
                range.upperBound == T.max && range.lowerBound == 0
                ? "a non-negative integer" : "an integer from \(range.lowerBound) to \(range.upperBound)"
            throw .badRequest("query parameter '\(name)' must be \(expected) (\(meaning)); got '\(text)'")
        }
        return value
    }
}
