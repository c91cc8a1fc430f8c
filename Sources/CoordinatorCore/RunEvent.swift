import BatonModel

/// The lifecycle of a run as a whole.
public enum RunPhase: String, Hashable, Sendable, Codable {
    case running
    /// A step's outcome is unknown and it may not be retried (not idempotent): an operator must decide.
    case blocked
    case succeeded
    case failed
    /// A step failed under `on_failure: rollback`: the compensation plan is running.
    case rollingBack = "rolling-back"
    /// A step failed and every compensating step was verified.
    case rolledBack = "rolled-back"
    /// An operator paused the run (`baton run pause`): nothing new is dispatched until it is resumed;
    /// steps in flight finish and are gated as usual.
    case paused
    /// An operator aborted the run (`baton run abort`): attempts in flight were cancelled, nothing new
    /// starts. With `--rollback` the compensation of verified steps ran first. `baton run retry` reopens it.
    case aborted

    /// Nothing more will happen in the run (unless an operator retries a failed or aborted run).
    public var isFinished: Bool { self == .succeeded || self == .failed || self == .rolledBack || self == .aborted }
    /// Steps may be dispatched.
    public var isActive: Bool { self == .running || self == .rollingBack }
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
    /// `when:` was false, or a step it needs failed under `on_failure: continue`.
    case stepSkipped(step: StepID, reason: String)
    /// A manual step's needs are verified: an operator must do the work and complete it.
    case stepAwaitingOperator(step: StepID, instructions: String)
    case stepCompletedByOperator(step: StepID, operator: String, evidence: String)
    /// A step with `targets:` was split into one child per matching agent.
    case stepFannedOut(step: StepID, agents: [AgentIdentity])
    /// A fanned-out step's result, from its children and `max_errors`.
    case stepConcluded(step: StepID, outcome: Outcome, reason: String)
    /// A step failed under `on_failure: rollback`: no new forward steps; compensation follows.
    case rollbackRequested(step: StepID, reason: String)
    /// The compensating steps to run, in order (once nothing forward is in flight).
    case compensationPlanned(steps: [StepID])
    /// A policy refused the step at its gate; the run is blocked until an operator overrides or skips it.
    case stepDenied(step: StepID, violations: [PolicyViolation])
    /// The step may start only once these approvals are given.
    case stepAwaitingApproval(step: StepID, requirements: [ApprovalRequirement])
    /// An operator approved or denied a step awaiting approval.
    case approvalRecorded(step: StepID, vote: ApprovalVote)
    /// An approval requirement's timeout passed without a quorum; `action` says what followed.
    case approvalTimedOut(step: StepID, ruleID: String, action: ApprovalTimeoutAction)
    /// An operator overrode the step; the run is no longer fully automated.
    case stepOverridden(step: StepID, override: StepOverride)
    /// An operator paused the run: no new dispatch until `runResumed`.
    case runPaused(by: String, reason: String)
    case runResumed(by: String, reason: String)
    /// An operator aborted the run. Without `rollback` a `runFinished(aborted)` follows at once; with it
    /// the run rolls back its verified steps first, then finishes `aborted`.
    case runAborted(by: String, reason: String, rollback: Bool)
    /// The coordinator asked the attempt's agent to stop it; the step stays in flight until the agent
    /// reports (failure kind `cancelled`).
    case stepCancelRequested(step: StepID, attempt: Int, agent: AgentIdentity, reason: String)
    /// A step with no attempt running anywhere was cancelled (a scheduled retry, a fanned-out step whose
    /// hosts are cancelled, an attempt its agent never received).
    case stepCancelled(step: StepID, reason: String)
    /// An operator retried the run: these steps (plan steps or fan-out hosts) run again as new attempts;
    /// a failed, blocked or aborted run is running again. The plan (and its hash) is unchanged.
    case runRetried(by: String, reason: String, steps: [StepID])

    /// A short stable name for the event (`step-dispatched`), for storage and display.
    public var kind: String {
        switch self {
        case .runStarted: return "run-started"
        case .stepSkipped: return "step-skipped"
        case .stepAwaitingOperator: return "step-awaiting-operator"
        case .stepCompletedByOperator: return "step-completed-by-operator"
        case .stepFannedOut: return "step-fanned-out"
        case .stepConcluded: return "step-concluded"
        case .rollbackRequested: return "rollback-requested"
        case .compensationPlanned: return "compensation-planned"
        case .stepWaiting: return "step-waiting"
        case .stepDispatched: return "step-dispatched"
        case .stepReported: return "step-reported"
        case .stepRetryScheduled: return "step-retry-scheduled"
        case .stepLeaseExpired: return "step-lease-expired"
        case .stepReconciled: return "step-reconciled"
        case .runBlocked: return "run-blocked"
        case .runFinished: return "run-finished"
        case .stepDenied: return "step-denied"
        case .stepAwaitingApproval: return "step-awaiting-approval"
        case .approvalRecorded: return "approval-recorded"
        case .approvalTimedOut: return "approval-timed-out"
        case .stepOverridden: return "step-overridden"
        case .runPaused: return "run-paused"
        case .runResumed: return "run-resumed"
        case .runAborted: return "run-aborted"
        case .stepCancelRequested: return "step-cancel-requested"
        case .stepCancelled: return "step-cancelled"
        case .runRetried: return "run-retried"
        }
    }

    /// The step the event is about, if any.
    public var stepID: StepID? {
        switch self {
        case .runStarted, .runFinished, .compensationPlanned, .runPaused, .runResumed, .runAborted, .runRetried: return nil
        case .stepCancelRequested(let step, _, _, _), .stepCancelled(let step, _): return step
        case .stepSkipped(let step, _), .stepAwaitingOperator(let step, _), .stepCompletedByOperator(let step, _, _),
            .stepFannedOut(let step, _), .stepConcluded(let step, _, _), .rollbackRequested(let step, _):
            return step
        case .stepWaiting(let step, _), .stepDispatched(let step, _, _), .stepReported(let step, _, _),
            .stepRetryScheduled(let step, _, _, _), .stepLeaseExpired(let step, _, _, _), .stepReconciled(let step, _, _, _),
            .runBlocked(let step, _):
            return step
        case .stepDenied(let step, _), .stepAwaitingApproval(let step, _), .approvalRecorded(let step, _),
            .approvalTimedOut(let step, _, _), .stepOverridden(let step, _):
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
        case .stepSkipped(_, let reason):
            return "skipped: \(reason)"
        case .stepAwaitingOperator(_, let instructions):
            return "waiting for an operator: \(instructions)"
        case .stepCompletedByOperator(_, let operatorName, let evidence):
            return "completed by \(operatorName): \(evidence)"
        case .stepFannedOut(_, let agents):
            return "fanned out to \(agents.count) agent(s): \(agents.map(\.description).joined(separator: ", "))"
        case .stepConcluded(_, let outcome, let reason):
            return "\(outcome.rawValue): \(reason)"
        case .rollbackRequested(_, let reason):
            return "rolling back: \(reason)"
        case .compensationPlanned(let steps):
            return steps.isEmpty
                ? "compensation plan: nothing to roll back"
                : "compensation plan: \(steps.map(\.rawValue).joined(separator: ", "))"
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
        case .stepDenied(_, let violations):
            return "denied by policy: \(violations.map(\.description).joined(separator: "; "))"
        case .stepAwaitingApproval(_, let requirements):
            return "awaiting approval: \(requirements.map(\.description).joined(separator: "; "))"
        case .approvalRecorded(_, let vote):
            let verb = vote.decision == .approve ? "approved" : "denied"
            return "\(verb) by \(vote.approver) (\(vote.roles.joined(separator: ", "))): \(vote.reason)"
        case .approvalTimedOut(_, let ruleID, let action):
            return "approval for rule \(ruleID) timed out; on_timeout: \(action.rawValue)"
        case .stepOverridden(_, let override):
            let evidence = override.evidence.isEmpty ? "" : " (evidence: \(override.evidence))"
            return "override \(override.kind.rawValue) by \(override.principal): \(override.reason)\(evidence)"
        case .runPaused(let by, let reason):
            return "paused by \(by)\(Self.because(reason))"
        case .runResumed(let by, let reason):
            return "resumed by \(by)\(Self.because(reason))"
        case .runAborted(let by, let reason, let rollback):
            return "aborted by \(by)\(Self.because(reason))\(rollback ? "; rolling back verified steps first" : "")"
        case .stepCancelRequested(_, let attempt, let agent, let reason):
            return "cancelling attempt \(attempt) on \(agent): \(reason)"
        case .stepCancelled(_, let reason):
            return "cancelled: \(reason)"
        case .runRetried(let by, let reason, let steps):
            return "retry by \(by)\(Self.because(reason)): new attempt of \(steps.map(\.rawValue).joined(separator: ", "))"
        }
    }

    private static func because(_ reason: String) -> String {
        reason.allSatisfy(\.isWhitespace) ? "" : ": \(reason)"
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
