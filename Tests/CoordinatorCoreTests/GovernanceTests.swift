import BatonModel
import BatonPolicy
import CoordinatorCore
import Testing

private let alice = "spiffe://test.baton/operator/responder/alice"

private func vote(
    _ name: String, _ decision: ApprovalDecision = .approve, roles: [String] = ["approver"],
    parameters: [String: String] = ["service": "checkout"], planHash: String = "test-hash"
) -> ApprovalVote {
    ApprovalVote(
        approver: name, principal: "spiffe://test.baton/operator/\(roles.first ?? "none")/\(name)", roles: roles,
        decision: decision, reason: "looked at it", planHash: planHash, parameters: parameters)
}

private func override(_ kind: OverrideKind, reason: String = "checked by hand", evidence: String = "", outputs: [String: String] = [:]) -> StepOverride {
    StepOverride(kind: kind, principal: "spiffe://test.baton/operator/admin/root", reason: reason, evidence: evidence, outputs: outputs)
}

/// One run of `steps` on a core with every tier connected, started by alice at t=10.
private struct Scenario {
    var harness: Harness
    var clock: Int64 = 10

    init(_ steps: [PlannedStep], gate: (any StepGate)? = nil) {
        harness = Harness(gate: gate)
        for agent in [Agents.platform, Agents.database, Agents.application] {
            harness.send(.agentConnected(agent, now: at(0)))
        }
        harness.send(.runRequested("r-1", incident: "INC-7", plan: makePlan(steps), startedBy: alice, now: at(clock)))
    }

    var run: RunState { harness.runs["r-1"]! }
    func status(_ id: StepID) -> StepStatus? { run.steps[id]?.status }

    mutating func decide(_ id: StepID, _ vote: ApprovalVote) -> [Effect] {
        clock += 10
        return harness.send(.operatorDecided("r-1", id, vote: vote, now: at(clock)))
    }

    mutating func override(_ id: StepID, _ override: StepOverride) -> [Effect] {
        clock += 10
        return harness.send(.operatorOverrode("r-1", id, override: override, now: at(clock)))
    }

    /// Reports the live attempt of `id` with `outcome`.
    mutating func finish(_ id: StepID, _ outcome: Outcome) -> [Effect] {
        clock += 10
        let state = run.steps[id]!
        let assignment = Assignment(
            runID: "r-1", stepID: id, attempt: state.attempt, epoch: 1, pre: [], action: nil, post: [], timeoutMilliseconds: 1)
        return harness.send(.reportReceived(report(assignment, outcome, now: at(clock)), from: state.agent!, now: at(clock)))
    }

    mutating func tick(_ milliseconds: Int64) -> [Effect] {
        clock += milliseconds
        return harness.send(.tick(now: at(clock)))
    }
}

extension Array where Element == Effect {
    var commandRefusals: [String] {
        compactMap {
            if case .refuseCommand(let reason) = $0 { return reason }
            return nil
        }
    }
}

@Suite("Governance: policy gates, approvals, overrides")
struct GovernanceTests {
    private func approvalStep(quorum: Int = 2, timeout: Int64 = 900_000, onTimeout: ApprovalTimeoutAction = .deny) -> PlannedStep {
        var promote = step("promote", .database)
        promote.approval = ApprovalRequirement(
            ruleID: ApprovalRequirement.stepRuleID, roles: ["approver"], quorum: quorum, timeoutMilliseconds: timeout,
            onTimeout: onTimeout)
        return promote
    }

    @Test("a quorum of two distinct approvers; the starter, a repeat and the wrong role are refused and not counted")
    func quorumOfTwo() {
        var scenario = Scenario([approvalStep()])
        #expect(scenario.status("promote") == .awaitingApproval)
        #expect(scenario.harness.allEffects.assignments.isEmpty)

        #expect(scenario.decide("promote", vote("alice")).commandRefusals.first?.contains("alice started run r-1 and cannot approve") == true)
        #expect(scenario.decide("promote", vote("bob")).commandRefusals.isEmpty)
        #expect(scenario.status("promote") == .awaitingApproval)
        #expect(scenario.decide("promote", vote("bob")).commandRefusals.first?.contains("already decided") == true)
        let wrongRole = scenario.decide("promote", vote("dave", roles: ["responder"]))
        #expect(wrongRole.commandRefusals.first?.contains("needs an approval from approver; dave has roles responder") == true)
        #expect(scenario.run.steps["promote"]!.votes.map(\.approver) == ["bob"])

        let last = scenario.decide("promote", vote("carol"))
        #expect(last.assignments(of: "promote").count == 1)
        #expect(scenario.status("promote") == .dispatched)
    }

    @Test("a decision bound to another parameter value or plan is void: refused, and the step still waits")
    func bindingToParameters() {
        var scenario = Scenario([approvalStep(quorum: 1)])
        let changed = scenario.decide("promote", vote("bob", parameters: ["service": "billing"]))
        #expect(
            changed.commandRefusals.first?.contains(
                "parameter service is 'billing' in what was reviewed but 'checkout' in run r-1") == true)
        let otherPlan = scenario.decide("promote", vote("bob", planHash: "other-hash"))
        #expect(otherPlan.commandRefusals.first?.contains("it was given for plan other-hash") == true)
        #expect(scenario.status("promote") == .awaitingApproval)
        #expect(scenario.run.steps["promote"]!.votes.isEmpty)
        #expect(scenario.decide("promote", vote("bob")).assignments(of: "promote").count == 1)
    }

    @Test("a denial blocks the run; a later approval is refused; an admin's force lets it start and marks the run not automated")
    func denialThenForce() {
        var scenario = Scenario([approvalStep(quorum: 2)])
        _ = scenario.decide("promote", vote("bob", .deny))
        #expect(scenario.status("promote") == .denied)
        #expect(scenario.run.phase == .blocked)
        #expect(scenario.run.reason.contains("denied by bob"))
        #expect(scenario.decide("promote", vote("carol")).commandRefusals.first?.contains("is denied") == true)
        #expect(scenario.override("promote", override(.forcePastFailure, reason: " ")).commandRefusals.first?.contains("needs a reason") == true)
        #expect(scenario.run.automated)

        let forced = scenario.override("promote", override(.forcePastFailure))
        #expect(forced.assignments(of: "promote").count == 1)
        #expect(scenario.run.phase == .running)
        #expect(!scenario.run.automated)
        _ = scenario.finish("promote", .verified)
        #expect(scenario.run.phase == .succeeded)
    }

    @Test("on_timeout deny blocks the run after the timeout; on_timeout allow lets the step start")
    func timeouts() {
        var denied = Scenario([approvalStep(quorum: 1, timeout: 60_000, onTimeout: .deny)])
        #expect(denied.tick(30_000).assignments.isEmpty)
        #expect(denied.status("promote") == .awaitingApproval)
        _ = denied.tick(31_000)
        #expect(denied.status("promote") == .denied)
        #expect(denied.run.phase == .blocked)
        #expect(denied.run.reason.contains("was not approved within 1m"))

        var allowed = Scenario([approvalStep(quorum: 1, timeout: 60_000, onTimeout: .allow)])
        #expect(allowed.tick(61_000).assignments(of: "promote").count == 1)
    }

    @Test("restore-before-compat at the gate: denied naming the rule when compat was skipped; allowed once compat is verified")
    func restoreNeedsCompat() throws {
        let text = """
            apiVersion: baton/v1
            kind: Policy
            metadata: {name: database-safety}
            rules:
              - id: restore-needs-compat
                kind: require_before
                message: a database restore needs the application's compatibility verified first
                step: {tags: [database.restore]}
                before: {tags: [application.compat-verified]}
            """
        let policies = try #require(PolicySet.load(sources: [("policy.yaml", text)]).0)
        var compat = step("compat", .application)
        compat.tags = ["application.compat-verified"]
        var restore = step("restore", .database, needs: ["compat"])
        restore.tags = ["database.restore"]

        // compat is skipped (its when: is false): the plan passes the static check, the gate does not.
        var skippedCompat = compat
        skippedCompat.when = Condition(left: "blue", comparison: .equals, right: "green")
        let skipped = Scenario([skippedCompat, restore], gate: policies)
        #expect(skipped.status("compat") == .skipped)
        #expect(skipped.status("restore") == .denied)
        #expect(skipped.run.phase == .blocked)
        let violation = try #require(skipped.run.steps["restore"]!.violations.first)
        #expect(violation.ruleID == "restore-needs-compat")
        #expect(violation.missing.contains("no step tagged application.compat-verified has been verified in this run"))
        #expect(skipped.run.reason.contains("restore-needs-compat"))

        #expect(policies.check(plan: makePlan([skippedCompat, restore])).isEmpty)
        var verified = Scenario([compat, restore], gate: policies)
        #expect(verified.finish("compat", .verified).assignments(of: "restore").count == 1)
    }

    @Test("a gate that says wait records why and dispatches once it allows")
    func gateWaits() {
        struct Holding: StepGate {
            func gate(step: PlannedStep, context: GateContext) -> GateDecision {
                context.now.millisecondsSinceEpoch < 5_000 ? .wait("rule hold: not yet") : .allow
            }
        }
        var scenario = Scenario([step("a", .platform)], gate: Holding())
        #expect(scenario.status("a") == .waiting)
        #expect(scenario.run.steps["a"]!.waitingReason == "policy: rule hold: not yet")
        #expect(scenario.tick(6_000).assignments(of: "a").count == 1)
    }

    @Test("an unknown non-idempotent step: mark-verified with evidence and outputs unblocks the run")
    func markVerified() {
        var first = step("promote", .database)
        first.outputs = [OutputSpec(name: "primary", type: .string, source: .stdout(key: "primary"))]
        var consumer = step("repoint", .application, needs: ["promote"])
        consumer.action = Action(argv: ["/usr/bin/repoint", "${{ steps.promote.outputs.primary }}"])
        var scenario = Scenario([first, consumer])
        _ = scenario.finish("promote", .unknown)
        #expect(scenario.run.phase == .blocked)
        let noOutputs = scenario.override("promote", override(.markVerified, evidence: "pg_is_in_recovery = f"))
        #expect(noOutputs.commandRefusals.first?.contains("declares outputs it must be given: primary") == true)
        let noEvidence = scenario.override("promote", override(.markVerified, outputs: ["primary": "db-2"]))
        #expect(noEvidence.commandRefusals.first?.contains("needs the evidence") == true)

        let done = scenario.override("promote", override(.markVerified, evidence: "pg_is_in_recovery = f", outputs: ["primary": "db-2"]))
        #expect(done.assignments(of: "repoint").first?.assignment.action?.argv == ["/usr/bin/repoint", "db-2"])
        #expect(scenario.status("promote") == .verified)
        _ = scenario.finish("repoint", .verified)
        #expect(scenario.run.phase == .succeeded)
        #expect(!scenario.run.automated)
    }

    @Test("force-past-failure after on_failure: pause lets dependents start; the step stays unverified")
    func forcePastPause() {
        var flaky = step("drain", .platform)
        flaky.onFailure = .pause
        var scenario = Scenario([flaky, step("restart", .application, needs: ["drain"])])
        _ = scenario.finish("drain", .failed)
        #expect(scenario.run.phase == .blocked)
        #expect(scenario.override("restart", override(.forcePastFailure)).commandRefusals.first?.contains("step restart is pending") == true)
        let forced = scenario.override("drain", override(.forcePastFailure))
        #expect(forced.assignments(of: "restart").count == 1)
        #expect(scenario.status("drain") == .overridden)
        _ = scenario.finish("restart", .verified)
        #expect(scenario.run.phase == .succeeded)
        #expect(scenario.run.reason.contains("1 forced past by an operator"))
    }

    @Test("overrides refused on finished runs and steps in flight; replaying the journal rebuilds votes and the automated flag")
    func refusalsAndReplay() {
        var scenario = Scenario([approvalStep(quorum: 1), step("after", .platform, needs: ["promote"])])
        _ = scenario.decide("promote", vote("bob"))
        #expect(scenario.override("promote", override(.skip)).commandRefusals.first?.contains("step promote is dispatched") == true)
        _ = scenario.override("after", override(.skip, reason: "not needed"))
        _ = scenario.finish("promote", .verified)
        #expect(scenario.run.phase == .succeeded)
        #expect(scenario.override("after", override(.skip)).commandRefusals.first?.contains("is succeeded") == true)

        let replayed = CoordinatorCore(epoch: 2, recovering: scenario.harness.journal)
        #expect(replayed.runs["r-1"] == scenario.run)
        #expect(replayed.runs["r-1"]?.automated == false)
        #expect(replayed.runs["r-1"]?.steps["promote"]?.votes.map(\.approver) == ["bob"])
    }
}
