import BatonModel
import CoordinatorCore
import Testing

/// Drives one run to completion by answering each assignment with the outcome `answer` picks.
private final class Driver {
    var harness = Harness()
    var clock: Int64 = 0

    init(agents: [AgentIdentity] = [Agents.platform, Agents.database, Agents.application], labels: [AgentIdentity: [String: String]] = [:]) {
        for agent in agents { harness.send(.agentConnected(agent, labels: labels[agent] ?? [:], now: at(0))) }
    }

    func start(_ steps: [PlannedStep], rollbacks: [PlannedStep] = []) -> [Effect] {
        var plan = makePlan(steps)
        plan.rollbackSteps = rollbacks
        clock += 10
        return harness.send(.runRequested("r-1", incident: "INC-9", plan: plan, startedBy: "alice", now: at(clock)))
    }

    /// Answers every outstanding assignment (ticking time forward for retries) until nothing is assigned.
    func drive(
        _ first: [Effect], maxRounds: Int = 200,
        answer: (Assignment) -> (Outcome, [String: String], FailureKind?)
    ) -> [Assignment] {
        var pending = first.assignments
        var seen: [Assignment] = []
        for _ in 0..<maxRounds {
            var idleTicks = 0
            while pending.isEmpty && idleTicks < 30 {
                clock += 1000
                idleTicks += 1
                pending = harness.send(.tick(now: at(clock))).assignments
            }
            if pending.isEmpty { break }
            let (agent, assignment) = pending.removeFirst()
            seen.append(assignment)
            let (outcome, outputs, kind) = answer(assignment)
            clock += 10
            var result = report(assignment, outcome, reason: outcome == .verified ? "" : "boom", now: at(clock))
            result.outputs = outputs
            result.failureKind = kind
            pending += harness.send(.reportReceived(result, from: agent, now: at(clock))).assignments
        }
        return seen
    }

    var run: RunState { harness.runs["r-1"]! }
}

private func rollbackStep(of id: StepID, _ tier: Tier) -> PlannedStep {
    PlannedStep(id: .rollback(of: id), tier: tier, action: Action(argv: ["/usr/bin/undo", id.rawValue]))
}

@Suite("Step contracts: outputs, when, retries, on_failure, rollback, manual, fan-out")
struct ContractTests {
    @Test("an output flows from a database step into an application step's argv literally, shell syntax and all")
    func outputsFlowLiterally() throws {
        var producer = step("measure", .database)
        producer.outputs = [OutputSpec(name: "token", type: .string, source: .stdout(key: "token"))]
        var consumer = step("use", .application, needs: ["measure"])
        consumer.action = Action(argv: ["/bin/echo", "${{ steps.measure.outputs.token }}"], env: ["T": "x${{ steps.measure.outputs.token }}"])
        let driver = Driver()
        let hostile = "$(touch /tmp/pwned); rm -rf / ${{ steps.measure.outputs.token }}"
        let seen = driver.drive(driver.start([producer, consumer])) { assignment in
            assignment.stepID == "measure" ? (.verified, ["token": hostile], nil) : (.verified, [:], nil)
        }
        #expect(seen.first?.outputs == producer.outputs)
        let used = try #require(seen.first { $0.stepID == "use" })
        #expect(used.action?.argv == ["/bin/echo", hostile])
        #expect(used.action?.env["T"] == "x" + hostile)
        #expect(driver.run.phase == .succeeded)
    }

    @Test("when: false skips the step (reason journaled); a step reading a skipped step's output is skipped too")
    func whenSkips() {
        var probe = step("probe", .database)
        probe.outputs = [OutputSpec(name: "mode", type: .string, source: .stdout(key: "mode"))]
        var fast = step("fast-path", .application, needs: ["probe"])
        fast.when = Condition(left: "${{ steps.probe.outputs.mode }}", comparison: .equals, right: "fast")
        var reader = step("reader", .platform, needs: ["fast-path"])
        fast.outputs = [OutputSpec(name: "x", type: .string, source: .stdout(key: "x"))]
        reader.action = Action(argv: ["/bin/echo", "${{ steps.fast-path.outputs.x }}"])
        let after = step("after", .platform, needs: ["fast-path"])
        let driver = Driver()
        let seen = driver.drive(driver.start([probe, fast, reader, after])) { _ in (.verified, ["mode": "slow"], nil) }
        #expect(seen.map(\.stepID) == ["probe", "after"])
        #expect(driver.run.steps["fast-path"]?.status == .skipped)
        #expect(driver.run.steps["fast-path"]?.note?.contains("'slow' == 'fast'") == true)
        #expect(driver.run.steps["reader"]?.status == .skipped)
        #expect(driver.run.phase == .succeeded)
        #expect(driver.run.reason.contains("2 skipped"))
    }

    @Test("retries back off as configured, only for the failure kinds listed; delays are in the journal")
    func retryBackoff() {
        var flaky = step("flaky", .database)
        flaky.retry = RetryPolicy(count: 3, backoffMilliseconds: 500, maximumBackoffMilliseconds: 1_500, on: [.action])
        let driver = Driver()
        var attempts = 0
        _ = driver.drive(driver.start([flaky])) { _ in
            attempts += 1
            return attempts < 4 ? (.failed, [:], .action) : (.verified, [:], nil)
        }
        let delays = driver.harness.journal.compactMap { record -> Int64? in
            guard case .stepRetryScheduled(_, _, let notBefore, let reason) = record.event else { return nil }
            #expect(reason.hasPrefix("backoff "))
            return notBefore.millisecondsSinceEpoch - record.at.millisecondsSinceEpoch
        }
        #expect(delays == [500, 1_000, 1_500])
        #expect(driver.run.phase == .succeeded)

        var strict = step("strict", .database)
        strict.retry = RetryPolicy(count: 3, on: [.action])
        let other = Driver()
        let seen = other.drive(other.start([strict])) { _ in (.failed, [:], .postcondition) }
        #expect(seen.count == 1, "a postcondition failure is not in `on`, so it is not retried")
        #expect(other.run.phase == .failed)
    }

    @Test("five steps, step 5 fails under on_failure: rollback: rollbacks of 4, 3, 1 run in that order; the preview matched")
    func fiveStepRollback() throws {
        var steps = (1...5).map { step(StepID("s\($0)"), [Tier.platform, .database, .application][$0 % 3], needs: $0 == 1 ? [] : [StepID("s\($0 - 1)")]) }
        for index in steps.indices { steps[index].rollback = .step }
        steps[1].rollback = .none
        steps[4].onFailure = .rollback
        let rollbacks = [0, 2, 3, 4].map { rollbackStep(of: steps[$0].id, steps[$0].tier) }
        let driver = Driver()
        var preview: [StepID] = []
        let seen = driver.drive(driver.start(steps, rollbacks: rollbacks)) { assignment in
            if assignment.stepID == "s5" {
                preview = driver.run.compensationPlan
                return (.failed, [:], .action)
            }
            return (.verified, [:], nil)
        }
        let compensating = seen.map(\.stepID).filter { $0.rawValue.hasSuffix("~rollback") }
        #expect(compensating == ["s4~rollback", "s3~rollback", "s1~rollback"])
        #expect(preview == compensating)
        #expect(driver.run.compensationPlan == compensating)
        #expect(driver.run.phase == .rolledBack)
        #expect(driver.run.reason.contains("rolled back s4, s3, s1"))
        for id in compensating { #expect(driver.run.steps[id]?.status == .verified) }
        // A failing compensating step stops the rollback and fails the run.
        let failing = Driver()
        _ = failing.drive(failing.start(steps, rollbacks: rollbacks)) { assignment in
            assignment.stepID == "s5" || assignment.stepID == "s3~rollback" ? (.failed, [:], .action) : (.verified, [:], nil)
        }
        #expect(failing.run.phase == .failed)
        #expect(failing.run.steps["s1~rollback"]?.status == .pending)
    }

    @Test("on_failure continue skips dependents and lets the rest finish; pause blocks the run")
    func continueAndPause() {
        var a = step("a", .database)
        a.onFailure = .continue
        let b = step("b", .application, needs: ["a"])
        let c = step("c", .platform)
        let driver = Driver()
        _ = driver.drive(driver.start([a, b, c])) { $0.stepID == "a" ? (.failed, [:], .action) : (.verified, [:], nil) }
        #expect(driver.run.steps["b"]?.status == .skipped)
        #expect(driver.run.steps["c"]?.status == .verified)
        #expect(driver.run.phase == .succeeded)
        #expect(driver.run.reason.contains("failed under on_failure continue: a"))

        a.onFailure = .pause
        let paused = Driver()
        _ = paused.drive(paused.start([a, b])) { _ in (.failed, [:], .action) }
        #expect(paused.run.phase == .blocked)
        #expect(paused.run.reason.contains("on_failure is pause"))
    }

    @Test("a manual step waits for an operator, who completes it with evidence; bad completions change nothing")
    func manualStep() throws {
        var call = PlannedStep(id: "call-dba", tier: .database, needs: ["prep"])
        call.manualInstructions = "Call the DBA on duty"
        let after = step("after", .application, needs: ["call-dba"])
        let driver = Driver()
        _ = driver.drive(driver.start([step("prep", .platform), call, after])) { _ in (.verified, [:], nil) }
        #expect(driver.run.steps["call-dba"]?.status == .awaitingOperator)
        let journalBefore = driver.harness.journal.count
        for (id, evidence, expected) in [
            (StepID("after"), "done", "not a manual step"), (StepID("call-dba"), "  ", "needs evidence"),
            (StepID("nope"), "x", "has no step nope"),
        ] {
            let refused = driver.harness.send(.operatorCompletedStep("r-1", id, operator: "bob", evidence: evidence, now: at(50_000)))
            #expect(refused.contains { if case .refuseCommand(let reason) = $0 { reason.contains(expected) } else { false } })
        }
        #expect(driver.harness.journal.count == journalBefore)
        let effects = driver.harness.send(.operatorCompletedStep("r-1", "call-dba", operator: "bob", evidence: "DBA confirmed failover", now: at(60_000)))
        #expect(effects.assignments.map(\.assignment.stepID) == ["after"])
        #expect(driver.run.steps["call-dba"]?.completedBy == "bob")
        #expect(driver.run.steps["call-dba"]?.note == "DBA confirmed failover")
    }

    @Test("fan-out: one child per labelled agent, serial batches, and max_errors 1 stops new dispatches at the second failure")
    func fanOutMaxErrors() throws {
        let web = (1...5).map { AgentIdentity(tier: .application, name: "web-\($0)") }
        let other = AgentIdentity(tier: .application, name: "batch-1")
        var labels = Dictionary(uniqueKeysWithValues: web.map { ($0, ["role": "web"]) })
        labels[other] = ["role": "batch"]
        var restart = step("restart", .application)
        restart.targets = Targets(labels: ["role": "web"], serial: .count(2), maxErrors: .count(1))
        let after = step("after", .platform, needs: ["restart"])
        let driver = Driver(agents: web + [other, Agents.platform], labels: labels)
        let first = driver.start([restart, after])
        #expect(first.assignments.count == 2, "serial: 2 starts two hosts")
        #expect(driver.run.steps["restart"]?.children.count == 5)
        let seen = driver.drive(first) { assignment in
            ["restart@application.web-1", "restart@application.web-3"].contains(assignment.stepID.rawValue)
                ? (.failed, [:], .action) : (.verified, [:], nil)
        }
        #expect(!seen.contains { $0.stepID.rawValue.contains("batch-1") })
        #expect(!seen.contains { $0.stepID == "after" }, "the gate stays closed")
        #expect(driver.run.steps["restart"]?.status == .failed)
        #expect(driver.run.steps["restart@application.web-5"]?.status == .pending, "no new host starts after the second failure")
        #expect(driver.run.phase == .failed)

        let tolerant = Driver(agents: web + [Agents.platform], labels: labels)
        let seen2 = tolerant.drive(tolerant.start([restart, after])) { assignment in
            assignment.stepID.rawValue == "restart@application.web-2" ? (.failed, [:], .action) : (.verified, [:], nil)
        }
        #expect(seen2.last?.stepID == "after")
        #expect(tolerant.run.steps["restart"]?.note?.contains("4 of 5 hosts verified; 1 failure(s) tolerated") == true)
        #expect(tolerant.run.phase == .succeeded)
    }

    @Test("replaying the journal rebuilds fan-out children, compensation and manual completions exactly")
    func replay() {
        var steps = [step("a", .database), step("b", .application, needs: ["a"])]
        steps[0].rollback = .step
        steps[0].targets = Targets()
        steps[1].onFailure = .rollback
        let driver = Driver()
        _ = driver.drive(driver.start(steps, rollbacks: [rollbackStep(of: "a", .database)])) {
            $0.stepID == "b" ? (.failed, [:], .action) : (.verified, [:], nil)
        }
        let rebuilt = CoordinatorCore(epoch: 2, recovering: driver.harness.journal)
        #expect(rebuilt.runs["r-1"] == driver.run)
        #expect(driver.run.phase == .rolledBack)
    }
}
