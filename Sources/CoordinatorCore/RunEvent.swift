import BatonModel

/// The lifecycle of a run as a whole.
public enum RunPhase: String, Hashable, Sendable, Codable {
    case running
    case succeeded
    case failed

    public var isFinished: Bool { self != .running }
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
    case runFinished(phase: RunPhase, reason: String)

    /// A short stable name for the event (`step-dispatched`), for storage and display.
    public var kind: String {
        switch self {
        case .runStarted: return "run-started"
        case .stepWaiting: return "step-waiting"
        case .stepDispatched: return "step-dispatched"
        case .stepReported: return "step-reported"
        case .stepRetryScheduled: return "step-retry-scheduled"
        case .runFinished: return "run-finished"
        }
    }

    /// The step the event is about, if any.
    public var stepID: StepID? {
        switch self {
        case .runStarted, .runFinished: return nil
        case .stepWaiting(let step, _), .stepDispatched(let step, _, _), .stepReported(let step, _, _),
            .stepRetryScheduled(let step, _, _, _):
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
        case .runFinished(let phase, let reason):
            return "run \(phase.rawValue)\(reason.isEmpty ? "" : ": \(reason)")"
        }
    }
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
