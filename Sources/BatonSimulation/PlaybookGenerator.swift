import BatonModel

/// How the simulated world answers for one step: how long its action takes and how often
/// its probes or its action fail. Outcomes are drawn per execution from the seed.
public struct StepBehavior: Sendable, Hashable {
    public var actionMilliseconds: ClosedRange<Int64>
    public var probeMilliseconds: ClosedRange<Int64>
    /// Chance that the preconditions do not hold (the action then never runs).
    public var preconditionFailure: Double
    /// Chance that the action exits non-zero.
    public var actionFailure: Double
    /// Chance that the action exits 0 but its postconditions do not hold.
    public var postconditionFailure: Double
    /// Chance that the action hangs until its timeout kills it.
    public var hang: Double
    /// Attempts up to this number always exit non-zero (scenarios: "fails once, then succeeds").
    public var failingAttempts: Int = 0

    public init(
        actionMilliseconds: ClosedRange<Int64>, probeMilliseconds: ClosedRange<Int64> = 5...150,
        preconditionFailure: Double = 0, actionFailure: Double = 0, postconditionFailure: Double = 0, hang: Double = 0
    ) {
        self.actionMilliseconds = actionMilliseconds
        self.probeMilliseconds = probeMilliseconds
        self.preconditionFailure = preconditionFailure
        self.actionFailure = actionFailure
        self.postconditionFailure = postconditionFailure
        self.hang = hang
    }

    /// Always succeeds, in exactly `milliseconds`.
    public static func succeeds(in milliseconds: Int64) -> StepBehavior {
        StepBehavior(actionMilliseconds: milliseconds...milliseconds, probeMilliseconds: 10...10)
    }
}

/// One run the simulated operator asks for.
public struct SimRun: Sendable, Hashable {
    public var runID: RunID
    public var plan: Plan
    /// Simulated time of the request.
    public var requestAt: Int64
    public var behaviors: [StepID: StepBehavior]

    public init(runID: RunID, plan: Plan, requestAt: Int64, behaviors: [StepID: StepBehavior]) {
        self.runID = runID
        self.plan = plan
        self.requestAt = requestAt
        self.behaviors = behaviors
    }
}

/// The agents and the runs of one simulation.
public struct Workload: Sendable, Hashable {
    public var agents: [AgentIdentity]
    public var runs: [SimRun]

    public init(agents: [AgentIdentity], runs: [SimRun]) {
        self.agents = agents
        self.runs = runs
    }
}

/// Random playbooks and fleets, drawn from the seed.
public enum PlaybookGenerator {
    /// 3-6 agents (at least one per tier) and 2-5 runs of random playbooks.
    public static func workload(_ random: inout SimRandom, requestWindowMilliseconds: Int64) -> Workload {
        var tiers = Tier.allCases
        for _ in 0..<random.int(0...3) { tiers.append(random.pick(Tier.allCases)) }
        var counts: [Tier: Int] = [:]
        var agents: [AgentIdentity] = []
        for tier in tiers.sorted() {
            counts[tier, default: 0] += 1
            agents.append(AgentIdentity(tier: tier, name: "\(tier)-\(counts[tier]!)"))
        }
        var runs: [SimRun] = []
        let runCount = random.int(2...5)
        var times = (0..<runCount).map { _ in random.int64(0...max(0, requestWindowMilliseconds)) }
        times.sort()
        for index in 0..<runCount {
            let (plan, behaviors) = playbook(&random, name: "sim-playbook-\(index + 1)")
            runs.append(
                SimRun(runID: RunID("run-\(index + 1)"), plan: plan, requestAt: times[index], behaviors: behaviors))
        }
        return Workload(agents: agents, runs: runs)
    }

    /// A random DAG of 3-12 steps across the tiers, in topological order (a step only needs earlier ones).
    public static func playbook(_ random: inout SimRandom, name: String) -> (Plan, [StepID: StepBehavior]) {
        let count = random.int(3...12)
        var steps: [PlannedStep] = []
        var behaviors: [StepID: StepBehavior] = [:]
        for index in 0..<count {
            let id = StepID(index < 9 ? "s0\(index + 1)" : "s\(index + 1)")
            var needs: [StepID] = []
            for earlier in steps where needs.count < 3 && random.chance(0.35) { needs.append(earlier.id) }
            let pre: [Probe] = random.chance(0.4) ? [.file(FileProbe(path: "/sim/\(name)/\(id).ready"))] : []
            var post: [Probe] = []
            for probe in 0..<random.int(0...2) {
                post.append(.command(CommandProbe(argv: ["/sim/check", id.rawValue, "\(probe)"])))
            }
            let action = random.chance(0.9) ? Action(argv: ["/sim/act", id.rawValue]) : nil
            steps.append(
                PlannedStep(
                    id: id, tier: random.pick(Tier.allCases), needs: needs, pre: pre, action: action, post: post,
                    timeoutMilliseconds: 8_000, retries: random.int(0...2), idempotent: random.chance(0.5)))
            let shortest = random.int64(20...400)
            behaviors[id] = StepBehavior(
                actionMilliseconds: shortest...(shortest + random.int64(0...2_500)), preconditionFailure: 0.02,
                actionFailure: 0.05, postconditionFailure: 0.04, hang: 0.005)
        }
        let plan = Plan(
            playbookName: name, playbookVersion: "1", parameters: [:], steps: steps, hash: "sim-\(name)-\(count)")
        return (plan, behaviors)
    }
}
