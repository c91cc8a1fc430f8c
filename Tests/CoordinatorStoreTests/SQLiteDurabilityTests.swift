import BatonModel
import CoordinatorCore
import CoordinatorStore
import CoordinatorStoreSQLite
import GRDB
import Testing

/// What only a durable store promises: state survives a restart, and the file is set up to survive a crash.
@Suite("SQLiteStore durability")
struct SQLiteDurabilityTests {
    @Test("the epoch keeps rising across reopening the store")
    func epochSurvivesReopen() async throws {
        let fixture = try StoreFixture(.sqlite)
        defer { fixture.remove() }
        #expect(try await fixture.store.beginEpoch() == 1)
        #expect(try await fixture.store.beginEpoch() == 2)
        let reopened = try fixture.reopen()
        #expect(try await reopened.beginEpoch() == 3)
        let again = try fixture.reopen()
        #expect(try await again.beginEpoch() == 4)
    }

    @Test("records and their sequences survive reopening, and new sequences continue above them")
    func recordsSurviveReopen() async throws {
        let fixture = try StoreFixture(.sqlite)
        defer { fixture.remove() }
        let records = Fixtures.everyEvent()
        let sequences = try await fixture.store.append(records)

        let reopened = try fixture.reopen()
        let stored = try await reopened.allRecords()
        #expect(stored.map(\.record) == records)
        #expect(stored.map(\.sequence) == sequences)

        let next = try await reopened.append([Fixtures.record("r-000002", 1)])
        #expect(next.count == 1)
        #expect(next[0] > sequences.max()!)
        #expect(try await reopened.records(runID: "r-000002", after: 0, limit: 10).map(\.sequence) == next)
    }

    @Test("the database file is in WAL mode")
    func journalModeIsWAL() async throws {
        let fixture = try StoreFixture(.sqlite)
        defer { fixture.remove() }
        try await fixture.store.append([Fixtures.record("r-1", 1)])
        let path = try #require(fixture.databasePath)

        // journal_mode=WAL is stored in the file itself, so a separate connection sees it.
        let queue = try DatabaseQueue(path: path)
        let mode = try await queue.read { db in try String.fetchOne(db, sql: "PRAGMA journal_mode") }
        #expect(mode?.lowercased() == "wal")
    }

    /// `PRAGMA synchronous` is per connection; appends go through the writer connection, so that is the one that counts.
    @Test("the store writes with synchronous=FULL")
    func writerUsesSynchronousFull() async throws {
        let fixture = try StoreFixture(.sqlite)
        defer { fixture.remove() }
        let store = try #require(fixture.store as? SQLiteStore)
        let settings = try await store.durabilitySettings()
        #expect(settings.synchronous == 2, "the writer runs with synchronous=\(settings.synchronous), not FULL (2)")
        #expect(settings.journalMode.lowercased() == "wal")
    }

    @Test("a directory that does not exist yet is created")
    func createsDataDirectory() async throws {
        let fixture = try StoreFixture(.sqlite)
        defer { fixture.remove() }
        let nested = try #require(fixture.directory) + "/nested/data"
        let store = try SQLiteStore(dataDirectory: nested)
        #expect(try await store.beginEpoch() == 1)
        try await store.append([Fixtures.record("r-1", 1)])
        #expect(try await store.allRecords().count == 1)
    }
}
