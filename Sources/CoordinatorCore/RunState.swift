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
    /// Waiting for the approvals its gate requires.
    case awaitingApproval = "awaiting-approval"
    /// Refused by a policy or an approver; the run is blocked until an operator decides.
    case denied
    /// Failed or unknown, and an operator let the run go past it (`force-past-failure`): not verified.
    case overridden
    /// An operator aborted the run while the step ran (its process group was killed) or was scheduled.
    /// Never passes a gate; `baton run retry` runs it again.
    case cancelled

    /// Whether steps that need this one may start.
    public var letsDependentsStart: Bool { self == .verified || self == .skipped || self == .overridden }
}

/// One step of a run, rebuilt from the journal.
public struct StepState: Hashable, Sendable {
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
    /// The latest report (kept out of line: steps are copied often on the scheduler's hot path).
    public var lastReport: StepReport? {
        get { boxedReport?.value }
        set { boxedReport = newValue.map(OutOfLine.init) }
    }
    private var boxedReport: OutOfLine<StepReport>?
    /// True while the outcome is unknown because the agent's lease lapsed (awaiting reconciliation).
    public var leaseExpired: Bool = false
    /// The coordinator asked the agent to stop the current attempt; its report has not come yet.
    public var cancelRequested: Bool = false
    /// For a fan-out child: the step it belongs to and the only agent that may run it.
    public var parent: StepID?
    public var pinnedAgent: AgentIdentity?
    /// For a fanned-out step: its children, one per host.
    public var children: [StepID] = []
    /// Why the step was skipped or concluded, or who completed a manual step.
    public var note: String?
    /// The operator who completed a manual step.
    public var completedBy: String?
    /// Approvals, denials and overrides; nil for the (many) steps that never had any.
    public var governance: StepGovernance? {
        get { boxedGovernance?.value }
        set { boxedGovernance = newValue.map(OutOfLine.init) }
    }
    private var boxedGovernance: OutOfLine<StepGovernance>?

    public init(id: StepID, tier: Tier) {
        self.id = id
        self.tier = tier
    }
}

/// The governance record of one step.
public struct StepGovernance: Hashable, Sendable {
    /// The approvals still needed, when the step last asked for them, and every vote given.
    public var requirements: [ApprovalRequirement] = []
    public var approvalRequestedAt: Instant?
    public var votes: [ApprovalVote] = []
    /// Rules whose approval timed out with `on_timeout: allow`.
    public var approvalsAllowedByTimeout: Set<String> = []
    /// Why a policy or an approver refused it.
    public var violations: [PolicyViolation] = []
    /// Overrides given to this step, oldest first.
    public var overrides: [StepOverride] = []
}

extension StepState {
    public var requirements: [ApprovalRequirement] {
        get { governance?.requirements ?? [] }
        set { governance[default: StepGovernance()].requirements = newValue }
    }
    public var approvalRequestedAt: Instant? {
        get { governance?.approvalRequestedAt }
        set { governance[default: StepGovernance()].approvalRequestedAt = newValue }
    }
    public var votes: [ApprovalVote] {
        get { governance?.votes ?? [] }
        set { governance[default: StepGovernance()].votes = newValue }
    }
    public var approvalsAllowedByTimeout: Set<String> {
        get { governance?.approvalsAllowedByTimeout ?? [] }
        set { governance[default: StepGovernance()].approvalsAllowedByTimeout = newValue }
    }
    public var violations: [PolicyViolation] {
        get { governance?.violations ?? [] }
        set { governance[default: StepGovernance()].violations = newValue }
    }
    public var overrides: [StepOverride] {
        get { governance?.overrides ?? [] }
        set { governance[default: StepGovernance()].overrides = newValue }
    }
}

extension Optional {
    /// The wrapped value, made from `value` first when nil (for in-place updates).
    subscript(default value: @autoclosure () -> Wrapped) -> Wrapped {
        get { self ?? value() }
        set { self = newValue }
    }
}

/// A run, rebuilt from its journal events. The only way to change it is `apply`.
public struct RunState: Hashable, Sendable {
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
    /// The step that blocked the run (while `phase` is `blocked`).
    public var blockedBy: StepID?
    /// False once any operator override changed the course of the run.
    public var automated = true
    /// Who aborted the run (while it is aborted, or rolling back because of the abort).
    public var abortedBy: String?
    /// The agent of every step now `dispatched` with an agent (kept by `apply`, so that counting the
    /// load of agents does not walk every step of every run).
    public private(set) var inFlight: [StepID: AgentIdentity] = [:]
    /// Every step's status, kept by `apply` beside `steps`: the scheduler reads statuses many times per
    /// event, and a status is one byte where a step is a large value to copy.
    public private(set) var statuses: [StepID: StepStatus] = [:]
    /// The needs of every plan step, by id.
    public let needsOf: [StepID: [StepID]]

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
        statuses = steps.mapValues(\.status)
        needsOf = Dictionary(plan.steps.map { ($0.id, $0.needs) }, uniquingKeysWith: { first, _ in first })
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
            let outputs = step.overrides.last(where: { $0.kind == .markVerified })?.outputs ?? step.lastReport?.outputs
            for (name, value) in outputs ?? [:] {
                values[OutputReference(step: step.id, output: name)] = value
            }
        }
        return values
    }

    /// Applies one journaled event. Events of other runs and `runStarted` are ignored here.
    public mutating func apply(_ record: JournalRecord) {
        precondition(record.runID == runID, "record of run \(record.runID) applied to run \(runID)")
        applyEvent(record)
        // Every event changes at most the status of the step it names (and adds the steps it creates).
        if let id = record.event.stepID, let step = steps[id] {
            statuses[id] = step.status
            inFlight[id] = step.status == .dispatched ? step.agent : nil
        }
        switch record.event {
        case .runRetried(_, _, let ids):
            // A retried fan-out host reopens its parent too.
            for id in ids + ids.compactMap({ steps[$0]?.parent }) {
                statuses[id] = steps[id]?.status
                inFlight[id] = nil
            }
        case .stepFannedOut(let id, _):
            for child in steps[id]?.children ?? [] where statuses[child] == nil { statuses[child] = .pending }
        case .compensationPlanned(let ids):
            for id in ids where statuses[id] == nil { statuses[id] = steps[id]?.status }
        default:
            break
        }
    }

    private mutating func applyEvent(_ record: JournalRecord) {
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
            steps[id]?.cancelRequested = false
            steps[id]?.waitingReason = nil
            switch report.outcome {
            case .verified: steps[id]?.status = .verified
            case .failed: steps[id]?.status = report.failureKind == .cancelled ? .cancelled : .failed
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
        case .runBlocked(let step, let reason):
            phase = .blocked
            blockedBy = step
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
        case .stepDenied, .stepAwaitingApproval, .approvalRecorded, .approvalTimedOut, .stepOverridden:
            applyGovernance(record)
        case .runPaused, .runResumed, .runAborted, .stepCancelRequested, .stepCancelled, .runRetried:
            applyControl(record)
        }
    }
}

extension RunState {
    /// Policy denials, approvals and overrides.
    mutating func applyGovernance(_ record: JournalRecord) {
        switch record.event {
        case .stepDenied(let id, let violations):
            steps[id]?.status = .denied
            steps[id]?.violations = violations
            steps[id]?.waitingReason = nil
        case .stepAwaitingApproval(let id, let requirements):
            if steps[id]?.status != .awaitingApproval { steps[id]?.approvalRequestedAt = record.at }
            steps[id]?.status = .awaitingApproval
            steps[id]?.requirements = requirements
            steps[id]?.waitingReason = nil
        case .approvalRecorded(let id, let vote):
            steps[id]?.votes.append(vote)
            if vote.decision == .deny {
                steps[id]?.status = .denied
                let rules = steps[id]?.requirements.filter(vote.qualifies(for:)).map(\.ruleID) ?? []
                steps[id]?.violations = rules.map {
                    PolicyViolation(
                        ruleID: $0, step: id, message: "the approval was denied",
                        missing: "step \(id) was denied by \(vote.approver): \(vote.reason)")
                }
            }
        case .approvalTimedOut(let id, let ruleID, let action):
            if action == .allow {
                steps[id]?.approvalsAllowedByTimeout.insert(ruleID)
            } else {
                steps[id]?.status = .denied
                steps[id]?.violations = [
                    PolicyViolation(
                        ruleID: ruleID, step: id, message: "no quorum of approvals in time (on_timeout: deny)",
                        missing: "step \(id) was not approved in time")
                ]
            }
        case .stepOverridden(let id, let override):
            automated = false
            steps[id]?.overrides.append(override)
            steps[id]?.waitingReason = nil
            switch override.kind {
            case .markVerified:
                steps[id]?.status = .verified
                steps[id]?.finishedAt = record.at
                steps[id]?.note = "marked verified by \(override.principal): \(override.evidence)"
            case .skip:
                steps[id]?.status = .skipped
                steps[id]?.finishedAt = record.at
                steps[id]?.note = "skipped by \(override.principal): \(override.reason)"
            case .forcePastFailure:
                let status = steps[id]?.status
                if status == .failed || status == .unknown {
                    steps[id]?.status = .overridden
                    steps[id]?.note = "forced past by \(override.principal): \(override.reason)"
                } else {
                    // Denied or awaiting approval: the gate lets it through from now on.
                    steps[id]?.status = .pending
                }
            }
            if phase == .blocked, blockedBy == id {
                phase = .running
                blockedBy = nil
                reason = ""
            }
        default:
            break
        }
    }
}

/// A value kept out of line: copying the struct that holds it copies one reference, not the value.
struct OutOfLine<Value: Hashable & Sendable>: Hashable, Sendable {
    private final class Storage: Sendable {
        let value: Value
        init(_ value: Value) { self.value = value }
    }

    private let storage: Storage

    init(_ value: Value) { storage = Storage(value) }

    var value: Value { storage.value }

    static func == (lhs: Self, rhs: Self) -> Bool { lhs.storage === rhs.storage || lhs.value == rhs.value }

    func hash(into hasher: inout Hasher) { value.hash(into: &hasher) }
}
