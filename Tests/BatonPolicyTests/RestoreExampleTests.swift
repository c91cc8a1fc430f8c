import BatonModel
import BatonPolicy
import Testing

/// The design's example: a database restore is refused unless the application's compatibility was
/// verified earlier in the run, statically and at run time.
@Suite struct RestoreExampleTests {
    let policies: PolicySet

    init() throws { policies = try loadClean(examplePolicy) }

    let restore = step("restore-db", .database, needs: ["snapshot"], tags: ["database.restore"])

    @Test func theExampleLoadsEveryKind() {
        #expect(policies.rules.map(\.kind.name) == PolicyRuleKind.names)
        #expect(policies.rules.map(\.id).first == "restore-needs-compat")
        #expect(policies.rules.first.map { "\($0.file):\($0.line):\($0.column)" } == "policy.yaml:5:9")
        #expect(policies.rules.allSatisfy { $0.policy == "database-safety" })
    }

    @Test func aPlanWithoutTheCompatAncestorIsAViolation() throws {
        let violations = policies.check(plan: plan([step("snapshot"), restore]))
        let violation = try #require(violations.first)
        #expect(violations.count == 1)
        #expect(violation.ruleID == "restore-needs-compat")
        #expect(violation.step == "restore-db")
        #expect(
            violation.description
                == "step restore-db (tags database.restore) has no ancestor tagged application.compat-verified; "
                + "rule restore-needs-compat: a database restore needs the application's compatibility verified first")
    }

    @Test func aCompatStepThatIsNotAnAncestorDoesNotCount() {
        let compat = step("compat", .application, tags: ["application.compat-verified"])
        #expect(policies.check(plan: plan([step("snapshot"), compat, restore])).map(\.ruleID) == ["restore-needs-compat"])
    }

    @Test func aTransitiveCompatAncestorSatisfiesTheRule() {
        let compat = step("compat", .application, tags: ["application.compat-verified"])
        let snapshot = step("snapshot", needs: ["compat"])
        #expect(policies.check(plan: plan([compat, snapshot, restore])).isEmpty)
    }

    @Test func theGateDeniesBeforeTheCompatStepIsVerifiedAndAllowsAfter() throws {
        let before = GateContext(now: at(10 * hour), run: "r1", verified: [
            VerifiedStep(id: "snapshot", tier: .database, tags: [], verifiedAt: at(9 * hour))
        ])
        guard case .deny(let violations) = policies.gate(step: restore, context: before) else {
            Issue.record("expected a denial")
            return
        }
        #expect(violations.map(\.ruleID) == ["restore-needs-compat"])
        #expect(violations.first?.missing.contains("no step tagged application.compat-verified has been verified") == true)

        var after = before
        after.verified.append(
            VerifiedStep(id: "compat", tier: .application, tags: ["application.compat-verified"], verifiedAt: at(9 * hour)))
        #expect(policies.gate(step: restore, context: after) == .allow)
    }

    @Test func theGateDeniesWhenTheVerificationIsOlderThanTheWindow() throws {
        let compat = VerifiedStep(
            id: "compat", tier: .application, tags: ["application.compat-verified"], verifiedAt: at(hour))
        let justInTime = GateContext(now: at(3 * hour), run: "r1", verified: [compat])
        #expect(policies.gate(step: restore, context: justInTime) == .allow)
        let late = GateContext(now: at(3 * hour + 1_000), run: "r1", verified: [compat])
        guard case .deny(let violations) = policies.gate(step: restore, context: late) else {
            Issue.record("expected a denial")
            return
        }
        #expect(violations.first?.missing.contains("was verified 2h1s ago, longer ago than 2h") == true)
        // A newer verification of another compat step counts.
        var renewed = late
        renewed.verified.append(
            VerifiedStep(id: "compat-2", tier: .application, tags: ["application.compat-verified"], verifiedAt: at(2 * hour)))
        #expect(policies.gate(step: restore, context: renewed) == .allow)
    }

    @Test func anOverrideLetsTheRestoreThrough() {
        let context = GateContext(
            now: at(hour), run: "r1", overrides: [PolicyOverride(ruleID: "restore-needs-compat", step: "restore-db")])
        #expect(policies.gate(step: restore, context: context) == .allow)
    }
}
