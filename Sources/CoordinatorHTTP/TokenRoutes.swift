import BatonAPI
import BatonModel
import BatonWire
import CoordinatorStore
import Hummingbird

extension OperatorHandlers {
    /// `POST /v1/tokens` `{"name", "roles"}`: makes a secret, stores only its hash, returns it once.
    func createToken(_ request: Request, context: OperatorRequestContext) async throws -> Response {
        let identity = try context.requireOperator()
        let body = try await RequestInput.decodeJSON(TokenCreateRequest.self, from: request, limit: maxBodySize)
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")
        guard !body.name.isEmpty, body.name.count <= 64, body.name.allSatisfy(allowed.contains) else {
            throw APIError.badRequest("token name '\(body.name)' must be 1 to 64 letters, digits, '-', '_' or '.'")
        }
        guard !body.roles.isEmpty else { throw APIError.badRequest("a token needs at least one role (\(OperatorRole.names))") }
        if let unknown = body.roles.first(where: { OperatorRole(rawValue: $0) == nil }) {
            throw APIError.badRequest("unknown role '\(unknown)'; roles: \(OperatorRole.names)")
        }
        let secret = TokenSecret.generate()
        let token = APIToken(
            name: body.name, secretHash: TokenSecret.hash(secret), roles: Array(Set(body.roles)).sorted(),
            createdBy: identity.startedBy, createdAt: WallClock.now())
        guard try await store.createToken(token) else {
            throw APIError(.conflict, "a token named '\(body.name)' already exists (names are never reused, even once revoked)")
        }
        return JSONResponse.make(TokenCreated(token: TokenView(token), secret: secret), status: .created)
    }

    /// `GET /v1/tokens`: every token, without secrets.
    func listTokens() async throws -> Response {
        JSONResponse.make(TokenList(tokens: try await store.tokens().map(TokenView.init)))
    }

    /// `POST /v1/tokens/{name}/revoke`.
    func revokeToken(context: OperatorRequestContext) async throws -> Response {
        guard let name = context.parameters.get("name"), !name.isEmpty else {
            throw APIError.badRequest("the token name is missing from the path")
        }
        guard try await store.revokeToken(name: name, at: WallClock.now()) else {
            throw APIError.notFound("no token '\(name)' that is not already revoked")
        }
        guard let token = try await store.tokens().first(where: { $0.name == name }) else {
            throw APIError.notFound("no token '\(name)'")
        }
        return JSONResponse.make(TokenView(token))
    }
}

extension TokenView {
    init(_ token: APIToken) {
        self.init(
            name: token.name, roles: token.roles, createdBy: token.createdBy, createdAt: token.createdAt.millisecondsSinceEpoch,
            revokedAt: token.revokedAt?.millisecondsSinceEpoch)
    }
}
