import BatonAPI
import CoordinatorRuntime
import Hummingbird
import Logging
import NIOCore

/// Turns every failure below it into an `ErrorResponse` JSON body with the right status,
/// including the router's own "no such route" and body-size errors. Nothing escapes as a bare 500.
struct ErrorResponseMiddleware: RouterMiddleware {
    typealias Context = OperatorRequestContext

    let maxBodySize: Int

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch {
            let apiError = map(error, request: request)
            if apiError.status.code >= 500 {
                context.logger.error("\(request.method) \(request.uri.path) failed: \(error)")
            } else {
                context.logger.debug("\(request.method) \(request.uri.path): \(apiError)")
            }
            return apiError.makeResponse()
        }
    }

    /// The error response `error` becomes (the audit log records the same status and message).
    func map(_ error: any Error, request: Request) -> APIError {
        switch error {
        case let error as APIError:
            return error
        case is NIOTooManyBytesError:
            return APIError(.contentTooLarge, "the request body is larger than the limit of \(Self.describe(bytes: maxBodySize))")
        case let error as HTTPError where error.status == .notFound:
            return routeNotFound(request)
        case let error as HTTPError:
            return APIError(error.status, error.body ?? error.status.reasonPhrase, headers: error.headers)
        case let error as CoordinatorError:
            return APIError(.serviceUnavailable, error.description)
        default:
            return APIError(.internalServerError, "internal error: \(error)")
        }
    }

    /// 405 when the path exists with other methods, 404 otherwise.
    private func routeNotFound(_ request: Request) -> APIError {
        let path = request.uri.path
        let allowed = OperatorAPI.allowedMethods(forPath: path)
        guard !allowed.isEmpty else {
            return .notFound("no route \(request.method.rawValue) \(path)")
        }
        let names = allowed.map(\.rawValue).joined(separator: ", ")
        return APIError(
            .methodNotAllowed, "method \(request.method.rawValue) is not allowed on \(path); allowed: \(names)",
            headers: [.allow: names])
    }

    static func describe(bytes: Int) -> String {
        if bytes >= 1024 * 1024, bytes % (1024 * 1024) == 0 { return "\(bytes / (1024 * 1024)) MiB" }
        if bytes >= 1024, bytes % 1024 == 0 { return "\(bytes / 1024) KiB" }
        return "\(bytes) bytes"
    }
}
