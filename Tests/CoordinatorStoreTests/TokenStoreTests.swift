import BatonModel
import CoordinatorStore
import Testing

/// What every TokenStore must do, run against each implementation.
@Suite("TokenStore conformance")
struct TokenStoreTests {
    @Test("tokens are found by the hash of their secret, names are unique, revocation is kept", arguments: StoreKind.allCases)
    func lifecycle(kind: StoreKind) async throws {
        let fixture = try StoreFixture(kind)
        defer { fixture.remove() }
        let store = try #require(fixture.store as? any TokenStore, "\(kind) does not conform to TokenStore")
        let secret = TokenSecret.generate()
        #expect(secret.hasPrefix(TokenSecret.prefix) && secret != TokenSecret.generate())
        let token = APIToken(
            name: "ci", secretHash: TokenSecret.hash(secret), roles: ["approver", "responder"], createdBy: "root",
            createdAt: at(1_000))
        #expect(try await store.createToken(token))
        #expect(try await store.token(secretHash: TokenSecret.hash(secret)) == token)
        #expect(try await store.token(secretHash: TokenSecret.hash(secret + "x")) == nil)
        var other = token
        other.secretHash = TokenSecret.hash(TokenSecret.generate())
        #expect(try await store.createToken(other) == false, "a name is never reused")

        #expect(try await store.revokeToken(name: "ci", at: at(2_000)))
        #expect(try await store.revokeToken(name: "ci", at: at(3_000)) == false)
        #expect(try await store.revokeToken(name: "nobody", at: at(3_000)) == false)
        #expect(try await store.tokens().map(\.revokedAt) == [at(2_000)])
    }
}
