import BatonModel
import CoordinatorStore
import GRDB

/// The audit chain in SQLite: table `audit`, one row per record, written in the same transaction
/// as the journal records of the same append.
extension SQLiteStore {
    /// Adds the `audit` table to databases made before it existed (and to new ones).
    /// The checks keep a hand-edited row decodable, so that `verifyAudit` can name it instead of failing to read it.
    static func registerAuditMigration(in migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v2-audit") { db in
            try db.execute(
                sql: """
                    CREATE TABLE audit (
                        seq INTEGER PRIMARY KEY NOT NULL,
                        at_ms INTEGER NOT NULL CHECK (typeof(at_ms) = 'integer'),
                        actor TEXT NOT NULL CHECK (actor <> ''),
                        action TEXT NOT NULL CHECK (action <> ''),
                        outcome TEXT NOT NULL CHECK (outcome IN ('accepted', 'refused')),
                        incident TEXT,
                        run_id TEXT,
                        step_id TEXT,
                        attempt INTEGER CHECK (attempt IS NULL OR typeof(attempt) = 'integer'),
                        agent TEXT,
                        detail TEXT NOT NULL,
                        previous_hash TEXT NOT NULL,
                        hash TEXT NOT NULL
                    );
                    CREATE INDEX audit_by_incident ON audit(incident, seq);
                    CREATE INDEX audit_by_agent ON audit(agent, seq);
                    CREATE INDEX audit_by_run ON audit(run_id, seq);
                    """)
        }
    }

    /// Links and inserts `entries` after the newest audit record, inside the caller's transaction.
    /// An invalid entry throws, which rolls back the whole append (journal records included).
    static func insertAudit(_ entries: [AuditEntry], in db: Database) throws {
        guard !entries.isEmpty else { return }
        let newest = try Row.fetchOne(db, sql: "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")
        var previousSequence: Int64 = newest?["seq"] ?? 0
        var previousHash: String = newest?["hash"] ?? AuditChain.genesisHash
        for entry in entries {
            try entry.validate()
            let record = AuditRecord(entry: entry, after: previousSequence, previousHash: previousHash)
            try db.execute(
                sql: """
                    INSERT INTO audit(seq, at_ms, actor, action, outcome, incident, run_id, step_id, attempt, agent, detail,
                        previous_hash, hash)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    record.sequence, entry.at.millisecondsSinceEpoch, entry.actor, entry.action, entry.outcome.rawValue,
                    entry.incident, entry.run?.rawValue, entry.step?.rawValue, entry.attempt, entry.agent, entry.detail,
                    record.previousHash, record.hash,
                ])
            previousSequence = record.sequence
            previousHash = record.hash
        }
    }

    public func auditRecords(_ query: AuditQuery) async throws -> [AuditRecord] {
        var conditions = ["seq > ?"]
        var arguments: StatementArguments = [query.after]
        let filters: [(String, String?)] = [
            ("incident", query.incident), ("agent", query.agent), ("run_id", query.run?.rawValue), ("actor", query.actor),
        ]
        for case (let column, let value?) in filters {
            conditions.append("\(column) = ?")
            arguments += [value]
        }
        arguments += [query.limit]
        let sql = "SELECT * FROM audit WHERE \(conditions.joined(separator: " AND ")) ORDER BY seq LIMIT ?"
        let rows = try await pool.read { db in try Row.fetchAll(db, sql: sql, arguments: arguments) }
        return try rows.map(Self.auditRecord)
    }

    private static func auditRecord(_ row: Row) throws -> AuditRecord {
        let sequence: Int64 = row["seq"]
        let outcomeText: String = row["outcome"]
        guard let outcome = AuditOutcome(rawValue: outcomeText) else {
            throw SQLiteStoreError(message: "audit record \(sequence) has an unknown outcome '\(outcomeText)'")
        }
        let entry = AuditEntry(
            at: Instant(millisecondsSinceEpoch: row["at_ms"]), actor: row["actor"], action: row["action"], outcome: outcome,
            incident: row["incident"], run: (row["run_id"] as String?).map { RunID($0) },
            step: (row["step_id"] as String?).map { StepID($0) }, attempt: row["attempt"], agent: row["agent"],
            detail: row["detail"])
        return AuditRecord(sequence: sequence, entry: entry, previousHash: row["previous_hash"], hash: row["hash"])
    }
}
