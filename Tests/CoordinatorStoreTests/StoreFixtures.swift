import BatonModel
import CoordinatorCore
import CoordinatorStore
import CoordinatorStoreSQLite
import Foundation
import Testing

/// The store implementations every conformance test runs against.
enum StoreKind: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case inMemory
    case sqlite

    var testDescription: String { rawValue }
}

/// A fresh store of one kind; SQLite stores live in their own temporary directory, removed afterwards.
final class StoreFixture {
    let kind: StoreKind
    let directory: String?
    private(set) var store: any CoordinatorStore

    init(_ kind: StoreKind) throws {
        self.kind = kind
        switch kind {
        case .inMemory:
            directory = nil
            store = InMemoryStore()
        case .sqlite:
            let path = FileManager.default.temporaryDirectory
                .appendingPathComponent("baton-store-tests-\(UUID().uuidString)").path
            directory = path
            store = try SQLiteStore(dataDirectory: path)
        }
    }

    /// Closes the SQLite store and opens the same directory again, as a restarted coordinator would.
    func reopen() throws -> any CoordinatorStore {
        guard let directory else { preconditionFailure("only durable stores can be reopened") }
        store = InMemoryStore()  // drops the last reference to the old SQLite store first
        store = try SQLiteStore(dataDirectory: directory)
        return store
    }

    var databasePath: String? { directory.map { $0 + "/" + SQLiteStore.fileName } }

    /// Deletes the temporary directory (call from a `defer`, which also keeps the fixture alive until then).
    func remove() {
        store = InMemoryStore()
        if let directory { try? FileManager.default.removeItem(atPath: directory) }
    }
}

func at(_ milliseconds: Int64) -> Instant { Instant(millisecondsSinceEpoch: milliseconds) }

enum Fixtures {
    static let database = AgentIdentity(tier: .database, name: "db-1")

    static let plan = Plan(
        playbookName: "restore-checkout", playbookVersion: "2.1.0",
        owners: ["platform": "@team-platform", "database": "@team-dba"],
        parameters: ["service": "checkout", "region": "eu-west-1"],
        steps: [
            PlannedStep(
                id: "drain", tier: .platform,
                pre: [.tcp(TCPProbe(host: "10.0.0.1", port: 443, state: .open, timeoutMilliseconds: 1_000))],
                action: Action(argv: ["/usr/local/bin/drain", "checkout"], env: ["DRY_RUN": "0"]),
                post: [.http(HTTPProbe(url: "http://lb.internal/pool/checkout", status: 503, timeoutMilliseconds: 2_000))],
                timeoutMilliseconds: 60_000, retries: 0, idempotent: true),
            PlannedStep(
                id: "promote", tier: .database, needs: ["drain"],
                pre: [
                    .command(
                        CommandProbe(
                            argv: ["pg_isready"], env: ["PGHOST": "replica"], exitCode: 0, stdoutContains: "accepting",
                            stdoutMatches: "^replica", timeoutMilliseconds: 5_000))
                ],
                action: Action(argv: ["/bin/sh", "-c", "pg_ctl promote -D \"$PGDATA\""]),
                post: [
                    .file(FileProbe(path: "/var/lib/postgresql/standby.signal", exists: false)),
                    .file(FileProbe(path: "/var/lib/postgresql/role", exists: true, contains: "primary")),
                ],
                retries: 2),
            PlannedStep(id: "announce", tier: .application, needs: ["promote"]),
        ],
        hash: "3f7a0c9e5b1d")

    static let verifiedReport = StepReport(
        runID: "r-000001", stepID: "promote", attempt: 2, outcome: .verified, reason: "", exitCode: 0,
        evidence: [
            Evidence(
                phase: .pre, probe: "command pg_isready", expected: "exit 0, stdout contains \"accepting\"",
                observed: "exit 0, \"replica:5432 - accepting connections\"", passed: true, at: at(1_010)),
            Evidence(
                phase: .post, probe: "file /var/lib/postgresql/role", expected: "contains \"primary\"",
                observed: "exists, 8 bytes, contains \"primary\"", passed: true, at: at(1_900)),
        ],
        stdoutTail: "server promoting\n", stderrTail: "", startedAt: at(1_000), finishedAt: at(2_000))

    static let failedReport = StepReport(
        runID: "r-000001", stepID: "promote", attempt: 1, outcome: .failed, reason: "action was killed by signal 9",
        exitCode: nil, evidence: [], stdoutTail: "", stderrTail: "Killed\n", startedAt: at(500), finishedAt: at(700))

    /// One record of every RunEvent case, in the order a run could produce them.
    static func everyEvent(runID: RunID = "r-000001") -> [JournalRecord] {
        [
            JournalRecord(runID: runID, at: at(100), event: .runStarted(incident: "INC-4521", plan: plan, startedBy: "alice")),
            JournalRecord(
                runID: runID, at: at(200), event: .stepWaiting(step: "promote", reason: "no connected agent of tier database")),
            JournalRecord(runID: runID, at: at(300), event: .stepDispatched(step: "promote", attempt: 1, agent: database)),
            JournalRecord(runID: runID, at: at(700), event: .stepReported(step: "promote", agent: database, report: failedReport)),
            JournalRecord(
                runID: runID, at: at(701),
                event: .stepRetryScheduled(step: "promote", nextAttempt: 2, notBefore: at(951), reason: "action was killed by signal 9")),
            JournalRecord(runID: runID, at: at(960), event: .stepDispatched(step: "promote", attempt: 2, agent: database)),
            JournalRecord(runID: runID, at: at(2_000), event: .stepReported(step: "promote", agent: database, report: verifiedReport)),
            JournalRecord(runID: runID, at: at(9_000), event: .runFinished(phase: .succeeded, reason: "all 3 steps verified")),
        ]
    }

    /// A small record for run `runID`, distinguishable by `marker`.
    static func record(_ runID: RunID, _ marker: Int) -> JournalRecord {
        JournalRecord(runID: runID, at: at(Int64(marker)), event: .stepWaiting(step: StepID("step-\(marker)"), reason: "marker \(marker)"))
    }
}
