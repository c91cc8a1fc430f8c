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
    /// Not run: its `when:` was false, or a step it needs failed under `on_failure: continue`.
    case skipped
    /// A manual step waiting for an operator to complete it with evidence.
    case awaitingOperator = "awaiting-operator"

    public var isTerminal: Bool { self == .verified || self == .failed || self == .unknown || self == .skipped }
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
    /// For a fan-out child: the step it belongs to and the only agent that may run it.
    public var parent: StepID?
    public var pinnedAgent: AgentIdentity?
    /// For a fanned-out step: its children, one per host.
    public var children: [StepID] = []
    /// Why the step was skipped or concluded, or who completed a manual step.
    public var note: String?
    /// The operator who completed a manual step.
    public var completedBy: String?

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
    /// Every step id in dispatch order: plan steps, then fan-out children and compensating steps as they appear.
    public var order: [StepID]
    /// The step whose failure started a rollback.
    public var rollbackTrigger: StepID?
    /// The compensating steps, in the order they run (nil until the rollback is planned).
    public var compensation: [StepID]?

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
        self.order = plan.steps.map(\.id)
    }

    /// Every step (children and compensating steps included) in dispatch order.
    public var orderedSteps: [StepState] { order.compactMap { steps[$0] } }

    /// The contract of a step: a plan step, a compensating step, or a fan-out child's parent contract.
    public func planned(_ id: StepID) -> PlannedStep? {
        if let parent = steps[id]?.parent { return plan.step(parent) }
        return plan.step(id)
    }

    /// True for steps that belong to the compensation plan.
    public func isCompensating(_ id: StepID) -> Bool { plan.rollbackSteps.contains { $0.id == id } }

    /// The outputs of every verified step, keyed by their placeholders.
    public var outputValues: [OutputReference: String] {
        var values: [OutputReference: String] = [:]
        for step in steps.values where step.status == .verified {
            for (name, value) in step.lastReport?.outputs ?? [:] {
                values[OutputReference(step: step.id, output: name)] = value
            }
        }
        return values
    }

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
        case .stepSkipped(let id, let reason):
            steps[id]?.status = .skipped
            steps[id]?.note = reason
            steps[id]?.waitingReason = nil
            steps[id]?.finishedAt = record.at
        case .stepAwaitingOperator(let id, _):
            steps[id]?.status = .awaitingOperator
            steps[id]?.waitingReason = nil
        case .stepCompletedByOperator(let id, let operatorName, let evidence):
            steps[id]?.status = .verified
            steps[id]?.completedBy = operatorName
            steps[id]?.note = evidence
            steps[id]?.finishedAt = record.at
        case .stepFannedOut(let id, let agents):
            guard let parent = steps[id] else { break }
            steps[id]?.status = .dispatched
            steps[id]?.waitingReason = nil
            steps[id]?.dispatchedAt = record.at
            for agent in agents {
                let child = StepID.fanOut(of: id, on: agent)
                var state = StepState(id: child, tier: parent.tier)
                state.parent = id
                state.pinnedAgent = agent
                steps[child] = state
                steps[id]?.children.append(child)
                order.append(child)
            }
        case .stepConcluded(let id, let outcome, let reason):
            steps[id]?.status = outcome == .verified ? .verified : (outcome == .failed ? .failed : .unknown)
            steps[id]?.note = reason
            steps[id]?.finishedAt = record.at
        case .rollbackRequested(let step, let reason):
            phase = .rollingBack
            rollbackTrigger = step
            self.reason = reason
        case .compensationPlanned(let ids):
            compensation = ids
            for id in ids where steps[id] == nil {
                if let planned = plan.step(id) { steps[id] = StepState(id: id, tier: planned.tier) }
                order.append(id)
            }
        case .runFinished(let phase, let reason):
            self.phase = phase
            self.reason = reason
            finishedAt = record.at
        }
    }
}
