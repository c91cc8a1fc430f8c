import BatonModel
import CoordinatorStore
import Foundation
import GRDB

/// The catalog in SQLite: one row per version; each change is one write transaction, so the rules in
/// `CatalogRules` see the stored state and their result is committed together.
extension SQLiteStore: CatalogStore {
    static func registerCatalogMigration(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v2-catalog") { db in
            try db.execute(
                sql: """
                    CREATE TABLE catalog_version (
                        name TEXT NOT NULL,
                        version TEXT NOT NULL,
                        file_name TEXT NOT NULL,
                        playbook_text TEXT NOT NULL,
                        modules TEXT NOT NULL,
                        content_hash TEXT NOT NULL,
                        author TEXT NOT NULL,
                        pushed_at_ms INTEGER NOT NULL,
                        state TEXT NOT NULL,
                        publisher TEXT,
                        published_at_ms INTEGER,
                        deprecated_by TEXT,
                        deprecated_at_ms INTEGER,
                        retired_by TEXT,
                        retired_at_ms INTEGER,
                        replacement TEXT,
                        reason TEXT,
                        PRIMARY KEY (name, version)
                    );
                    """)
        }
    }

    public func push(_ version: CatalogVersion) async throws -> CatalogPushOutcome {
        let modules = try Self.encodeModules(version.modules)
        return try await pool.write { db in
            let existing = try Self.fetch(db, name: version.name, version: version.version)
            let outcome = try CatalogRules.push(version, existing: existing)
            if case .stored(let stored) = outcome {
                try db.execute(
                    sql: """
                        INSERT INTO catalog_version(name, version, file_name, playbook_text, modules, content_hash, author,
                            pushed_at_ms, state)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        stored.name, stored.version, stored.fileName, stored.playbookText, modules, stored.contentHash,
                        stored.author, stored.pushedAt.millisecondsSinceEpoch, stored.state.rawValue,
                    ])
            }
            return outcome
        }
    }

    public func catalogVersion(name: String, version: String) async throws -> CatalogVersion? {
        try await pool.read { db in try Self.fetch(db, name: name, version: version) }
    }

    public func catalogVersions() async throws -> [CatalogVersion] {
        let versions = try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM catalog_version").map(Self.decode)
        }
        return CatalogRules.ordered(versions)
    }

    public func transition(
        name: String, version: String, _ transition: CatalogTransition, at now: Instant
    ) async throws -> CatalogVersion {
        try await pool.write { db in
            guard let current = try Self.fetch(db, name: name, version: version) else {
                throw CatalogError.notFound("\(name)@\(version)")
            }
            let replacement = try transition.replacementReference.flatMap(CatalogRules.parse).flatMap {
                try Self.fetch(db, name: $0.name, version: $0.version)
            }
            let updated = try CatalogRules.apply(transition, to: current, replacement: replacement, at: now)
            try db.execute(
                sql: """
                    UPDATE catalog_version SET state = ?, publisher = ?, published_at_ms = ?, deprecated_by = ?,
                        deprecated_at_ms = ?, retired_by = ?, retired_at_ms = ?, replacement = ?, reason = ?
                    WHERE name = ? AND version = ?
                    """,
                arguments: [
                    updated.state.rawValue, updated.publisher, updated.publishedAt?.millisecondsSinceEpoch,
                    updated.deprecatedBy, updated.deprecatedAt?.millisecondsSinceEpoch, updated.retiredBy,
                    updated.retiredAt?.millisecondsSinceEpoch, updated.replacement, updated.reason, name, version,
                ])
            return updated
        }
    }

    private static func fetch(_ db: Database, name: String, version: String) throws -> CatalogVersion? {
        try Row.fetchOne(db, sql: "SELECT * FROM catalog_version WHERE name = ? AND version = ?", arguments: [name, version])
            .map(decode)
    }

    private static func decode(_ row: Row) throws -> CatalogVersion {
        let name: String = row["name"]
        let version: String = row["version"]
        let stateText: String = row["state"]
        guard let state = CatalogState(rawValue: stateText) else {
            throw SQLiteStoreError(message: "catalog version \(name)@\(version) has an unknown state '\(stateText)'")
        }
        let modules: [CatalogModule]
        do {
            modules = try JSONDecoder().decode([CatalogModule].self, from: Data((row["modules"] as String).utf8))
        } catch {
            throw SQLiteStoreError(message: "catalog version \(name)@\(version) has unreadable modules: \(error)")
        }
        func instant(_ column: String) -> Instant? {
            (row[column] as Int64?).map(Instant.init(millisecondsSinceEpoch:))
        }
        var decoded = CatalogVersion(
            name: name, version: version, fileName: row["file_name"], playbookText: row["playbook_text"], modules: modules,
            contentHash: row["content_hash"], author: row["author"],
            pushedAt: Instant(millisecondsSinceEpoch: row["pushed_at_ms"]))
        decoded.state = state
        decoded.publisher = row["publisher"]
        decoded.publishedAt = instant("published_at_ms")
        decoded.deprecatedBy = row["deprecated_by"]
        decoded.deprecatedAt = instant("deprecated_at_ms")
        decoded.retiredBy = row["retired_by"]
        decoded.retiredAt = instant("retired_at_ms")
        decoded.replacement = row["replacement"]
        decoded.reason = row["reason"]
        return decoded
    }

    private static func encodeModules(_ modules: [CatalogModule]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(modules), as: UTF8.self)
    }
}
