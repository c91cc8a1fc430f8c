import BatonModel
import CoordinatorCore

/// A journal record with the sequence number the store gave it. Sequence numbers rise
/// strictly in the order records were appended, across all runs.
public struct StoredRecord: Hashable, Sendable {
    public var sequence: Int64
    public var record: JournalRecord

    public init(sequence: Int64, record: JournalRecord) {
        self.sequence = sequence
        self.record = record
    }
}

/// The coordinator's durable state. One protocol; in-memory (tests), SQLite and, later,
/// PostgreSQL implementations; every implementation passes the same conformance tests.
public protocol CoordinatorStore: Sendable {
    /// Raises the stored epoch by one and returns it. Called once each time a coordinator starts.
    func beginEpoch() async throws -> UInt64

    /// Makes `records` and `audit` durable in one transaction, in order, all or none; each audit
    /// entry is linked to the newest audit record inside that transaction, so concurrent appends
    /// cannot fork the chain. Returns the journal sequences, only when everything is on disk.
    @discardableResult
    func append(_ records: [JournalRecord], audit: [AuditEntry]) async throws -> [Int64]

    /// Audit records matching `query`, oldest first, at most `query.limit`.
    func auditRecords(_ query: AuditQuery) async throws -> [AuditRecord]

    /// Records with a sequence above `after`, oldest first, at most `limit`; every run's when `runID` is nil.
    func records(runID: RunID?, after sequence: Int64, limit: Int) async throws -> [StoredRecord]
}

extension CoordinatorStore {
    /// Makes `records` durable, in order, all or none, with no audit entries.
    @discardableResult
    public func append(_ records: [JournalRecord]) async throws -> [Int64] {
        try await append(records, audit: [])
    }

    /// Every record of every run, oldest first.
    public func allRecords() async throws -> [StoredRecord] {
        var result: [StoredRecord] = []
        var cursor: Int64 = 0
        while true {
            let page = try await records(runID: nil, after: cursor, limit: 10_000)
            guard let last = page.last else { return result }
            result += page
            cursor = last.sequence
        }
    }
}
