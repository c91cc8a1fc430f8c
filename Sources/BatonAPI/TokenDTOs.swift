// Bearer tokens: `POST /v1/tokens`, `GET /v1/tokens`, `POST /v1/tokens/{name}/revoke` (role admin).

/// `POST /v1/tokens`.
public struct TokenCreateRequest: Codable, Sendable, Hashable {
    /// Letters, digits, `-`, `_` and `.`; unique (also among revoked tokens).
    public var name: String
    /// The roles the token carries (its bearer gets these, not the certificate's).
    public var roles: [String]

    public init(name: String, roles: [String]) {
        self.name = name
        self.roles = roles
    }
}

/// One token, without its secret.
public struct TokenView: Codable, Sendable, Hashable {
    public var name: String
    public var roles: [String]
    public var createdBy: String
    public var createdAt: Int64
    public var revokedAt: Int64?

    public init(name: String, roles: [String], createdBy: String, createdAt: Int64, revokedAt: Int64?) {
        self.name = name
        self.roles = roles
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}

/// The answer to `POST /v1/tokens`: the only time the secret is shown.
public struct TokenCreated: Codable, Sendable, Hashable {
    public var token: TokenView
    public var secret: String

    public init(token: TokenView, secret: String) {
        self.token = token
        self.secret = secret
    }
}

public struct TokenList: Codable, Sendable, Hashable {
    public var tokens: [TokenView]

    public init(tokens: [TokenView]) { self.tokens = tokens }
}
