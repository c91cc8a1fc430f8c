import ArgumentParser
import BatonSimulation

/// `baton-sim`: runs the deterministic simulator for one seed or a range of seeds.
@main
struct BatonSim: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baton-sim",
        abstract: "Run Baton's coordinator and agent cores under simulated faults, deterministically from a seed.",
        discussion: """
            One seed gives one simulation: random playbooks, agents, network faults (drops, duplicates, \
            reorders, delays, partitions) and crashes, all drawn from the seed, with Baton's invariants \
            checked after every event. The same seed always gives the same trace.

            Examples:
              baton-sim --seed 7
              baton-sim --seed 7 --swarm --verbose
              baton-sim --seeds 0..499 --swarm
              baton-sim --seed 0 --mutant skip-gate
            """
    )

    @Option(help: "The seed of one simulation.")
    var seed: UInt64?

    @Option(help: "A range of seeds, A..B (inclusive): prints a line per failing seed, then totals.")
    var seeds: String?

    @Flag(help: "Draw the fault rates from the seed too (swarm testing), instead of the defaults.")
    var swarm = false

    @Option(help: "Stop a simulation after this many events (default: 2000000).")
    var steps: Int?

    @Flag(inversion: .prefixedNo, help: "Check that every agent's outbox drains once faults stop.")
    var checkOutbox = true

    @Flag(help: "Print every trace line.")
    var verbose = false

    @Option(help: "Run against a deliberately broken coordinator: skip-gate.")
    var mutant: String = "none"

    mutating func validate() throws {
        if (seed == nil) == (seeds == nil) { throw ValidationError("give exactly one of --seed N or --seeds A..B") }
        if Mutant(rawValue: mutant) == nil { throw ValidationError("unknown mutant '\(mutant)' (none, skip-gate)") }
        if let seeds, Self.parseRange(seeds) == nil { throw ValidationError("--seeds wants A..B with A <= B, got '\(seeds)'") }
        if let steps, steps <= 0 { throw ValidationError("--steps must be positive") }
    }

    static func parseRange(_ text: String) -> ClosedRange<UInt64>? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: true)
        guard text.contains(".."), parts.count == 2, let low = UInt64(parts[0]), let high = UInt64(parts[1]), low <= high
        else { return nil }
        return low...high
    }

    func configuration(for seed: UInt64) -> SimConfiguration {
        var configuration = SimConfiguration(seed: seed, swarm: swarm, mutant: Mutant(rawValue: mutant) ?? .none)
        if let steps { configuration.maxEvents = steps }
        configuration.checkOutboxDrains = checkOutbox
        return configuration
    }

    func run() throws {
        if let seed {
            let sink: ((String) -> Void)? = verbose ? { print($0) } : nil
            let result = Simulation(configuration(for: seed), sink: sink).run()
            if result.passed {
                print(result.summaryLine)
                return
            }
            print(result.failureReport)
            throw ExitCode.failure
        }
        guard let seeds, let range = Self.parseRange(seeds) else { throw ExitCode.validationFailure }
        var failures = 0
        var events = 0
        var faults = 0
        var runs = 0
        var phases: [String: Int] = [:]
        var kinds: [String: Int] = [:]
        for seed in range {
            let result = Simulation(configuration(for: seed)).run()
            events += result.events
            faults += result.faults.total
            runs += result.runPhases.count
            for outcome in result.runPhases { phases[outcome.phaseName, default: 0] += 1 }
            for (kind, count) in result.journalKindCounts { kinds[kind, default: 0] += count }
            if !result.passed {
                failures += 1
                print("\(result.summaryLine)\n  \(result.violation!)\n  replay: \(result.configuration.replayCommand)")
            }
        }
        let count = range.upperBound - range.lowerBound + 1
        print(
            "seeds \(range.lowerBound)..\(range.upperBound)\(swarm ? " swarm" : ""): \(count - UInt64(failures)) passed, "
                + "\(failures) failed; \(events) events, \(runs) runs, \(faults) faults injected")
        print("  runs: " + phases.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        print("  journal: " + kinds.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", "))
        if failures > 0 { throw ExitCode.failure }
    }
}
