import BatonModel
import BatonSpec
import Testing

/// `approval:` on a step (the failing example has its approval on line 11).
@Suite struct StepApprovalTests {
    @Test func anApprovalIsPlannedWithItsDefaults() throws {
        let playbook = try loadClean(header + """
            steps:
              - id: promote
                tier: database
                run: [promote]
                rollback: none
                approval: {roles: [approver, admin], quorum: 2, timeout: 15m, on_timeout: allow}
              - id: note
                tier: platform
                run: [logger, done]
                rollback: none
                approval: {roles: [approver], timeout: 30s}
            """)
        let plan = try Planner.plan(playbook, parameters: [:]).get()
        let promote = try #require(plan.step("promote")?.approval)
        #expect(promote.roles == ["approver", "admin"])
        #expect(promote.quorum == 2)
        #expect(promote.timeoutMilliseconds == 900_000)
        #expect(promote.onTimeout == .allow)
        #expect(promote.ruleID == ApprovalRequirement.stepRuleID)
        let note = try #require(plan.step("note")?.approval)
        #expect(note.quorum == 1 && note.onTimeout == .deny)
        #expect(PlanText.render(plan).contains("approval: 2 of approver/admin within 15m, else allow"))
    }

    @Test func badApprovalsAreErrorsAtTheirPosition() {
        let (playbook, diagnostics) = load(header + """
            steps:
              - id: promote
                tier: database
                run: [promote]
                rollback: none
                approval: {roles: [aprover], quorum: 0, on_timeout: later}
            """)
        #expect(playbook == nil)
        let messages = diagnostics.map(\.description)
        #expect(messages.contains { $0.contains(":11:23:") && $0.contains("unknown role 'aprover'") && $0.contains("did you mean 'approver'") }, "\(messages)")
        #expect(messages.contains { $0.contains("quorum of approval of step 'promote' must be a whole number of at least 1") }, "\(messages)")
        #expect(messages.contains { $0.contains("on_timeout") && $0.contains("deny or allow, not 'later'") }, "\(messages)")
        #expect(messages.contains { $0.contains("missing the required key 'timeout'") }, "\(messages)")
    }
}
