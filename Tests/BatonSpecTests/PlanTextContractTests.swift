import BatonModel
import BatonSpec
import Testing

@Suite struct PlanTextContractTests {
    @Test func planTextShowsTheContract() throws {
        let source = header + """
            steps:
              - id: measure
                tier: database
                tags: [database.check]
                run: [lag]
                rollback: none
                outputs: {lag: {type: int}}
                retries: {count: 2, backoff: 1s, max_backoff: 4s, on: [timeout, action]}
              - id: restart
                tier: application
                needs: [measure]
                when: "${{ steps.measure.outputs.lag }} == 0"
                targets: {labels: {role: web}, serial: "25%", max_errors: 1}
                on_failure: rollback
                run: [systemctl, restart, app]
                rollback: {run: [systemctl, restart, app-old]}
                post:
                  - http: {url: "https://127.0.0.1:8443/health", ca_file: /etc/app/ca.pem}
              - id: confirm
                tier: platform
                needs: [restart]
                manual: {instructions: Check the dashboards}
            """
        let text = PlanText.render(try Planner.plan(try loadClean(source), parameters: [:]).get())
        for line in [
            "    tags: database.check",
            "    output: lag (int) from stdout key lag",
            "    timeout 5m, retries 2 (backoff 1s up to 4s, on action, timeout)",
            "    rollback: none",
            "    when: ${{ steps.measure.outputs.lag }} == 0",
            "    targets: role=web, serial 25%, max_errors 1",
            "    post: http GET https://127.0.0.1:8443/health returns 200, CA /etc/app/ca.pem (timeout 5s)",
            "    timeout 5m, retries 0, on failure rollback",
            "    rollback: restart~rollback",
            "    manual: Check the dashboards",
            "rollback steps (run newest-verified first under on_failure: rollback):",
            "  restart~rollback [application]",
            "    run:  systemctl restart app-old",
        ] {
            #expect(text.contains(line + "\n"), "\(line)\n---\n\(text)")
        }
    }

    @Test func theHashCoversRollbackSteps() throws {
        let source = header + "steps:\n  - id: a\n    tier: platform\n    run: [x]\n    rollback: {run: [y]}\n"
        let plan = try Planner.plan(try loadClean(source), parameters: [:]).get()
        var tampered = plan
        tampered.rollbackSteps[0].action?.argv = ["rm", "-rf", "/"]
        #expect(Planner.hash(of: tampered) != plan.hash)
        #expect(Planner.hash(of: plan) == plan.hash)
    }
}
