import BatonModel
import CoordinatorCore
import CoordinatorStore
import Foundation
import GRDB

/// The embedded store: one SQLite file in the coordinator's data directory,
/// WAL mode with `synchronous=FULL`, so an appended record survives a crash or power loss.
public final class SQLiteStore: CoordinatorStore {
    /// The database file inside a data directory.
    public static let fileName = "baton.sqlite"

    let pool: DatabasePool

    /// Opens (creating if needed) `<dataDirectory>/baton.sqlite` and migrates it.
    public init(dataDirectory: String) throws {
        try FileManager.default.createDirectory(atPath: dataDirectory, withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        configuration.busyMode = .timeout(10)
        pool = try DatabasePool(path: dataDirectory + "/" + Self.fileName, configuration: configuration)
        try Self.migrator.migrate(pool)
        // Opening the pool in WAL mode sets the writer to synchronous=NORMAL; every append goes
        // through the writer, so it is set back to FULL here, after the switch.
        try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
    }

    /// The writer connection's durability settings, as SQLite reports them
    /// (`journal_mode` "wal", `synchronous` 2 = FULL). For diagnostics and tests.
    public func durabilitySettings() async throws -> (journalMode: String, synchronous: Int) {
        try await pool.writeWithoutTransaction { db in
            let mode = try String.fetchOne(db, sql: "PRAGMA journal_mode") ?? ""
            let synchronous = try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1
            return (mode, synchronous)
        }
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);
                    CREATE TABLE journal (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        run_id TEXT NOT NULL,
                        at_ms INTEGER NOT NULL,
                        kind TEXT NOT NULL,
                        step_id TEXT,
                        payload TEXT NOT NULL
                    );
                    CREATE INDEX journal_by_run ON journal(run_id, seq);
                    """)
        }
        registerAuditMigration(in: &migrator)
        registerCatalogMigration(&migrator)
        registerTokenMigration(&migrator)
        return migrator
    }

    public func beginEpoch() async throws -> UInt64 {
        try await pool.write { db in
            let current = try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'epoch'").flatMap { UInt64($0) } ?? 0
            let next = current + 1
            try db.execute(
                sql: "INSERT INTO meta(key, value) VALUES ('epoch', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                arguments: [String(next)])
            return next
        }
    }

    @discardableResult
    public func append(_ records: [JournalRecord], audit: [AuditEntry]) async throws -> [Int64] {
        guard !records.isEmpty || !audit.isEmpty else { return [] }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let rows = try records.map { record in
            (record, String(decoding: try encoder.encode(record.event), as: UTF8.self))
        }
        return try await pool.write { db in
            var sequences: [Int64] = []
            for (record, payload) in rows {
                try db.execute(
                    sql: "INSERT INTO journal(run_id, at_ms, kind, step_id, payload) VALUES (?, ?, ?, ?, ?)",
                    arguments: [
                        record.runID.rawValue, record.at.millisecondsSinceEpoch, record.event.kind,
                        record.event.stepID?.rawValue, payload,
                    ])
                sequences.append(db.lastInsertedRowID)
            }
            try Self.insertAudit(audit, in: db)
            return sequences
        }
    }

    public func records(runID: RunID?, after sequence: Int64, limit: Int) async throws -> [StoredRecord] {
        let rows = try await pool.read { db in
            if let runID {
                return try Row.fetchAll(
                    db, sql: "SELECT seq, run_id, at_ms, payload FROM journal WHERE run_id = ? AND seq > ? ORDER BY seq LIMIT ?",
                    arguments: [runID.rawValue, sequence, limit])
            }
            return try Row.fetchAll(
                db, sql: "SELECT seq, run_id, at_ms, payload FROM journal WHERE seq > ? ORDER BY seq LIMIT ?",
                arguments: [sequence, limit])
        }
        let decoder = JSONDecoder()
        return try rows.map { row in
            let sequence: Int64 = row["seq"]
            let payload: String = row["payload"]
            do {
                let event = try decoder.decode(RunEvent.self, from: Data(payload.utf8))
                let record = JournalRecord(
                    runID: RunID(row["run_id"] as String), at: Instant(millisecondsSinceEpoch: row["at_ms"]), event: event)
                return StoredRecord(sequence: sequence, record: record)
            } catch {
                throw SQLiteStoreError(message: "journal record \(sequence) cannot be decoded: \(error)")
            }
        }
    }
}

public struct SQLiteStoreError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}
