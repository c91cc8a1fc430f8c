import BatonModel
import BatonSpec
import Testing

@Suite struct PlannerTests {
    /// Line 7 declares `port`, line 8 `target`, line 9 `verbose`.
    let source = header + """
        params:
          port: {type: int, default: 8080}
          target: {type: string, description: where to send}
          verbose: {type: bool, default: false}
        steps:
          - id: probe
            tier: application
            run: [echo, "${{ params.target }}"]
            env: {TARGET: "${{params.target}}", VERBOSE: "${{ params.verbose }}"}
            rollback: none
            post:
              - tcp: {port: "${{ params.port }}"}
              - http: {url: "http://${{ params.target }}:${{ params.port }}/health"}
        """

    func plan(_ parameters: [String: String]) throws -> Result<Plan, Diagnostics> {
        Planner.plan(try loadClean(source), parameters: parameters)
    }

    @Test func bindsTypedParametersIntoNumericFields() throws {
        let plan = try plan(["target": "db1", "port": "9000", "verbose": "true"]).get()
        let step = try #require(plan.step("probe"))
        #expect(step.post == [
            .tcp(TCPProbe(port: 9000)), .http(HTTPProbe(url: "http://db1:9000/health")),
        ])
        #expect(step.action?.env == ["TARGET": "db1", "VERBOSE": "true"])
        #expect(plan.parameters == ["port": "9000", "target": "db1", "verbose": "true"])
    }

    @Test func badTypeForAnIntParameter() throws {
        let failure = try #require(plan(["target": "db1", "port": "abc"]).failure)
        #expect(failure.map(\.code) == ["bad-parameter"])
        #expect(failure.first.map { ($0.line, $0.column) == (7, 3) } == true)
        #expect(failure.first?.message.contains("'abc'") == true)
    }

    @Test func unknownParameterIsAnError() throws {
        let failure = try #require(plan(["target": "db1", "prot": "1"]).failure)
        #expect(failure.map(\.code) == ["unknown-parameter"])
        #expect(failure.first?.message.contains("did you mean 'port'?") == true)
        #expect(failure.first.map { ($0.line, $0.column) == (6, 1) } == true)
    }

    @Test func missingRequiredParameter() throws {
        let failure = try #require(plan([:]).failure)
        #expect(failure.map(\.code) == ["missing-parameter"])
        #expect(failure.first.map { ($0.line, $0.column) == (8, 3) } == true)
        #expect(failure.first?.message.contains("'target'") == true)
    }

    @Test func injectionLookingValueStaysOneArgument() throws {
        let evil = "$(touch /tmp/pwned); rm -rf /"
        let plan = try plan(["target": evil]).get()
        let action = try #require(plan.step("probe")?.action)
        #expect(action.argv == ["echo", evil])
        #expect(action.env["TARGET"] == evil)
    }

    @Test func stringInterpolatedIntoAPortMustBeANumber() throws {
        let source = header + """
            params:
              port: {default: "80"}
            steps:
              - id: a
                tier: platform
                pre:
                  - tcp: {host: db, port: "${{ params.port }}"}
            """
        let playbook = try loadClean(source)
        #expect(try Planner.plan(playbook, parameters: [:]).get().steps[0].pre == [.tcp(TCPProbe(host: "db", port: 80))])
        let failure = try #require(Planner.plan(playbook, parameters: ["port": "http"]).failure)
        #expect(failure.map(\.code) == ["type-mismatch"])
        #expect(failure.first.map { ($0.line, $0.column) == (12, 31) } == true)
    }

    @Test func shellBecomesExplicitShArgv() throws {
        let source = header + "steps:\n  - id: a\n    tier: platform\n    shell: echo hi | wc -c\n    rollback: none\n"
        let plan = try Planner.plan(try loadClean(source), parameters: [:]).get()
        #expect(plan.steps[0].action == Action(argv: ["/bin/sh", "-c", "echo hi | wc -c"]))
    }

    @Test func checkOnlyStepHasNoAction() throws {
        let source = header + "steps:\n  - id: a\n    tier: platform\n    pre:\n      - file: {path: /x, exists: false}\n"
        let plan = try Planner.plan(try loadClean(source), parameters: [:]).get()
        #expect(plan.steps[0].action == nil)
        #expect(plan.steps[0].pre == [.file(FileProbe(path: "/x", exists: false))])
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let failure) = self { return failure }
        return nil
    }
}
