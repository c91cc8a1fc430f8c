import AgentCore
import BatonModel
import CoordinatorCore

/// One agent process and its shell: the durable journal (it survives crashes), the session,
/// and the core (lost on a crash, recovered from the journal on restart).
struct AgentNode {
    let identity: AgentIdentity
    var core: AgentCore?
    var journal: [AgentJournalEntry] = []
    /// Rises on every crash: work started by an earlier incarnation no longer reports to this one.
    var incarnation = 0
    var session: Int?
    /// A connection attempt is scheduled.
    var connecting = false
    /// Stopping gracefully: no new assignments are taken.
    var draining = false
    /// Scenario hook: die on receiving the acknowledgement of this step's report, before journaling it.
    var crashOnAcknowledgement: (step: StepID, downFor: Int64)?

    init(identity: AgentIdentity) {
        self.identity = identity
        core = AgentCore()
    }

    /// What the agent's journal keeps when it is reopened: every entry of the attempts whose
    /// report was not acknowledged yet.
    static func compact(_ entries: [AgentJournalEntry]) -> [AgentJournalEntry] {
        var acknowledged: Set<AttemptKey> = []
        for case .acknowledged(let key) in entries { acknowledged.insert(key) }
        return entries.filter { entry in
            switch entry {
            case .accepted(let assignment): return !acknowledged.contains(assignment.key)
            case .started(let key, _): return !acknowledged.contains(key)
            case .completed(let report): return !acknowledged.contains(report.key)
            case .acknowledged: return false
            }
        }
    }
}

extension Simulation {
    /// One event through the agent shell.
    func agentHandle(_ agent: Int, _ event: AgentCore.Event) {
        guard var core = agents[agent].core else { return }
        agents[agent].core = nil
        let effects = core.handle(event)
        agents[agent].core = core
        if case .welcomed = event { return }
        log("\(agents[agent].identity): \(Describe.agentEvent(event))")
        applyAgentEffects(agent, effects, mayCrash: true)
    }

    /// Carries out the core's effects in order: journal entries are durable at once; probes and
    /// actions are started and answered later with events. A fault may kill the agent part-way.
    func applyAgentEffects(_ agent: Int, _ effects: [AgentCore.Effect], mayCrash: Bool) {
        var effects = effects
        var crash = false
        if mayCrash, faultsActive, !effects.isEmpty, random.chance(configuration.faults.midEffectsCrash) {
            crash = true
            faults.midEffectsCrashes += 1
            effects = Array(effects.prefix(random.int(0...(effects.count - 1))))
        }
        for effect in effects where agents[agent].core != nil {
            applyAgentEffect(agent, effect)
        }
        if crash {
            crashAgent(agent, downFor: random.int64(300...5_000), reason: "part-way through \(effects.count + 1)+ effects")
        }
    }

    private func applyAgentEffect(_ agent: Int, _ effect: AgentCore.Effect) {
        let identity = agents[agent].identity
        log("  \(identity): \(Describe.agentEffect(effect))")
        switch effect {
        case .recordAccepted(let assignment):
            agents[agent].journal.append(.accepted(assignment))
        case .evaluateProbes(let key, let phase, let probes):
            let duration = random.int64(behavior(key).probeMilliseconds)
            queue.schedule(
                .probesDone(agent: agent, incarnation: agents[agent].incarnation, key: key, phase: phase, probes: probes),
                at: now + duration)
        case .runAction(let key, _, let timeout):
            startAction(agent, key, timeoutMilliseconds: timeout)
        case .record(let report):
            agents[agent].journal.append(.completed(report))
            checker.agentProduced(report, by: identity)
            world.recorded(report)
        case .send(let report):
            if let session = agents[agent].session { send(.report(report), from: agent, session: session) }
        case .forget(let key):
            // (5) The agent lets go of a report only once the coordinator has it durably.
            if !checker.journaledReports.contains(HeldAttempt(key: key, agent: identity)) {
                fail(Finding(.acknowledgedNotLost, "\(identity) forgot its report of \(key), which the coordinator never journaled"))
            }
            agents[agent].journal.append(.acknowledged(key))
        case .refuse:
            break
        case .reconcileReply(let states):
            if let session = agents[agent].session { send(.reconcileReply(states), from: agent, session: session) }
        case .killProcessGroup(let group):
            if let killed = world.kill(processGroup: group) {
                log("  world: killed \(killed.key) (process group \(group), left over on \(killed.agent))")
            }
        case .stop(let key):
            // The process group gets SIGTERM: the action ends now (its core reports it cancelled).
            if let execution = world.execution(of: key), execution.state == .running {
                queue.schedule(.actionDone(execution: execution.id), at: now + 1)
            }
        }
    }

    func behavior(_ key: AttemptKey) -> StepBehavior {
        runBehaviors[key.runID]?[key.stepID] ?? .succeeds(in: 100)
    }

    private func startAction(_ agent: Int, _ key: AttemptKey, timeoutMilliseconds: Int64) {
        let identity = agents[agent].identity
        let behavior = behavior(key)
        let hangs = random.chance(behavior.hang)
        let fails = !hangs && (key.attempt <= behavior.failingAttempts || random.chance(behavior.actionFailure))
        let postconditionsFail = !hangs && !fails && random.chance(behavior.postconditionFailure)
        var duration = random.int64(behavior.actionMilliseconds)
        if hangs || duration > timeoutMilliseconds { duration = timeoutMilliseconds }
        let timedOut = duration >= timeoutMilliseconds
        let result = ActionResultPlan(
            exitCode: timedOut ? nil : (fails ? 1 : 0), timedOut: timedOut, postconditionsHold: !postconditionsFail)
        // (1) at execution time: the durable journal must have every need verified.
        if let run = coordinator.durable[key.runID], let planned = run.plan.step(key.stepID) {
            let unmet = planned.needs.filter { run.steps[$0]?.status != .verified }
            if !unmet.isEmpty {
                fail(Finding(.gate, "\(key) starts executing on \(identity) while \(unmet.map(\.rawValue).joined(separator: ", ")) not verified"))
            }
        }
        let idempotent = runPlans[key.runID]?.step(key.stepID)?.idempotent ?? true
        let (id, finding) = world.start(
            key, on: identity, incarnation: agents[agent].incarnation, idempotent: idempotent, now: now,
            endsAt: now + duration, result: result)
        if let finding { fail(finding) }
        let group = world.execution(id).processGroup
        agents[agent].journal.append(.started(key, processGroup: group))
        log("  world: \(key) executing on \(identity) for \(duration) ms (process group \(group))")
        queue.schedule(.actionDone(execution: id), at: now + duration)
    }

    func actionDone(_ id: Int) {
        guard world.finish(id) else { return }
        let execution = world.execution(id)
        let agent = agentIndex[execution.agent]!
        guard agents[agent].core != nil, agents[agent].incarnation == execution.incarnation else {
            log("world: orphaned \(execution.key) ended on \(execution.agent)")
            return
        }
        let plan = execution.result
        let result = ActionResult(
            exitCode: plan.exitCode, terminatingSignal: plan.timedOut ? 9 : nil, timedOut: plan.timedOut,
            stdoutTail: "", stderrTail: "")
        agentHandle(agent, .actionFinished(execution.key, result, now: instant))
    }

    func probesDone(agent: Int, incarnation: Int, key: AttemptKey, phase: ProbePhase, probes: [Probe]) {
        guard agents[agent].core != nil, agents[agent].incarnation == incarnation else { return }
        let behavior = behavior(key)
        let holds: Bool
        switch phase {
        case .pre:
            holds = !random.chance(behavior.preconditionFailure)
        case .post:
            if let execution = world.execution(of: key) {
                holds = execution.result.postconditionsHold
            } else {
                holds = !random.chance(behavior.postconditionFailure)
            }
        }
        let evidence = probes.enumerated().map { index, probe in
            let passed = holds || index > 0
            return Evidence(
                phase: phase, probe: probe.description, expected: "holds", observed: passed ? "holds" : "does not hold",
                passed: passed, at: instant)
        }
        agentHandle(agent, .probesEvaluated(key, phase, evidence, now: instant))
    }

    /// The agent process dies: memory and connection go; its journal and any action processes stay.
    func crashAgent(_ agent: Int, downFor: Int64, reason: String) {
        guard agents[agent].core != nil else { return }
        agents[agent].core = nil
        agents[agent].incarnation += 1
        agents[agent].connecting = false
        agents[agent].draining = false
        faults.agentCrashes += 1
        log("\(agents[agent].identity): CRASH (\(reason)); restarts in \(downFor) ms")
        if let session = agents[agent].session { breakSession(session, reason: "agent crashed") }
        agents[agent].session = nil
        queue.schedule(.agentRestart(agent: agent), at: now + downFor)
    }

    /// A new agent process: reopens (compacts) its journal, recovers, then dials the coordinator.
    func restartAgent(_ agent: Int) {
        guard agents[agent].core == nil else { return }
        agents[agent].journal = AgentNode.compact(agents[agent].journal)
        var core = AgentCore()
        let effects = core.recover(agents[agent].journal, now: instant)
        agents[agent].core = core
        log("\(agents[agent].identity): restarted with \(agents[agent].journal.count) journal entries, \(effects.count) recovery effect(s)")
        applyAgentEffects(agent, effects, mayCrash: false)
        scheduleConnect(agent, after: random.int64(10...100))
    }

    // MARK: - Graceful stop (drain)

    /// The agent is asked to stop: it takes no new work and gives its steps in flight 2 s.
    func drainAgent(_ agent: Int) {
        guard let core = agents[agent].core, !agents[agent].draining else { return }
        agents[agent].draining = true
        faults.agentDrains += 1
        log("\(agents[agent].identity): draining, \(core.inFlight.count) step(s) in flight")
        queue.schedule(.drainDeadline(agent: agent, incarnation: agents[agent].incarnation), at: now + 2_000)
    }

    /// What is still in flight is abandoned (reported `unknown`), then every action process is killed;
    /// the reports get a second to reach the coordinator before the process stops.
    func drainDeadline(_ agent: Int, incarnation: Int) {
        guard let core = agents[agent].core, agents[agent].incarnation == incarnation else { return }
        let abandoned = core.inFlight
        for key in abandoned { agentHandle(agent, .abandoned(key, now: instant)) }
        for key in abandoned {
            if let execution = world.execution(of: key), execution.incarnation == incarnation,
                let killed = world.kill(processGroup: execution.processGroup)
            {
                log("  world: killed \(killed.key) on \(killed.agent) (drain)")
            }
        }
        queue.schedule(.drainStop(agent: agent, incarnation: incarnation), at: now + 1_000)
    }

    func drainStop(_ agent: Int, incarnation: Int) {
        guard agents[agent].core != nil, agents[agent].incarnation == incarnation else { return }
        agents[agent].core = nil
        agents[agent].incarnation += 1
        agents[agent].connecting = false
        agents[agent].draining = false
        let downFor = random.int64(300...5_000)
        log("\(agents[agent].identity): stopped after draining; starts again in \(downFor) ms")
        if let session = agents[agent].session { breakSession(session, reason: "agent stopped") }
        agents[agent].session = nil
        queue.schedule(.agentRestart(agent: agent), at: now + downFor)
    }
}
