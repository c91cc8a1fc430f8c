import BatonModel
import Synchronization

extension InMemoryStore: TokenStore {
    public func createToken(_ token: APIToken) async throws -> Bool {
        tokenEntries.withLock { entries in
            guard entries[token.name] == nil else { return false }
            entries[token.name] = token
            return true
        }
    }

    public func token(secretHash: String) async throws -> APIToken? {
        tokenEntries.withLock { entries in entries.values.first { $0.secretHash == secretHash } }
    }

    public func tokens() async throws -> [APIToken] {
        tokenEntries.withLock { $0.values.sorted { $0.name < $1.name } }
    }

    public func revokeToken(name: String, at: Instant) async throws -> Bool {
        tokenEntries.withLock { entries in
            guard entries[name] != nil, entries[name]?.revokedAt == nil else { return false }
            entries[name]?.revokedAt = at
            return true
        }
    }
}
