import BatonSpec
import Testing

/// One test per kind of mistake in a playbook's shape, checking the code and exact position.
/// `header` is lines 1–5, so `steps:` is line 6 in these documents.
@Suite struct SchemaDiagnosticTests {
    @Test func unknownTopLevelKey() throws {
        let found = errors(header + "steps:\n  - id: a\n    tier: platform\nextra: 1\n", code: "unknown-key")
        let diagnostic = try #require(found.first)
        #expect(found.count == 1)
        #expect((diagnostic.line, diagnostic.column) == (9, 1))
        #expect(diagnostic.message.contains("'extra'"))
        #expect(diagnostic.description.hasPrefix("playbook.yaml:9:1: error: unknown key 'extra'"))
    }

    @Test func unknownStepKeySuggestsTheRightOne() throws {
        let diagnostic = try #require(
            errors(header + "steps:\n  - id: a\n    tier: platform\n    need: [b]\n", code: "unknown-key").first)
        #expect((diagnostic.line, diagnostic.column) == (9, 5))
        #expect(diagnostic.message.contains("did you mean 'needs'?"))
    }

    @Test func unknownProbeKey() throws {
        let source = header + """
            steps:
              - id: a
                tier: platform
                post:
                  - file: {path: /x, contain: y}
            """
        let diagnostic = try #require(errors(source, code: "unknown-key").first)
        #expect((diagnostic.line, diagnostic.column) == (10, 26))
        #expect(diagnostic.message.contains("did you mean 'contains'?"))
    }

    @Test func unknownProbeKind() throws {
        let source = header + "steps:\n  - id: a\n    tier: platform\n    pre:\n      - dns: {name: x}\n"
        let diagnostic = try #require(errors(source, code: "unknown-probe").first)
        #expect((diagnostic.line, diagnostic.column) == (10, 9))
        #expect(diagnostic.message.contains("command, file, tcp, http or process"))
    }

    @Test func missingRequiredKey() throws {
        let diagnostic = try #require(errors(header + "steps:\n  - id: a\n", code: "missing-key").first)
        #expect((diagnostic.line, diagnostic.column) == (7, 5))
        #expect(diagnostic.message.contains("'tier'"))
    }

    @Test func missingTopLevelKeys() {
        let found = errors("apiVersion: baton/v1\nkind: Playbook\n", code: "missing-key")
        #expect(found.map(\.message).contains { $0.contains("'metadata'") })
        #expect(found.map(\.message).contains { $0.contains("'steps'") })
        #expect(found.allSatisfy { ($0.line, $0.column) == (1, 1) })
    }

    @Test func wrongApiVersion() throws {
        let diagnostic = try #require(errors("apiVersion: baton/v2\n" + header.dropFirst(21) + "steps:\n  - id: a\n    tier: platform\n", code: "bad-value").first)
        #expect((diagnostic.line, diagnostic.column) == (1, 13))
    }

    @Test func typeMismatch() throws {
        let diagnostic = try #require(
            errors(header + "steps:\n  - id: a\n    tier: platform\n    retries: many\n", code: "type-mismatch").first)
        #expect((diagnostic.line, diagnostic.column) == (9, 14))
        #expect(diagnostic.message.contains("integer"))
    }

    @Test func runAsAStringIsATypeMismatchPointingToShell() throws {
        let diagnostic = try #require(
            errors(header + "steps:\n  - id: a\n    tier: platform\n    run: echo hi\n", code: "type-mismatch").first)
        #expect((diagnostic.line, diagnostic.column) == (9, 10))
        #expect(diagnostic.message.contains("shell:"))
    }

    @Test func unknownTierListsTheValidOnes() throws {
        let diagnostic = try #require(errors(header + "steps:\n  - id: a\n    tier: web\n", code: "unknown-tier").first)
        #expect((diagnostic.line, diagnostic.column) == (8, 11))
        #expect(diagnostic.message.contains("platform, database or application"))
    }

    @Test func badDurations() {
        let source = header + """
            steps:
              - id: a
                tier: platform
                timeout: 30 seconds
              - id: b
                tier: platform
                timeout: -1s
              - id: c
                tier: platform
                timeout: 10
            """
        let found = errors(source, code: "bad-duration")
        #expect(found.map { [$0.line, $0.column] } == [[9, 14], [12, 14], [15, 14]])
    }

    @Test func yamlSyntaxErrorAtTheReportedPosition() throws {
        let (playbook, diagnostics) = load(header + "steps:\n  - id: a\n    tier: \"platform\n")
        #expect(playbook == nil)
        let diagnostic = try #require(diagnostics.first)
        #expect(diagnostics.count == 1)
        #expect(diagnostic.code == "yaml-syntax")
        #expect((diagnostic.line, diagnostic.column) == (9, 1))
    }

    @Test func duplicateMappingKeyPointsAtTheSecondOne() throws {
        let diagnostic = try #require(
            errors(header + "steps:\n  - id: a\n    tier: platform\n    tier: database\n", code: "duplicate-key").first)
        #expect((diagnostic.line, diagnostic.column) == (9, 5))
        #expect(diagnostic.message.contains("'tier'"))
        #expect(diagnostic.message.contains("line 8"))
    }

    @Test func emptyDocument() throws {
        for source in ["", "# nothing here\n", "---\n"] {
            let (playbook, diagnostics) = load(source)
            #expect(playbook == nil)
            #expect(diagnostics.map(\.code) == ["empty-document"])
            #expect(diagnostics.first.map { ($0.line, $0.column) == (1, 1) } == true)
        }
    }

    @Test func runAndShellTogether() throws {
        let source = header + "steps:\n  - id: a\n    tier: platform\n    run: [echo, hi]\n    shell: echo hi\n"
        let diagnostic = try #require(errors(source, code: "run-and-shell").first)
        #expect((diagnostic.line, diagnostic.column) == (10, 12))
    }

    @Test func badParameterDefault() throws {
        let source = header + "params:\n  port: {type: int, default: abc}\nsteps:\n  - id: a\n    tier: platform\n"
        let diagnostic = try #require(errors(source, code: "bad-parameter").first)
        #expect((diagnostic.line, diagnostic.column) == (7, 30))
        #expect(diagnostic.message.contains("not an int"))
    }

    @Test func undefinedParameterSuggestsTheDeclaredOne() throws {
        let source = header + """
            params:
              workdir: {default: /tmp}
            steps:
              - id: a
                tier: platform
                run: [ls, "${{ params.workdri }}"]
            """
        let diagnostic = try #require(errors(source, code: "undefined-parameter").first)
        #expect((diagnostic.line, diagnostic.column) == (11, 15))
        #expect(diagnostic.message.contains("did you mean 'workdir'?"))
    }

    @Test func otherExpressionsAreNotSupported() throws {
        let source = header + "steps:\n  - id: a\n    tier: platform\n    env: {OUT: \"${{ env.HOME }}\"}\n"
        let diagnostic = try #require(errors(source, code: "unsupported-expression").first)
        #expect((diagnostic.line, diagnostic.column) == (9, 16))
        #expect(diagnostic.message.contains("${{ steps.ID.outputs.NAME }}"))
    }

    @Test func parametersCannotBeInterpolatedIntoShellScripts() throws {
        let source = header + """
            params:
              name: {default: x}
            steps:
              - id: a
                tier: platform
                shell: echo ${{ params.name }}
            """
        let diagnostic = try #require(errors(source, code: "unsafe-interpolation").first)
        #expect((diagnostic.line, diagnostic.column) == (11, 12))
    }

    @Test func everyProblemIsReportedInOnePass() {
        let source = header + """
            owners: {}
            steps:
              - id: a
                tier: web
                timeout: soon
              - id: b
                tier: platform
                needs: [c]
            """
        let codes = load(source).diagnostics.map(\.code)
        #expect(codes == ["unknown-key", "unknown-tier", "bad-duration", "unknown-need"])
    }

    @Test func duplicateKeyInFlowMapping() throws {
        let source = "apiVersion: baton/v1\nkind: Playbook\nmetadata: {name: x, version: 1, name: y}\nsteps: []\n"
        let diagnostic = try #require(errors(source, code: "duplicate-key").first)
        #expect((diagnostic.line, diagnostic.column) == (3, 33))
    }

    @Test func moreThanOneDocumentIsAnError() throws {
        let diagnostic = try #require(load("apiVersion: baton/v1\n---\nkind: Playbook\n").diagnostics.first)
        #expect(diagnostic.code == "yaml-syntax")
        #expect((diagnostic.line, diagnostic.column) == (2, 1))
        #expect(diagnostic.message.contains("single YAML document"))
    }

    @Test func shellScriptInRunWithAParameterIsOnlyAWarning() throws {
        let source = header + """
            params:
              name: {default: x}
            steps:
              - id: a
                tier: platform
                run: [sh, -c, "echo ${{ params.name }}"]
                rollback: none
            """
        let (playbook, diagnostics) = load(source)
        #expect(playbook != nil)
        #expect(diagnostics.map(\.code) == ["unsafe-interpolation"])
        #expect(diagnostics.first?.severity == .warning)
        #expect(diagnostics.first.map { ($0.line, $0.column) == (11, 19) } == true)
    }
}
