import BatonModel

/// The coordinator's scheduler: a pure state machine.
///
/// Every input arrives as an `Event` carrying the current time; every output is an `Effect`
/// for the shell to carry out, in order. A `.journal` effect must be made durable before any
/// effect after it is carried out (journal before effect).
public struct CoordinatorCore: Sendable {
    public enum Event: Sendable {
        /// An operator started a run. The shell made the id; the plan was compiled and checked.
        case runRequested(RunID, incident: String, plan: Plan, startedBy: String, now: Instant)
        case agentConnected(AgentIdentity, now: Instant)
        case agentDisconnected(AgentIdentity, now: Instant)
        case reportReceived(StepReport, from: AgentIdentity, now: Instant)
        /// Time passed; retries whose backoff has elapsed are dispatched.
        case tick(now: Instant)
    }

    public enum Effect: Hashable, Sendable {
        /// Make this record durable before carrying out any later effect.
        case journal(JournalRecord)
        /// Send this assignment to this agent.
        case assign(AgentIdentity, Assignment)
        /// Tell the agent its report is journaled; it may forget it.
        case acknowledge(AgentIdentity, AttemptKey)
        /// A report that matches no live attempt was refused (logged, never applied).
        case refuseReport(AgentIdentity, AttemptKey, reason: String)
    }

    /// The coordinator's epoch: rises on every start; agents refuse assignments from older epochs.
    public let epoch: UInt64
    public private(set) var table = RunTable()
    public private(set) var connectedAgents: Set<AgentIdentity> = []
    private var effects: [Effect] = []

    /// First retry waits this long; each further retry doubles it, up to `retryBackoffMaximumMilliseconds`.
    public var retryBackoffMilliseconds: Int64 = 250
    public var retryBackoffMaximumMilliseconds: Int64 = 10_000

    public init(epoch: UInt64) {
        self.epoch = epoch
    }

    /// Rebuilds the runs from the journal after a restart. Steps that were dispatched stay
    /// dispatched: their agents report from their outboxes, or get the assignment again on reconnect.
    public init(epoch: UInt64, recovering records: [JournalRecord]) {
        self.epoch = epoch
        for record in records { table.apply(record) }
    }

    public var runs: [RunID: RunState] { table.runs }

    public mutating func handle(_ event: Event) -> [Effect] {
        effects = []
        switch event {
        case .runRequested(let runID, let incident, let plan, let startedBy, let now):
            precondition(runs[runID] == nil, "run id \(runID) issued twice")
            record(runID, now, .runStarted(incident: incident, plan: plan, startedBy: startedBy))
            advance(runID, now: now)
        case .agentConnected(let agent, let now):
            connectedAgents.insert(agent)
            resendInFlight(to: agent)
            advanceAll(now: now)
        case .agentDisconnected(let agent, _):
            connectedAgents.remove(agent)
        case .reportReceived(let report, let agent, let now):
            receive(report, from: agent, now: now)
        case .tick(let now):
            advanceAll(now: now)
        }
        return effects
    }

    // MARK: - Journaling

    /// Appends a journal effect and applies the event to the in-memory state.
    private mutating func record(_ runID: RunID, _ now: Instant, _ event: RunEvent) {
        let record = JournalRecord(runID: runID, at: now, event: event)
        table.apply(record)
        effects.append(.journal(record))
    }

    // MARK: - Reports

    private mutating func receive(_ report: StepReport, from agent: AgentIdentity, now: Instant) {
        guard let run = runs[report.runID] else {
            effects.append(.refuseReport(agent, report.key, reason: "no run \(report.runID)"))
            return
        }
        guard let step = run.steps[report.stepID], let planned = run.plan.step(report.stepID) else {
            effects.append(.refuseReport(agent, report.key, reason: "run \(report.runID) has no step \(report.stepID)"))
            return
        }
        if let last = step.lastReport, last.key == report.key, step.agent == agent {
            // Already journaled (the agent resent it after a reconnect): acknowledge again, change nothing.
            effects.append(.acknowledge(agent, report.key))
            return
        }
        guard step.status == .dispatched, step.attempt == report.attempt, step.agent == agent else {
            effects.append(
                .refuseReport(
                    agent, report.key,
                    reason: "attempt \(report.attempt) of \(report.stepID) is not assigned to \(agent)"))
            return
        }
        record(report.runID, now, .stepReported(step: report.stepID, agent: agent, report: report))
        effects.append(.acknowledge(agent, report.key))
        guard run.phase == .running else { return }

        switch report.outcome {
        case .verified:
            advance(report.runID, now: now)
        case .failed where report.attempt <= planned.retries:
            let exponent = Int64(min(report.attempt - 1, 30))
            let delay = min(retryBackoffMilliseconds << exponent, retryBackoffMaximumMilliseconds)
            record(
                report.runID, now,
                .stepRetryScheduled(
                    step: report.stepID, nextAttempt: report.attempt + 1, notBefore: now.adding(milliseconds: delay),
                    reason: report.reason))
        case .failed:
            let tries = report.attempt == 1 ? "" : " after \(report.attempt) attempts"
            record(report.runID, now, .runFinished(phase: .failed, reason: "step \(report.stepID) failed\(tries): \(report.reason)"))
        case .unknown:
            record(
                report.runID, now,
                .runFinished(phase: .failed, reason: "step \(report.stepID) outcome unknown: \(report.reason)"))
        }
    }

    // MARK: - Gating and dispatch

    private mutating func advanceAll(now: Instant) {
        for runID in table.order where runs[runID]?.phase == .running {
            advance(runID, now: now)
        }
    }

    /// Dispatches every step whose needs are all verified, then finishes the run if every step is verified.
    private mutating func advance(_ runID: RunID, now: Instant) {
        guard let run = runs[runID], run.phase == .running else { return }
        for planned in run.plan.steps {
            let step = runs[runID]!.steps[planned.id]!
            switch step.status {
            case .pending, .waiting:
                break
            case .retrying:
                guard let notBefore = step.retryNotBefore, now >= notBefore else { continue }
            case .dispatched, .verified, .failed, .unknown:
                continue
            }
            let gateOpen = planned.needs.allSatisfy { runs[runID]!.steps[$0]?.status == .verified }
            guard gateOpen else { continue }
            if let agent = pickAgent(for: planned.tier) {
                let attempt = step.attempt + 1
                record(runID, now, .stepDispatched(step: planned.id, attempt: attempt, agent: agent))
                effects.append(.assign(agent, assignment(runID, planned, attempt: attempt)))
            } else {
                let reason = "no connected agent of tier \(planned.tier)"
                if step.status != .waiting || step.waitingReason != reason {
                    record(runID, now, .stepWaiting(step: planned.id, reason: reason))
                }
            }
        }
        let allVerified = runs[runID]!.steps.values.allSatisfy { $0.status == .verified }
        if allVerified {
            record(runID, now, .runFinished(phase: .succeeded, reason: "all \(run.plan.steps.count) steps verified"))
        }
    }

    private func assignment(_ runID: RunID, _ planned: PlannedStep, attempt: Int) -> Assignment {
        Assignment(
            runID: runID, stepID: planned.id, attempt: attempt, epoch: epoch, pre: planned.pre, action: planned.action,
            post: planned.post, timeoutMilliseconds: planned.timeoutMilliseconds)
    }

    /// The connected agent of the tier with the fewest steps in flight (ties: by name).
    private func pickAgent(for tier: Tier) -> AgentIdentity? {
        let candidates = connectedAgents.filter { $0.tier == tier }
        guard !candidates.isEmpty else { return nil }
        var load: [AgentIdentity: Int] = [:]
        for run in runs.values where run.phase == .running {
            for step in run.steps.values where step.status == .dispatched {
                if let agent = step.agent { load[agent, default: 0] += 1 }
            }
        }
        return candidates.min { (load[$0] ?? 0, $0) < (load[$1] ?? 0, $1) }
    }

    /// After a reconnect, the agent may have missed assignments sent before the connection broke.
    /// Agents key attempts by (run, step, attempt), so a repeat never runs twice.
    private mutating func resendInFlight(to agent: AgentIdentity) {
        for runID in table.order {
            guard let run = runs[runID], run.phase == .running else { continue }
            for planned in run.plan.steps {
                guard let step = run.steps[planned.id], step.status == .dispatched, step.agent == agent else { continue }
                effects.append(.assign(agent, assignment(runID, planned, attempt: step.attempt)))
            }
        }
    }
}
