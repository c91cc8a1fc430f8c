import BatonModel
import BatonSimulation
import CoordinatorCore
import Testing

@Suite("Scenarios: hand-placed faults")
struct ScenarioTests {
    @Test("an agent crash in the middle of a step that is not idempotent blocks the run; it ran once")
    func agentCrashNonIdempotent() {
        let result = Scenario()
            .step("migrate-schema", on: .database, actionMilliseconds: 3_000)
            .crashAgent("database-1", at: 1_500, downFor: 1_000)
            .run()
        #expect(result.violation == nil, "\(result.simulation.failureReport)")
        #expect(result.phase == .blocked)
        #expect(result.status("migrate-schema") == .unknown)
        #expect(result.executions("migrate-schema") == 1)
        #expect(result.simulation.executions.first?.killed == true, "the left-over process group is killed on restart")
    }

    @Test("an agent crash in the middle of an idempotent step: it is retried and the run succeeds")
    func agentCrashIdempotent() {
        let result = Scenario()
            .step("flush-cache", on: .database, idempotent: true, actionMilliseconds: 3_000)
            .step("warm-cache", on: .application, needs: ["flush-cache"])
            .crashAgent("database-1", at: 1_500, downFor: 1_000)
            .run()
        #expect(result.violation == nil, "\(result.simulation.failureReport)")
        #expect(result.phase == .succeeded)
        #expect(result.attempt("flush-cache") == 2)
        #expect(result.executions("flush-cache") == 2)
        #expect(result.executions("warm-cache") == 1)
        #expect(
            result.journal("flush-cache") == [
                "step-dispatched", "step-reported", "step-retry-scheduled", "step-dispatched", "step-reported",
            ])
    }

    @Test("a coordinator crash after the dispatch: after restart and reconciliation the step runs exactly once")
    func coordinatorCrashAfterDispatch() {
        let result = Scenario()
            .step("restart-app", on: .application, actionMilliseconds: 3_000)
            .crashCoordinator(at: 1_000, downFor: 1_000)
            .run()
        #expect(result.violation == nil, "\(result.simulation.failureReport)")
        #expect(result.phase == .succeeded)
        #expect(result.executions("restart-app") == 1)
        #expect(result.attempt("restart-app") == 1)
    }

    @Test("a coordinator crash between journaling a dispatch and sending it: reconciliation resends it; it runs once")
    func coordinatorCrashBeforeSending() {
        let result = Scenario()
            .step("drain-traffic", on: .platform, actionMilliseconds: 400)
            .step("restart-app", on: .application, needs: ["drain-traffic"], actionMilliseconds: 1_000)
            .crashCoordinatorAfterJournalingDispatch(of: "restart-app", downFor: 1_500)
            .run()
        #expect(result.violation == nil, "\(result.simulation.failureReport)")
        #expect(result.phase == .succeeded)
        #expect(result.reconciliations("restart-app") == [.resent])
        #expect(result.executions("restart-app") == 1)
        #expect(result.attempt("restart-app") == 1)
    }

    @Test("a partition longer than the lease: the step goes unknown, then after the heal it is verified, run once")
    func partitionLongerThanLease() {
        let result = Scenario()
            .step("snapshot-db", on: .database, actionMilliseconds: 6_000)
            .partition("database-1", at: 1_000, for: 8_000)
            .run()
        #expect(result.violation == nil, "\(result.simulation.failureReport)")
        #expect(result.phase == .succeeded)
        #expect(result.status("snapshot-db") == .verified)
        #expect(result.executions("snapshot-db") == 1)
        #expect(result.journal("snapshot-db") == ["step-dispatched", "step-lease-expired", "step-reported"])
    }

    @Test("a partition shorter than the lease changes nothing")
    func shortPartition() {
        let result = Scenario()
            .step("snapshot-db", on: .database, actionMilliseconds: 3_000)
            .partition("database-1", at: 1_000, for: 1_500)
            .run()
        #expect(result.violation == nil, "\(result.simulation.failureReport)")
        #expect(result.phase == .succeeded)
        #expect(result.journal("snapshot-db") == ["step-dispatched", "step-reported"])
    }
}
