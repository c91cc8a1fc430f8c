import BatonModel
import Crypto

/// A bearer token for scripts: a name, the roles it carries, and the SHA-256 of its secret (the
/// secret itself is shown once, when it is created, and never stored).
public struct APIToken: Hashable, Sendable {
    public var name: String
    /// Lowercase hex SHA-256 of the secret.
    public var secretHash: String
    public var roles: [String]
    /// The operator who created it.
    public var createdBy: String
    public var createdAt: Instant
    public var revokedAt: Instant?

    public init(
        name: String, secretHash: String, roles: [String], createdBy: String, createdAt: Instant, revokedAt: Instant? = nil
    ) {
        self.name = name
        self.secretHash = secretHash
        self.roles = roles
        self.createdBy = createdBy
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}

/// Where batond keeps bearer tokens.
public protocol TokenStore: Sendable {
    /// Stores a new token; false (and nothing stored) when the name is taken, even by a revoked token.
    func createToken(_ token: APIToken) async throws -> Bool
    /// The token whose secret hashes to `secretHash`, revoked or not.
    func token(secretHash: String) async throws -> APIToken?
    /// Every token, by name.
    func tokens() async throws -> [APIToken]
    /// Marks the token revoked; false when there is no such token or it already is.
    func revokeToken(name: String, at: Instant) async throws -> Bool
}

/// Token secrets: made from the system's random generator, compared by hash only.
public enum TokenSecret {
    /// What every secret starts with, so that a leaked one is recognisable.
    public static let prefix = "baton_"

    /// A new secret: the prefix and 32 random bytes in hex.
    public static func generate() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return prefix + AuditChain.hex(bytes)
    }

    /// Lowercase hex SHA-256 of the secret's UTF-8 bytes.
    public static func hash(_ secret: String) -> String {
        AuditChain.hex(SHA256.hash(data: Array(secret.utf8)))
    }
}
