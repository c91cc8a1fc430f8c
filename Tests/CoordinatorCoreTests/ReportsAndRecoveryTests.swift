import BatonModel
import CoordinatorCore
import Testing

@Suite("Reports, load, reconnects and recovery")
struct ReportsAndRecoveryTests {
    /// A run with one database step dispatched to db-1 (attempt 1), and db-2 connected too.
    private func dispatchedRun() throws -> (Harness, Assignment) {
        var harness = Harness()
        harness.send(.agentConnected(Agents.database, now: at(0)))
        let plan = makePlan([step("flush-wal", .database), step("resume", .database, needs: ["flush-wal"])])
        let start = harness.send(.runRequested("r-1", incident: "INC-7", plan: plan, startedBy: "gus", now: at(10)))
        let assigned = try #require(start.assignments.first)
        #expect(assigned.agent == Agents.database)
        harness.send(.agentConnected(Agents.database2, now: at(20)))
        return (harness, assigned.assignment)
    }

    @Test("reports that match no live attempt are refused and change nothing")
    func refusesStrayReports() throws {
        var (harness, assignment) = try dispatchedRun()
        let before = harness.runs
        let journalBefore = harness.journal.count
        let now = at(1000)

        var wrongAttempt = report(assignment, .verified, now: now)
        wrongAttempt.attempt = 2
        var unknownRun = report(assignment, .verified, now: now)
        unknownRun.runID = "r-missing"
        var unknownStep = report(assignment, .verified, now: now)
        unknownStep.stepID = "no-such-step"
        var notYetDispatched = report(assignment, .verified, now: now)
        notYetDispatched.stepID = "resume"

        let cases: [(StepReport, AgentIdentity)] = [
            (report(assignment, .verified, now: now), Agents.database2),  // another agent of the same tier
            (report(assignment, .verified, now: now), Agents.platform),  // an agent of another tier
            (wrongAttempt, Agents.database),
            (unknownRun, Agents.database),
            (unknownStep, Agents.database),
            (notYetDispatched, Agents.database),
        ]
        for (stray, agent) in cases {
            let effects = harness.send(.reportReceived(stray, from: agent, now: now))
            #expect(effects.count == 1, "\(stray.key) from \(agent)")
            let refusal = try #require(effects.refusals.first)
            #expect(refusal.agent == agent)
            #expect(refusal.key == stray.key)
            #expect(!refusal.reason.isEmpty)
            #expect(harness.runs == before, "\(stray.key) from \(agent) changed the run")
        }
        #expect(harness.journal.count == journalBefore)

        // The genuine report is still accepted afterwards.
        let accepted = harness.send(.reportReceived(report(assignment, .verified, now: now), from: Agents.database, now: now))
        #expect(accepted.refusals.isEmpty)
        #expect(accepted.contains(.acknowledge(Agents.database, assignment.key)))
        #expect(harness.runs["r-1"]?.steps["flush-wal"]?.status == .verified)
    }

    @Test("a report resent after it was journaled is acknowledged again without a second journal record")
    func duplicateReportIsAcknowledgedOnly() throws {
        var (harness, assignment) = try dispatchedRun()
        let verified = report(assignment, .verified, now: at(1000))
        let first = harness.send(.reportReceived(verified, from: Agents.database, now: at(1000)))
        #expect(first.records.contains { $0.event == .stepReported(step: "flush-wal", agent: Agents.database, report: verified) })
        let next = try #require(first.assignments(of: "resume").first)

        let runsAfterFirst = harness.runs
        let journalCount = harness.journal.count
        let again = harness.send(.reportReceived(verified, from: Agents.database, now: at(5000)))
        #expect(again == [.acknowledge(Agents.database, assignment.key)])
        #expect(harness.journal.count == journalCount)
        #expect(harness.runs == runsAfterFirst)
        // And the step that followed is not dispatched a second time.
        #expect(harness.allEffects.assignments(of: "resume").count == 1)
        #expect(harness.runs["r-1"]?.steps["resume"]?.attempt == next.assignment.attempt)
    }

    @Test("with two agents of a tier, the least-loaded one gets the next step")
    func leastLoadedAgentIsChosen() throws {
        var harness = Harness()
        let busy = AgentIdentity(tier: .database, name: "db-a")
        let idle = AgentIdentity(tier: .database, name: "db-b")
        harness.send(.agentConnected(busy, now: at(0)))
        harness.send(.agentConnected(idle, now: at(0)))

        let first = harness.send(
            .runRequested("r-1", incident: "INC-8", plan: makePlan([step("reindex", .database)]), startedBy: "hal", now: at(10)))
        let firstAgent = try #require(first.assignments.first?.agent)

        let second = harness.send(
            .runRequested("r-2", incident: "INC-9", plan: makePlan([step("analyze", .database)]), startedBy: "hal", now: at(20)))
        let secondAgent = try #require(second.assignments.first?.agent)
        #expect(secondAgent != firstAgent, "the second run's step went to the agent already busy with the first")
        #expect(Set([firstAgent, secondAgent]) == [busy, idle])

        // Once the first agent is done, it is the least loaded again.
        let firstAssignment = try #require(first.assignments.first?.assignment)
        harness.send(.reportReceived(report(firstAssignment, .verified, now: at(30)), from: firstAgent, now: at(30)))
        let third = harness.send(
            .runRequested("r-3", incident: "INC-10", plan: makePlan([step("repack", .database)]), startedBy: "hal", now: at(40)))
        #expect(third.assignments.first?.agent == firstAgent)
    }

    @Test("an agent that reconnects is asked about its attempt first; one it never received is sent again")
    func reconnectResendsAssignment() throws {
        var (harness, assignment) = try dispatchedRun()

        #expect(harness.send(.agentDisconnected(Agents.database, now: at(100))).isEmpty)
        #expect(harness.runs["r-1"]?.steps["flush-wal"]?.status == .dispatched)
        #expect(harness.send(.tick(now: at(200))).assignments.isEmpty)

        let reconnected = harness.send(.agentConnected(Agents.database, now: at(300)))
        #expect(reconnected.assignments.isEmpty, "nothing is assigned before reconciliation")
        #expect(reconnected.contains(.reconcile(Agents.database, [assignment.key])))

        let answered = harness.send(.reconciled(Agents.database, [assignment.key: .notFound], now: at(310)))
        let resent = try #require(answered.assignments.first)
        #expect(answered.assignments.count == 1)
        #expect(resent.agent == Agents.database)
        #expect(resent.assignment == assignment)  // the same attempt, not a new one
        #expect(harness.runs["r-1"]?.steps["flush-wal"]?.attempt == 1)
        #expect(harness.journal.last.map { $0.event.kind } == "step-reconciled")

        // The report of that attempt is accepted.
        let effects = harness.send(.reportReceived(report(assignment, .verified, now: at(400)), from: Agents.database, now: at(400)))
        #expect(effects.refusals.isEmpty)
        #expect(harness.runs["r-1"]?.steps["flush-wal"]?.status == .verified)
    }

    @Test("a core rebuilt from a partial run's journal has the same runs, and finishing it works")
    func recoveryFromJournal() throws {
        var live = Harness(epoch: 4)
        live.send(.agentConnected(Agents.platform, now: at(0)))
        live.send(.agentConnected(Agents.database, now: at(0)))
        let plan = makePlan([
            step("drain", .platform),
            step("promote-replica", .database, needs: ["drain"], retries: 1),
            step("undrain", .platform, needs: ["promote-replica"]),
        ])
        let start = live.send(.runRequested("r-1", incident: "INC-11", plan: plan, startedBy: "ivy", now: at(10)))
        let drain = try #require(start.assignments.first)
        let afterDrain = live.send(
            .reportReceived(report(drain.assignment, .verified, now: at(100)), from: Agents.platform, now: at(100)))
        let promote = try #require(afterDrain.assignments.first)
        live.send(
            .reportReceived(report(promote.assignment, .failed, reason: "replica lagging", exitCode: 2, now: at(200)),
                            from: Agents.database, now: at(200)))
        let retry = try #require(live.send(.tick(now: at(10_000))).assignments.first)
        #expect(retry.assignment.attempt == 2)

        // The coordinator restarts with a higher epoch and only its journal.
        var recovered = CoordinatorCore(epoch: 5, recovering: live.journal)
        #expect(recovered.runs == live.runs)
        #expect(recovered.connectedAgents.isEmpty)

        // The database agent reconnects: after it says it never received attempt 2, it is sent
        // attempt 2 again, under the new epoch.
        let query = recovered.handle(.agentConnected(Agents.database, now: at(20_000)))
        #expect(query.contains(.reconcile(Agents.database, [retry.assignment.key])))
        let reconnect = recovered.handle(.reconciled(Agents.database, [retry.assignment.key: .notFound], now: at(20_000)))
        let resent = try #require(reconnect.assignments.first)
        #expect(reconnect.assignments.count == 1)
        #expect(resent.agent == Agents.database)
        #expect(resent.assignment.stepID == "promote-replica")
        #expect(resent.assignment.attempt == 2)
        #expect(resent.assignment.epoch == 5)

        _ = recovered.handle(.agentConnected(Agents.platform, now: at(20_001)))
        let afterPromote = recovered.handle(
            .reportReceived(report(resent.assignment, .verified, now: at(21_000)), from: Agents.database, now: at(21_000)))
        let undrain = try #require(afterPromote.assignments.first)
        #expect(undrain.agent == Agents.platform)
        #expect(undrain.assignment.stepID == "undrain")
        let done = recovered.handle(
            .reportReceived(report(undrain.assignment, .verified, now: at(22_000)), from: Agents.platform, now: at(22_000)))
        #expect(done.records.contains { if case .runFinished(.succeeded, _) = $0.event { return true } else { return false } })
        #expect(recovered.runs["r-1"]?.phase == .succeeded)
    }

    @Test("replaying a finished run's journal rebuilds the finished run exactly")
    func recoveryOfFinishedRun() throws {
        var live = Harness()
        live.send(.agentConnected(Agents.application, now: at(0)))
        let start = live.send(
            .runRequested("r-9", incident: "INC-12", plan: makePlan([step("bounce", .application)]), startedBy: "jo", now: at(1)))
        let bounce = try #require(start.assignments.first)
        live.send(.reportReceived(report(bounce.assignment, .verified, now: at(50)), from: Agents.application, now: at(50)))
        #expect(live.runs["r-9"]?.phase == .succeeded)

        var recovered = CoordinatorCore(epoch: 2, recovering: live.journal)
        #expect(recovered.runs == live.runs)
        // A finished run hands out nothing after the restart.
        #expect(recovered.handle(.agentConnected(Agents.application, now: at(100))).isEmpty)
    }
}
