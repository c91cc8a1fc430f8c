import BatonModel
import BatonPolicy
import BatonSpec
import Foundation
import Testing

/// Bad input of every kind: a positioned diagnostic with a code, and nothing loads.
/// `policy(…)` puts the rules on line 5 onwards; each rule line below is indented by two spaces.
@Suite struct DiagnosticTests {
    func only(_ text: String) throws -> Diagnostic {
        let diagnostics = failures(text)
        #expect(diagnostics.count == 1, "\(diagnostics)")
        return try #require(diagnostics.first)
    }

    func rule(_ body: String) -> String { policy("  - id: r\n    message: m\n" + body) }

    @Test func anUnknownKindSuggestsTheClosest() throws {
        let d = try only(rule("    kind: require_befor\n    step: {tags: [a]}\n"))
        #expect(d.code == "unknown-rule-kind")
        #expect("\(d.file):\(d.line):\(d.column)" == "policy.yaml:7:11")
        #expect(d.message.contains("did you mean 'require_before'?"))
    }

    @Test func aMissingIdOrMessageIsReportedAtTheRule() throws {
        let noID = try only(policy("  - kind: max_concurrency\n    message: m\n    step: {tier: database}\n    limit: 1\n"))
        #expect(noID.code == "missing-key" && noID.message.contains("'id'"))
        #expect((noID.line, noID.column) == (5, 5))
        let noMessage = try only(policy("  - id: r\n    kind: max_concurrency\n    step: {tier: database}\n    limit: 1\n"))
        #expect(noMessage.code == "missing-key" && noMessage.message.contains("'message'"))
        #expect((noMessage.line, noMessage.column) == (5, 5))
        let empty = try only(rule("    kind: max_concurrency\n    step: {tier: database}\n    limit: 1\n").replacingOccurrences(of: "message: m", with: "message: ''"))
        #expect(empty.code == "bad-value" && (empty.line, empty.column) == (6, 14))
    }

    @Test func aRuleIdUsedTwiceAcrossFilesLoadsNothing() throws {
        let first = policy("  - {id: dup, kind: max_concurrency, message: m, step: {tier: database}, limit: 1}\n")
        let second = policy("  - {id: other, kind: max_concurrency, message: m, step: {tier: database}, limit: 2}\n  - {id: dup, kind: max_concurrency, message: m, step: {tier: platform}, limit: 1}\n")
        let diagnostics = failures([("a.yaml", first), ("b.yaml", second)])
        #expect(diagnostics.count == 1)
        let d = try #require(diagnostics.first)
        #expect(d.code == "duplicate-rule-id")
        #expect("\(d.file):\(d.line):\(d.column)" == "b.yaml:6:10")
        #expect(d.message.contains("already used at a.yaml:5:10"))
    }

    @Test func badDurations() throws {
        let within = try only(rule("    kind: require_before\n    step: {tags: [a]}\n    before: {tags: [b]}\n    within: 2 hours\n"))
        #expect(within.code == "bad-duration" && (within.line, within.column) == (10, 13))
        let zero = try only(rule("    kind: require_before\n    step: {tags: [a]}\n    before: {tags: [b]}\n    within: 0s\n"))
        #expect(zero.code == "bad-duration" && zero.message.contains("longer than zero"))
        let timeout = try only(rule("    kind: require_approval\n    step: {tags: [a]}\n    approval: {roles: [x], timeout: 15}\n"))
        #expect(timeout.code == "bad-duration" && (timeout.line, timeout.column) == (9, 37))
    }

    @Test func badPercentages() throws {
        for (text, column) in [("\"125%\"", 10), ("\"x%\"", 10), ("\"0%\"", 10)] {
            let d = try only(rule("    kind: blast_radius\n    step: {tier: application}\n    max: \(text)\n"))
            #expect(d.code == "bad-percent" && (d.line, d.column) == (9, column), "\(d)")
        }
        let notACount = try only(rule("    kind: blast_radius\n    step: {tier: application}\n    max: lots\n"))
        #expect(notACount.code == "bad-value")
    }

    @Test func badSelectors() throws {
        let empty = try only(rule("    kind: max_concurrency\n    step: {}\n    limit: 1\n"))
        #expect(empty.code == "bad-selector" && (empty.line, empty.column) == (8, 11))
        let tier = try only(rule("    kind: max_concurrency\n    step: {tier: databse}\n    limit: 1\n"))
        #expect(tier.code == "bad-selector" && tier.message.contains("did you mean 'database'?"))
        #expect((tier.line, tier.column) == (8, 18))
        let scalar = try only(rule("    kind: max_concurrency\n    step: database\n    limit: 1\n"))
        #expect(scalar.code == "bad-selector" && (scalar.line, scalar.column) == (8, 11))
        let key = try only(rule("    kind: max_concurrency\n    step: {tag: [a]}\n    limit: 1\n"))
        #expect(key.code == "unknown-key" && key.message.contains("did you mean 'tags'?"))
        #expect((key.line, key.column) == (8, 12))
    }

    @Test func unknownKeysAreReportedWhereTheyAreWritten() throws {
        let inRule = try only(rule("    kind: max_concurrency\n    step: {tier: database}\n    limt: 1\n    limit: 1\n"))
        #expect(inRule.code == "unknown-key" && inRule.message.contains("did you mean 'limit'?"))
        #expect((inRule.line, inRule.column) == (9, 5))
        // A key of another kind is unknown for this one.
        let otherKind = try only(rule("    kind: max_concurrency\n    step: {tier: database}\n    limit: 1\n    within: 2h\n"))
        #expect(otherKind.code == "unknown-key" && (otherKind.line, otherKind.column) == (10, 5))
        let top = try only(policy("  []\n").replacingOccurrences(of: "rules:\n  []", with: "rules: []\nrulez: 1"))
        #expect(top.code == "unknown-key" && (top.line, top.column) == (5, 1))
    }

    @Test func otherBadValues() throws {
        let limit = try only(rule("    kind: max_concurrency\n    step: {tier: database}\n    limit: 0\n"))
        #expect(limit.code == "bad-value" && (limit.line, limit.column) == (9, 12))
        let tags = try only(rule("    kind: forbid_concurrent\n    tags: [a, a]\n"))
        #expect(tags.code == "bad-value" && tags.message.contains("two different tags"))
        let time = try only(rule("    kind: freeze\n    step: {tags: [a]}\n    windows: [{from: tomorrow, to: \"2027-01-04T00:00:00Z\"}]\n"))
        #expect(time.code == "bad-time" && (time.line, time.column) == (9, 22))
        let backwards = try only(rule("    kind: freeze\n    step: {tags: [a]}\n    windows: [{from: \"2027-01-04T00:00:00Z\", to: \"2026-01-04T00:00:00Z\"}]\n"))
        #expect(backwards.code == "bad-window")
        let onTimeout = try only(rule("    kind: require_approval\n    step: {tags: [a]}\n    approval: {roles: [x], timeout: 1m, on_timeout: maybe}\n"))
        #expect(onTimeout.code == "bad-value")
        let missing = try only(rule("    kind: require_before\n    step: {tags: [a]}\n"))
        #expect(missing.code == "missing-key" && missing.message.contains("'before'"))
        let version = try only(examplePolicy.replacingOccurrences(of: "baton/v1", with: "baton/v2"))
        #expect(version.code == "bad-value" && (version.line, version.column) == (1, 13))
    }

    @Test func yamlErrorsAndEmptyFiles() throws {
        let syntax = try only(policy("  - {id: r\n"))
        #expect(syntax.code == "yaml-syntax" && syntax.line >= 5)
        let empty = try only("")
        #expect(empty.code == "empty-document" && (empty.line, empty.column) == (1, 1))
    }

    @Test func oneBadFileLoadsNothingAndEveryProblemIsReported() {
        let bad = rule("    kind: max_concurrency\n    step: {tier: nope}\n    limit: -1\n")
        let diagnostics = failures([("good.yaml", examplePolicy), ("bad.yaml", bad)])
        #expect(diagnostics.map(\.code) == ["bad-selector", "bad-value"])
        #expect(diagnostics.allSatisfy { $0.file == "bad.yaml" })
    }
}

@Suite struct NullValueTests {
    @Test func aKeyWithoutAValueIsReportedNeverIgnored() throws {
        let within = failures(policy("  - id: r\n    message: m\n    kind: require_before\n    step: {tags: [a]}\n    before: {tags: [b]}\n    within:\n"))
        #expect(within.map(\.code) == ["missing-value"])
        #expect(within.map { "\($0.line):\($0.column)" } == ["10:5"])
        let tier = failures(policy("  - id: r\n    message: m\n    kind: max_concurrency\n    step: {tier: }\n    limit: 1\n"))
        #expect(tier.map(\.code) == ["missing-value"])
        let id = failures(policy("  - id:\n    message: m\n    kind: max_concurrency\n    step: {tier: database}\n    limit: 1\n"))
        #expect(id.map(\.code) == ["missing-value"])
    }
}
