/// How often each kind of fault is injected while the fault phase lasts.
public struct FaultRates: Sendable, Hashable, CustomStringConvertible {
    /// Per message: the message is lost and its connection resets (what a lost TCP segment
    /// looks like to the application once retransmission gives up).
    public var drop: Double
    /// Per message: delivered twice.
    public var duplicate: Double
    /// Per message: may overtake messages sent before it on the same connection.
    public var reorder: Double
    /// Per message: held back 0.1-3 s (and, in order, everything behind it).
    public var delay: Double
    /// Per agent per simulated second: the agent is cut off from the coordinator for a while.
    public var partition: Double
    /// Per agent per simulated second: the agent process dies and restarts.
    public var agentCrash: Double
    /// Per agent per simulated second: the agent is stopped gracefully (drains: takes no new work,
    /// waits for its steps up to 2 s, abandons the rest as `unknown`) and started again later.
    public var agentDrain: Double = 0
    /// Per simulated second: the coordinator process dies and restarts.
    public var coordinatorCrash: Double
    /// Per batch of effects: the process dies part-way through carrying them out
    /// (the coordinator after its journal write, the agent after some of its effects).
    public var midEffectsCrash: Double
    /// Per simulated second: an operator pauses a running run (and resumes it 0.5 to 4 s later) or,
    /// one time in four, aborts it. Not a fault, but it races with every fault.
    public var operatorControl: Double = 0

    public init(
        drop: Double, duplicate: Double, reorder: Double, delay: Double, partition: Double, agentCrash: Double,
        coordinatorCrash: Double, midEffectsCrash: Double
    ) {
        self.drop = drop
        self.duplicate = duplicate
        self.reorder = reorder
        self.delay = delay
        self.partition = partition
        self.agentCrash = agentCrash
        self.coordinatorCrash = coordinatorCrash
        self.midEffectsCrash = midEffectsCrash
    }

    public static let none = FaultRates(
        drop: 0, duplicate: 0, reorder: 0, delay: 0, partition: 0, agentCrash: 0, coordinatorCrash: 0, midEffectsCrash: 0)

    public static let defaults: FaultRates = {
        var rates = FaultRates(
            drop: 0.005, duplicate: 0.02, reorder: 0.05, delay: 0.02, partition: 0.015, agentCrash: 0.02,
            coordinatorCrash: 0.015, midEffectsCrash: 0.005)
        rates.agentDrain = 0.005
        rates.operatorControl = 0.02
        return rates
    }()

    /// Rates drawn from the seed (swarm testing): each fault is switched on or off, and its rate
    /// chosen, per simulation, so some runs hammer one kind of fault and others mix them.
    public static func swarm(_ random: inout SimRandom) -> FaultRates {
        func rate(_ random: inout SimRandom, _ maximum: Double) -> Double {
            random.chance(0.35) ? 0 : random.unit() * maximum
        }
        var rates = FaultRates(
            drop: rate(&random, 0.03), duplicate: rate(&random, 0.10), reorder: rate(&random, 0.20),
            delay: rate(&random, 0.08), partition: rate(&random, 0.04), agentCrash: rate(&random, 0.04),
            coordinatorCrash: rate(&random, 0.03), midEffectsCrash: rate(&random, 0.02))
        rates.agentDrain = rate(&random, 0.02)
        rates.operatorControl = rate(&random, 0.08)
        return rates
    }

    public var description: String {
        func format(_ value: Double) -> String {
            let thousandths = Int((value * 1000).rounded())
            let fraction = String(thousandths % 1000)
            return "\(thousandths / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
        }
        return "drop \(format(drop)) dup \(format(duplicate)) reorder \(format(reorder)) delay \(format(delay)) "
            + "partition \(format(partition))/s agent-crash \(format(agentCrash))/s agent-drain \(format(agentDrain))/s "
            + "coordinator-crash \(format(coordinatorCrash))/s mid-effects-crash \(format(midEffectsCrash))"
    }
}

/// A deliberately broken coordinator, to show that the simulator catches a broken core.
public enum Mutant: String, Sendable, Hashable, CaseIterable {
    /// The real core.
    case none
    /// Also dispatches a step before every step it needs is verified (a broken gate).
    case skipGate = "skip-gate"
}

/// Everything that shapes one simulation.
public struct SimConfiguration: Sendable, Hashable {
    public var seed: UInt64
    public var swarm: Bool
    public var faults: FaultRates
    public var mutant: Mutant = .none
    /// Random faults happen only during this first stretch of simulated time; then the network heals.
    public var faultPhaseMilliseconds: Int64 = 60_000
    /// After the fault phase, every run must be finished (or legitimately blocked) within this long.
    public var livenessBoundMilliseconds: Int64 = 120_000
    /// Once every run has ended and the faults have stopped, the simulation goes on this long
    /// (late messages, outboxes draining), then stops.
    public var settleMilliseconds: Int64 = 5_000
    public var leaseTimeoutMilliseconds: Int64 = 4_000
    public var heartbeatIntervalMilliseconds: Int64 = 1_000
    public var tickIntervalMilliseconds: Int64 = 100
    /// A connection cut off (partitioned) this long is declared dead by both ends.
    public var sessionTimeoutMilliseconds: Int64 = 2_500
    /// Runs are requested within this first stretch of simulated time.
    public var runRequestWindowMilliseconds: Int64 = 45_000
    /// Check that every agent's outbox drains once faults stop (nothing acknowledged-worthy is
    /// left unacknowledged: a report resent after a later attempt began is acknowledged too).
    public var checkOutboxDrains = true
    /// A budget of simulator events; when it runs out the simulation stops (no liveness verdict).
    public var maxEvents: Int = 2_000_000

    public init(seed: UInt64, swarm: Bool = false, mutant: Mutant = .none) {
        self.seed = seed
        self.swarm = swarm
        self.mutant = mutant
        if swarm {
            var random = SimRandom(seed: seed ^ 0x5157_4152_4D00_0000)
            faults = .swarm(&random)
            faultPhaseMilliseconds = random.int64(20_000...60_000)
            runRequestWindowMilliseconds = faultPhaseMilliseconds * 3 / 4
        } else {
            faults = .defaults
        }
    }

    /// The command that replays this simulation.
    public var replayCommand: String {
        var command = "baton-sim --seed \(seed)"
        if swarm { command += " --swarm" }
        if mutant != .none { command += " --mutant \(mutant.rawValue)" }
        if !checkOutboxDrains { command += " --no-check-outbox" }
        if maxEvents != SimConfiguration(seed: seed).maxEvents { command += " --steps \(maxEvents)" }
        return command
    }
}
