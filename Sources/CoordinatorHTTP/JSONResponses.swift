import BatonAPI
import Foundation
import Hummingbird

/// An API failure: an HTTP status and the `ErrorResponse` body that explains it.
public struct APIError: Error, HTTPResponseError, Sendable, CustomStringConvertible {
    public var status: HTTPResponse.Status
    public var body: ErrorResponse
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, _ message: String, diagnostics: [String] = [], headers: HTTPFields = [:]) {
        self.status = status
        self.body = ErrorResponse(error: message, diagnostics: diagnostics)
        self.headers = headers
    }

    public var description: String { "\(status.code) \(body.error)" }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        makeResponse()
    }

    /// The JSON response for this error.
    func makeResponse() -> Response {
        var response = JSONResponse.make(body, status: status)
        response.headers.append(contentsOf: headers)
        return response
    }

    static func badRequest(_ message: String, diagnostics: [String] = []) -> APIError {
        APIError(.badRequest, message, diagnostics: diagnostics)
    }

    static func notFound(_ message: String) -> APIError {
        APIError(.notFound, message)
    }
}

/// JSON bodies for every response.
enum JSONResponse {
    static let contentType = "application/json; charset=utf-8"

    /// `value` as a JSON response. Encoding the API's plain data types cannot fail; if it ever did,
    /// the answer is a 500 with an `ErrorResponse` rather than a broken body.
    static func make(_ value: some Encodable, status: HTTPResponse.Status = .ok) -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data: Data
        let finalStatus: HTTPResponse.Status
        do {
            data = try encoder.encode(value)
            finalStatus = status
        } catch {
            data = Data(#"{"diagnostics":[],"error":"cannot encode the response"}"#.utf8)
            finalStatus = .internalServerError
        }
        return Response(
            status: finalStatus,
            headers: [.contentType: contentType],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}
