import ArgumentParser
import AsyncHTTPClient
import BatonAPI
import BatonWire
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL

/// The operator API of batond over mutual TLS. Every failure is reported on stderr and turned into
/// an `ExitCode`: 2 when the coordinator cannot be reached or fails (5xx), 1 when it refuses the request (4xx).
struct CoordinatorClient: Sendable {
    let baseURL: String
    let http: HTTPClient
    /// Sent as `Authorization: Bearer …` when set.
    var bearerToken: String?
    let requestTimeout: TimeAmount = .seconds(30)

    /// Runs `body` with a client for `options`, shutting the client down on every path.
    static func with<Result: Sendable>(
        _ options: ConnectionOptions, _ body: (CoordinatorClient) async throws -> Result
    ) async throws -> Result {
        let files = try options.tlsFiles()
        let tls: TLSConfiguration
        do {
            let loaded = try files.load()
            tls = BatonTLS.clientConfiguration(certificateChain: loaded.chain, privateKey: loaded.key, trustRoots: loaded.roots)
        } catch {
            throw Console.fail("\(error)")
        }
        var configuration = HTTPClient.Configuration(tlsConfiguration: tls, redirectConfiguration: .disallow)
        configuration.timeout = HTTPClient.Configuration.Timeout(connect: .seconds(5), read: .seconds(60))
        // Fail at once when the coordinator is down instead of retrying until the connect timeout.
        configuration.connectionPool.retryConnectionEstablishment = false
        let client = CoordinatorClient(
            baseURL: options.coordinatorURL, http: HTTPClient(configuration: configuration), bearerToken: options.bearerToken)
        let result: Result
        do {
            result = try await body(client)
        } catch {
            try? await client.http.shutdown()
            throw error
        }
        try await client.http.shutdown()
        return result
    }

    func get<Response: Decodable>(_ path: String, as type: Response.Type = Response.self) async throws -> Response {
        try await send(.GET, path, body: nil)
    }

    func post<Request: Encodable, Response: Decodable>(
        _ path: String, _ value: Request, as type: Response.Type = Response.self
    ) async throws -> Response {
        let body: Data
        do { body = try JSONEncoder().encode(value) } catch { throw Console.fail("cannot encode the request: \(error)") }
        return try await send(.POST, path, body: body)
    }

    /// `s` escaped for use as one path segment.
    static func segment(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }

    /// Sends any request and returns the status and body as they are (for `baton api`).
    func raw(_ method: HTTPMethod, _ path: String, body: Data?) async throws -> (status: HTTPResponseStatus, body: Data) {
        try await exchange(method, path, body: body)
    }

    private func send<Response: Decodable>(_ method: HTTPMethod, _ path: String, body: Data?) async throws -> Response {
        let (status, data) = try await exchange(method, path, body: body)
        guard (200..<300).contains(status.code) else {
            throw Self.failure(status: status, body: data, what: "\(method.rawValue) \(path)")
        }
        do {
            return try JSONDecoder().decode(Response.self, from: data)
        } catch {
            throw Console.fail(
                "unexpected answer from the coordinator to \(method.rawValue) \(path): \(Self.describe(decoding: error))",
                exitCode: 2)
        }
    }

    private func exchange(_ method: HTTPMethod, _ path: String, body: Data?) async throws -> (HTTPResponseStatus, Data) {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "baton-cli")
        if let bearerToken { request.headers.add(name: "Authorization", value: "Bearer \(bearerToken)") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(Array(body))
        }
        let status: HTTPResponseStatus
        let data: Data
        do {
            let response = try await http.execute(request, timeout: requestTimeout)
            status = response.status
            let buffer = try await response.body.collect(upTo: 64 * 1024 * 1024)
            data = Data(buffer.readableBytesView)
        } catch {
            throw Console.fail("cannot reach coordinator at \(baseURL): \(Self.describe(error))", exitCode: 2)
        }
        return (status, data)
    }

    /// Prints the coordinator's `ErrorResponse` (or the raw body) and picks the exit code.
    private static func failure(status: HTTPResponseStatus, body: Data, what: String) -> ExitCode {
        let exitCode: Int32 = status.code >= 500 ? 2 : 1
        if let error = try? JSONDecoder().decode(ErrorResponse.self, from: body) {
            let failure = Console.fail(error.error, exitCode: exitCode)
            error.diagnostics.forEach { Console.err($0) }
            return failure
        }
        let text = String(decoding: body.prefix(500), as: UTF8.self)
            .split(separator: "\n", omittingEmptySubsequences: true).first.map(String.init) ?? ""
        let detail = text.isEmpty ? "" : ": \(text)"
        return Console.fail("coordinator answered \(status.code) \(status.reasonPhrase) to \(what)\(detail)", exitCode: exitCode)
    }

    /// One short phrase for a transport error (`connection refused`, `TLS handshake failed: …`).
    static func describe(_ error: any Error) -> String {
        if let ioError = findIOError(in: error) {
            return String(cString: strerror(ioError.errnoCode)).lowercased()
        }
        if let reason = tlsReason(error) { return reason }
        if let sslError = error as? NIOSSLError, case .uncleanShutdown = sslError {
            return "the coordinator closed the TLS connection (was your certificate accepted?)"
        }
        if error is NIOSSLError || error is NIOSSLExtraError || error is BoringSSLError { return "TLS error: \(error)" }
        if let clientError = error as? HTTPClientError {
            switch clientError {
            case .connectTimeout: return "connection timed out"
            case .readTimeout, .deadlineExceeded: return "no answer in time"
            case .remoteConnectionClosed: return "the coordinator closed the connection (was your certificate accepted?)"
            case .invalidURL, .emptyHost, .emptyScheme: return "invalid URL"
            default: return "\(clientError)"
            }
        }
        if let channelError = error as? ChannelError, case .connectTimeout = channelError {
            return "connection timed out"
        }
        return "\(error)"
    }

    /// A TLS failure in words, from the BoringSSL reason code inside `error` (`CERTIFICATE_VERIFY_FAILED`).
    private static func tlsReason(_ error: any Error) -> String? {
        let text = "\(error)"
        guard let marker = text.range(of: "OPENSSL_internal:") else { return nil }
        let code = String(text[marker.upperBound...].prefix { $0.isUppercase || $0.isNumber || $0 == "_" })
        switch code {
        case "CERTIFICATE_VERIFY_FAILED":
            return "TLS handshake failed: cannot verify the coordinator's certificate (is it issued by the CA "
                + "given with --ca/BATON_CA, valid now, and made for this host name?)"
        case _ where code.hasPrefix("TLSV1_ALERT_") || code.hasPrefix("SSLV3_ALERT_"):
            let alert = code.split(separator: "_").dropFirst(2).joined(separator: " ").lowercased()
            return "the coordinator refused the TLS connection (\(alert)); is your certificate issued by its CA?"
        case "WRONG_VERSION_NUMBER", "UNSUPPORTED_PROTOCOL":
            return "TLS handshake failed (\(code)): is this the coordinator's HTTPS port, speaking TLS 1.3?"
        default:
            return "TLS handshake failed (\(code))"
        }
    }

    /// The first `IOError` inside `error` (connect errors wrap one per address tried).
    private static func findIOError(in value: Any, depth: Int = 0) -> IOError? {
        if let ioError = value as? IOError { return ioError }
        guard depth < 4 else { return nil }
        for child in Mirror(reflecting: value).children {
            if let found = findIOError(in: child.value, depth: depth + 1) { return found }
        }
        return nil
    }

    private static func describe(decoding error: any Error) -> String {
        guard let decodingError = error as? DecodingError else { return "\(error)" }
        switch decodingError {
        case .keyNotFound(let key, _): return "missing field '\(key.stringValue)'"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            let path = context.codingPath.map(\.stringValue).joined(separator: ".")
            return path.isEmpty ? context.debugDescription : "\(path): \(context.debugDescription)"
        @unknown default: return "\(decodingError)"
        }
    }
}
