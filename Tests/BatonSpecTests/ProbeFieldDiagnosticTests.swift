import BatonModel
import BatonSpec
import Foundation
import Testing

/// The newer probe fields (command stderr/equals/json, file mode/owner/max_age, http body/json,
/// process, retry_for): each mistake is reported with its code and exact position.
/// Every probe here is on line 10, written after `      - ` (so its kind starts at column 9).
@Suite struct ProbeFieldDiagnosticTests {
    func source(_ probe: String) -> String {
        header + "steps:\n  - id: a\n    tier: platform\n    post:\n      - " + probe + "\n"
    }

    func only(_ probe: String, code: String) throws -> Diagnostic {
        let found = errors(source(probe), code: code)
        #expect(found.count == 1, "\(load(source(probe)).diagnostics)")
        return try #require(found.first)
    }

    // MARK: command

    @Test func stderrContainsMustBeAString() throws {
        let diagnostic = try only("command: {run: [x], stderr_contains: [a]}", code: "type-mismatch")
        #expect((diagnostic.line, diagnostic.column) == (10, 46))
        #expect(diagnostic.message.contains("stderr_contains of the command probe"))
    }

    @Test func stdoutEqualsChecksItsParameters() throws {
        let diagnostic = try only(#"command: {run: [x], stdout_equals: "${{ params.nope }}"}"#, code: "undefined-parameter")
        #expect((diagnostic.line, diagnostic.column) == (10, 44))
    }

    @Test func commandJSONNeedsEquals() throws {
        let diagnostic = try only("command: {run: [x], json: {path: a.b}}", code: "missing-key")
        #expect((diagnostic.line, diagnostic.column) == (10, 35))
        #expect(diagnostic.message.contains("'equals'"))
    }

    @Test func commandJSONPathWithAnEmptySegment() throws {
        let diagnostic = try only("command: {run: [x], json: {path: a..b, equals: x}}", code: "bad-value")
        #expect((diagnostic.line, diagnostic.column) == (10, 42))
        #expect(diagnostic.message.contains("'a..b'"))
    }

    // MARK: file

    @Test func fileModeMustBeOctal() throws {
        let diagnostic = try only(#"file: {path: /x, mode: "0948"}"#, code: "bad-value")
        #expect((diagnostic.line, diagnostic.column) == (10, 32))
        #expect(diagnostic.message.contains("octal permission string"))
    }

    @Test func fileOwnerMustBeAUserNameOrUid() throws {
        let diagnostic = try only(#"file: {path: /x, owner: "a b"}"#, code: "bad-value")
        #expect((diagnostic.line, diagnostic.column) == (10, 33))
    }

    @Test func fileMaxAgeMustBeADuration() throws {
        let diagnostic = try only("file: {path: /x, max_age: soon}", code: "bad-duration")
        #expect((diagnostic.line, diagnostic.column) == (10, 35))
        #expect(diagnostic.message.contains("max_age of the file probe"))
    }

    @Test func anAbsentFileHasNoMode() throws {
        let diagnostic = try only(#"file: {path: /x, exists: false, mode: "0644"}"#, code: "bad-value")
        #expect((diagnostic.line, diagnostic.column) == (10, 41))
        #expect(diagnostic.message.contains("cannot also check mode"))
    }

    // MARK: http

    @Test func bodyContainsMustBeAString() throws {
        let diagnostic = try only("http: {url: http://x/, body_contains: {a: b}}", code: "type-mismatch")
        #expect((diagnostic.line, diagnostic.column) == (10, 47))
    }

    @Test func httpJSONRejectsUnknownKeys() throws {
        let diagnostic = try only("http: {url: http://x/, json: {path: a, equal: b}}", code: "unknown-key")
        #expect((diagnostic.line, diagnostic.column) == (10, 48))
        #expect(diagnostic.message.contains("did you mean 'equals'?"))
    }

    // MARK: process

    @Test func processTakesNameOrPidfileNotBoth() throws {
        let diagnostic = try only("process: {name: app, pidfile: /run/app.pid}", code: "bad-value")
        #expect((diagnostic.line, diagnostic.column) == (10, 30))
    }

    @Test func processNeedsANameOrPidfile() throws {
        let diagnostic = try only("process: {running: false}", code: "missing-key")
        #expect((diagnostic.line, diagnostic.column) == (10, 18))
        #expect(diagnostic.message.contains("'name' or 'pidfile'"))
    }

    @Test func processNameLongerThanCommCanHold() throws {
        let diagnostic = try only("process: {name: postgres-replica-1}", code: "bad-value")
        #expect((diagnostic.line, diagnostic.column) == (10, 25))
        #expect(diagnostic.message.contains("longer than 15 bytes"))
    }

    @Test func processRunningMustBeABool() throws {
        let diagnostic = try only("process: {name: app, running: maybe}", code: "type-mismatch")
        #expect((diagnostic.line, diagnostic.column) == (10, 39))
    }

    // MARK: retry_for

    @Test func retryForMustBeADuration() throws {
        let diagnostic = try only("tcp: {port: 80, retry_for: 30}", code: "bad-duration")
        #expect((diagnostic.line, diagnostic.column) == (10, 36))
        #expect(diagnostic.message.contains("retry_for of the tcp probe"))
    }

    @Test func retryIntervalNeedsRetryFor() throws {
        let diagnostic = try only("file: {path: /x, retry_interval: 1s}", code: "bad-value")
        #expect((diagnostic.line, diagnostic.column) == (10, 26))
        #expect(diagnostic.message.contains("needs retry_for"))
    }

    @Test func retryIntervalLongerThanRetryFor() throws {
        let diagnostic = try only("process: {name: app, retry_for: 1s, retry_interval: 2s}", code: "bad-value")
        #expect((diagnostic.line, diagnostic.column) == (10, 61))
        #expect(diagnostic.message.contains("longer than retry_for"))
    }

    // MARK: planning

    @Test func everyNewFieldReachesThePlan() throws {
        let source = header + """
            params:
              want: {default: ready}
            steps:
              - id: a
                tier: platform
                post:
                  - command: {run: [x], stdout_equals: "${{ params.want }}", stderr_contains: warn, json: {path: a.0, equals: "${{ params.want }}"}}
                  - file: {path: /x, mode: "0640", owner: root, max_age: 10m, retry_for: 30s}
                  - http: {url: "http://127.0.0.1:1/", body_contains: ok, json: {path: status, equals: up}, retry_for: 5s, retry_interval: 1s}
                  - process: {name: postgres}
                  - process: {pidfile: /run/app.pid, running: false}
            """
        let plan = try Planner.plan(try loadClean(source), parameters: [:]).get()
        let post = try #require(plan.step("a")?.post)
        #expect(post == [
            .command(
                CommandProbe(
                    argv: ["x"], stderrContains: "warn", stdoutEquals: "ready", json: JSONFieldCheck(path: "a.0", equals: "ready"))),
            .file(FileProbe(path: "/x", mode: 0o640, owner: "root", maxAgeMilliseconds: 600_000, retry: ProbeRetry(forMilliseconds: 30_000))),
            .http(
                HTTPProbe(
                    url: "http://127.0.0.1:1/", bodyContains: "ok", json: JSONFieldCheck(path: "status", equals: "up"),
                    retry: ProbeRetry(forMilliseconds: 5_000, intervalMilliseconds: 1_000))),
            .process(ProcessProbe(target: .name("postgres"))),
            .process(ProcessProbe(target: .pidfile("/run/app.pid"), running: false)),
        ])
    }
}

/// Every one-line probe example in docs/playbooks.md loads without a diagnostic.
@Suite struct ProbeDocumentationTests {
    @Test func everyProbeExampleInThePlaybookReferenceLints() throws {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/playbooks.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        let examples = text.matches(of: /`(- (?:command|file|tcp|http|process): \{.*?\})`/).map {
            String($0.1).replacingOccurrences(of: "\\|", with: "|")
        }
        #expect(examples.count == 30)
        for example in examples {
            let source = header + "steps:\n  - id: a\n    tier: platform\n    post:\n      " + example + "\n"
            #expect(load(source).diagnostics.isEmpty, "\(example): \(load(source).diagnostics)")
        }
    }
}
