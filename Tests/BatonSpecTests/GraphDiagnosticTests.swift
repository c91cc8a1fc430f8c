import BatonModel
import BatonSpec
import Testing

@Suite struct GraphDiagnosticTests {
    @Test func duplicateStepNamesTheFirstOne() throws {
        let source = header + "steps:\n  - id: a\n    tier: platform\n  - id: a\n    tier: database\n"
        let diagnostic = try #require(errors(source, code: "duplicate-step").first)
        #expect((diagnostic.line, diagnostic.column) == (9, 9))
        #expect(diagnostic.message.contains("line 7"))
    }

    @Test func unknownNeedSuggestsTheClosestStep() throws {
        let source = header + """
            steps:
              - id: drain-traffic
                tier: platform
              - id: restore
                tier: platform
                needs: [drian-traffic, zzz]
            """
        let found = errors(source, code: "unknown-need")
        #expect(found.map { [$0.line, $0.column] } == [[11, 13], [11, 28]])
        #expect(found.first?.message.contains("did you mean 'drain-traffic'?") == true)
        #expect(found.last?.message.contains("did you mean") == false)
    }

    @Test func cycleIsNamed() throws {
        let source = header + """
            steps:
              - id: a
                tier: platform
                needs: [b]
              - id: b
                tier: platform
                needs: [c]
              - id: c
                tier: platform
                needs: [a]
            """
        let found = errors(source, code: "cycle")
        let diagnostic = try #require(found.first)
        #expect(found.count == 1)
        #expect((diagnostic.line, diagnostic.column) == (15, 13))
        #expect(diagnostic.message.contains("a -> b -> c -> a"))
    }

    @Test func stepNeedingItself() throws {
        let diagnostic = try #require(
            errors(header + "steps:\n  - id: a\n    tier: platform\n    needs: [a]\n", code: "cycle").first)
        #expect((diagnostic.line, diagnostic.column) == (9, 13))
        #expect(diagnostic.message.contains("needs itself"))
    }

    @Test func badStepID() throws {
        let source = header + "steps:\n  - id: Drain\n    tier: platform\n  - id: b\n    tier: platform\n    needs: [Drain]\n"
        let diagnostics = load(source).diagnostics
        #expect(diagnostics.map(\.code) == ["bad-value"])  // and no cascading unknown-need
        #expect(diagnostics.first.map { ($0.line, $0.column) == (7, 9) } == true)
    }

    @Test func readyStepsKeepFileOrder() throws {
        let source = header + """
            steps:
              - id: x
                tier: platform
                needs: [z]
              - id: y
                tier: platform
              - id: z
                tier: platform
              - id: w
                tier: platform
                needs: [x, y]
            """
        let plan = try Planner.plan(try loadClean(source), parameters: [:]).get()
        #expect(plan.steps.map(\.id) == ["y", "z", "x", "w"])
        #expect(PlanText.waves(plan).map { $0.map(\.id) } == [["y", "z"], ["x"], ["w"]])
    }
}
