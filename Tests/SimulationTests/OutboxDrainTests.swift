import BatonModel
import BatonSimulation
import CoordinatorCore
import Testing

/// Found by the simulator (seed 219): an agent whose acknowledgement of attempt 1 was lost resends
/// that report on reconnect, after attempt 2 was reported. The coordinator used to refuse it without
/// acknowledging it, so it stayed in the agent's outbox forever. It is now acknowledged.
@Suite("Agent outboxes drain")
struct OutboxDrainTests {
    @Test("a report resent after a later attempt was reported is acknowledged, so the outbox drains")
    func outboxDrainsAfterAStaleResend() {
        let result = Scenario()
            .agents([
                AgentIdentity(tier: .platform, name: "platform-1"), AgentIdentity(tier: .platform, name: "platform-2"),
                AgentIdentity(tier: .database, name: "database-1"), AgentIdentity(tier: .application, name: "application-1"),
            ])
            .step("drain-traffic", on: .platform, retries: 1, actionMilliseconds: 300, failingAttempts: 1)
            .crashAgentOnAcknowledgement("platform-1", of: "drain-traffic", downFor: 3_000)
            .checkingOutboxDrains()
            .run()
        #expect(result.phase == .succeeded)
        #expect(result.attempt("drain-traffic") == 2)
        #expect(result.violation == nil, "\(result.simulation.failureReport)")
    }

    @Test("seeds that once left an outbox undrained now pass with the check on")
    func formerlyFailingSeeds() {
        for (seed, swarm) in [(UInt64(219), false), (290, false), (344, false), (99, true), (128, true), (480, true)] {
            let result = Simulation(SimConfiguration(seed: seed, swarm: swarm)).run()
            #expect(result.violation == nil, "seed \(seed): \(result.failureReport)")
        }
    }
}
