import BatonModel
import CoordinatorCore
import Synchronization

/// A store that keeps everything in memory: for tests and the simulator. Nothing survives the process.
public final class InMemoryStore: CoordinatorStore {
    private struct State {
        var epoch: UInt64 = 0
        var records: [StoredRecord] = []
        var audit: [AuditRecord] = []
    }

    private let state = Mutex(State())
    /// The catalog's versions (see `InMemoryStore+Catalog.swift`).
    let catalogEntries = Mutex<[CatalogKey: CatalogVersion]>([:])
    /// Bearer tokens by name (see `InMemoryStore+Tokens.swift`).
    let tokenEntries = Mutex<[String: APIToken]>([:])

    public init() {}

    public func beginEpoch() async throws -> UInt64 {
        state.withLock { state in
            state.epoch += 1
            return state.epoch
        }
    }

    @discardableResult
    public func append(_ records: [JournalRecord], audit: [AuditEntry]) async throws -> [Int64] {
        for entry in audit { try entry.validate() }
        return state.withLock { state in
            for entry in audit {
                let previous = state.audit.last
                state.audit.append(
                    AuditRecord(
                        entry: entry, after: previous?.sequence ?? 0, previousHash: previous?.hash ?? AuditChain.genesisHash))
            }
            var sequences: [Int64] = []
            for record in records {
                let sequence = Int64(state.records.count + 1)
                state.records.append(StoredRecord(sequence: sequence, record: record))
                sequences.append(sequence)
            }
            return sequences
        }
    }

    public func records(runID: RunID?, after sequence: Int64, limit: Int) async throws -> [StoredRecord] {
        state.withLock { state in
            Array(
                state.records.lazy
                    .filter { $0.sequence > sequence && (runID == nil || $0.record.runID == runID) }
                    .prefix(limit))
        }
    }

    public func auditRecords(_ query: AuditQuery) async throws -> [AuditRecord] {
        state.withLock { state in Array(state.audit.lazy.filter(query.matches).prefix(query.limit)) }
    }
}
