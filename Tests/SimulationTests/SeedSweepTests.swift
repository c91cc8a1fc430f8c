import BatonModel
import BatonSimulation
import Testing

@Suite("Seed sweeps: random playbooks under random faults")
struct SeedSweepTests {
    private static func sweep(_ seeds: Range<UInt64>, swarm: Bool) {
        for seed in seeds {
            let result = Simulation(SimConfiguration(seed: seed, swarm: swarm)).run()
            #expect(result.violation == nil, "\(result.failureReport)")
            #expect(!result.budgetExhausted, "\(result.summaryLine)")
        }
    }

    @Test("seeds 0..<500 with the default fault rates break no invariant", arguments: 0..<10)
    func defaultFaults(chunk: UInt64) {
        Self.sweep(chunk * 50..<(chunk + 1) * 50, swarm: false)
    }

    @Test("seeds 0..<500 with swarm fault rates break no invariant", arguments: 0..<10)
    func swarmFaults(chunk: UInt64) {
        Self.sweep(chunk * 50..<(chunk + 1) * 50, swarm: true)
    }

    @Test("the same seed always gives the same trace")
    func determinism() {
        for configuration in [SimConfiguration(seed: 7), SimConfiguration(seed: 7, swarm: true)] {
            let first = Simulation(configuration).run()
            let second = Simulation(configuration).run()
            #expect(first.traceHash == second.traceHash)
            #expect(first.events == second.events)
            #expect(first.journal == second.journal)
            #expect(first.summaryLine == second.summaryLine)
        }
        let other = Simulation(SimConfiguration(seed: 8)).run()
        #expect(other.traceHash != Simulation(SimConfiguration(seed: 7)).run().traceHash)
    }

    @Test("a sweep really injects every kind of fault and exercises recovery")
    func coverage() {
        var faults = FaultCounts()
        var kinds: [String: Int] = [:]
        var phases: [String: Int] = [:]
        for seed in UInt64(0)..<100 {
            let result = Simulation(SimConfiguration(seed: seed, swarm: seed % 2 == 1)).run()
            faults.drops += result.faults.drops
            faults.duplicates += result.faults.duplicates
            faults.reorders += result.faults.reorders
            faults.delays += result.faults.delays
            faults.partitions += result.faults.partitions
            faults.agentCrashes += result.faults.agentCrashes
            faults.coordinatorCrashes += result.faults.coordinatorCrashes
            faults.midEffectsCrashes += result.faults.midEffectsCrashes
            for (kind, count) in result.journalKindCounts { kinds[kind, default: 0] += count }
            for outcome in result.runPhases { phases[outcome.phaseName, default: 0] += 1 }
        }
        for count in [
            faults.drops, faults.duplicates, faults.reorders, faults.delays, faults.partitions, faults.agentCrashes,
            faults.coordinatorCrashes, faults.midEffectsCrashes,
        ] {
            #expect(count > 0, "\(faults)")
        }
        for kind in [
            "step-lease-expired", "step-reconciled-resent", "step-reported-unknown", "step-retry-scheduled", "run-blocked",
        ] {
            #expect(kinds[kind, default: 0] > 0, "no \(kind) in \(kinds)")
        }
        #expect(phases["succeeded", default: 0] > 0 && phases["failed", default: 0] > 0 && phases["blocked", default: 0] > 0)
    }
}

@Suite("A deliberately broken core is caught")
struct MutantTests {
    @Test("a coordinator that skips the gate is caught within 500 seeds, and the seed replays it")
    func brokenGate() throws {
        var caught: SimulationResult?
        for seed in UInt64(0)..<500 {
            let result = Simulation(SimConfiguration(seed: seed, mutant: .skipGate)).run()
            if result.violation != nil {
                caught = result
                break
            }
        }
        let result = try #require(caught, "the broken gate went unnoticed for 500 seeds")
        let seed = result.configuration.seed
        #expect(result.violation?.invariant == .gate, "\(result.failureReport)")
        #expect(result.configuration.replayCommand == "baton-sim --seed \(seed) --mutant skip-gate")
        #expect(result.failureReport.contains("replay: baton-sim --seed \(seed) --mutant skip-gate"))
        #expect(result.traceTail.count == 40)

        let replay = Simulation(result.configuration).run()
        #expect(replay.violation == result.violation)
        #expect(replay.traceHash == result.traceHash)

        let real = Simulation(SimConfiguration(seed: seed)).run()
        #expect(real.violation == nil, "\(real.failureReport)")
    }
}

@Suite("Simulator building blocks")
struct BuildingBlockTests {
    @Test("events come out by time, ties in the order they were scheduled")
    func eventQueueOrder() {
        var queue = EventQueue<String>()
        queue.schedule("c", at: 20)
        queue.schedule("a1", at: 10)
        queue.schedule("a2", at: 10)
        queue.schedule("b", at: 15)
        queue.schedule("a3", at: 10)
        var order: [String] = []
        while let next = queue.pop() { order.append(next.payload) }
        #expect(order == ["a1", "a2", "a3", "b", "c"])
    }

    @Test("the generator is fully determined by its seed and stays in range")
    func randomness() {
        var first = SimRandom(seed: 42)
        var second = SimRandom(seed: 42)
        #expect((0..<100).map { _ in first.next() } == (0..<100).map { _ in second.next() })
        var random = SimRandom(seed: 1)
        for _ in 0..<1_000 {
            #expect((3...12).contains(random.int(3...12)))
            let unit = random.unit()
            #expect(unit >= 0 && unit < 1)
        }
        var quiet = SimRandom(seed: 5)
        let before = quiet
        let drew = quiet.chance(0)
        #expect(!drew)
        #expect(quiet == before, "a zero chance must not consume randomness")
    }

    @Test("generated playbooks are acyclic DAGs of 3-12 steps, needs pointing backwards")
    func playbooks() {
        var random = SimRandom(seed: 3)
        for index in 0..<200 {
            let (plan, behaviors) = PlaybookGenerator.playbook(&random, name: "p\(index)")
            #expect((3...12).contains(plan.steps.count))
            #expect(behaviors.count == plan.steps.count)
            for (position, step) in plan.steps.enumerated() {
                let earlier = Set(plan.steps[..<position].map(\.id))
                #expect(step.needs.allSatisfy(earlier.contains))
                #expect((0...2).contains(step.retries))
            }
        }
    }
}
