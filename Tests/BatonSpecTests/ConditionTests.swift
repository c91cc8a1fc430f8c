import BatonModel
import BatonSpec
import Foundation
import Testing

/// `when:` parsing, planning and type checks. Lines 1–5 `header`, 6–7 params, 8 `steps:`.
@Suite struct ConditionTests {
    func playbook(_ when: String) -> String {
        header + """
            params:
              mode: {default: fast}
            steps:
              - id: probe
                tier: database
                outputs:
                  lag: {type: int}
                  ok: {type: bool}
                  role: {type: string}
              - id: gated
                tier: platform
                needs: [probe]
                when: \(when)
            """
    }

    func condition(_ when: String, _ parameters: [String: String] = [:]) throws -> Condition? {
        let plan = try Planner.plan(try loadClean(playbook(when)), parameters: parameters).get()
        return try #require(plan.step("gated")).when
    }

    @Test func comparisonsArePlannedWithParametersBoundAndOutputsKept() throws {
        #expect(
            try condition(#""${{ params.mode }} == fast""#)
                == Condition(left: "fast", comparison: .equals, right: "fast"))
        #expect(
            try condition(#""${{ steps.probe.outputs.role }} != '${{ params.mode }}'""#, ["mode": "a == b"])
                == Condition(left: "${{ steps.probe.outputs.role }}", comparison: .notEquals, right: "a == b"))
        #expect(
            try condition(#"'${{ steps.probe.outputs.lag }} == "0"'"#)
                == Condition(left: "${{ steps.probe.outputs.lag }}", comparison: .equals, right: "0"))
    }

    @Test func aBareExpressionMustBeTrue() throws {
        let when = try #require(try condition(#""${{ steps.probe.outputs.ok }}""#))
        #expect(when == Condition(left: "${{ steps.probe.outputs.ok }}", comparison: .equals, right: "true"))
        #expect(when.holds([OutputReference(step: "probe", output: "ok"): "true"]))
        #expect(!when.holds([OutputReference(step: "probe", output: "ok"): "false"]))
    }

    @Test func operatorsInsideExpressionsDoNotSplit() {
        // Split at the outer `!=`: the left side is then one (unsupported) expression, not a broken one.
        let inner = header + "steps:\n  - id: a\n    tier: platform\n    when: '${{ a == b }} != x'\n"
        #expect(load(inner).diagnostics.map(\.code) == ["unsupported-expression"])
        #expect(StepParserProbe.split("x == y == z") == "x|==|y == z")
        #expect(StepParserProbe.split("  '' != \"\" ") == "|!=|")
        #expect(StepParserProbe.split("x==y") == nil)
        #expect(StepParserProbe.split("== x") == nil)
    }

    @Test func unreadableConditions() throws {
        for when in ["fast", "\"${{ params.mode }}==fast\"", "\"${{ params.mode }}${{ params.mode }}\"", "\" == x\""] {
            let diagnostic = try #require(errors(playbook(when), code: "bad-condition").first, "\(when)")
            #expect((diagnostic.line, diagnostic.column) == (18, 11))
            #expect(diagnostic.message.contains("when of step 'gated'"))
        }
    }

    @Test func intOutputComparedWithTextIsATypeMismatch() throws {
        let diagnostic = try #require(errors(playbook(#""${{ steps.probe.outputs.lag }} == many""#), code: "type-mismatch").first)
        #expect((diagnostic.line, diagnostic.column) == (18, 11))
        #expect(diagnostic.message.contains("output 'lag' of 'probe', an int, with 'many', which is not an int"))
        _ = try loadClean(playbook(#""${{ steps.probe.outputs.lag }} != 0""#))
    }

    @Test func boolOutputOnlyComparesWithTrueOrFalse() throws {
        let found = errors(playbook(#""yes == ${{ steps.probe.outputs.ok }}""#), code: "type-mismatch")
        #expect(found.count == 1)
        #expect(found.first?.message.contains("compare it with true or false") == true)
        #expect(errors(playbook(#""${{ steps.probe.outputs.lag }}""#), code: "type-mismatch").count == 1)
        #expect(errors(playbook(#""${{ steps.probe.outputs.lag }} == ${{ steps.probe.outputs.ok }}""#), code: "type-mismatch").count == 1)
        _ = try loadClean(playbook(#""${{ steps.probe.outputs.ok }} == false""#))
        _ = try loadClean(playbook(#""${{ steps.probe.outputs.role }} == anything""#))
    }

    @Test func conditionReferencesAreCheckedLikeAnyOther() throws {
        let source = playbook(#""${{ steps.gated.outputs.lag }} == 1""#)
        #expect(errors(source, code: "not-a-need").count == 1)
    }
}

/// The condition splitter, seen through a one-step playbook.
enum StepParserProbe {
    /// `left|op|right`, or nil when the text is not a condition.
    static func split(_ text: String) -> String? {
        let source = header + "steps:\n  - id: a\n    tier: platform\n    when: '" + text.replacingOccurrences(of: "'", with: "''") + "'\n"
        guard let playbook = load(source).playbook, let when = playbook.steps.first?.when else { return nil }
        return "\(when.left)|\(when.comparison.rawValue)|\(when.right)"
    }
}
