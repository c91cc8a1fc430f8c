import BatonModel
import BatonPolicy
import Testing

/// Each rule kind, statically and at the gate, with the example policy.
@Suite struct RuleKindTests {
    let policies: PolicySet

    init() throws { policies = try loadClean(examplePolicy) }

    func context(_ now: Int64 = 0, inFlight: [InFlightStep] = [], approved: Set<String> = []) -> GateContext {
        GateContext(now: at(now), run: "r1", inFlight: inFlight, approvedRules: approved)
    }

    // MARK: require_approval

    @Test func approvalIsNeededUntilGivenAndNothingIsCheckedStatically() {
        let promote = step("promote", .platform, tags: ["database.promote"])
        #expect(policies.check(plan: plan([promote])).isEmpty)
        let requirement = ApprovalRequirement(
            ruleID: "two-approvers-for-promote", roles: ["approver"], quorum: 2, timeoutMilliseconds: 900_000,
            onTimeout: .deny, message: "promoting a replica needs two approvers")
        #expect(policies.gate(step: promote, context: context()) == .needsApproval([requirement]))
        #expect(policies.gate(step: promote, context: context(approved: ["two-approvers-for-promote"])) == .allow)
    }

    @Test func eachApprovalRuleIsItsOwnRequirement() throws {
        let set = try loadClean(
            policy(
                """
                  - {id: a, kind: require_approval, message: m, step: {tags: [x]}, approval: {roles: [dba], timeout: 5m}}
                  - id: b
                    kind: require_approval
                    message: m
                    step: {tags: [y]}
                    approval: {roles: [sre, lead], quorum: 3, timeout: 1h, on_timeout: allow}
                """))
        let gated = step("s", .platform, tags: ["x", "y"])
        guard case .needsApproval(let requirements) = set.gate(step: gated, context: context()) else {
            Issue.record("expected approvals")
            return
        }
        #expect(requirements.map(\.ruleID) == ["a", "b"])
        #expect(requirements.map(\.quorum) == [1, 3])
        #expect(requirements.map(\.roles) == [["dba"], ["sre", "lead"]])
        #expect(requirements.map(\.onTimeout) == [.deny, .allow])
        #expect(set.gate(step: gated, context: context(approved: ["a"])) == .needsApproval([requirements[1]]))
    }

    // MARK: max_concurrency

    @Test func aFullConcurrencyLimitWaitsAcrossRuns() {
        let change = step("resize", .database)
        #expect(policies.check(plan: plan([change, step("other", .database)])).isEmpty)
        #expect(policies.gate(step: change, context: context()) == .allow)
        let busy = [InFlightStep(run: "r2", id: "vacuum", tier: .database, tags: [])]
        guard case .wait(let reason) = policies.gate(step: change, context: context(inFlight: busy)) else {
            Issue.record("expected to wait")
            return
        }
        #expect(reason.contains("one-db-change-at-a-time") && reason.contains("vacuum (run r2)"))
        // The gated step itself, listed as in flight, does not count; other tiers do not either.
        let itself = [
            InFlightStep(run: "r1", id: "resize", tier: .database, tags: []),
            InFlightStep(run: "r1", id: "web", tier: .application, tags: []),
        ]
        #expect(policies.gate(step: change, context: context(inFlight: itself)) == .allow)
    }

    // MARK: forbid_concurrent

    @Test func unorderedRestoreAndDeployAreAViolation() {
        let restore = step("restore", .database, tags: ["database.restore"])
        let deploy = step("deploy", .application, tags: ["application.deploy"])
        let compat = step("compat", .application, tags: ["application.compat-verified"])
        let unordered = policies.check(plan: plan([compat, step("restore", needs: ["compat"], tags: ["database.restore"]), deploy]))
        #expect(unordered.map(\.ruleID) == ["no-restore-during-deploy"])
        #expect(unordered.first?.missing.contains("are not ordered by needs") == true)
        let ordered = plan([
            compat, step("restore", needs: ["compat"], tags: ["database.restore"]),
            step("deploy", .application, needs: ["restore"], tags: ["application.deploy"]),
        ])
        #expect(policies.check(plan: ordered).isEmpty)
        // Two restores are not this rule's business.
        let set = PolicySet(rules: policies.rules.filter { $0.id == "no-restore-during-deploy" })
        #expect(set.check(plan: plan([restore, step("restore-2", tags: ["database.restore"])])).isEmpty)
    }

    @Test func theGateHoldsARestoreWhileADeployIsInFlight() {
        let set = PolicySet(rules: policies.rules.filter { $0.id == "no-restore-during-deploy" })
        let restore = step("restore", .database, tags: ["database.restore"])
        let deploying = [InFlightStep(run: "r9", id: "deploy", tier: .application, tags: ["application.deploy"])]
        guard case .wait(let reason) = set.gate(step: restore, context: context(inFlight: deploying)) else {
            Issue.record("expected the restore to wait")
            return
        }
        #expect(reason.contains("rule no-restore-during-deploy") && reason.contains("of run r9 is in flight"))
        let restoring = [InFlightStep(run: "r9", id: "restore", tier: .database, tags: ["database.restore"])]
        #expect(set.gate(step: restore, context: context(inFlight: restoring)) == .allow)
    }

    // MARK: freeze

    @Test func aFreezeWindowDeniesUnlessOverridden() throws {
        let schema = step("migrate", .platform, tags: ["database.schema"])
        #expect(policies.check(plan: plan([schema])).isEmpty)
        let start: Int64 = 1_798_416_000_000  // 2026-12-28T00:00:00Z
        let end: Int64 = 1_799_020_800_000  // 2027-01-04T00:00:00Z
        #expect(policies.gate(step: schema, context: context(start - 1)) == .allow)
        guard case .deny(let violations) = policies.gate(step: schema, context: context(start)) else {
            Issue.record("expected a denial")
            return
        }
        #expect(violations.map(\.ruleID) == ["quarter-end-freeze"])
        #expect(violations.first?.missing.contains("2026-12-28T00:00:00Z to 2027-01-04T00:00:00Z") == true)
        #expect(policies.gate(step: schema, context: context(end)) == .allow)
        var overridden = context(start + hour)
        overridden.overrides = [PolicyOverride(ruleID: "quarter-end-freeze", step: "migrate")]
        #expect(policies.gate(step: schema, context: overridden) == .allow)
    }

    @Test func freezeTimesWithOffsetsAndFractions() throws {
        let set = try loadClean(
            policy(
                """
                  - id: f
                    kind: freeze
                    message: m
                    step: {ids: [x]}
                    windows: [{from: "2024-02-29T01:00:00.250+01:00", to: "2024-03-01T00:00:00Z"}]
                """))
        guard case .freeze(_, let windows) = set.rules[0].kind else {
            Issue.record("expected a freeze")
            return
        }
        #expect(windows.first?.from == at(1_709_164_800_250))
        #expect(windows.first?.to == at(1_709_251_200_000))
    }

    // MARK: blast_radius

    @Test func aFanOutWithoutSerialOrAboveTheBoundIsAViolation() {
        let bare = step("restart", .application, targets: Targets())
        let wide = step("restart-2", .application, targets: Targets(serial: .percent(50)))
        let narrow = step("restart-3", .application, targets: Targets(serial: .percent(25)))
        let counted = step("restart-4", .application, targets: Targets(serial: .count(1)))
        let single = step("restart-5", .application)
        let violations = policies.check(plan: plan([bare, wide, narrow, counted, single]))
        #expect(violations.map(\.step) == ["restart", "restart-2"])
        #expect(violations.allSatisfy { $0.ruleID == "limit-web-restarts" })
        #expect(violations.first?.missing.contains("has no serial") == true)
        #expect(violations.last?.missing.contains("serial 50%, above the limit of 25%") == true)
    }

    @Test func aCountAgainstAPercentIsCheckedAtTheGateWhenHostsAreKnown() {
        let counted = step("restart", .application, targets: Targets(serial: .count(3)))
        #expect(policies.gate(step: counted, context: context()) == .allow)
        var known = context()
        known.targetHosts = 8
        guard case .deny(let violations) = policies.gate(step: counted, context: known) else {
            Issue.record("expected a denial")
            return
        }
        #expect(violations.first?.missing.contains("serial 3, above the limit of 25% of 8 hosts") == true)
        known.targetHosts = 12
        #expect(policies.gate(step: counted, context: known) == .allow)
    }

    @Test func denialsComeBeforeApprovalsAndApprovalsBeforeWaits() {
        let both = step("promote", .database, tags: ["database.promote", "database.schema"])
        let busy = [InFlightStep(run: "r2", id: "vacuum", tier: .database, tags: [])]
        let frozen = GateContext(now: at(1_798_416_000_000), run: "r1", inFlight: busy)
        guard case .deny = policies.gate(step: both, context: frozen) else {
            Issue.record("expected a denial")
            return
        }
        guard case .needsApproval = policies.gate(step: both, context: context(inFlight: busy)) else {
            Issue.record("expected approvals")
            return
        }
        guard case .wait = policies.gate(step: both, context: context(inFlight: busy, approved: ["two-approvers-for-promote"]))
        else {
            Issue.record("expected to wait")
            return
        }
    }
}
