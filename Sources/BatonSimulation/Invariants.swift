import BatonModel
import CoordinatorCore

/// The safety and liveness properties the simulator checks after every event.
public enum Invariant: String, Sendable, Hashable, CaseIterable {
    /// (1) No step is dispatched (or starts executing) before every step it needs is verified.
    case gate
    /// (2) Never two executions of one step running on agents at once.
    case singleLiveAttempt = "single-live-attempt"
    /// (3) Every report the coordinator journals matches an assignment it issued (run, step,
    /// attempt, agent) and is a report that agent really produced.
    case reportMatchesAssignment = "report-matches-assignment"
    /// (4) State never moves backwards: a verified step stays verified, a failed step only moves
    /// on to a retry, attempt numbers never decrease, a finished run never changes phase.
    case monotonicState = "monotonic-state"
    /// (5) Nothing acknowledged is lost: every acknowledged report is in the journal (before the
    /// ack leaves, and after every crash); every run created is in the journal.
    case acknowledgedNotLost = "acknowledged-not-lost"
    /// (6) The same (run, step, attempt) never executes twice, and a step that is not idempotent
    /// never executes again after an attempt whose outcome was not a definite failure.
    case executeOnce = "execute-once"
    /// Once faults stop, every run ends (succeeded, failed, or blocked on an unknown outcome of a
    /// step that is not idempotent) within the bound.
    case liveness
    /// Once faults stop, every report an agent holds is acknowledged (its outbox drains).
    case outboxDrains = "outbox-drains"
}

/// A broken invariant: which, why, and when.
public struct Violation: Sendable, Hashable, CustomStringConvertible {
    public var invariant: Invariant
    public var message: String
    /// Simulated time, in milliseconds.
    public var time: Int64
    /// The number of the event being processed.
    public var event: Int

    public var description: String { "invariant \(invariant.rawValue) violated at t=\(time)ms (event \(event)): \(message)" }
}

/// A violation found by a checker, before it is stamped with time and event.
struct Finding: Sendable, Hashable {
    var invariant: Invariant
    var message: String

    init(_ invariant: Invariant, _ message: String) {
        self.invariant = invariant
        self.message = message
    }
}

/// Who holds an attempt: (run, step, attempt) and the agent.
struct HeldAttempt: Hashable, Sendable {
    var key: AttemptKey
    var agent: AgentIdentity
}

/// Checks every record the coordinator makes durable against the durable state just before it.
struct JournalChecker {
    /// Attempts the coordinator journaled as dispatched, with their agents.
    private var issued: Set<HeldAttempt> = []
    /// Reports the coordinator journaled, by attempt and agent.
    private(set) var journaledReports: Set<HeldAttempt> = []
    /// Every report an agent recorded, by attempt.
    private var produced: [AttemptKey: [(agent: AgentIdentity, report: StepReport)]] = [:]

    /// An agent recorded this report in its journal (so it may send it).
    mutating func agentProduced(_ report: StepReport, by agent: AgentIdentity) {
        produced[report.key, default: []].append((agent, report))
    }

    /// Called with each record just before it is applied to `durable`.
    mutating func check(_ record: JournalRecord, durable: RunTable) -> Finding? {
        guard let before = durable[record.runID] else {
            if case .runStarted = record.event { return nil }
            return Finding(.monotonicState, "record \(record.event.kind) for run \(record.runID), which was never started")
        }
        switch record.event {
        case .stepDispatched(let stepID, let attempt, let agent):
            let key = AttemptKey(runID: record.runID, stepID: stepID, attempt: attempt)
            if let finding = Self.gate(before, stepID, attempt: attempt, agent: agent) { return finding }
            if let previous = before.steps[stepID], attempt <= previous.attempt {
                return Finding(
                    .monotonicState, "\(key) dispatched to \(agent), but attempt \(previous.attempt) was already dispatched")
            }
            issued.insert(HeldAttempt(key: key, agent: agent))
        case .stepReported(let stepID, let agent, let report):
            let key = AttemptKey(runID: record.runID, stepID: stepID, attempt: report.attempt)
            guard report.key == key else {
                return Finding(.reportMatchesAssignment, "record for \(key) carries the report of \(report.key)")
            }
            guard issued.contains(HeldAttempt(key: key, agent: agent)) else {
                return Finding(
                    .reportMatchesAssignment,
                    "journaled a \(report.outcome.rawValue) report for \(key) from \(agent), which was never assigned \(key)")
            }
            guard produced[key, default: []].contains(where: { $0.agent == agent && $0.report == report }) else {
                return Finding(
                    .reportMatchesAssignment,
                    "journaled a \(report.outcome.rawValue) report for \(key) from \(agent) that \(agent) never produced")
            }
            journaledReports.insert(HeldAttempt(key: key, agent: agent))
        default:
            break
        }
        var after = before
        after.apply(record)
        return Self.monotonic(before, after, record)
    }

    private static func gate(_ run: RunState, _ stepID: StepID, attempt: Int, agent: AgentIdentity) -> Finding? {
        let key = "\(run.runID)/\(stepID)#\(attempt)"
        guard let planned = run.plan.step(stepID) else {
            return Finding(.gate, "dispatched \(key) to \(agent), but the plan has no step \(stepID)")
        }
        let unmet = planned.needs.filter { run.steps[$0]?.status != .verified }
        if !unmet.isEmpty {
            let states = unmet.map { "\($0) (\(run.steps[$0]?.status.rawValue ?? "missing"))" }.joined(separator: ", ")
            return Finding(.gate, "dispatched \(key) to \(agent) while it needs \(states), not verified")
        }
        if run.phase != .running {
            return Finding(.gate, "dispatched \(key) to \(agent) in a run that is \(run.phase.rawValue)")
        }
        if planned.tier != agent.tier {
            return Finding(.gate, "dispatched \(key) (tier \(planned.tier)) to \(agent) of another tier")
        }
        return nil
    }

    private static func monotonic(_ before: RunState, _ after: RunState, _ record: JournalRecord) -> Finding? {
        let what = "\(record.event.kind) in \(record.runID)"
        if before.phase.isFinished, after.phase != before.phase {
            return Finding(.monotonicState, "\(what): finished run went from \(before.phase.rawValue) to \(after.phase.rawValue)")
        }
        if before.phase == .blocked, after.phase == .running {
            return Finding(.monotonicState, "\(what): blocked run went back to running")
        }
        for planned in before.plan.steps {
            guard let old = before.steps[planned.id], let new = after.steps[planned.id] else { continue }
            if old.status == .verified, new.status != .verified || new.attempt != old.attempt {
                return Finding(
                    .monotonicState,
                    "\(what): step \(planned.id) left verified (attempt \(old.attempt)) for \(new.status.rawValue) (attempt \(new.attempt))")
            }
            if old.status == .failed, new.status != .failed, new.status != .retrying {
                return Finding(.monotonicState, "\(what): step \(planned.id) went from failed to \(new.status.rawValue)")
            }
            if new.attempt < old.attempt {
                return Finding(.monotonicState, "\(what): step \(planned.id) attempt went from \(old.attempt) down to \(new.attempt)")
            }
        }
        return nil
    }

    /// The coordinator is about to tell `agent` that its report for `key` is journaled.
    func checkAcknowledgement(_ key: AttemptKey, to agent: AgentIdentity) -> Finding? {
        guard journaledReports.contains(HeldAttempt(key: key, agent: agent)) else {
            return Finding(.acknowledgedNotLost, "acknowledged \(key) to \(agent), but no report of it from \(agent) is journaled")
        }
        return nil
    }
}
