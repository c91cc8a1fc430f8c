import BatonModel
import BatonSpec
import Testing

/// `uses:` steps expanded into a module's steps. `header` is lines 1–5; params 6–7; `steps:` line 8.
@Suite struct ModuleExpansionTests {
    let playbook = header + """
        params:
          replica_port: {type: int, default: 6432}
        steps:
          - id: failover
            tier: database
            run: [failover]
            rollback: none
            outputs: {new_primary: {}}
          - id: lag-a
            uses: pg-replica-lag@1.0.0
            needs: [failover]
            tags: [check]
            on_failure: continue
            with: {host: "${{ steps.failover.outputs.new_primary }}"}
          - id: lag-b
            uses: pg-replica-lag@1.0.0
            needs: [failover]
            with: {host: replica-2, port: "${{ params.replica_port }}"}
          - id: report
            tier: platform
            needs: [lag-a, lag-b]
            run: [report, "${{ steps.lag-a.outputs.lag }}"]
            rollback: none
        """

    @Test func aModuleUsedTwiceWithDifferentInputs() throws {
        let loaded = try loadClean(playbook, modules: lagLibrary)
        #expect(loaded.modules == ["pg-replica-lag@1.0.0"])
        let plan = try Planner.plan(loaded, parameters: [:]).get()
        #expect(plan.steps.map(\.id.rawValue) == [
            "failover", "lag-a.reachable", "lag-a.measure", "lag-a.verify", "lag-a.notify",
            "lag-b.reachable", "lag-b.measure", "lag-b.verify", "lag-b.notify", "report",
        ])
        let measureA = try #require(plan.step("lag-a.measure"))
        let measureB = try #require(plan.step("lag-b.measure"))
        #expect(measureA.action?.argv == ["pg-lag", "--host", "${{ steps.failover.outputs.new_primary }}", "--port", "5432"])
        #expect(measureB.action?.argv == ["pg-lag", "--host", "replica-2", "--port", "6432"])
        #expect(plan.step("lag-b.reachable")?.pre == [.tcp(TCPProbe(host: "replica-2", port: 6432))])
        #expect(measureA.needs == ["lag-a.reachable"])
        #expect(measureA.outputs == [OutputSpec(name: "lag_bytes", type: .int, source: .stdout(key: "lag_bytes"))])
        #expect(plan.step("lag-a.reachable")?.needs == ["failover"])
        #expect(plan.step("lag-b.reachable")?.needs == ["failover"])
        #expect(
            plan.step("report")?.needs == ["lag-a.verify", "lag-a.notify", "lag-b.verify", "lag-b.notify"])
        #expect(plan.step("report")?.action?.argv == ["report", "${{ steps.lag-a.measure.outputs.lag_bytes }}"])
        #expect(
            plan.step("lag-a.verify")?.when
                == Condition(left: "${{ steps.lag-a.measure.outputs.lag_bytes }}", comparison: .notEquals, right: "0"))
        #expect(plan.step("lag-a.verify")?.action?.argv == ["pg-wait-lag", "${{ steps.lag-a.measure.outputs.lag_bytes }}", "1000"])
        #expect(plan.steps.allSatisfy { $0.id == "failover" || $0.id == "report" || $0.module == "pg-replica-lag@1.0.0" })
        #expect(plan.step("report")?.module == nil)
    }

    @Test func theUsesStepsFieldsApplyUnlessTheModuleStepSetsItsOwn() throws {
        let plan = try Planner.plan(try loadClean(playbook, modules: lagLibrary), parameters: [:]).get()
        #expect(plan.step("lag-a.measure")?.tags == ["check"])
        #expect(plan.step("lag-a.measure")?.onFailure == .continue)
        #expect(plan.step("lag-a.verify")?.onFailure == .pause)
        #expect(plan.step("lag-b.measure")?.onFailure == .stop)
        #expect(plan.step("lag-b.measure")?.tags == [])
    }

    @Test func whenOfTheUsesStepIsCopiedToEveryStep() throws {
        let source = header + """
            params:
              mode: {default: fast}
            steps:
              - id: lag
                uses: pg-replica-lag@1
                when: "${{ params.mode }} == slow"
                with: {host: db}
            """
        let plan = try Planner.plan(try loadClean(source, modules: lagLibrary), parameters: [:]).get()
        let slow = Condition(left: "fast", comparison: .equals, right: "slow")
        #expect(plan.step("lag.reachable")?.when == slow)
        #expect(plan.step("lag.verify")?.when?.right == "0")
        #expect(plan.step("lag.reachable")?.module == "pg-replica-lag@1.10.0")
    }

    @Test func planTimeChecksOfInputsBuiltFromParameters() throws {
        let source = header + """
            params:
              port: {default: "5432"}
            steps:
              - id: lag
                uses: pg-replica-lag@1.0.0
                with: {host: db, port: "${{ params.port }}"}
            """
        let loaded = try loadClean(source, modules: lagLibrary)
        #expect(try Planner.plan(loaded, parameters: [:]).get().step("lag.reachable")?.pre == [.tcp(TCPProbe(host: "db", port: 5432))])
        let failure = try #require(Planner.plan(loaded, parameters: ["port": "fast"]).failure)
        #expect(failure.map(\.code) == ["type-mismatch"])
        #expect(failure.first.map { "\($0.file):\($0.line):\($0.column)" } == "playbook.yaml:11:28")
        #expect(failure.first?.message.contains("input 'port' of module pg-replica-lag@1.0.0 (step 'lag') must be an int") == true)
    }

    @Test func stepsOfAModuleAreNotVisibleToThePlaybook() throws {
        let source = header + """
            steps:
              - id: lag
                uses: pg-replica-lag@1.0.0
                with: {host: db}
              - id: after
                tier: platform
                needs: [lag.measure]
            """
        let found = load(source, modules: lagLibrary).diagnostics.filter(\.isError)
        #expect(found.map(\.code) == ["unknown-need"])
    }

    @Test func expandedIDsMayNotCollideWithPlaybookSteps() throws {
        let source = header + """
            steps:
              - id: lag.measure
                tier: platform
              - id: lag
                uses: pg-replica-lag@1.0.0
                with: {host: db}
            """
        let found = load(source, modules: lagLibrary).diagnostics.filter { $0.code == "duplicate-step" }
        #expect(found.map { [$0.line, $0.column] } == [[9, 9]])
        #expect(found.first?.message.contains("'lag.measure'") == true)
    }

    @Test func usesStepsCanNeedAndReadEachOther() throws {
        let source = header + """
            steps:
              - id: first
                uses: pg-replica-lag@1.0.0
                with: {host: db1}
              - id: second
                uses: pg-replica-lag@1.0.0
                needs: [first]
                when: "${{ steps.first.outputs.lag }} == 0"
                with: {host: db2, max_lag: "${{ steps.first.outputs.lag }}"}
            """
        let plan = try Planner.plan(try loadClean(source, modules: lagLibrary), parameters: [:]).get()
        #expect(plan.step("second.reachable")?.needs == ["first.verify", "first.notify"])
        let lag = "${{ steps.first.measure.outputs.lag_bytes }}"
        #expect(plan.step("second.verify")?.action?.argv == ["pg-wait-lag", "${{ steps.second.measure.outputs.lag_bytes }}", lag])
        #expect(plan.step("second.reachable")?.when == Condition(left: lag, comparison: .equals, right: "0"))
        #expect(plan.step("second.verify")?.when?.left == "${{ steps.second.measure.outputs.lag_bytes }}")
    }

    @Test func caFileNeedsAnHTTPSURLAfterInterpolation() throws {
        let source = header + """
            params:
              scheme: {default: https}
            steps:
              - id: a
                tier: platform
                post:
                  - http: {url: "${{ params.scheme }}://db/health", ca_file: /etc/ca.pem}
            """
        let playbook = try loadClean(source)
        #expect(try Planner.plan(playbook, parameters: [:]).get().steps[0].post == [
            .http(HTTPProbe(url: "https://db/health", caFile: "/etc/ca.pem")),
        ])
        let failure = try #require(Planner.plan(playbook, parameters: ["scheme": "http"]).failure)
        #expect(failure.map(\.code) == ["bad-value"])
        #expect(failure.first.map { "\($0.line):\($0.column)" } == "12:66")
        let literal = errors(header + "steps:\n  - id: a\n    tier: platform\n    post:\n      - http: {url: \"http://x/\", ca_file: /c}\n", code: "bad-value")
        #expect(literal.map { [$0.line, $0.column] } == [[10, 34]])
    }
}
