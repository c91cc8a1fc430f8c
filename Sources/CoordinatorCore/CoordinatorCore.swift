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
        /// An agent opened a session (its identity verified from its certificate; labels from its hello).
        case agentConnected(AgentIdentity, labels: [String: String] = [:], now: Instant)
        case agentDisconnected(AgentIdentity, now: Instant)
        /// Any sign of life from an agent (heartbeat, ack): renews its lease.
        case agentHeard(AgentIdentity, now: Instant)
        case reportReceived(StepReport, from: AgentIdentity, now: Instant)
        /// The agent's answer to a `.reconcile` query.
        case reconciled(AgentIdentity, [AttemptKey: AttemptState], now: Instant)
        /// Time passed: leases are checked and retries whose backoff has elapsed are dispatched.
        case tick(now: Instant)
        /// An operator completed a manual step (`baton run complete-step`).
        case operatorCompletedStep(RunID, StepID, operator: String, evidence: String, now: Instant)
        /// An operator approved or denied a step awaiting approval (`baton run approve` / `deny`).
        case operatorDecided(RunID, StepID, vote: ApprovalVote, now: Instant)
        /// An operator overrode a step (`baton run override`).
        case operatorOverrode(RunID, StepID, override: StepOverride, now: Instant)
        /// An operator aborted, paused, resumed or retried a run (`baton run abort|pause|resume|retry`).
        case operatorControlled(RunID, RunCommand, principal: String, now: Instant)
    }

    public enum Effect: Hashable, Sendable {
        /// Make this record durable before carrying out any later effect.
        case journal(JournalRecord)
        /// Send this assignment to this agent.
        case assign(AgentIdentity, Assignment)
        /// Ask the agent what became of these attempts; nothing else is assigned to it until it answers.
        case reconcile(AgentIdentity, [AttemptKey])
        /// Tell the agent its report is journaled; it may forget it.
        case acknowledge(AgentIdentity, AttemptKey)
        /// A report that matches no live attempt was refused (logged, never applied).
        case refuseReport(AgentIdentity, AttemptKey, reason: String)
        /// An operator's command was refused; nothing changed.
        case refuseCommand(reason: String)
        /// Ask the agent to stop this attempt (kill its process group) and report it cancelled.
        case cancel(AgentIdentity, CancelRequest)
    }

    /// The coordinator's epoch: rises on every start; agents refuse assignments from older epochs.
    public let epoch: UInt64
    /// An agent not heard from for this long loses its lease: its attempts become `unknown`.
    public let leaseTimeoutMilliseconds: Int64
    /// The policies every step passes at its gate (nil: none).
    public let gate: (any StepGate)?
    public internal(set) var table = RunTable()
    public internal(set) var connectedAgents: Set<AgentIdentity> = []
    /// The labels each connected agent announced.
    public internal(set) var agentLabels: [AgentIdentity: [String: String]] = [:]
    /// When each agent was last heard from.
    var lastHeard: [AgentIdentity: Instant] = [:]
    /// Agents asked to reconcile that have not answered yet: they get no new work.
    public internal(set) var reconciling: Set<AgentIdentity> = []
    /// Agents whose lease lapsed: the next sign of life starts a reconciliation.
    var lapsed: Set<AgentIdentity> = []
    var effects: [Effect] = []

    public init(epoch: UInt64, leaseTimeoutMilliseconds: Int64 = 15_000, gate: (any StepGate)? = nil) {
        self.epoch = epoch
        self.leaseTimeoutMilliseconds = leaseTimeoutMilliseconds
        self.gate = gate
    }

    /// Rebuilds the runs from the journal after a restart. Attempts that were dispatched stay
    /// dispatched: their agents are reconciled when they reconnect, or lose their lease.
    public init(
        epoch: UInt64, leaseTimeoutMilliseconds: Int64 = 15_000, gate: (any StepGate)? = nil,
        recovering records: [JournalRecord]
    ) {
        self.init(epoch: epoch, leaseTimeoutMilliseconds: leaseTimeoutMilliseconds, gate: gate)
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
        case .agentConnected(let agent, let labels, let now):
            connectedAgents.insert(agent)
            agentLabels[agent] = labels
            lastHeard[agent] = now
            lapsed.remove(agent)
            startReconciliation(with: agent)
            advanceAll(now: now)
        case .agentDisconnected(let agent, _):
            connectedAgents.remove(agent)
            reconciling.remove(agent)
        case .agentHeard(let agent, let now):
            lastHeard[agent] = now
            if lapsed.contains(agent), connectedAgents.contains(agent) {
                lapsed.remove(agent)
                startReconciliation(with: agent)
            }
        case .reportReceived(let report, let agent, let now):
            lastHeard[agent] = now
            receive(report, from: agent, now: now)
        case .reconciled(let agent, let states, let now):
            lastHeard[agent] = now
            reconciled(agent, states, now: now)
            advanceAll(now: now)
        case .tick(let now):
            expireLeases(now: now)
            advanceAll(now: now)
        case .operatorCompletedStep(let runID, let stepID, let operatorName, let evidence, let now):
            completeManually(runID, stepID, by: operatorName, evidence: evidence, now: now)
        case .operatorDecided(let runID, let stepID, let vote, let now):
            decide(runID, stepID, vote, now: now)
        case .operatorOverrode(let runID, let stepID, let override, let now):
            overrideStep(runID, stepID, override, now: now)
        case .operatorControlled(let runID, let command, let principal, let now):
            control(runID, command, by: principal, now: now)
        }
        return effects
    }

    /// Appends a journal effect and applies the event to the in-memory state.
    mutating func record(_ runID: RunID, _ now: Instant, _ event: RunEvent) {
        let record = JournalRecord(runID: runID, at: now, event: event)
        table.apply(record)
        effects.append(.journal(record))
    }

    /// The assignment for attempt `attempt` of step `stepID` (a fan-out child runs its parent's contract),
    /// with the outputs of verified steps substituted into its probes and action.
    func assignment(_ runID: RunID, _ stepID: StepID, attempt: Int) -> Assignment? {
        guard let run = table.runs[runID], let contract = run.planned(stepID) else { return nil }
        // Collecting the outputs reads every step: only for a step that reads any.
        let planned = contract.outputReferences.isEmpty ? contract : contract.substituting(run.outputValues)
        return Assignment(
            runID: runID, stepID: stepID, attempt: attempt, epoch: epoch, pre: planned.pre, action: planned.action,
            post: planned.post, timeoutMilliseconds: planned.timeoutMilliseconds, outputs: planned.outputs)
    }
}
