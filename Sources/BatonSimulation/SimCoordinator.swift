import BatonModel
import CoordinatorCore

/// A coordinator as the simulator drives it: the real core, or a deliberately broken one.
public protocol SimulatedCoordinator {
    var epoch: UInt64 { get }
    /// The coordinator's own view of the runs.
    var table: RunTable { get }
    mutating func handle(_ event: CoordinatorCore.Event) -> [CoordinatorCore.Effect]
}

extension CoordinatorCore: SimulatedCoordinator {}

/// The real core with a broken gate: on each tick it also dispatches (journals and assigns)
/// one pending step whose needs are not all verified yet, as a core that skipped the gate would.
public struct BrokenGateCoordinator: SimulatedCoordinator {
    private var core: CoordinatorCore
    private var jumped: Set<StepRef> = []

    public init(_ core: CoordinatorCore) { self.core = core }

    public var epoch: UInt64 { core.epoch }
    public var table: RunTable { core.table }

    public mutating func handle(_ event: CoordinatorCore.Event) -> [CoordinatorCore.Effect] {
        var effects = core.handle(event)
        guard case .tick(let now) = event else { return effects }
        for runID in core.table.order {
            guard let run = core.runs[runID], run.phase == .running else { continue }
            for planned in run.plan.steps {
                guard let step = run.steps[planned.id], step.status == .pending, step.attempt == 0,
                    !jumped.contains(StepRef(runID: runID, stepID: planned.id)),
                    planned.needs.contains(where: { run.steps[$0]?.status != .verified })
                else { continue }
                let candidates = core.connectedAgents.filter { $0.tier == planned.tier && !core.reconciling.contains($0) }
                guard let agent = candidates.min() else { continue }
                jumped.insert(StepRef(runID: runID, stepID: planned.id))
                let record = JournalRecord(
                    runID: runID, at: now, event: .stepDispatched(step: planned.id, attempt: 1, agent: agent))
                let assignment = Assignment(
                    runID: runID, stepID: planned.id, attempt: 1, epoch: core.epoch, pre: planned.pre,
                    action: planned.action, post: planned.post, timeoutMilliseconds: planned.timeoutMilliseconds)
                effects += [.journal(record), .assign(agent, assignment)]
                return effects
            }
        }
        return effects
    }
}

/// The coordinator process and its shell: the durable journal (it survives crashes), the
/// session of each agent, and the core (lost on a crash, rebuilt from the journal on restart).
struct CoordinatorNode {
    var core: (any SimulatedCoordinator)?
    var epoch: UInt64 = 0
    /// The durable journal, in order.
    var journal: [JournalRecord] = []
    /// The runs as rebuilt from the durable journal alone.
    var durable = RunTable()
    /// The current session of each agent (by agent index), as the shell knows it.
    var sessions: [Int: Int] = [:]
    /// Scenario hook: crash in the event that journals the dispatch of this step, before any effect.
    var crashOnDispatch: (step: StepID, downFor: Int64)?
}

extension Simulation {
    func makeCoordinator(epoch: UInt64, recovering records: [JournalRecord]) -> any SimulatedCoordinator {
        let core = CoordinatorCore(
            epoch: epoch, leaseTimeoutMilliseconds: configuration.leaseTimeoutMilliseconds, recovering: records)
        switch configuration.mutant {
        case .none: return core
        case .skipGate: return BrokenGateCoordinator(core)
        }
    }

    func startCoordinator() {
        coordinator.epoch += 1
        coordinator.core = makeCoordinator(epoch: coordinator.epoch, recovering: coordinator.journal)
        log("coordinator: started, epoch \(coordinator.epoch), \(coordinator.journal.count) journal record(s)")
        // (5) Nothing journaled is lost: the recovered state is exactly the durable journal's,
        // and every run the operator was told about is there.
        if let core = coordinator.core, core.table != coordinator.durable {
            fail(Finding(.acknowledgedNotLost, "the coordinator recovered (epoch \(coordinator.epoch)) a state that differs from its journal"))
        }
        for index in requestedRuns.sorted() where coordinator.durable[workload.runs[index].runID] == nil {
            fail(Finding(.acknowledgedNotLost, "run \(workload.runs[index].runID) was created but is not in the journal"))
        }
    }

    /// One event through the coordinator shell: the core decides; its journal records are made
    /// durable (and checked) first; only then are its other effects carried out.
    func coordinatorHandle(_ event: CoordinatorCore.Event) {
        guard var core = coordinator.core else { return }
        coordinator.core = nil
        let effects = core.handle(event)
        coordinator.core = core
        if case .tick = event, effects.isEmpty { return }
        log("coordinator: \(Describe.coordinatorEvent(event))")
        var outgoing: [CoordinatorCore.Effect] = []
        var crashNow = false
        for effect in effects {
            guard case .journal(let record) = effect else {
                outgoing.append(effect)
                continue
            }
            log("  journal \(Describe.record(record))")
            if let finding = checker.check(record, durable: coordinator.durable) { fail(finding) }
            coordinator.durable.apply(record)
            coordinator.journal.append(record)
            if let trigger = coordinator.crashOnDispatch, case .stepDispatched(let step, _, _) = record.event,
                step == trigger.step
            {
                crashNow = true
            }
        }
        var downFor = random.int64(300...3_000)
        if crashNow, let trigger = coordinator.crashOnDispatch {
            coordinator.crashOnDispatch = nil
            downFor = trigger.downFor
            outgoing = []
        } else if faultsActive, !outgoing.isEmpty, random.chance(configuration.faults.midEffectsCrash) {
            crashNow = true
            faults.midEffectsCrashes += 1
            outgoing = Array(outgoing.prefix(random.int(0...(outgoing.count - 1))))
        }
        for effect in outgoing { applyCoordinatorEffect(effect) }
        if crashNow {
            crashCoordinator(downFor: downFor, reason: "after its journal write, \(outgoing.count) of its effects carried out")
        }
    }

    private func applyCoordinatorEffect(_ effect: CoordinatorCore.Effect) {
        log("  \(Describe.coordinatorEffect(effect))")
        switch effect {
        case .journal:
            break
        case .assign(let agent, let assignment):
            guard let index = agentIndex[agent], let session = coordinator.sessions[index] else { return }
            send(.assignment(assignment), to: index, session: session)
        case .reconcile(let agent, let keys):
            guard let index = agentIndex[agent], let session = coordinator.sessions[index] else { return }
            send(.reconcile(keys), to: index, session: session)
        case .acknowledge(let agent, let key):
            if let finding = checker.checkAcknowledgement(key, to: agent) { fail(finding) }
            guard let index = agentIndex[agent], let session = coordinator.sessions[index] else { return }
            send(.acknowledge(key), to: index, session: session)
        case .cancel(let agent, let request):
            guard let index = agentIndex[agent], let session = coordinator.sessions[index] else { return }
            send(.cancel(request), to: index, session: session)
        case .refuseReport, .refuseCommand:
            break
        }
    }

    /// The coordinator process dies: its memory and every connection go; the journal stays.
    func crashCoordinator(downFor: Int64, reason: String) {
        guard coordinator.core != nil else { return }
        coordinator.core = nil
        faults.coordinatorCrashes += 1
        log("coordinator: CRASH (\(reason)); restarts in \(downFor) ms")
        for session in network.sessions.indices where network.sessions[session].alive {
            breakSession(session, reason: "coordinator crashed")
        }
        coordinator.sessions = [:]
        queue.schedule(.coordinatorRestart, at: now + downFor)
    }

    func tick() {
        coordinatorHandle(.tick(now: instant))
        queue.schedule(.tick, at: now + configuration.tickIntervalMilliseconds)
    }

    /// The operator asks for a run; while the coordinator is down the request is retried.
    func requestRun(_ index: Int) {
        guard coordinator.core != nil else {
            queue.schedule(.requestRun(index), at: now + 250)
            return
        }
        let run = workload.runs[index]
        requestedRuns.insert(index)
        coordinatorHandle(
            .runRequested(run.runID, incident: "INC-\(configuration.seed)-\(index + 1)", plan: run.plan, startedBy: "sim", now: instant))
        if coordinator.durable[run.runID] == nil {
            fail(Finding(.acknowledgedNotLost, "run \(run.runID) was requested and created but is not in the journal"))
        }
    }
}
