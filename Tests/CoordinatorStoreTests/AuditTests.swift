import BatonModel
import CoordinatorCore
import CoordinatorStore
import CoordinatorStoreSQLite
import Foundation
import GRDB
import Testing

/// The hash-chained audit log, in every store: links, queries, verification and atomicity.
@Suite("Audit log")
struct AuditTests {
    static func entry(
        _ marker: Int, incident: String? = "INC-A", agent: String? = nil, run: RunID? = "r-1", actor: String = "alice"
    ) -> AuditEntry {
        AuditEntry(
            at: at(Int64(marker)), actor: actor, action: "agent.report", outcome: marker % 3 == 0 ? .refused : .accepted,
            incident: incident, run: run, step: "promote", attempt: marker, agent: agent, detail: "marker \(marker)")
    }

    @Test("each record links to the one before it, across appends with and without journal records", arguments: StoreKind.allCases)
    func recordsLinkIntoAChain(kind: StoreKind) async throws {
        let fixture = try StoreFixture(kind)
        defer { fixture.remove() }
        let store = fixture.store
        #expect(try await store.verifyAudit() == .intact(records: 0, lastHash: AuditChain.genesisHash))

        let journal = try await store.append([Fixtures.record("r-1", 1)], audit: [Self.entry(1), Self.entry(2)])
        #expect(journal.count == 1)
        try await store.append([], audit: [Self.entry(3)])
        try await store.append([Fixtures.record("r-1", 2)])  // no audit entries: the chain is unchanged
        try await store.append([Fixtures.record("r-1", 3)], audit: [Self.entry(4)])

        let records = try await store.auditRecords(AuditQuery())
        #expect(records.map(\.sequence) == [1, 2, 3, 4])
        #expect(records.map(\.entry) == [Self.entry(1), Self.entry(2), Self.entry(3), Self.entry(4)])
        #expect(records.first?.previousHash == AuditChain.genesisHash)
        for (previous, next) in zip(records, records.dropFirst()) { #expect(next.previousHash == previous.hash) }
        for record in records {
            #expect(record.hash == AuditChain.hash(sequence: record.sequence, entry: record.entry, previousHash: record.previousHash))
            #expect(record.hash.count == 64 && record.hash.allSatisfy(\.isHexDigit))
        }
        #expect(Set(records.map(\.hash)).count == 4)
        #expect(try await store.verifyAudit() == .intact(records: 4, lastHash: records[3].hash))
        #expect(try await store.allRecords().count == 3)
    }

    @Test("concurrent appends never fork the chain", arguments: StoreKind.allCases)
    func concurrentAppendsKeepOneChain(kind: StoreKind) async throws {
        let fixture = try StoreFixture(kind)
        defer { fixture.remove() }
        let store = fixture.store
        try await withThrowingTaskGroup(of: Void.self) { group in
            for task in 0..<8 {
                group.addTask {
                    for item in 0..<5 { try await store.append([], audit: [Self.entry(task * 10 + item)]) }
                }
            }
            try await group.waitForAll()
        }
        guard case .intact(let count, _) = try await store.verifyAudit() else {
            Issue.record("the chain does not verify after concurrent appends")
            return
        }
        #expect(count == 40)
    }

    @Test("queries filter by incident, agent, run and actor, page with after, and keep the oldest up to the limit", arguments: StoreKind.allCases)
    func queriesFilterAndPage(kind: StoreKind) async throws {
        let fixture = try StoreFixture(kind)
        defer { fixture.remove() }
        let store = fixture.store
        let entries = [
            Self.entry(1, incident: "INC-A", agent: "db-1", run: "r-a"),
            Self.entry(2, incident: "INC-A", agent: "app-1", run: "r-a"),
            Self.entry(3, incident: "INC-B", agent: "db-1", run: "r-b", actor: "bob"),
            Self.entry(4, incident: "INC-A", agent: "db-1", run: "r-a", actor: "agent:database/db-1"),
            Self.entry(5, incident: nil, agent: nil, run: nil, actor: "bob"),
        ]
        try await store.append([], audit: Array(entries[0..<2]))
        try await store.append([], audit: Array(entries[2...]))
        func markers(_ query: AuditQuery) async throws -> [Int] {
            try await store.auditRecords(query).map { Int($0.entry.attempt ?? 0) }
        }
        #expect(try await markers(AuditQuery(incident: "INC-A", agent: "db-1")) == [1, 4])
        #expect(try await markers(AuditQuery(incident: "INC-B")) == [3])
        #expect(try await markers(AuditQuery(agent: "db-1")) == [1, 3, 4])
        #expect(try await markers(AuditQuery(run: "r-a")) == [1, 2, 4])
        #expect(try await markers(AuditQuery(actor: "bob")) == [3, 5])
        #expect(try await markers(AuditQuery(incident: "INC-C")).isEmpty)
        #expect(try await markers(AuditQuery(after: 2)) == [3, 4, 5])
        #expect(try await markers(AuditQuery(agent: "db-1", after: 1, limit: 1)) == [3])
        #expect(try await markers(AuditQuery(limit: 2)) == [1, 2])
        #expect(try await store.auditRecords(AuditQuery(incident: "INC-A")).map(\.sequence) == [1, 2, 4])
    }

    @Test("an append with an invalid audit entry stores neither its journal records nor its audit entries", arguments: StoreKind.allCases)
    func failedAppendLeavesNothing(kind: StoreKind) async throws {
        let fixture = try StoreFixture(kind)
        defer { fixture.remove() }
        let store = fixture.store
        var invalid = Self.entry(2)
        invalid.actor = ""
        await #expect(throws: AuditEntryError.self) {
            try await store.append([Fixtures.record("r-1", 1), Fixtures.record("r-1", 2)], audit: [Self.entry(1), invalid])
        }
        #expect(try await store.allRecords().isEmpty)
        #expect(try await store.auditRecords(AuditQuery()).isEmpty)

        try await store.append([Fixtures.record("r-1", 3)], audit: [Self.entry(3)])
        let records = try await store.auditRecords(AuditQuery())
        #expect(records.map(\.sequence) == [1])
        #expect(records.first?.previousHash == AuditChain.genesisHash)
        #expect(try await store.allRecords().map(\.record) == [Fixtures.record("r-1", 3)])
    }

    @Test("the encoding keeps field boundaries: moving text between fields, or empty versus absent, changes the hash")
    func encodingIsUnambiguous() {
        var left = Self.entry(1)
        var right = left
        left.actor = "ab"
        left.action = "c"
        right.actor = "a"
        right.action = "bc"
        #expect(AuditChain.hash(sequence: 1, entry: left, previousHash: "") != AuditChain.hash(sequence: 1, entry: right, previousHash: ""))
        var absent = Self.entry(1)
        absent.incident = nil
        var empty = absent
        empty.incident = ""
        #expect(AuditChain.hash(sequence: 1, entry: absent, previousHash: "") != AuditChain.hash(sequence: 1, entry: empty, previousHash: ""))
        #expect(AuditChain.hash(sequence: 1, entry: absent, previousHash: "") != AuditChain.hash(sequence: 2, entry: absent, previousHash: ""))
    }
}

/// Tampering with the SQLite file directly, as someone with access to the data directory could.
@Suite("Audit log tampering (SQLite)")
struct AuditTamperingTests {
    /// A SQLite store holding five audit records, and a second connection to its file.
    static func tamperable() async throws -> (StoreFixture, DatabaseQueue) {
        let fixture = try StoreFixture(.sqlite)
        for marker in 1...5 { try await fixture.store.append([Fixtures.record("r-1", marker)], audit: [AuditTests.entry(marker)]) }
        #expect(try await fixture.store.verifyAudit() == .intact(records: 5, lastHash: try await lastHash(fixture.store)))
        return (fixture, try DatabaseQueue(path: try #require(fixture.databasePath)))
    }

    @Test("changing one record's detail is found, naming exactly that record")
    func editedDetailIsFound() async throws {
        let (fixture, database) = try await Self.tamperable()
        defer { fixture.remove() }
        try await database.write { db in try db.execute(sql: "UPDATE audit SET detail = 'nothing happened' WHERE seq = 3") }
        let result = try await fixture.store.verifyAudit()
        guard case .broken(sequence: 3, problem: .edited) = result else {
            Issue.record("expected record 3 to be reported as edited, got \(result)")
            return
        }
    }

    @Test("deleting a record in the middle is found at the record after the gap")
    func deletedRecordIsFound() async throws {
        let (fixture, database) = try await Self.tamperable()
        defer { fixture.remove() }
        try await database.write { db in try db.execute(sql: "DELETE FROM audit WHERE seq = 3") }
        #expect(try await fixture.store.verifyAudit() == .broken(sequence: 4, problem: .sequenceGap(expected: 3)))
    }

    @Test("a record rewritten with a recomputed hash still breaks the link from the record after it")
    func forgedRecordBreaksTheNextLink() async throws {
        let (fixture, database) = try await Self.tamperable()
        defer { fixture.remove() }
        let original = try #require(try await fixture.store.auditRecords(AuditQuery(after: 1, limit: 1)).first)
        var forged = original.entry
        forged.detail = "nothing happened"
        let forgedHash = AuditChain.hash(sequence: 2, entry: forged, previousHash: original.previousHash)
        let forgedDetail = forged.detail
        try await database.write { db in
            try db.execute(sql: "UPDATE audit SET detail = ?, hash = ? WHERE seq = 2", arguments: [forgedDetail, forgedHash])
        }
        let result = try await fixture.store.verifyAudit()
        guard case .broken(sequence: 3, problem: .unlinked(let expected, let stored)) = result else {
            Issue.record("expected record 3 to be reported as unlinked, got \(result)")
            return
        }
        #expect(expected == forgedHash && stored == original.hash)
    }

    @Test("a database made before the audit table opens, migrates, and keeps its journal")
    func versionOneDatabaseMigrates() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("baton-audit-v1-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let oldRecord = Fixtures.record("r-old", 7)
        let payload = String(decoding: try JSONEncoder().encode(oldRecord.event), as: UTF8.self)
        // The schema and migration bookkeeping of a database written before "v2-audit" existed.
        let old = try DatabaseQueue(path: directory + "/" + SQLiteStore.fileName)
        try await old.write { db in
            try db.execute(
                sql: """
                    CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
                    INSERT INTO grdb_migrations VALUES ('v1');
                    CREATE TABLE meta (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);
                    CREATE TABLE journal (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL, at_ms INTEGER NOT NULL,
                        kind TEXT NOT NULL, step_id TEXT, payload TEXT NOT NULL);
                    CREATE INDEX journal_by_run ON journal(run_id, seq);
                    """)
            try db.execute(
                sql: "INSERT INTO journal(run_id, at_ms, kind, step_id, payload) VALUES ('r-old', 7, ?, ?, ?)",
                arguments: [oldRecord.event.kind, oldRecord.event.stepID?.rawValue, payload])
        }
        try old.close()

        let store = try SQLiteStore(dataDirectory: directory)
        #expect(try await store.allRecords().map(\.record) == [oldRecord])
        #expect(try await store.verifyAudit() == .intact(records: 0, lastHash: AuditChain.genesisHash))
        try await store.append([Fixtures.record("r-new", 1)], audit: [AuditTests.entry(1)])
        guard case .intact(records: 1, lastHash: _) = try await store.verifyAudit() else {
            Issue.record("the migrated store does not keep an audit chain")
            return
        }
    }
}

/// The newest audit record's hash.
func lastHash(_ store: any CoordinatorStore) async throws -> String {
    try await store.auditRecords(AuditQuery()).last?.hash ?? AuditChain.genesisHash
}
