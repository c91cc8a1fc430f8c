import BatonModel
import CoordinatorCore
import Testing

@Suite("Scheduling: gates, tiers, failure, retries")
struct SchedulingTests {
    @Test("a four-step chain across tiers runs one step at a time, each on its own tier, and succeeds")
    func chainAcrossTiers() throws {
        let steps = [
            step("drain-traffic", .platform),
            step("snapshot-db", .database, needs: ["drain-traffic"]),
            step("restart-app", .application, needs: ["snapshot-db"]),
            step("restore-traffic", .platform, needs: ["restart-app"]),
        ]
        var harness = Harness()
        for agent in [Agents.platform, Agents.database, Agents.application] {
            #expect(harness.send(.agentConnected(agent, now: at(0))).isEmpty)
        }

        var effects = harness.send(.runRequested("r-1", incident: "INC-1", plan: makePlan(steps), startedBy: "alice", now: at(100)))
        var clock: Int64 = 100
        for (index, planned) in steps.enumerated() {
            // Exactly the current step is assigned, to the one agent of its tier.
            let assigned = effects.assignments
            try #require(assigned.count == 1, "step \(planned.id) should be the only assignment")
            let (agent, assignment) = assigned[0]
            #expect(assignment.stepID == planned.id)
            #expect(agent.tier == planned.tier)
            #expect(assignment.attempt == 1)
            #expect(assignment.epoch == 1)
            #expect(assignment.pre == planned.pre && assignment.post == planned.post && assignment.action == planned.action)

            // The dispatch is journaled before the assignment it causes is sent.
            let journalIndex = try #require(effects.indexOfDispatch(planned.id))
            let assignIndex = try #require(effects.indexOfAssign(planned.id))
            #expect(journalIndex < assignIndex)

            // Later steps stay pending until this one is verified, even when time passes.
            for later in steps[(index + 1)...] {
                #expect(harness.runs["r-1"]?.steps[later.id]?.status == .pending)
            }
            clock += 1000
            #expect(harness.send(.tick(now: at(clock))).assignments.isEmpty)

            clock += 10
            effects = harness.send(.reportReceived(report(assignment, .verified, now: at(clock)), from: agent, now: at(clock)))
            #expect(effects.contains(.acknowledge(agent, assignment.key)))
            #expect(harness.runs["r-1"]?.steps[planned.id]?.status == .verified)
        }

        // No agent ever received a step of another tier.
        for (agent, assignment) in harness.allEffects.assignments {
            let planned = try #require(steps.first { $0.id == assignment.stepID })
            #expect(agent.tier == planned.tier, "\(agent) received \(assignment.stepID)")
        }
        #expect(harness.allEffects.assignments.count == 4)

        let run = try #require(harness.runs["r-1"])
        #expect(run.phase == .succeeded)
        #expect(run.finishedAt == at(clock))
        #expect(effects.records.last?.event == .runFinished(phase: .succeeded, reason: "all 4 steps verified"))
    }

    @Test("a failed postcondition with no retries fails the run and never assigns the dependent step")
    func failureStopsTheRun() throws {
        let steps = [
            step("migrate-schema", .database),
            step("warm-cache", .database, needs: ["migrate-schema"]),
        ]
        var harness = Harness()
        harness.send(.agentConnected(Agents.database, now: at(0)))
        let first = harness.send(.runRequested("r-1", incident: "INC-2", plan: makePlan(steps), startedBy: "bob", now: at(10)))
        let assignment = try #require(first.assignments.first?.assignment)

        let failure = report(
            assignment, .failed, reason: "postcondition failed: file /srv/schema.version: expected contains \"42\"",
            exitCode: 0, now: at(500))
        let effects = harness.send(.reportReceived(failure, from: Agents.database, now: at(500)))
        #expect(effects.contains(.acknowledge(Agents.database, assignment.key)))
        #expect(effects.assignments.isEmpty)

        let run = try #require(harness.runs["r-1"])
        #expect(run.phase == .failed)
        #expect(run.reason.contains("migrate-schema"))
        #expect(run.reason.contains("postcondition failed"))
        #expect(run.steps["migrate-schema"]?.status == .failed)
        #expect(run.steps["warm-cache"]?.status == .pending)

        // Nothing brings the dependent step back: time, reconnects, a second agent.
        harness.send(.tick(now: at(60_000)))
        harness.send(.agentDisconnected(Agents.database, now: at(60_001)))
        harness.send(.agentConnected(Agents.database, now: at(60_002)))
        harness.send(.agentConnected(Agents.database2, now: at(60_003)))
        harness.send(.tick(now: at(600_000)))
        #expect(harness.allEffects.assignments(of: "warm-cache").isEmpty)
        #expect(harness.runs["r-1"]?.steps["warm-cache"]?.status == .pending)
        #expect(harness.runs["r-1"]?.phase == .failed)
    }

    @Test("retries wait for a growing backoff before the next attempt, then the last failure ends the run")
    func retriesWithBackoff() throws {
        var harness = Harness()
        harness.send(.agentConnected(Agents.database, now: at(0)))
        let plan = makePlan([step("rebuild-index", .database, retries: 2), step("verify", .database, needs: ["rebuild-index"])])
        let start = harness.send(.runRequested("r-1", incident: "INC-3", plan: plan, startedBy: "carol", now: at(0)))
        let first = try #require(start.assignments.first?.assignment)
        #expect(first.attempt == 1)

        // Attempt 1 fails at t=1000.
        let afterFirst = harness.send(
            .reportReceived(report(first, .failed, reason: "action exited with code 1", exitCode: 1, now: at(1000)),
                            from: Agents.database, now: at(1000)))
        #expect(afterFirst.assignments.isEmpty)
        #expect(harness.runs["r-1"]?.phase == .running)
        let firstRetry = try #require(harness.runs["r-1"]?.steps["rebuild-index"])
        #expect(firstRetry.status == .retrying)
        let firstNotBefore = try #require(firstRetry.retryNotBefore)
        let firstBackoff = firstNotBefore.millisecondsSinceEpoch - 1000
        #expect(firstBackoff > 0)

        #expect(harness.send(.tick(now: at(firstNotBefore.millisecondsSinceEpoch - 1))).assignments.isEmpty)
        let second = try #require(harness.send(.tick(now: firstNotBefore)).assignments.first)
        #expect(second.agent == Agents.database)
        #expect(second.assignment.stepID == "rebuild-index")
        #expect(second.assignment.attempt == 2)

        // Attempt 2 fails at t=5000: the next wait is longer.
        harness.send(
            .reportReceived(report(second.assignment, .failed, reason: "action exited with code 1", exitCode: 1, now: at(5000)),
                            from: Agents.database, now: at(5000)))
        let secondNotBefore = try #require(harness.runs["r-1"]?.steps["rebuild-index"]?.retryNotBefore)
        let secondBackoff = secondNotBefore.millisecondsSinceEpoch - 5000
        #expect(secondBackoff > firstBackoff)

        #expect(harness.send(.tick(now: at(secondNotBefore.millisecondsSinceEpoch - 1))).assignments.isEmpty)
        let third = try #require(harness.send(.tick(now: secondNotBefore)).assignments.first)
        #expect(third.assignment.attempt == 3)

        // Attempt 3 is the last one allowed: its failure ends the run.
        let final = harness.send(
            .reportReceived(report(third.assignment, .failed, reason: "action exited with code 1", exitCode: 1, now: at(9000)),
                            from: Agents.database, now: at(9000)))
        #expect(final.assignments.isEmpty)
        let run = try #require(harness.runs["r-1"])
        #expect(run.phase == .failed)
        #expect(run.reason.contains("rebuild-index"))
        #expect(run.reason.contains("3 attempts"))
        #expect(run.steps["rebuild-index"]?.status == .failed)

        #expect(harness.send(.tick(now: at(1_000_000))).assignments.isEmpty)
        #expect(harness.allEffects.assignments(of: "rebuild-index").map(\.assignment.attempt) == [1, 2, 3])
        #expect(harness.allEffects.assignments(of: "verify").isEmpty)
    }

    @Test("a step with no connected agent of its tier waits once, then goes to the first agent of that tier to connect")
    func waitsForAgentOfTier() throws {
        var harness = Harness()
        harness.send(.agentConnected(Agents.platform, now: at(0)))
        let plan = makePlan([step("vacuum", .database)])
        let start = harness.send(.runRequested("r-1", incident: "INC-4", plan: plan, startedBy: "dan", now: at(10)))
        #expect(start.assignments.isEmpty)
        #expect(start.records.map(\.event).contains(.stepWaiting(step: "vacuum", reason: "no connected agent of tier database")))
        #expect(harness.runs["r-1"]?.steps["vacuum"]?.status == .waiting)
        #expect(harness.runs["r-1"]?.steps["vacuum"]?.waitingReason == "no connected agent of tier database")

        // Ticks and agents of other tiers neither repeat the record nor hand the step to the wrong tier.
        for second in 1...5 {
            #expect(harness.send(.tick(now: at(Int64(second) * 1000))).isEmpty)
        }
        let wrongTier = harness.send(.agentConnected(Agents.application, now: at(6000)))
        #expect(wrongTier.isEmpty)
        let waitingRecords = harness.journal.filter {
            if case .stepWaiting = $0.event { return true }
            return false
        }
        #expect(waitingRecords.count == 1)

        let connected = harness.send(.agentConnected(Agents.database, now: at(7000)))
        let assigned = try #require(connected.assignments.first)
        #expect(connected.assignments.count == 1)
        #expect(assigned.agent == Agents.database)
        #expect(assigned.assignment.stepID == "vacuum")
        #expect(assigned.assignment.attempt == 1)
        #expect(harness.runs["r-1"]?.steps["vacuum"]?.status == .dispatched)
        #expect(harness.runs["r-1"]?.steps["vacuum"]?.waitingReason == nil)
    }

    @Test("an unknown outcome never opens the gate: the dependent step is not assigned")
    func unknownNeverPassesTheGate() throws {
        var harness = Harness()
        harness.send(.agentConnected(Agents.database, now: at(0)))
        harness.send(.agentConnected(Agents.application, now: at(0)))
        let plan = makePlan([step("failover", .database), step("repoint-app", .application, needs: ["failover"])])
        let start = harness.send(.runRequested("r-1", incident: "INC-5", plan: plan, startedBy: "erin", now: at(10)))
        let assignment = try #require(start.assignments.first?.assignment)

        let unknown = report(assignment, .unknown, reason: "agent restarted while the action ran", exitCode: nil, now: at(900))
        let effects = harness.send(.reportReceived(unknown, from: Agents.database, now: at(900)))
        #expect(effects.assignments.isEmpty)
        #expect(effects.contains(.acknowledge(Agents.database, assignment.key)))

        harness.send(.tick(now: at(100_000)))
        harness.send(.agentDisconnected(Agents.application, now: at(100_001)))
        harness.send(.agentConnected(Agents.application, now: at(100_002)))
        #expect(harness.allEffects.assignments(of: "repoint-app").isEmpty)

        let run = try #require(harness.runs["r-1"])
        #expect(run.steps["failover"]?.status == .unknown)
        #expect(run.steps["repoint-app"]?.status == .pending)
        #expect(run.phase != .succeeded)
        #expect(run.reason.contains("failover"))

        // The gate itself: a journal in which the run is still running after an unknown report
        // (a run-finished record never made it) does not open the dependent step either.
        #expect(run.phase == .blocked, "a non-idempotent step with an unknown outcome blocks the run for an operator")
        let cutJournal = harness.journal.filter {
            switch $0.event {
            case .runFinished, .runBlocked: return false
            default: return true
            }
        }
        var recovered = CoordinatorCore(epoch: 2, recovering: cutJournal)
        #expect(recovered.runs["r-1"]?.phase == .running)
        #expect(recovered.runs["r-1"]?.steps["failover"]?.status == .unknown)
        var afterRecovery = recovered.handle(.agentConnected(Agents.database, now: at(200_000)))
        afterRecovery += recovered.handle(.agentConnected(Agents.application, now: at(200_001)))
        afterRecovery += recovered.handle(.tick(now: at(300_000)))
        #expect(afterRecovery.assignments(of: "repoint-app").isEmpty)
        #expect(recovered.runs["r-1"]?.phase != .succeeded)
    }

    @Test("steps whose needs are verified are dispatched together; a join waits for all of its needs")
    func parallelBranchesAndJoin() throws {
        var harness = Harness()
        harness.send(.agentConnected(Agents.database, now: at(0)))
        harness.send(.agentConnected(Agents.application, now: at(0)))
        let plan = makePlan([
            step("left", .database),
            step("right", .application),
            step("join", .application, needs: ["left", "right"]),
        ])
        let start = harness.send(.runRequested("r-1", incident: "INC-6", plan: plan, startedBy: "fay", now: at(0)))
        #expect(Set(start.assignments.map(\.assignment.stepID)) == ["left", "right"])

        let right = try #require(start.assignments(of: "right").first)
        let afterRight = harness.send(
            .reportReceived(report(right.assignment, .verified, now: at(10)), from: right.agent, now: at(10)))
        #expect(afterRight.assignments(of: "join").isEmpty)

        let left = try #require(start.assignments(of: "left").first)
        let afterLeft = harness.send(
            .reportReceived(report(left.assignment, .verified, now: at(20)), from: left.agent, now: at(20)))
        #expect(afterLeft.assignments(of: "join").map(\.agent) == [Agents.application])
    }
}
