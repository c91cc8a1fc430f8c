import BatonModel
import CoordinatorCore

/// A small fluent harness for hand-written simulations: one run of a playbook you spell out,
/// actions that always succeed (in the time you give), no random faults, and the faults you place.
///
///     let result = Scenario()
///         .step("migrate", on: .database, actionMilliseconds: 3_000)
///         .crashAgent("database-1", at: 1_500, downFor: 1_000)
///         .run()
///     #expect(result.phase == .blocked)
public struct Scenario: Sendable {
    public static let runID: RunID = "run-1"

    public private(set) var seed: UInt64
    public private(set) var agents: [AgentIdentity]
    public private(set) var steps: [PlannedStep] = []
    public private(set) var behaviors: [StepID: StepBehavior] = [:]
    public private(set) var script: [ScriptedFault] = []
    public private(set) var requestAt: Int64 = 500
    public private(set) var leaseTimeoutMilliseconds: Int64 = 4_000
    public private(set) var checkOutboxDrains = true

    /// One agent per tier: `platform-1`, `database-1`, `application-1`.
    public init(seed: UInt64 = 1) {
        self.seed = seed
        agents = Tier.allCases.map { AgentIdentity(tier: $0, name: "\($0)-1") }
    }

    public func agents(_ agents: [AgentIdentity]) -> Scenario {
        var copy = self
        copy.agents = agents
        return copy
    }

    /// Adds a step (after the ones before it) whose action succeeds after `actionMilliseconds`
    /// (except its first `failingAttempts` attempts, which exit 1), with one postcondition probe.
    public func step(
        _ id: StepID, on tier: Tier, needs: [StepID] = [], idempotent: Bool = false, retries: Int = 0,
        actionMilliseconds: Int64 = 500, timeoutMilliseconds: Int64 = 60_000, failingAttempts: Int = 0
    ) -> Scenario {
        var copy = self
        copy.steps.append(
            PlannedStep(
                id: id, tier: tier, needs: needs, action: Action(argv: ["/sim/act", id.rawValue]),
                post: [.file(FileProbe(path: "/sim/\(id).done"))], timeoutMilliseconds: timeoutMilliseconds,
                retries: retries, idempotent: idempotent))
        copy.behaviors[id] = .succeeds(in: actionMilliseconds)
        copy.behaviors[id]?.failingAttempts = failingAttempts
        return copy
    }

    public func requested(at milliseconds: Int64) -> Scenario {
        var copy = self
        copy.requestAt = milliseconds
        return copy
    }

    public func leaseTimeout(_ milliseconds: Int64) -> Scenario {
        var copy = self
        copy.leaseTimeoutMilliseconds = milliseconds
        return copy
    }

    public func crashAgent(_ name: String, at: Int64, downFor: Int64) -> Scenario {
        adding(.crashAgent(name, at: at, downFor: downFor))
    }

    public func crashCoordinator(at: Int64, downFor: Int64) -> Scenario {
        adding(.crashCoordinator(at: at, downFor: downFor))
    }

    /// The coordinator dies right after it journals the dispatch of `step`, before the assignment leaves.
    public func crashCoordinatorAfterJournalingDispatch(of step: StepID, downFor: Int64) -> Scenario {
        adding(.crashCoordinatorAfterJournalingDispatch(of: step, downFor: downFor))
    }

    public func partition(_ name: String, at: Int64, for duration: Int64) -> Scenario {
        adding(.partition(name, at: at, duration: duration))
    }

    /// The agent dies when the acknowledgement of `step`'s report reaches it, before it journals it.
    public func crashAgentOnAcknowledgement(_ name: String, of step: StepID, downFor: Int64) -> Scenario {
        adding(.crashAgentOnAcknowledgement(name, of: step, downFor: downFor))
    }

    /// The agent is stopped gracefully at `at` (drain: up to 2 s for its steps, then abandon them).
    public func drainAgent(_ name: String, at: Int64) -> Scenario {
        adding(.drainAgent(name, at: at))
    }

    /// Also check that every outbox drains once the faults stop.
    public func checkingOutboxDrains() -> Scenario {
        var copy = self
        copy.checkOutboxDrains = true
        return copy
    }

    private func adding(_ fault: ScriptedFault) -> Scenario {
        var copy = self
        copy.script.append(fault)
        return copy
    }

    /// The simulation this scenario describes.
    public func simulation(sink: ((String) -> Void)? = nil) -> Simulation {
        var configuration = SimConfiguration(seed: seed)
        configuration.faults = .none
        configuration.leaseTimeoutMilliseconds = leaseTimeoutMilliseconds
        configuration.checkOutboxDrains = checkOutboxDrains
        var lastFault: Int64 = 0
        for fault in script {
            switch fault {
            case .crashAgent(_, let at, let downFor), .crashCoordinator(let at, let downFor):
                lastFault = max(lastFault, at + downFor)
            case .partition(_, let at, let duration):
                lastFault = max(lastFault, at + duration)
            case .drainAgent(_, let at):
                lastFault = max(lastFault, at + 5_000)
            case .crashCoordinatorAfterJournalingDispatch, .crashAgentOnAcknowledgement:
                break  // triggered by an event, not at a time
            }
        }
        configuration.faultPhaseMilliseconds = lastFault + 1
        let plan = Plan(
            playbookName: "scenario", playbookVersion: "1", parameters: [:], steps: steps, hash: "scenario-\(steps.count)")
        let workload = Workload(
            agents: agents, runs: [SimRun(runID: Self.runID, plan: plan, requestAt: requestAt, behaviors: behaviors)])
        return Simulation(configuration, workload: workload, script: script, sink: sink)
    }

    public func run(sink: ((String) -> Void)? = nil) -> ScenarioResult {
        ScenarioResult(simulation(sink: sink).run())
    }
}

/// What a scenario's single run came to.
public struct ScenarioResult: Sendable {
    public let simulation: SimulationResult
    /// The run rebuilt from the coordinator's durable journal.
    public let run: RunState?

    init(_ simulation: SimulationResult) {
        self.simulation = simulation
        var table = RunTable()
        for record in simulation.journal { table.apply(record) }
        run = table[Scenario.runID]
    }

    public var phase: RunPhase? { run?.phase }
    public var violation: Violation? { simulation.violation }

    public func status(_ step: StepID) -> StepStatus? { run?.steps[step]?.status }
    public func attempt(_ step: StepID) -> Int? { run?.steps[step]?.attempt }

    /// How many times the step's action executed, over all attempts.
    public func executions(_ step: StepID) -> Int { simulation.executionCount(Scenario.runID, step) }

    /// The journal record kinds about `step`, in order.
    public func journal(_ step: StepID) -> [String] { simulation.journalKinds(Scenario.runID, step: step) }

    /// The findings of reconciliation about `step`.
    public func reconciliations(_ step: StepID) -> [ReconcileFinding] {
        simulation.journal.compactMap { record in
            guard record.runID == Scenario.runID, case .stepReconciled(let id, _, _, let finding) = record.event, id == step
            else { return nil }
            return finding
        }
    }
}
