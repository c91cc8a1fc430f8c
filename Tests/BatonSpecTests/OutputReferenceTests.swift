import BatonModel
import BatonSpec
import Testing

/// `outputs:` and `${{ steps.ID.outputs.NAME }}`: declaration, planning (placeholders stay canonical)
/// and every lint error with its position. `header` is lines 1–5; `steps:` is line 6 or 8 (with params).
@Suite struct OutputReferenceTests {
    let producer = """
          - id: check-lag
            tier: database
            run: [lag-report]
            rollback: none
            outputs:
              lag_bytes: {type: int, from: stdout}
              primary: {type: string, from: stdout, key: primary_host}
              healthy: {type: bool}
              http_status: {type: string, from: post.0}
            post:
              - http: {url: "http://127.0.0.1:8080/health"}

        """

    @Test func outputsArePlannedAndPlaceholdersKeptCanonical() throws {
        let source = header + "params:\n  port: {type: int, default: 5432}\nsteps:\n" + producer + """
              - id: report
                tier: platform
                needs: [check-lag]
                run: [notify, "lag=${{steps.check-lag.outputs.lag_bytes}}", "${{ params.port }}"]
                env: {PRIMARY: "${{ steps.check-lag.outputs.primary }}"}
                rollback: none
                post:
                  - tcp: {host: "${{ steps.check-lag.outputs.primary }}", port: "${{ params.port }}"}
            """
        let plan = try Planner.plan(try loadClean(source), parameters: [:]).get()
        let check = try #require(plan.step("check-lag"))
        #expect(check.outputs == [
            OutputSpec(name: "lag_bytes", type: .int, source: .stdout(key: "lag_bytes")),
            OutputSpec(name: "primary", type: .string, source: .stdout(key: "primary_host")),
            OutputSpec(name: "healthy", type: .bool, source: .stdout(key: "healthy")),
            OutputSpec(name: "http_status", type: .string, source: .probe(phase: .post, index: 0)),
        ])
        let report = try #require(plan.step("report"))
        let lag = OutputReference(step: "check-lag", output: "lag_bytes")
        let primary = OutputReference(step: "check-lag", output: "primary")
        #expect(report.action?.argv == ["notify", "lag=${{ steps.check-lag.outputs.lag_bytes }}", "5432"])
        #expect(report.action?.env == ["PRIMARY": "${{ steps.check-lag.outputs.primary }}"])
        #expect(report.post == [.tcp(TCPProbe(host: primary.description, port: 5432))])
        #expect(report.outputReferences == [primary, lag])
        let dispatched = report.substituting([lag: "42", primary: "db2"])
        #expect(dispatched.action?.argv == ["notify", "lag=42", "5432"])
        #expect(dispatched.post == [.tcp(TCPProbe(host: "db2", port: 5432))])
    }

    @Test func transitiveNeedsAreEnough() throws {
        let source = header + "steps:\n" + producer + """
              - id: middle
                tier: platform
                needs: [check-lag]
              - id: last
                tier: platform
                needs: [middle]
                pre:
                  - file: {path: "/tmp/${{ steps.check-lag.outputs.primary }}"}
            """
        _ = try loadClean(source)
    }

    /// Steps start at line 7; the reader is at line 18.
    func reader(_ body: String) -> String {
        header + "steps:\n" + producer + "  - id: b\n    tier: platform\n" + body
    }

    @Test func readingAStepThatIsNotNeeded() throws {
        let found = errors(reader("    pre:\n      - file: {path: \"${{ steps.check-lag.outputs.primary }}\"}\n"), code: "not-a-need")
        let diagnostic = try #require(found.first)
        #expect(found.count == 1)
        #expect((diagnostic.line, diagnostic.column) == (21, 22))
        #expect(diagnostic.message.contains("step 'b' reads outputs of 'check-lag' but does not need it"))
    }

    @Test func readingOwnOutputs() throws {
        let source = reader("""
                outputs: {x: {}}
                run: [echo, "${{ steps.b.outputs.x }}"]
                rollback: none
            """)
        let diagnostic = try #require(errors(source, code: "not-a-need").first)
        #expect((diagnostic.line, diagnostic.column) == (21, 17))
        #expect(diagnostic.message.contains("its own output 'x'"))
    }

    @Test func unknownStepSuggestsTheClosest() throws {
        let source = reader("    needs: [check-lag]\n    when: \"${{ steps.check-lga.outputs.primary }} == db1\"\n")
        let diagnostic = try #require(errors(source, code: "unknown-step").first)
        #expect((diagnostic.line, diagnostic.column) == (21, 11))
        #expect(diagnostic.message.contains("'check-lga', which is not a step in this playbook; did you mean 'check-lag'?"))
    }

    @Test func undeclaredOutputSuggestsTheClosest() throws {
        let source = reader("    needs: [check-lag]\n    pre:\n      - file: {path: \"${{ steps.check-lag.outputs.primry }}\"}\n")
        let diagnostic = try #require(errors(source, code: "unknown-output").first)
        #expect((diagnostic.line, diagnostic.column) == (22, 22))
        #expect(diagnostic.message.contains("output 'primry' of 'check-lag', which does not declare it; did you mean 'primary'?"))
        #expect(diagnostic.message.contains("declared: healthy, http_status, lag_bytes, primary"))
    }

    @Test func outputsCannotGoIntoIntegerFields() throws {
        let source = reader("    needs: [check-lag]\n    pre:\n      - tcp: {port: \"${{ steps.check-lag.outputs.lag_bytes }}\"}\n")
        let diagnostic = try #require(errors(source, code: "output-not-allowed").first)
        #expect((diagnostic.line, diagnostic.column) == (22, 21))
        #expect(diagnostic.message.contains("port of the tcp probe"))
        for probe in [
            "command: {run: [x], exit_code: \"${{ steps.check-lag.outputs.lag_bytes }}\"}",
            "http: {url: \"http://x/\", status: \"${{ steps.check-lag.outputs.lag_bytes }}\"}",
        ] {
            let source = reader("    needs: [check-lag]\n    pre:\n      - \(probe)\n")
            #expect(errors(source, code: "output-not-allowed").count == 1, "\(probe)")
        }
    }

    @Test func outputsCannotGoIntoShellScripts() throws {
        let source = reader("    needs: [check-lag]\n    shell: echo ${{ steps.check-lag.outputs.primary }}\n    rollback: none\n")
        let diagnostic = try #require(errors(source, code: "unsafe-interpolation").first)
        #expect((diagnostic.line, diagnostic.column) == (21, 12))
        #expect(diagnostic.message.contains("step outputs cannot be interpolated into the shell: script"))
        #expect(diagnostic.message.contains("env:"))
    }

    @Test func outputsOnAFannedOutStepAreAmbiguous() throws {
        let source = header + """
            steps:
              - id: a
                tier: application
                targets: {labels: {role: web}}
                outputs:
                  version: {type: string}
            """
        let diagnostic = try #require(errors(source, code: "output-not-allowed").first)
        #expect((diagnostic.line, diagnostic.column) == (10, 5))
        #expect(diagnostic.message.contains("several hosts"))
    }

    @Test func probeSourceMustExistAndHasNoKey() throws {
        let source = header + """
            steps:
              - id: a
                tier: platform
                outputs:
                  x: {from: post.1}
                  y: {from: pre.0, key: z}
                  z: {from: stderr}
                  w: {type: float}
                post:
                  - file: {path: /x}
            """
        let found = load(source).diagnostics.filter(\.isError)
        #expect(found.map(\.code) == ["bad-value", "bad-value", "bad-value", "bad-parameter"])
        #expect(found.map { [$0.line, $0.column] } == [[10, 17], [11, 24], [12, 17], [13, 17]])
        #expect(found[0].message.contains("names post.1, but the step has 1 post probe (post.0 to post.0)"))
        #expect(found[1].message.contains("no key"))
        #expect(found[2].message.contains("stdout, pre.N or post.N"))
    }

    @Test func parameterValuesCannotHoldPlaceholders() throws {
        let source = header + """
            params:
              name: {default: x}
            steps:
              - id: a
                tier: platform
                run: [echo, "$${{ params.name }}"]
                rollback: none
            """
        let playbook = try loadClean(source)
        let direct = try #require(Planner.plan(playbook, parameters: ["name": "${{ steps.a.outputs.x }}"]).failure)
        #expect(direct.map(\.code) == ["bad-parameter"])
        #expect(direct.first.map { ($0.line, $0.column) == (7, 3) } == true)
        #expect(direct.first?.message.contains("values cannot contain '${{'") == true)
        // `$` written in the playbook and `{{ … }}` from the value would make a placeholder together.
        let forged = try #require(Planner.plan(playbook, parameters: ["name": "{{ steps.a.outputs.x }}"]).failure)
        #expect(forged.map(\.code) == ["bad-parameter"])
        #expect(forged.first.map { ($0.line, $0.column) == (11, 17) } == true)
    }

    @Test func malformedStepExpression() throws {
        let source = header + "steps:\n  - id: a\n    tier: platform\n    pre:\n      - file: {path: \"${{ steps.a.output.x }}\"}\n"
        let diagnostic = try #require(errors(source, code: "bad-expression").first)
        #expect((diagnostic.line, diagnostic.column) == (10, 22))
        #expect(diagnostic.message.contains("${{ steps.ID.outputs.NAME }}"))
    }
}
