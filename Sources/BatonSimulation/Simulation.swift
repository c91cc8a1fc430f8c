import AgentCore
import BatonModel
import CoordinatorCore

/// Everything that can happen in the simulated world, in simulated time.
enum SimEvent: Sendable {
    case tick
    case faultRoll
    case faultsEnd
    case requestRun(Int)
    case toCoordinator(agent: Int, session: Int, ToCoordinator)
    case toAgent(agent: Int, session: Int, ToAgent)
    case coordinatorNoticesClose(agent: Int, session: Int)
    case agentNoticesClose(agent: Int, session: Int)
    case agentConnect(agent: Int, incarnation: Int)
    case heartbeat(agent: Int, session: Int)
    case probesDone(agent: Int, incarnation: Int, key: AttemptKey, phase: ProbePhase, probes: [Probe])
    case actionDone(execution: Int)
    case operatorCommand(run: Int, RunCommand)
    case agentCrash(agent: Int, downFor: Int64)
    case agentRestart(agent: Int)
    case agentDrain(agent: Int)
    case drainDeadline(agent: Int, incarnation: Int)
    case drainStop(agent: Int, incarnation: Int)
    case coordinatorCrash(downFor: Int64)
    case coordinatorRestart
    case partitionStart(agent: Int, duration: Int64)
    case partitionEnd(agent: Int)
    case partitionTimeout(agent: Int)
}

/// A fault a scenario places at a given moment (random faults come from the seed instead).
public enum ScriptedFault: Sendable, Hashable {
    case crashAgent(String, at: Int64, downFor: Int64)
    case crashCoordinator(at: Int64, downFor: Int64)
    /// The coordinator dies in the event that journals the dispatch of this step: the dispatch is
    /// durable, but the assignment never leaves.
    case crashCoordinatorAfterJournalingDispatch(of: StepID, downFor: Int64)
    case partition(String, at: Int64, duration: Int64)
    /// The agent dies when the acknowledgement of this step's report reaches it, before it journals it.
    case crashAgentOnAcknowledgement(String, of: StepID, downFor: Int64)
    /// The agent is stopped gracefully: it drains, then restarts `downFor` after it stopped.
    case drainAgent(String, at: Int64)
}

/// One deterministic simulation: a coordinator core and agent cores on one thread, a simulated
/// clock and network, faults drawn from the seed, and the invariants checked after every event.
public final class Simulation {
    let configuration: SimConfiguration
    let workload: Workload
    var random: SimRandom
    var queue = EventQueue<SimEvent>()
    var now: Int64 = 0
    var events = 0
    var coordinator = CoordinatorNode()
    var agents: [AgentNode]
    let agentIndex: [AgentIdentity: Int]
    var network: SimNetwork
    var world = World()
    var checker = JournalChecker()
    var trace: Trace
    var faults = FaultCounts()
    var faultsActive = true
    var requestedRuns: Set<Int> = []
    let runBehaviors: [RunID: [StepID: StepBehavior]]
    let runPlans: [RunID: Plan]
    var violation: Violation?
    private let script: [ScriptedFault]

    var instant: Instant { Instant(millisecondsSinceEpoch: now) }

    /// A simulation of random playbooks and faults, all drawn from the configuration's seed.
    public convenience init(_ configuration: SimConfiguration, sink: ((String) -> Void)? = nil) {
        var seeds = SimRandom(seed: configuration.seed)
        var workloadRandom = seeds.fork()
        let workload = PlaybookGenerator.workload(
            &workloadRandom, requestWindowMilliseconds: configuration.runRequestWindowMilliseconds)
        self.init(configuration, workload: workload, script: [], random: seeds.fork(), sink: sink)
    }

    /// A simulation of the given agents and runs, with scripted faults on top of the random ones.
    public init(
        _ configuration: SimConfiguration, workload: Workload, script: [ScriptedFault], random: SimRandom? = nil,
        sink: ((String) -> Void)? = nil
    ) {
        self.configuration = configuration
        self.workload = workload
        self.script = script
        self.random = random ?? SimRandom(seed: configuration.seed)
        agents = workload.agents.map(AgentNode.init(identity:))
        var index: [AgentIdentity: Int] = [:]
        for (position, agent) in workload.agents.enumerated() { index[agent] = position }
        agentIndex = index
        network = SimNetwork(agentCount: workload.agents.count)
        trace = Trace(sink: sink)
        var behaviors: [RunID: [StepID: StepBehavior]] = [:]
        var plans: [RunID: Plan] = [:]
        for run in workload.runs {
            behaviors[run.runID] = run.behaviors
            plans[run.runID] = run.plan
        }
        runBehaviors = behaviors
        runPlans = plans
    }

    func log(_ line: String) { trace.log("\(now) \(line)") }

    /// Records the first violation; the run stops after the current event.
    func fail(_ finding: Finding) {
        guard violation == nil else { return }
        violation = Violation(invariant: finding.invariant, message: finding.message, time: now, event: events)
        log("VIOLATION \(finding.invariant.rawValue): \(finding.message)")
    }

    /// Runs until every run has ended (and the world settled), the deadline, a violation, or the event budget.
    public func run() -> SimulationResult {
        setUp()
        let deadline = configuration.faultPhaseMilliseconds + configuration.livenessBoundMilliseconds
        var settledAt: Int64?
        var budgetExhausted = false
        while let next = queue.pop() {
            if next.time > deadline { break }
            now = next.time
            events += 1
            handle(next.payload)
            if violation != nil { break }
            if events >= configuration.maxEvents {
                budgetExhausted = true
                break
            }
            if settledAt == nil, allRunsEnded, !faultsActive { settledAt = now + configuration.settleMilliseconds }
            if let settledAt, now >= settledAt { break }
        }
        if violation == nil, !budgetExhausted { checkLiveness() }
        return result(budgetExhausted: budgetExhausted)
    }

    private func setUp() {
        log("sim: seed \(configuration.seed)\(configuration.swarm ? " swarm" : "") faults [\(configuration.faults)]")
        log("sim: agents \(workload.agents.map(\.description).joined(separator: " ")), \(workload.runs.count) run(s)")
        startCoordinator()
        queue.schedule(.tick, at: configuration.tickIntervalMilliseconds)
        for agent in agents.indices { scheduleConnect(agent, after: random.int64(0...100)) }
        for index in workload.runs.indices { queue.schedule(.requestRun(index), at: workload.runs[index].requestAt) }
        queue.schedule(.faultsEnd, at: configuration.faultPhaseMilliseconds)
        queue.schedule(.faultRoll, at: 1_000)
        for fault in script {
            switch fault {
            case .crashAgent(let name, let at, let downFor):
                queue.schedule(.agentCrash(agent: agentNamed(name), downFor: downFor), at: at)
            case .crashCoordinator(let at, let downFor):
                queue.schedule(.coordinatorCrash(downFor: downFor), at: at)
            case .crashCoordinatorAfterJournalingDispatch(let step, let downFor):
                coordinator.crashOnDispatch = (step, downFor)
            case .partition(let name, let at, let duration):
                queue.schedule(.partitionStart(agent: agentNamed(name), duration: duration), at: at)
            case .drainAgent(let name, let at):
                queue.schedule(.agentDrain(agent: agentNamed(name)), at: at)
            case .crashAgentOnAcknowledgement(let name, let step, let downFor):
                agents[agentNamed(name)].crashOnAcknowledgement = (step, downFor)
            }
        }
    }

    private func agentNamed(_ name: String) -> Int {
        guard let index = workload.agents.firstIndex(where: { $0.name == name }) else {
            preconditionFailure("scenario names an unknown agent \(name)")
        }
        return index
    }

    private func handle(_ event: SimEvent) {
        switch event {
        case .tick: tick()
        case .faultRoll: rollFaults()
        case .faultsEnd: endFaults()
        case .requestRun(let index): requestRun(index)
        case .toCoordinator(let agent, let session, let message): deliver(message, from: agent, session: session)
        case .toAgent(let agent, let session, let message): deliver(message, to: agent, session: session)
        case .coordinatorNoticesClose(let agent, let session): coordinatorNoticesClose(agent: agent, session: session)
        case .agentNoticesClose(let agent, let session): agentNoticesClose(agent: agent, session: session)
        case .agentConnect(let agent, let incarnation): connect(agent, incarnation: incarnation)
        case .heartbeat(let agent, let session): heartbeat(agent: agent, session: session)
        case .probesDone(let agent, let incarnation, let key, let phase, let probes):
            probesDone(agent: agent, incarnation: incarnation, key: key, phase: phase, probes: probes)
        case .actionDone(let execution): actionDone(execution)
        case .operatorCommand(let run, let command): operatorCommand(run, command)
        case .agentCrash(let agent, let downFor): crashAgent(agent, downFor: downFor, reason: "scripted")
        case .agentRestart(let agent): restartAgent(agent)
        case .agentDrain(let agent): drainAgent(agent)
        case .drainDeadline(let agent, let incarnation): drainDeadline(agent, incarnation: incarnation)
        case .drainStop(let agent, let incarnation): drainStop(agent, incarnation: incarnation)
        case .coordinatorCrash(let downFor): crashCoordinator(downFor: downFor, reason: "scripted")
        case .coordinatorRestart: startCoordinator()
        case .partitionStart(let agent, let duration): startPartition(agent, duration: duration)
        case .partitionEnd(let agent): endPartition(agent)
        case .partitionTimeout(let agent): partitionTimeout(agent: agent)
        }
    }

    /// Once a simulated second during the fault phase: crashes and partitions, drawn from the seed.
    private func rollFaults() {
        guard faultsActive else { return }
        let rates = configuration.faults
        for agent in agents.indices {
            if random.chance(rates.agentCrash) {
                crashAgent(agent, downFor: random.int64(300...5_000), reason: "fault")
            }
            if random.chance(rates.agentDrain) { drainAgent(agent) }
            if random.chance(rates.partition) {
                let duration = random.chance(0.5) ? random.int64(300...2_000) : random.int64(3_000...12_000)
                startPartition(agent, duration: duration)
            }
        }
        if random.chance(rates.coordinatorCrash) {
            crashCoordinator(downFor: random.int64(300...3_000), reason: "fault")
        }
        if rates.operatorControl > 0, random.chance(rates.operatorControl) { rollOperatorCommand() }
        queue.schedule(.faultRoll, at: now + 1_000)
    }

    /// The fault phase is over: no more faults, and every partition heals.
    private func endFaults() {
        faultsActive = false
        log("sim: fault phase over; the network heals")
        for agent in agents.indices { endPartition(agent, force: true) }
    }

    private var allRunsEnded: Bool {
        guard requestedRuns.count == workload.runs.count else { return false }
        return workload.runs.allSatisfy { coordinator.durable[$0.runID].map { $0.phase != .running && $0.phase != .paused } ?? false }
    }

    /// Every run must have ended: succeeded, failed, or blocked on a step that is not idempotent
    /// and whose outcome is unknown.
    private func checkLiveness() {
        for run in workload.runs {
            guard let state = coordinator.durable[run.runID] else {
                fail(Finding(.liveness, "run \(run.runID) was never created by t=\(now)ms"))
                return
            }
            switch state.phase {
            case .succeeded, .failed, .rolledBack, .aborted:
                continue
            case .blocked:
                let blockedOn = coordinator.journal.last { record in
                    if record.runID == run.runID, case .runBlocked = record.event { return true }
                    return false
                }?.event.stepID
                guard let step = blockedOn, let planned = run.plan.step(step), !planned.idempotent,
                    state.steps[step]?.lastReport?.outcome == .unknown
                else {
                    fail(Finding(.liveness, "run \(run.runID) is blocked on \(blockedOn?.rawValue ?? "?"), which is idempotent or not unknown"))
                    return
                }
            case .running, .rollingBack, .paused:
                let steps = state.orderedSteps.map { step in
                    "\(step.id)=\(step.status.rawValue)#\(step.attempt)\(step.agent.map { "@\($0)" } ?? "")"
                }
                fail(
                    Finding(
                        .liveness,
                        "run \(run.runID) still running \(now - configuration.faultPhaseMilliseconds) ms after the faults stopped: "
                            + steps.joined(separator: " ")))
                return
            }
        }
        for agent in agents where configuration.checkOutboxDrains && !(agent.core?.outbox.isEmpty ?? true) {
            let held = agent.core!.outbox.map { "\($0.key) \($0.outcome.rawValue)" }.joined(separator: ", ")
            fail(Finding(.outboxDrains, "\(agent.identity) still holds unacknowledged report(s) \(held) at t=\(now)ms"))
            return
        }
    }

    private func result(budgetExhausted: Bool) -> SimulationResult {
        let phases = workload.runs.map { run in (run.runID, coordinator.durable[run.runID]?.phase) }
        let executions = world.executions.map { execution in
            ExecutionRecord(
                key: execution.key, agent: execution.agent, startedAt: execution.startedAt,
                killed: execution.state == .killed)
        }
        return SimulationResult(
            configuration: configuration, events: events, simulatedMilliseconds: now,
            runPhases: phases.map { RunOutcome(runID: $0.0, phase: $0.1) }, faults: faults, violation: violation,
            traceHash: trace.hasher.hex, traceTail: trace.tail, budgetExhausted: budgetExhausted,
            journal: coordinator.journal, executions: executions)
    }
}
