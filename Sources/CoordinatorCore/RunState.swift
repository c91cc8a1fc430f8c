import BatonModel

/// Where one step of a run stands.
public enum StepStatus: String, Hashable, Sendable, Codable {
    /// Its needs are not all verified yet.
    case pending
    /// Its needs are verified; no agent of its tier could take it yet.
    case waiting
    /// Sent to an agent; no report yet.
    case dispatched
    /// An attempt failed; another is scheduled.
    case retrying
    case verified
    case failed
    /// The outcome could not be established. Never passes a gate.
    case unknown

    public var isTerminal: Bool { self == .verified || self == .failed || self == .unknown }
}

/// One step of a run, rebuilt from the journal.
public struct StepState: Hashable, Sendable, Codable {
    public var id: StepID
    public var tier: Tier
    public var status: StepStatus = .pending
    /// The latest attempt number dispatched (0 before the first dispatch).
    public var attempt: Int = 0
    public var agent: AgentIdentity?
    public var waitingReason: String?
    public var retryNotBefore: Instant?
    public var dispatchedAt: Instant?
    public var finishedAt: Instant?
    public var lastReport: StepReport?
    /// True while the outcome is unknown because the agent's lease lapsed (awaiting reconciliation).
    public var leaseExpired: Bool = false

    public init(id: StepID, tier: Tier) {
        self.id = id
        self.tier = tier
    }
}

/// A run, rebuilt from its journal events. The only way to change it is `apply`.
public struct RunState: Hashable, Sendable, Codable {
    public var runID: RunID
    public var incident: String
    public var plan: Plan
    public var startedBy: String
    public var startedAt: Instant
    public var phase: RunPhase = .running
    public var reason: String = ""
    public var finishedAt: Instant?
    public var steps: [StepID: StepState]

    /// Builds a run from its `runStarted` record.
    public init(runID: RunID, startedAt: Instant, incident: String, plan: Plan, startedBy: String) {
        self.runID = runID
        self.incident = incident
        self.plan = plan
        self.startedBy = startedBy
        self.startedAt = startedAt
        var steps: [StepID: StepState] = [:]
        for step in plan.steps { steps[step.id] = StepState(id: step.id, tier: step.tier) }
        self.steps = steps
    }

    /// Steps in plan order.
    public var orderedSteps: [StepState] { plan.steps.compactMap { steps[$0.id] } }

    /// Applies one journaled event. Events of other runs and `runStarted` are ignored here.
    public mutating func apply(_ record: JournalRecord) {
        precondition(record.runID == runID, "record of run \(record.runID) applied to run \(runID)")
        switch record.event {
        case .runStarted:
            break
        case .stepWaiting(let id, let reason):
            steps[id]?.status = .waiting
            steps[id]?.waitingReason = reason
        case .stepDispatched(let id, let attempt, let agent):
            steps[id]?.status = .dispatched
            steps[id]?.attempt = attempt
            steps[id]?.agent = agent
            steps[id]?.waitingReason = nil
            steps[id]?.retryNotBefore = nil
            steps[id]?.dispatchedAt = record.at
            steps[id]?.finishedAt = nil
            steps[id]?.leaseExpired = false
        case .stepReported(let id, _, let report):
            steps[id]?.lastReport = report
            steps[id]?.finishedAt = record.at
            steps[id]?.leaseExpired = false
            steps[id]?.waitingReason = nil
            switch report.outcome {
            case .verified: steps[id]?.status = .verified
            case .failed: steps[id]?.status = .failed
            case .unknown: steps[id]?.status = .unknown
            }
        case .stepRetryScheduled(let id, _, let notBefore, _):
            steps[id]?.status = .retrying
            steps[id]?.retryNotBefore = notBefore
        case .stepLeaseExpired(let id, _, _, let reason):
            steps[id]?.status = .unknown
            steps[id]?.leaseExpired = true
            steps[id]?.waitingReason = reason
        case .stepReconciled(let id, _, _, _):
            steps[id]?.status = .dispatched
            steps[id]?.leaseExpired = false
            steps[id]?.waitingReason = nil
        case .runBlocked(_, let reason):
            phase = .blocked
            self.reason = reason
        case .runFinished(let phase, let reason):
            self.phase = phase
            self.reason = reason
            finishedAt = record.at
        }
    }
}
