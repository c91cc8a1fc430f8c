import BatonModel
import CoordinatorCore
import CoordinatorStore

extension Coordinator {
    /// Appends one audit entry (an API request, from the HTTP layer) in its own transaction.
    public func audit(_ entry: AuditEntry) async throws {
        try await store.append([], audit: [entry])
    }

    /// Audit records matching `query`, oldest first.
    public func auditRecords(_ query: AuditQuery) async throws -> [AuditRecord] {
        try await store.auditRecords(query)
    }

    /// The incident of a journaled run; nil for a run not (yet) known.
    public func incident(of runID: RunID) -> String? {
        run(runID)?.incident
    }

    /// Checks the whole audit chain.
    public func verifyAudit() async throws -> AuditVerification {
        try await store.verifyAudit()
    }
}

/// Turns what the core decided for one event into audit entries: one per journal record, one per refusal.
///
/// Events it does not name are audited through the generic path (`event.<kind>`, the step, the
/// event's summary), so new kinds of run events are recorded without changes here.
enum AuditTrail {
    /// The actor of decisions the coordinator makes on its own (dispatch, retries, leases).
    static let coordinatorActor = "coordinator"

    /// `agent:database/db-1`.
    static func actor(_ agent: AgentIdentity) -> String { "agent:\(agent)" }

    /// The entries for `effects`, the result of `event`; `incident` answers for runs already journaled.
    static func entries(
        for event: CoordinatorCore.Event, effects: [CoordinatorCore.Effect], now: Instant, incident: (RunID) -> String?
    ) -> [AuditEntry] {
        var incidents: [RunID: String] = [:]
        func incidentOf(_ run: RunID) -> String? { incidents[run] ?? incident(run) }
        var entries: [AuditEntry] = []
        for effect in effects {
            switch effect {
            case .journal(let record):
                if case .runStarted(let started, _, _) = record.event { incidents[record.runID] = started }
                entries.append(entry(for: record, incident: incidentOf(record.runID)))
            case .refuseReport(let agent, let key, let reason):
                entries.append(
                    AuditEntry(
                        at: now, actor: actor(agent), action: "agent.report", outcome: .refused, incident: incidentOf(key.runID),
                        run: key.runID, step: key.stepID, attempt: key.attempt, agent: agent.name, detail: reason))
            case .refuseCommand(let reason):
                var refused = command(event, at: now)
                refused.detail = reason
                refused.incident = refused.run.flatMap(incidentOf)
                entries.append(refused)
            case .assign, .acknowledge, .reconcile, .cancel:
                break
            }
        }
        return entries
    }

    /// One journal record as an audit entry: named where the actor or agent is known, generic otherwise.
    static func entry(for record: JournalRecord, incident: String?) -> AuditEntry {
        var entry = AuditEntry(
            at: record.at, actor: coordinatorActor, action: "event.\(record.event.kind)", outcome: .accepted, incident: incident,
            run: record.runID, step: record.event.stepID, detail: record.event.summary)
        switch record.event {
        case .runStarted(_, _, let startedBy):
            entry.actor = startedBy
            entry.action = "run.start"
        case .stepDispatched(_, let attempt, let agent):
            entry.action = "step.dispatch"
            entry.attempt = attempt
            entry.agent = agent.name
        case .stepReported(_, let agent, let report):
            entry.actor = actor(agent)
            entry.action = "agent.report"
            entry.attempt = report.attempt
            entry.agent = agent.name
        case .stepCompletedByOperator(_, let operatorName, _):
            entry.actor = operatorName
            entry.action = "step.complete"
        case .approvalRecorded(_, let vote):
            entry.actor = vote.principal
            entry.action = vote.decision == .approve ? "step.approve" : "step.deny"
        case .stepOverridden(_, let override):
            entry.actor = override.principal
            entry.action = "step.override"
        case .stepDenied:
            entry.action = "policy.deny"
            entry.outcome = .refused
        case .stepLeaseExpired(_, let attempt, let agent, _), .stepReconciled(_, let attempt, let agent, _):
            entry.attempt = attempt
            entry.agent = agent.name
        case .runAborted(let by, _, _):
            entry.actor = by
            entry.action = "run.abort"
        case .runPaused(let by, _):
            entry.actor = by
            entry.action = "run.pause"
        case .runResumed(let by, _):
            entry.actor = by
            entry.action = "run.resume"
        case .runRetried(let by, _, _):
            entry.actor = by
            entry.action = "run.retry"
        case .stepCancelRequested(_, let attempt, let agent, _):
            entry.action = "step.cancel"
            entry.attempt = attempt
            entry.agent = agent.name
        default:
            break
        }
        return entry
    }

    /// Who asked for what in an operator command the core refused; the detail is filled in by the caller.
    static func command(_ event: CoordinatorCore.Event, at now: Instant) -> AuditEntry {
        switch event {
        case .runRequested(let run, _, _, let startedBy, _):
            return AuditEntry(at: now, actor: startedBy, action: "run.start", outcome: .refused, run: run)
        case .operatorCompletedStep(let run, let step, let operatorName, _, _):
            return AuditEntry(at: now, actor: operatorName, action: "step.complete", outcome: .refused, run: run, step: step)
        case .operatorDecided(let run, let step, let vote, _):
            let action = vote.decision == .approve ? "step.approve" : "step.deny"
            return AuditEntry(at: now, actor: vote.principal, action: action, outcome: .refused, run: run, step: step)
        case .operatorOverrode(let run, let step, let override, _):
            return AuditEntry(at: now, actor: override.principal, action: "step.override", outcome: .refused, run: run, step: step)
        case .operatorControlled(let run, let command, let principal, _):
            return AuditEntry(at: now, actor: principal, action: "run.\(command.name)", outcome: .refused, run: run)
        default:
            // A command this code does not know by name: recorded under the event's case name.
            let name = Mirror(reflecting: event).children.first?.label ?? "\(event)".prefix { $0 != "(" }.description
            return AuditEntry(at: now, actor: coordinatorActor, action: "command.\(name)", outcome: .refused)
        }
    }
}
