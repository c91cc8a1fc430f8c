import BatonModel
import BatonAPI
import BatonIdentity
import CoordinatorStore
import Hummingbird
import Logging
import NIOCore
import NIOSSL

/// The operator a request is attributed to, read from the verified client certificate.
public struct OperatorIdentity: Sendable, Hashable, CustomStringConvertible {
    public var principal: BatonPrincipal
    public var name: String
    /// The role segment of the certificate, as written.
    public var role: String
    /// The certificate's role (when it is a known one) and the roles bound to the name; for a bearer
    /// token, the token's roles only.
    public var roles: Set<OperatorRole>
    /// Set when the request carried a valid bearer token: the token's name (`name` is then `token:NAME`).
    public var token: String?

    /// Who the request is attributed to: the certificate identity, or `token:NAME` for a bearer token.
    /// Recorded as the `startedBy` of runs, the actor of approvals, overrides and audit records.
    public var startedBy: String { token.map { "token:\($0)" } ?? principal.uri() }

    public var description: String { "\(name) (\(roles.isEmpty ? "no role" : roles.names))" }
}

/// Per-request context: the connection the request arrived on and, once resolved by
/// `OperatorIdentityMiddleware`, the operator who sent it.
public struct OperatorRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The TLS connection the request came on.
    public let channel: any Channel
    /// Set by `OperatorIdentityMiddleware` before any route runs.
    public internal(set) var operatorIdentity: OperatorIdentity?

    public init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        channel = source.channel
    }

    /// Largest body Hummingbird's own `decode` would accept; the routes collect bodies with the configured limit.
    public var maxUploadSize: Int { OperatorAPIConfiguration.defaultMaxBodySize }

    /// The resolved operator; routes behind `OperatorIdentityMiddleware` always have one.
    func requireOperator() throws(APIError) -> OperatorIdentity {
        guard let operatorIdentity else {
            throw APIError(.unauthorized, "the request is not attributed to an operator")
        }
        return operatorIdentity
    }
}

/// Attributes every request to the operator named by the connection's client certificate.
///
/// The TLS layer has already verified the certificate against the Baton CA; this reads its SPIFFE
/// identity and refuses (403) anything that is not `spiffe://<td>/operator/<role>/<name>`.
struct OperatorIdentityMiddleware: RouterMiddleware {
    typealias Context = OperatorRequestContext

    /// Operator name → roles granted on top of the certificate's role.
    let bindings: [String: Set<OperatorRole>]
    /// Where bearer tokens are looked up (by the hash of the secret).
    let tokens: any TokenStore

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        var context = context
        var identity = try await Self.identify(channel: context.channel)
        identity.roles.formUnion(bindings[identity.name] ?? [])
        if let authorization = request.headers[.authorization] {
            identity = try await bearer(authorization, certificate: identity)
        }
        context.operatorIdentity = identity
        context.logger[metadataKey: "operator"] = .string(identity.startedBy)
        return try await next(request, context)
    }

    /// The identity a bearer token gives (the connection's certificate still had to be an operator's).
    /// An unknown, revoked or malformed token is refused (401): never silently ignored.
    private func bearer(_ header: String, certificate: OperatorIdentity) async throws -> OperatorIdentity {
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer", !parts[1].isEmpty else {
            throw APIError(.unauthorized, "the Authorization header must be 'Bearer <token>'")
        }
        guard let token = try await tokens.token(secretHash: TokenSecret.hash(String(parts[1]))) else {
            throw APIError(.unauthorized, "the bearer token is not valid (unknown); create one with baton token create")
        }
        guard token.revokedAt == nil else {
            throw APIError(.unauthorized, "the bearer token '\(token.name)' was revoked")
        }
        var identity = certificate
        identity.token = token.name
        identity.name = "token:\(token.name)"
        identity.roles = Set(token.roles.compactMap(OperatorRole.init(rawValue:)))
        return identity
    }

    /// The operator named by the peer certificate of `channel`.
    static func identify(channel: any Channel) async throws(APIError) -> OperatorIdentity {
        guard let der = await peerCertificateDER(channel) else {
            throw APIError(
                .unauthorized, "no client certificate; the operator API needs an operator certificate from the Baton CA")
        }
        let principal: BatonPrincipal
        do {
            principal = try PeerIdentity.principal(fromDER: der)
        } catch {
            throw APIError(.forbidden, "the client certificate has no valid Baton identity: \(error)")
        }
        guard case .operator(let name, let role) = principal.kind else {
            throw APIError(
                .forbidden,
                "certificate identity \(principal.uri()) is \(kindName(principal.kind)), not an operator; "
                    + "the operator API needs an operator certificate (spiffe://<trust-domain>/operator/<role>/<name>)")
        }
        let roles: Set<OperatorRole> = OperatorRole(rawValue: role).map { [$0] } ?? []
        return OperatorIdentity(principal: principal, name: name, role: role, roles: roles, token: nil)
    }

    /// The DER bytes of the verified peer certificate, read on the channel's event loop;
    /// nil when the connection has no TLS handler or the peer sent no certificate.
    private static func peerCertificateDER(_ channel: any Channel) async -> [UInt8]? {
        let read = channel.eventLoop.submit { () -> [UInt8]? in
            try channel.pipeline.syncOperations.handler(type: NIOSSLHandler.self).peerCertificate?.toDERBytes()
        }
        return try? await read.get()
    }

    private static func kindName(_ kind: BatonPrincipal.Kind) -> String {
        switch kind {
        case .agent: "an agent"
        case .coordinator: "a coordinator"
        case .operator: "an operator"
        }
    }
}
