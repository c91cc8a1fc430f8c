import BatonModel
import BatonSpec
import Testing

/// rollback, retries, on_failure, targets, manual and tags. `header` is lines 1–5, `steps:` line 6.
@Suite struct StepContractTests {
    func plan(_ steps: String, _ parameters: [String: String] = [:]) throws -> Plan {
        try Planner.plan(try loadClean(header + "steps:\n" + steps), parameters: parameters).get()
    }

    // MARK: rollback

    @Test func rollbackStepsArePlanned() throws {
        let plan = try plan("""
              - id: promote
                tier: database
                run: [promote-replica]
                outputs: {old_primary: {}}
                rollback:
                  run: [demote, "${{ steps.promote.outputs.old_primary }}"]
                  env: {MODE: safe}
                  timeout: 2m
                  pre:
                    - file: {path: /var/run/promoted}
              - id: restart
                tier: application
                needs: [promote]
                run: [systemctl, restart, app]
                rollback: {tier: platform, shell: "systemctl restart app-old"}
              - id: note
                tier: platform
                needs: [restart]
                run: [logger, done]
                rollback: none
              - id: look
                tier: platform
                pre:
                  - file: {path: /x}
            """)
        #expect(plan.steps.map(\.rollback) == [.step, .step, .none, .undeclared])
        #expect(plan.rollbackSteps.map(\.id) == ["promote~rollback", "restart~rollback"])
        let promote = try #require(plan.step(StepID.rollback(of: "promote")))
        #expect(promote.tier == .database)
        #expect(promote.action == Action(argv: ["demote", "${{ steps.promote.outputs.old_primary }}"], env: ["MODE": "safe"]))
        #expect(promote.timeoutMilliseconds == 120_000)
        #expect(promote.pre == [.file(FileProbe(path: "/var/run/promoted"))])
        #expect(promote.needs.isEmpty)
        #expect(promote.rollback == .none)
        let restart = try #require(plan.step("restart~rollback"))
        #expect(restart.tier == .platform)
        #expect(restart.action?.argv == ["/bin/sh", "-c", "systemctl restart app-old"])
        #expect(restart.timeoutMilliseconds == Plan.defaultStepTimeoutMilliseconds)
    }

    @Test func missingRollbackIsAWarningAtTheStep() throws {
        let (playbook, diagnostics) = load(header + "steps:\n  - id: a\n    tier: platform\n    shell: rm -rf /tmp/cache\n")
        #expect(playbook != nil)
        let diagnostic = try #require(diagnostics.first)
        #expect(diagnostics.count == 1)
        #expect(diagnostic.code == "missing-rollback")
        #expect(diagnostic.severity == .warning)
        #expect((diagnostic.line, diagnostic.column) == (7, 9))
        #expect(
            diagnostic.message
                == "step 'a' has side effects but declares no rollback; write rollback: none if there is nothing to undo")
    }

    @Test func rollbackMistakes() throws {
        let source = header + """
            steps:
              - id: a
                tier: platform
                run: [x]
                rollback: undo
              - id: b
                tier: platform
                run: [x]
                rollback: {tier: platform, timeout: 5s}
              - id: c
                tier: platform
                run: [x]
                rollback: {run: [y], tier: web}
            """
        let found = load(source).diagnostics.filter(\.isError)
        #expect(found.map(\.code) == ["bad-value", "missing-key", "unknown-tier"])
        #expect(found.map { [$0.line, $0.column] } == [[10, 15], [14, 15], [18, 32]])
        #expect(found[1].message.contains("rollback of step 'b' needs run: or shell:"))
    }

    @Test func rollbackMayReadItsOwnStepButNotOthers() throws {
        let source = header + """
            steps:
              - id: a
                tier: platform
                run: [x]
                outputs: {v: {}}
                rollback: {run: [undo, "${{ steps.a.outputs.v }}", "${{ steps.b.outputs.w }}"]}
              - id: b
                tier: platform
                outputs: {w: {}}
            """
        let found = errors(source, code: "not-a-need")
        #expect(found.count == 1)
        #expect(found.first.map { ($0.line, $0.column) == (11, 56) } == true)
        #expect(found.first?.message.contains("the rollback of step 'a' reads outputs of 'b'") == true)
    }

    // MARK: retries and on_failure

    @Test func retriesAsCountOrMapping() throws {
        let plan = try plan("""
              - id: a
                tier: platform
                retries: 2
              - id: b
                tier: platform
                retries: {count: 3, backoff: 1s, max_backoff: 30s, on: [action, timeout]}
              - id: c
                tier: platform
                retries: {count: 1}
            """)
        #expect(plan.steps[0].retry == RetryPolicy(count: 2))
        #expect(
            plan.steps[1].retry
                == RetryPolicy(count: 3, backoffMilliseconds: 1_000, maximumBackoffMilliseconds: 30_000, on: [.action, .timeout]))
        #expect(plan.steps[2].retry == RetryPolicy(count: 1))
    }

    @Test func retryMistakes() throws {
        let source = header + """
            steps:
              - id: a
                tier: platform
                retries: {count: 3, on: [action, timeuot]}
              - id: b
                tier: platform
                retries: {count: 3, backoff: 10s, max_backoff: 1s}
              - id: c
                tier: platform
                retries: {backoff: 1s}
            """
        let found = load(source).diagnostics.filter(\.isError)
        #expect(found.map(\.code) == ["bad-value", "bad-value", "missing-key"])
        #expect(found.map { [$0.line, $0.column] } == [[9, 38], [12, 52], [15, 14]])
        #expect(found[0].message.contains("unknown failure kind 'timeuot'"))
        #expect(found[0].message.contains("did you mean 'timeout'?"))
        #expect(found[0].message.contains("precondition, action, timeout, postcondition and output"))
        #expect(found[1].message.contains("shorter than backoff"))
    }

    @Test func onFailure() throws {
        let plan = try plan("  - id: a\n    tier: platform\n    on_failure: pause\n  - id: b\n    tier: platform\n")
        #expect(plan.steps.map(\.onFailure) == [.pause, .stop])
        let diagnostic = try #require(
            errors(header + "steps:\n  - id: a\n    tier: platform\n    on_failure: rollbak\n", code: "bad-value").first)
        #expect((diagnostic.line, diagnostic.column) == (9, 17))
        #expect(diagnostic.message.contains("did you mean 'rollback'?"))
        #expect(diagnostic.message.contains("stop, rollback, pause or continue"))
    }

    // MARK: targets

    @Test func targets() throws {
        let plan = try plan("""
              - id: a
                tier: application
                targets: {labels: {role: web, zone: 3}, serial: 2, max_errors: "10%"}
              - id: b
                tier: application
                targets: {serial: "100%"}
            """)
        #expect(plan.steps[0].targets == Targets(labels: ["role": "web", "zone": "3"], serial: .count(2), maxErrors: .percent(10)))
        #expect(plan.steps[1].targets == Targets(serial: .percent(100)))
        #expect(plan.steps[1].targets?.serial?.hosts(of: 7) == 7)
    }

    @Test func targetMistakes() throws {
        let source = header + """
            steps:
              - id: a
                tier: application
                targets: {serial: 0, max_errors: "150%", labels: [web]}
              - id: b
                tier: application
                targets: {serial: some, hosts: 3}
            """
        let found = load(source).diagnostics.filter(\.isError)
        #expect(found.map(\.code) == ["bad-value", "bad-value", "type-mismatch", "bad-value", "unknown-key"])
        #expect(found.map { [$0.line, $0.column] } == [[9, 23], [9, 38], [9, 54], [12, 23], [12, 29]])
        #expect(found[1].message.contains("from 1% to 100%"))
    }

    // MARK: manual and tags

    @Test func manualSteps() throws {
        let source = header + """
            params:
              dba: {default: on-call}
            steps:
              - id: confirm
                tier: database
                tags: [database.failover, manual]
                manual: {instructions: "Call the ${{ params.dba }} DBA and confirm the failover"}
            """
        let plan = try Planner.plan(try loadClean(source), parameters: [:]).get()
        let step = try #require(plan.step("confirm"))
        #expect(step.manualInstructions == "Call the on-call DBA and confirm the failover")
        #expect(step.action == nil)
        #expect(step.tags == ["database.failover", "manual"])
        #expect(step.rollback == .undeclared)
    }

    @Test func manualStepsCannotRunAnything() throws {
        let source = header + """
            steps:
              - id: confirm
                tier: database
                manual: {instructions: confirm}
                run: [x]
                post:
                  - file: {path: /x}
                rollback: {run: [y]}
            """
        let found = errors(source, code: "manual-step")
        #expect(found.map { [$0.line, $0.column] } == [[10, 5], [11, 5], [13, 5]])
        #expect(found.first?.message.contains("step 'confirm' is manual") == true)
        #expect(found.first?.message.contains("'run'") == true)
        let missing = try #require(errors(header + "steps:\n  - id: a\n    tier: platform\n    manual: {}\n", code: "missing-key").first)
        #expect(missing.message.contains("'instructions'"))
    }
}
