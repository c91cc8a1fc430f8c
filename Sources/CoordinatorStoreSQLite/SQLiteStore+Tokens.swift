import BatonModel
import CoordinatorStore
import GRDB

/// Bearer tokens in SQLite: only the SHA-256 of each secret is stored.
extension SQLiteStore: TokenStore {
    static func registerTokenMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v3-tokens") { db in
            try db.execute(
                sql: """
                    CREATE TABLE api_token (
                        name TEXT PRIMARY KEY NOT NULL,
                        secret_hash TEXT NOT NULL UNIQUE,
                        roles TEXT NOT NULL,
                        created_by TEXT NOT NULL,
                        created_at_ms INTEGER NOT NULL,
                        revoked_at_ms INTEGER
                    );
                    """)
        }
    }

    public func createToken(_ token: APIToken) async throws -> Bool {
        try await pool.write { db in
            let taken = try Bool.fetchOne(db, sql: "SELECT 1 FROM api_token WHERE name = ?", arguments: [token.name]) ?? false
            guard !taken else { return false }
            try db.execute(
                sql: """
                    INSERT INTO api_token (name, secret_hash, roles, created_by, created_at_ms, revoked_at_ms)
                    VALUES (?, ?, ?, ?, ?, NULL)
                    """,
                arguments: [
                    token.name, token.secretHash, token.roles.joined(separator: ","), token.createdBy,
                    token.createdAt.millisecondsSinceEpoch,
                ])
            return true
        }
    }

    public func token(secretHash: String) async throws -> APIToken? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM api_token WHERE secret_hash = ?", arguments: [secretHash]).map(Self.token)
        }
    }

    public func tokens() async throws -> [APIToken] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM api_token ORDER BY name").map(Self.token)
        }
    }

    public func revokeToken(name: String, at: Instant) async throws -> Bool {
        try await pool.write { db in
            try db.execute(
                sql: "UPDATE api_token SET revoked_at_ms = ? WHERE name = ? AND revoked_at_ms IS NULL",
                arguments: [at.millisecondsSinceEpoch, name])
            return db.changesCount > 0
        }
    }

    private static func token(_ row: Row) -> APIToken {
        let roles: String = row["roles"]
        let revoked: Int64? = row["revoked_at_ms"]
        return APIToken(
            name: row["name"], secretHash: row["secret_hash"],
            roles: roles.split(separator: ",").map(String.init), createdBy: row["created_by"],
            createdAt: Instant(millisecondsSinceEpoch: row["created_at_ms"]),
            revokedAt: revoked.map { Instant(millisecondsSinceEpoch: $0) })
    }
}
