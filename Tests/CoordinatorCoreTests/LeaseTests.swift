import BatonModel
import CoordinatorCore
import Testing

/// Leases, reconciliation, and what `unknown` leads to.
@Suite("Leases and reconciliation")
struct LeaseTests {
    static func plan(idempotent: Bool) -> Plan {
        makePlan([
            PlannedStep(id: "promote", tier: .database, action: Action(argv: ["promote"]), idempotent: idempotent),
            PlannedStep(id: "repoint", tier: .application, needs: ["promote"], action: Action(argv: ["repoint"])),
        ])
    }

    /// A core with a database and an application agent, a run started, `promote` dispatched at t=0.
    static func started(idempotent: Bool = false) throws -> (CoordinatorCore, Assignment) {
        var core = CoordinatorCore(epoch: 1, leaseTimeoutMilliseconds: 1_000)
        _ = core.handle(.agentConnected(Agents.database, now: at(0)))
        _ = core.handle(.agentConnected(Agents.application, now: at(0)))
        let effects = core.handle(.runRequested("r-1", incident: "INC-1", plan: plan(idempotent: idempotent), startedBy: "op", now: at(0)))
        let assignment = try #require(effects.assignments.first?.assignment)
        return (core, assignment)
    }

    @Test("heartbeats keep the lease; silence past it makes the step unknown, never verified")
    func leaseExpiry() throws {
        var (core, _) = try Self.started()
        _ = core.handle(.agentHeard(Agents.database, now: at(900)))
        _ = core.handle(.tick(now: at(1_800)))
        #expect(core.runs["r-1"]?.steps["promote"]?.status == .dispatched)

        let expired = core.handle(.tick(now: at(2_000)))
        let step = try #require(core.runs["r-1"]?.steps["promote"])
        #expect(step.status == .unknown)
        #expect(step.waitingReason?.contains("lease") == true)
        #expect(expired.contains { if case .journal(let record) = $0 { return record.event.kind == "step-lease-expired" } else { return false } })
        #expect(core.runs["r-1"]?.phase == .running)
        #expect(core.handle(.tick(now: at(5_000))).assignments(of: "repoint").isEmpty)
    }

    @Test("after a lapsed lease the next sign of life starts reconciliation; a completed report resolves the step")
    func reconcileAfterPartition() throws {
        var (core, assignment) = try Self.started()
        _ = core.handle(.agentHeard(Agents.application, now: at(1_500)))
        _ = core.handle(.tick(now: at(1_500)))
        #expect(core.runs["r-1"]?.steps["promote"]?.status == .unknown)

        let heard = core.handle(.agentHeard(Agents.database, now: at(3_000)))
        #expect(heard.contains(.reconcile(Agents.database, [assignment.key])))
        #expect(core.reconciling.contains(Agents.database))

        let finished = report(assignment, .verified, now: at(2_500))
        let effects = core.handle(.reconciled(Agents.database, [assignment.key: .completed(finished)], now: at(3_010)))
        #expect(core.runs["r-1"]?.steps["promote"]?.status == .verified)
        #expect(effects.contains(.acknowledge(Agents.database, assignment.key)))
        #expect(effects.assignments(of: "repoint").count == 1)
        #expect(effects.assignments(of: "promote").isEmpty, "the step ran once; it is never sent again")
    }

    @Test("reconciliation that finds the attempt still running puts it back in flight without resending it")
    func reconcileRunning() throws {
        var (core, assignment) = try Self.started()
        _ = core.handle(.tick(now: at(1_500)))
        _ = core.handle(.agentHeard(Agents.database, now: at(1_600)))
        let effects = core.handle(.reconciled(Agents.database, [assignment.key: .running], now: at(1_610)))
        #expect(effects.assignments.isEmpty)
        #expect(core.runs["r-1"]?.steps["promote"]?.status == .dispatched)
    }

    @Test("an unknown outcome: idempotent steps are retried, others block the run for an operator")
    func unknownOutcome() throws {
        var (idempotentCore, first) = try Self.started(idempotent: true)
        let unknown = report(first, .unknown, reason: "agent restarted", exitCode: nil, now: at(100))
        _ = idempotentCore.handle(.reportReceived(unknown, from: Agents.database, now: at(100)))
        #expect(idempotentCore.runs["r-1"]?.steps["promote"]?.status == .retrying)
        let retry = idempotentCore.handle(.tick(now: at(10_000)))
        #expect(retry.assignments(of: "promote").first?.assignment.attempt == 2)

        var (strictCore, strict) = try Self.started(idempotent: false)
        let strictUnknown = report(strict, .unknown, reason: "agent restarted", exitCode: nil, now: at(100))
        _ = strictCore.handle(.reportReceived(strictUnknown, from: Agents.database, now: at(100)))
        let run = try #require(strictCore.runs["r-1"])
        #expect(run.phase == .blocked)
        #expect(run.reason.contains("not idempotent") && run.reason.contains("operator"))
        #expect(strictCore.handle(.tick(now: at(60_000))).assignments.isEmpty)
    }
}
