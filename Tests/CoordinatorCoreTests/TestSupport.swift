import BatonModel
import CoordinatorCore

typealias Effect = CoordinatorCore.Effect

enum Agents {
    static let platform = AgentIdentity(tier: .platform, name: "plat-1")
    static let database = AgentIdentity(tier: .database, name: "db-1")
    static let database2 = AgentIdentity(tier: .database, name: "db-2")
    static let application = AgentIdentity(tier: .application, name: "app-1")
}

func at(_ milliseconds: Int64) -> Instant { Instant(millisecondsSinceEpoch: milliseconds) }

func makePlan(_ steps: [PlannedStep], name: String = "restore-service") -> Plan {
    Plan(playbookName: name, playbookVersion: "1", parameters: ["service": "checkout"], steps: steps, hash: "test-hash")
}

func step(
    _ id: StepID, _ tier: Tier, needs: [StepID] = [], retries: Int = 0
) -> PlannedStep {
    PlannedStep(
        id: id, tier: tier, needs: needs,
        pre: [.file(FileProbe(path: "/tmp/\(id).ready"))],
        action: Action(argv: ["/usr/bin/true", id.rawValue]),
        post: [.command(CommandProbe(argv: ["/usr/bin/check", id.rawValue]))],
        timeoutMilliseconds: 30_000, retries: retries)
}

func report(
    _ assignment: Assignment, _ outcome: Outcome, reason: String = "", exitCode: Int32? = 0, now: Instant
) -> StepReport {
    StepReport(
        runID: assignment.runID, stepID: assignment.stepID, attempt: assignment.attempt, outcome: outcome,
        reason: reason, exitCode: exitCode, startedAt: now.adding(milliseconds: -10), finishedAt: now)
}

extension Array where Element == Effect {
    var assignments: [(agent: AgentIdentity, assignment: Assignment)] {
        compactMap {
            if case .assign(let agent, let assignment) = $0 { return (agent, assignment) }
            return nil
        }
    }

    var records: [JournalRecord] {
        compactMap {
            if case .journal(let record) = $0 { return record }
            return nil
        }
    }

    var refusals: [(agent: AgentIdentity, key: AttemptKey, reason: String)] {
        compactMap {
            if case .refuseReport(let agent, let key, let reason) = $0 { return (agent, key, reason) }
            return nil
        }
    }

    func assignments(of stepID: StepID) -> [(agent: AgentIdentity, assignment: Assignment)] {
        assignments.filter { $0.assignment.stepID == stepID }
    }

    /// The index of the journal record that dispatched `stepID`.
    func indexOfDispatch(_ stepID: StepID) -> Int? {
        firstIndex {
            if case .journal(let record) = $0, case .stepDispatched(let id, _, _) = record.event { return id == stepID }
            return false
        }
    }

    func indexOfAssign(_ stepID: StepID) -> Int? {
        firstIndex {
            if case .assign(_, let assignment) = $0 { return assignment.stepID == stepID }
            return false
        }
    }
}

/// A core plus every journal record it emitted, to drive scenarios and replay them.
struct Harness {
    var core: CoordinatorCore
    var journal: [JournalRecord] = []
    var allEffects: [Effect] = []

    init(epoch: UInt64 = 1, gate: (any StepGate)? = nil) {
        core = CoordinatorCore(epoch: epoch, gate: gate)
    }

    @discardableResult
    mutating func send(_ event: CoordinatorCore.Event) -> [Effect] {
        let effects = core.handle(event)
        journal += effects.records
        allEffects += effects
        return effects
    }

    var runs: [RunID: RunState] { core.runs }
}
