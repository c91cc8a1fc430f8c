import BatonModel
import CoordinatorCore
import Testing

/// A run driven by hand: start, answer assignments, send operator commands.
private struct Control {
    var harness = Harness()
    var clock: Int64 = 0

    init(agents: [AgentIdentity] = [Agents.platform, Agents.database, Agents.application], labels: [AgentIdentity: [String: String]] = [:]) {
        for agent in agents { harness.send(.agentConnected(agent, labels: labels[agent] ?? [:], now: at(0))) }
    }

    mutating func start(_ steps: [PlannedStep], rollbacks: [PlannedStep] = []) -> [Effect] {
        var plan = makePlan(steps)
        plan.rollbackSteps = rollbacks
        return send(.runRequested("r-1", incident: "INC-7", plan: plan, startedBy: "operator:alice", now: at(tick())))
    }

    mutating func tick() -> Int64 {
        clock += 10
        return clock
    }

    @discardableResult
    mutating func send(_ event: CoordinatorCore.Event) -> [Effect] { harness.send(event) }

    @discardableResult
    mutating func command(_ command: RunCommand, by principal: String = "operator:bob") -> [Effect] {
        send(.operatorControlled("r-1", command, principal: principal, now: at(tick())))
    }

    @discardableResult
    mutating func answer(
        _ assigned: (agent: AgentIdentity, assignment: Assignment), _ outcome: Outcome, kind: FailureKind? = nil
    ) -> [Effect] {
        let now = at(tick())
        var result = report(assigned.assignment, outcome, reason: outcome == .verified ? "" : "boom", now: now)
        result.failureKind = outcome == .failed ? kind ?? .action : nil
        return send(.reportReceived(result, from: assigned.agent, now: now))
    }

    var run: RunState { harness.runs["r-1"]! }
}

extension Array where Element == Effect {
    var cancels: [(agent: AgentIdentity, request: CancelRequest)] {
        compactMap {
            if case .cancel(let agent, let request) = $0 { return (agent, request) }
            return nil
        }
    }

    var refusedCommands: [String] {
        compactMap {
            if case .refuseCommand(let reason) = $0 { return reason }
            return nil
        }
    }
}

@Suite("Run control: abort, pause, resume, retry")
struct RunControlTests {
    @Test("abort journals the abort, sends a cancel for the attempt in flight (after journaling it) and ends the run aborted")
    func abortCancelsInFlight() throws {
        var control = Control()
        let first = control.start([step("a", .database), step("b", .application, needs: ["a"])])
        let assigned = try #require(first.assignments.first)
        let effects = control.command(.abort(reason: "making it worse", rollback: false))
        let cancel = try #require(effects.cancels.first)
        #expect(cancel.agent == Agents.database)
        #expect(cancel.request.key == assigned.assignment.key)
        #expect(cancel.request.reason.contains("making it worse"))
        let kinds = effects.records.map(\.event.kind)
        #expect(kinds == ["run-aborted", "step-cancel-requested", "run-finished"])
        let cancelRecord = try #require(effects.firstIndex { if case .journal(let r) = $0 { return r.event.kind == "step-cancel-requested" }; return false })
        #expect(cancelRecord < effects.firstIndex { if case .cancel = $0 { return true }; return false }!, "journal before effect")
        #expect(control.run.phase == .aborted)
        #expect(control.run.reason == "aborted by operator:bob: making it worse")

        // The agent reports the attempt cancelled: journaled and acknowledged; nothing new starts.
        let reported = control.answer(assigned, .failed, kind: .cancelled)
        #expect(reported.contains(.acknowledge(Agents.database, assigned.assignment.key)))
        #expect(control.run.steps["a"]?.status == .cancelled)
        #expect(control.send(.tick(now: at(control.tick()))).assignments.isEmpty)
        #expect(control.run.steps["b"]?.status == .pending)
        #expect(CoordinatorCore(epoch: 2, recovering: control.harness.journal).runs["r-1"] == control.run)
    }

    @Test("abort is refused for an unknown run, without a reason, and for a finished run (naming its phase); nothing is journaled")
    func abortRefusals() throws {
        var control = Control()
        let first = control.start([step("a", .database)])
        #expect(control.command(.abort(reason: "  ", rollback: false)).refusedCommands.first?.contains("needs a reason") == true)
        let unknown = control.send(.operatorControlled("r-404", .abort(reason: "x", rollback: false), principal: "operator:bob", now: at(99)))
        #expect(unknown.refusedCommands == ["no run r-404"])
        control.answer(try #require(first.assignments.first), .verified)
        #expect(control.run.phase == .succeeded)
        let late = control.command(.abort(reason: "too late", rollback: false))
        #expect(late.records.isEmpty)
        #expect(late.refusedCommands.first == "run r-1 is succeeded; only an unfinished run can be aborted")
    }

    @Test("abort --rollback waits for the cancelled attempt, rolls back the verified steps, then ends aborted")
    func abortWithRollback() throws {
        var control = Control()
        var a = step("a", .database)
        a.rollback = .step
        let b = step("b", .application, needs: ["a"])
        let undo = PlannedStep(id: .rollback(of: "a"), tier: .database, action: Action(argv: ["/usr/bin/undo", "a"]))
        let first = control.start([a, b], rollbacks: [undo])
        let next = control.answer(try #require(first.assignments.first), .verified)
        let running = try #require(next.assignments(of: "b").first)
        let aborted = control.command(.abort(reason: "wrong cluster", rollback: true))
        #expect(aborted.cancels.map(\.request.key) == [running.assignment.key])
        #expect(aborted.assignments.isEmpty, "the rollback waits until the cancelled attempt is reported")
        #expect(control.run.phase == .rollingBack)
        let afterCancel = control.answer(running, .failed, kind: .cancelled)
        let compensation = try #require(afterCancel.assignments.first)
        #expect(compensation.assignment.stepID == .rollback(of: "a"))
        control.answer(compensation, .verified)
        #expect(control.run.phase == .aborted)
        #expect(control.run.reason.contains("rolled back a"))
        #expect(control.command(.abort(reason: "again", rollback: true)).refusedCommands.first?.contains("is aborted") == true)
    }

    @Test("pause: nothing new starts, the step in flight finishes and is gated; resume dispatches what its gate opened")
    func pauseAndResume() throws {
        var control = Control()
        let first = control.start([step("a", .database), step("b", .application, needs: ["a"])])
        let paused = control.command(.pause(reason: "waiting for the DBA"))
        #expect(paused.records.map(\.event.kind) == ["run-paused"])
        #expect(control.run.phase == .paused)
        #expect(control.command(.pause(reason: "")).refusedCommands == ["run r-1 is paused; only a running run can be paused"])
        let finished = control.answer(try #require(first.assignments.first), .verified)
        #expect(control.run.steps["a"]?.status == .verified, "in-flight steps are gated as usual")
        #expect(finished.assignments.isEmpty)
        #expect(control.send(.tick(now: at(control.tick()))).assignments.isEmpty, "no dispatch while paused")
        let resumed = control.command(.resume(reason: ""))
        #expect(resumed.assignments(of: "b").count == 1)
        #expect(control.run.phase == .running)
        #expect(control.command(.resume(reason: "")).refusedCommands == ["run r-1 is running; only a paused run can be resumed"])
    }

    @Test("a step failing while the run is paused still fails the run (on_failure: stop); a scheduled retry waits for resume")
    func pausedRunStillGates() throws {
        var control = Control()
        let first = control.start([step("a", .database, retries: 1), step("c", .platform)])
        control.command(.pause(reason: ""))
        let a = try #require(first.assignments(of: "a").first)
        #expect(control.answer(a, .failed).assignments.isEmpty)
        #expect(control.run.steps["a"]?.status == .retrying)
        control.clock += 60_000
        #expect(control.send(.tick(now: at(control.tick()))).assignments.isEmpty)
        let retried = try #require(control.command(.resume(reason: "")).assignments(of: "a").first)
        #expect(retried.assignment.attempt == 2)
        control.answer(retried, .failed)
        #expect(control.run.phase == .failed)
    }

    @Test("retry of a failed run continues the same run from the failed step as a new attempt; verified steps are not re-run")
    func retryFailedStep() throws {
        var control = Control()
        let first = control.start([step("a", .database), step("b", .application, needs: ["a"]), step("c", .platform, needs: ["b"])])
        let a = try #require(first.assignments.first)
        let b = try #require(control.answer(a, .verified).assignments.first)
        control.answer(b, .failed)
        #expect(control.run.phase == .failed)
        let retried = control.command(.retry(step: nil, failedTargets: false, reason: "flag restored"))
        #expect(retried.records.map(\.event.kind).prefix(2) == ["run-retried", "step-dispatched"])
        let again = try #require(retried.assignments.first)
        #expect(again.assignment.stepID == "b")
        #expect(again.assignment.attempt == 2)
        #expect(control.run.phase == .running)
        #expect(control.run.plan.hash == "test-hash")
        let c = try #require(control.answer(again, .verified).assignments.first)
        #expect(c.assignment.stepID == "c")
        control.answer(c, .verified)
        #expect(control.run.phase == .succeeded)
        #expect(control.harness.allEffects.assignments(of: "a").count == 1, "a verified step is not run again")
        #expect(CoordinatorCore(epoch: 2, recovering: control.harness.journal).runs["r-1"] == control.run)
    }

    @Test("retry --failed-targets re-runs exactly the failed host of a fan-out; naming one host alone is refused")
    func retryFailedTargets() throws {
        let web = (1...5).map { AgentIdentity(tier: .application, name: "web-\($0)") }
        let labels = Dictionary(uniqueKeysWithValues: web.map { ($0, ["role": "web"]) })
        var restart = step("restart", .application)
        restart.targets = Targets(labels: ["role": "web"])
        var control = Control(agents: web, labels: labels)
        let first = control.start([restart])
        #expect(first.assignments.count == 5)
        for assigned in first.assignments {
            control.answer(assigned, assigned.agent.name == "web-3" ? .failed : .verified)
        }
        #expect(control.run.phase == .failed)
        let refusal = control.command(.retry(step: "restart@application.web-3", failedTargets: false, reason: ""))
        #expect(refusal.refusedCommands.first?.contains("retry restart with --failed-targets") == true)
        let retried = control.command(.retry(step: "restart", failedTargets: true, reason: ""))
        #expect(retried.assignments.map(\.agent.name) == ["web-3"])
        #expect(retried.assignments.first?.assignment.attempt == 2)
        control.answer(try #require(retried.assignments.first), .verified)
        #expect(control.run.phase == .succeeded)
        #expect(control.run.steps["restart"]?.note == "5 of 5 hosts verified")
    }

    @Test("retry is refused for a succeeded run, a verified step, and a finished run with another failure left; nothing changes")
    func retryRefusals() throws {
        var control = Control()
        let first = control.start([step("a", .database), step("b", .application)])
        for assigned in first.assignments { control.answer(assigned, .failed) }
        #expect(control.run.phase == .failed)
        let partial = control.command(.retry(step: "a", failedTargets: false, reason: ""))
        #expect(partial.refusedCommands.first?.contains("also has b failed") == true)
        #expect(partial.records.isEmpty)
        let both = control.command(.retry(step: nil, failedTargets: false, reason: ""))
        #expect(Set(both.assignments.map(\.assignment.stepID)) == ["a", "b"])
        for assigned in both.assignments {
            #expect(control.command(.retry(step: assigned.assignment.stepID, failedTargets: false, reason: "")).refusedCommands.first
                == "step \(assigned.assignment.stepID) is dispatched; retry applies to a failed, unknown or cancelled step")
            control.answer(assigned, .verified)
        }
        #expect(control.command(.retry(step: nil, failedTargets: false, reason: "")).refusedCommands == ["run r-1 succeeded; there is nothing to retry"])
    }

    @Test("an aborted run is reopened by retry: the cancelled step runs as a new attempt; not while a cancel is unanswered")
    func retryAborted() throws {
        var control = Control()
        let first = control.start([step("a", .database)])
        let assigned = try #require(first.assignments.first)
        control.command(.abort(reason: "stop", rollback: false))
        let early = control.command(.retry(step: nil, failedTargets: false, reason: ""))
        #expect(early.refusedCommands.first?.contains("still waits for its agents to report the cancelled attempt(s) of a") == true)
        control.answer(assigned, .failed, kind: .cancelled)
        let retried = control.command(.retry(step: "a", failedTargets: false, reason: "go on"))
        #expect(retried.assignments.first?.assignment.attempt == 2)
        #expect(control.run.phase == .running)
        #expect(control.run.abortedBy == nil)
    }

    @Test("after an abort, reconciliation cancels again what still runs, never resends what the agent never received, and takes its late report")
    func reconcileAfterAbort() throws {
        var control = Control(agents: [Agents.database, Agents.database2])
        let first = control.start([step("a", .database), step("b", .database)])
        #expect(first.assignments.count == 2)
        control.command(.abort(reason: "stop", rollback: false))
        for agent in [Agents.database, Agents.database2] { control.send(.agentDisconnected(agent, now: at(control.tick()))) }
        let query = control.send(.agentConnected(Agents.database, now: at(control.tick())))
        let keys = try #require(query.compactMap { if case .reconcile(_, let keys) = $0 { return keys }; return nil }.first)
        let key = try #require(keys.first)
        let again = control.send(.reconciled(Agents.database, [key: .running], now: at(control.tick())))
        #expect(again.cancels.map(\.request.key) == [key])
        let other = try #require(first.assignments.first { $0.agent == Agents.database2 }).assignment.key
        control.send(.agentConnected(Agents.database2, now: at(control.tick())))
        let never = control.send(.reconciled(Agents.database2, [other: .notFound], now: at(control.tick())))
        #expect(never.assignments.isEmpty, "an aborted run's attempt is never sent again")
        #expect(control.run.steps[other.stepID]?.status == .cancelled)
        // The agent then records the cancel itself and reports it: journaled and acknowledged, not refused.
        let late = StepReport(
            runID: "r-1", stepID: other.stepID, attempt: other.attempt, outcome: .failed, reason: "cancelled before received",
            startedAt: at(control.tick()), finishedAt: at(control.tick()), failureKind: .cancelled)
        let answered = control.send(.reportReceived(late, from: Agents.database2, now: at(control.tick())))
        #expect(answered.contains(.acknowledge(Agents.database2, other)))
        #expect(answered.refusals.isEmpty)
        #expect(control.send(.reportReceived(late, from: Agents.database2, now: at(control.tick()))) == [.acknowledge(Agents.database2, other)])
    }
}
