import BatonModel

/// The lifecycle of a run as a whole.
public enum RunPhase: String, Hashable, Sendable, Codable {
    case running
    /// A step's outcome is unknown and it may not be retried (not idempotent): an operator must decide.
    case blocked
    case succeeded
    case failed

    /// Succeeded or failed: nothing more will happen in the run.
    public var isFinished: Bool { self == .succeeded || self == .failed }
}

/// One fact about a run, journaled before anything it causes happens.
/// Replaying a run's events in order through `RunState.apply` rebuilds the run.
public enum RunEvent: Hashable, Sendable, Codable {
    case runStarted(incident: String, plan: Plan, startedBy: String)
    /// The step's needs are verified but no agent can take it yet.
    case stepWaiting(step: StepID, reason: String)
    case stepDispatched(step: StepID, attempt: Int, agent: AgentIdentity)
    case stepReported(step: StepID, agent: AgentIdentity, report: StepReport)
    case stepRetryScheduled(step: StepID, nextAttempt: Int, notBefore: Instant, reason: String)
    /// The agent running the attempt was not heard from within its lease: the outcome is unknown
    /// until the agent is heard from again and reconciled.
    case stepLeaseExpired(step: StepID, attempt: Int, agent: AgentIdentity, reason: String)
    /// Reconciliation found the attempt running on its agent, or never received (sent again).
    case stepReconciled(step: StepID, attempt: Int, agent: AgentIdentity, finding: ReconcileFinding)
    /// A step that is not idempotent ended `unknown`: the run waits for an operator.
    case runBlocked(step: StepID, reason: String)
    case runFinished(phase: RunPhase, reason: String)

    /// A short stable name for the event (`step-dispatched`), for storage and display.
    public var kind: String {
        switch self {
        case .runStarted: return "run-started"
        case .stepWaiting: return "step-waiting"
        case .stepDispatched: return "step-dispatched"
        case .stepReported: return "step-reported"
        case .stepRetryScheduled: return "step-retry-scheduled"
        case .stepLeaseExpired: return "step-lease-expired"
        case .stepReconciled: return "step-reconciled"
        case .runBlocked: return "run-blocked"
        case .runFinished: return "run-finished"
        }
    }

    /// The step the event is about, if any.
    public var stepID: StepID? {
        switch self {
        case .runStarted, .runFinished: return nil
        case .stepWaiting(let step, _), .stepDispatched(let step, _, _), .stepReported(let step, _, _),
            .stepRetryScheduled(let step, _, _, _), .stepLeaseExpired(let step, _, _, _), .stepReconciled(let step, _, _, _),
            .runBlocked(let step, _):
            return step
        }
    }

    /// A one-line description for operators (`dispatched attempt 1 to database/db-1`).
    public var summary: String {
        switch self {
        case .runStarted(let incident, let plan, let startedBy):
            return "run of \(plan.playbookName) v\(plan.playbookVersion) started by \(startedBy) for incident \(incident)"
        case .stepWaiting(_, let reason):
            return "waiting: \(reason)"
        case .stepDispatched(_, let attempt, let agent):
            return "dispatched attempt \(attempt) to \(agent)"
        case .stepReported(_, let agent, let report):
            let why = report.reason.isEmpty ? "" : ": \(report.reason)"
            return "attempt \(report.attempt) \(report.outcome.rawValue) on \(agent)\(why)"
        case .stepRetryScheduled(_, let nextAttempt, _, let reason):
            return "attempt \(nextAttempt) scheduled after: \(reason)"
        case .stepLeaseExpired(_, let attempt, let agent, let reason):
            return "attempt \(attempt) on \(agent) unknown: \(reason)"
        case .stepReconciled(_, let attempt, let agent, let finding):
            switch finding {
            case .running: return "reconciled: attempt \(attempt) still running on \(agent)"
            case .resent: return "reconciled: \(agent) never received attempt \(attempt); sent again"
            }
        case .runBlocked(_, let reason):
            return "run blocked: \(reason)"
        case .runFinished(let phase, let reason):
            return "run \(phase.rawValue)\(reason.isEmpty ? "" : ": \(reason)")"
        }
    }
}

/// What reconciliation learned about an attempt that had no report.
public enum ReconcileFinding: String, Hashable, Sendable, Codable {
    /// The agent is still running it.
    case running
    /// The agent never accepted it; it was sent again (it cannot have run).
    case resent
}

/// A run event with the run it belongs to and when it happened.
public struct JournalRecord: Hashable, Sendable, Codable {
    public var runID: RunID
    public var at: Instant
    public var event: RunEvent

    public init(runID: RunID, at: Instant, event: RunEvent) {
        self.runID = runID
        self.at = at
        self.event = event
    }
}
