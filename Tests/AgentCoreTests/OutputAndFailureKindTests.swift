import BatonModel
import Testing

@testable import AgentCore

private let action = Action(argv: ["/usr/local/bin/lag-report"])
private let healthProbe = Probe.http(HTTPProbe(url: "http://127.0.0.1:8080/health"))

private func outputsAssignment(
    _ outputs: [OutputSpec], pre: [Probe] = [], action: Action? = action, post: [Probe] = []
) -> Assignment {
    Assignment(
        runID: "r-9", stepID: "measure", attempt: 1, epoch: 1, pre: pre, action: action, post: post,
        timeoutMilliseconds: 2_000, outputs: outputs)
}

private func observed(_ phase: ProbePhase, _ text: String, passed: Bool = true) -> Evidence {
    Evidence(phase: phase, probe: "http x", expected: "status 200", observed: text, passed: passed, at: at(5))
}

/// Runs `assignment` through the core: `pre` evidence, then the action's `result`, then `post`
/// evidence (each only when the core asks for it), and returns the report it sends.
private func report(
    _ assignment: Assignment, pre: [Evidence] = [], result: ActionResult? = nil, post: [Evidence] = []
) throws -> StepReport {
    var core = AgentCore()
    var effects = core.handle(.assignmentReceived(assignment, now: at(1)))
    for _ in 0..<4 {
        if let sent = effects.compactMap({ effect -> StepReport? in
            if case .send(let report) = effect { return report } else { return nil }
        }).first {
            #expect(effects.contains(.record(sent)))
            return sent
        }
        let next = try #require(effects.last)
        switch next {
        case .evaluateProbes(let key, .pre, _): effects = core.handle(.probesEvaluated(key, .pre, pre, now: at(2)))
        case .evaluateProbes(let key, .post, _): effects = core.handle(.probesEvaluated(key, .post, post, now: at(4)))
        case .runAction(let key, _, _):
            effects = core.handle(.actionFinished(key, try #require(result), now: at(3)))
        default: Issue.record("unexpected effect \(next)")
        }
    }
    throw FailedToReport()
}

private struct FailedToReport: Error {}

private func stdout(_ text: String, truncated: Bool = false) -> ActionResult {
    ActionResult(exitCode: 0, stdoutTail: String(text.suffix(10)), stdout: text, stdoutTruncated: truncated)
}

@Suite("Declared outputs")
struct OutputTests {
    @Test("a JSON object on stdout: strings as is, numbers and booleans as written, nested values as compact JSON")
    func jsonStdout() throws {
        let specs = [
            OutputSpec(name: "lag", type: .int, source: .stdout(key: "lag_bytes")),
            OutputSpec(name: "leader", type: .string, source: .stdout(key: "leader")),
            OutputSpec(name: "ok", type: .bool, source: .stdout(key: "healthy")),
            OutputSpec(name: "ratio", type: .string, source: .stdout(key: "ratio")),
            OutputSpec(name: "replicas", type: .string, source: .stdout(key: "replicas")),
            OutputSpec(name: "meta", type: .string, source: .stdout(key: "meta")),
            OutputSpec(name: "note", type: .string, source: .stdout(key: "note")),
        ]
        let json = """
            {"lag_bytes": 1024, "leader": "db-2", "healthy": true, "ratio": 1.50e0,
             "replicas": [ "db-1", {"lag": 3} ], "meta": { "a b": "x y", "n": null }, "note": "tab\\t\\u00e9\\ud83d\\ude00"}

            """
        let sent = try report(outputsAssignment(specs), result: stdout(json))
        #expect(sent.outcome == .verified)
        #expect(sent.failureKind == nil)
        #expect(
            sent.outputs == [
                "lag": "1024", "leader": "db-2", "ok": "true", "ratio": "1.50e0", "replicas": #"["db-1",{"lag":3}]"#,
                "meta": #"{"a b":"x y","n":null}"#, "note": "tab\té😀",
            ])
    }

    @Test("key=value lines: the first = splits, a later duplicate wins, a trailing CR is dropped")
    func keyValueStdout() throws {
        let specs = [
            OutputSpec(name: "lag", type: .int, source: .stdout(key: "lag_bytes")),
            OutputSpec(name: "url", type: .string, source: .stdout(key: "url")),
            OutputSpec(name: "empty", type: .string, source: .stdout(key: "empty")),
        ]
        let text = "starting\nlag_bytes=5\r\nurl=http://x/?a=b\nlag_bytes=0007\r\nempty=\n"
        let sent = try report(outputsAssignment(specs), result: stdout(text))
        #expect(sent.outcome == .verified)
        #expect(sent.outputs == ["lag": "7", "url": "http://x/?a=b", "empty": ""])
    }

    @Test("stdout that is not a single JSON object is read as key=value lines")
    func notJSONFallsBackToLines() {
        #expect(StdoutValues(#"{"a": 1} trailing"#).format == .lines)
        #expect(StdoutValues("[1, 2]").format == .lines)
        #expect(StdoutValues(#"{"a": 01}"#).format == .lines)
        #expect(StdoutValues(#"{"a": "unterminated}"#).format == .lines)
        #expect(StdoutValues(#"{"a": tru}"#).format == .lines)
        #expect(StdoutValues("{\"a\": \"raw\ncontrol\"}").format == .lines)
        #expect(StdoutValues(String(repeating: "[", count: 600) + String(repeating: "]", count: 600)).format == .lines)
        #expect(StdoutValues("  {}  \n").format == .jsonObject)
        #expect(StdoutValues(#"{"a": 1, "a": 2}"#).values == ["a": "2"])
        #expect(StdoutValues(#"{"n": -0.5E+3}"#).values == ["n": "-0.5E+3"])
        #expect(StdoutValues("lost=1\nkept=2", truncated: true).values == ["kept": "2"])
    }

    @Test("a probe's observed text becomes the output")
    func probeObserved() throws {
        let specs = [
            OutputSpec(name: "version", type: .string, source: .probe(phase: .pre, index: 1)),
            OutputSpec(name: "answer", type: .string, source: .probe(phase: .post, index: 0)),
        ]
        let assignment = outputsAssignment(specs, pre: [healthProbe, healthProbe], action: nil, post: [healthProbe])
        let sent = try report(
            assignment, pre: [observed(.pre, "status 200"), observed(.pre, "v1.2.3")], post: [observed(.post, "open")])
        #expect(sent.outcome == .verified)
        #expect(sent.outputs == ["version": "v1.2.3", "answer": "open"])
    }

    @Test("a missing stdout key fails the attempt with kind output and names the output")
    func missingKey() throws {
        let specs = [OutputSpec(name: "lag_bytes", type: .int, source: .stdout(key: "lag_bytes"))]
        let sent = try report(outputsAssignment(specs), result: stdout("other=1\n"))
        #expect(sent.outcome == .failed)
        #expect(sent.failureKind == .output)
        #expect(sent.reason == "output lag_bytes: stdout has no key lag_bytes")
        #expect(sent.outputs.isEmpty)

        let empty = try report(outputsAssignment(specs), result: stdout(""))
        #expect(empty.reason == "output lag_bytes: stdout has no key lag_bytes (stdout was empty)")
        let cut = try report(outputsAssignment(specs), result: stdout("lag_bytes=1", truncated: true))
        #expect(cut.reason == "output lag_bytes: stdout has no key lag_bytes (only the last 11 bytes of stdout were read)")
    }

    @Test("a value of the wrong type fails the attempt with kind output")
    func mistyped() throws {
        let lag = [OutputSpec(name: "lag_bytes", type: .int, source: .stdout(key: "lag_bytes"))]
        let sent = try report(outputsAssignment(lag), result: stdout("lag_bytes=abc\n"))
        #expect(sent.outcome == .failed)
        #expect(sent.failureKind == .output)
        #expect(sent.reason == "output lag_bytes must be an int, got 'abc'")

        let flag = [OutputSpec(name: "healthy", type: .bool, source: .stdout(key: "healthy"))]
        let json = try report(outputsAssignment(flag), result: stdout(#"{"healthy": "yes\nno"}"#))
        #expect(json.reason == "output healthy must be a bool, got 'yes\\nno'")
    }

    @Test("outputs that cannot exist fail clearly: stdout of a step without action, a probe that is not there")
    func impossibleSources() throws {
        let fromStdout = [OutputSpec(name: "x", type: .string, source: .stdout(key: "x"))]
        let noAction = try report(outputsAssignment(fromStdout, action: nil))
        #expect(noAction.failureKind == .output)
        #expect(noAction.reason == "output x: the step has no action, so no stdout to read key x from")

        let fromProbe = [OutputSpec(name: "y", type: .string, source: .probe(phase: .post, index: 2))]
        let missing = try report(outputsAssignment(fromProbe, action: nil, post: [healthProbe]), post: [observed(.post, "ok")])
        #expect(missing.reason == "output y: there is no post probe 2 (the step has 1)")
    }

    @Test("an output value larger than 64 KiB fails the attempt")
    func oversizedValue() throws {
        let specs = [OutputSpec(name: "blob", type: .string, source: .stdout(key: "blob"))]
        let sent = try report(outputsAssignment(specs), result: stdout("blob=" + String(repeating: "x", count: 70_000)))
        #expect(sent.failureKind == .output)
        #expect(sent.reason == "output blob is 70000 bytes long, more than the 65536 an output may hold")
    }
}

@Suite("Failure kinds")
struct FailureKindTests {
    private let post = [healthProbe]

    @Test("a failing precondition is kind precondition")
    func precondition() throws {
        let sent = try report(outputsAssignment([], pre: [healthProbe]), pre: [observed(.pre, "status 503", passed: false)])
        #expect(sent.outcome == .failed && sent.failureKind == .precondition)
    }

    @Test(
        "a failing action is kind action, or timeout when it was killed at the timeout",
        arguments: [
            (ActionResult(exitCode: 3), FailureKind.action, "action exited with code 3"),
            (ActionResult(exitCode: nil, spawnError: "no such file: x"), .action, "action could not start: no such file: x"),
            (ActionResult(exitCode: nil, terminatingSignal: 9), .action, "action was killed by signal 9"),
            (ActionResult(exitCode: nil, terminatingSignal: 15, timedOut: true), .timeout,
             "action timed out after 2s; its process group was killed"),
        ])
    func action(result: ActionResult, kind: FailureKind, reason: String) throws {
        let sent = try report(outputsAssignment([], post: post), result: result)
        #expect(sent.outcome == .failed)
        #expect(sent.failureKind == kind)
        #expect(sent.reason == reason)
    }

    @Test("a failing postcondition is kind postcondition")
    func postcondition() throws {
        let sent = try report(
            outputsAssignment([], post: post), result: ActionResult(exitCode: 0), post: [observed(.post, "status 503", passed: false)])
        #expect(sent.outcome == .failed && sent.failureKind == .postcondition)
    }

    @Test("verified and unknown reports carry no failure kind")
    func noKind() throws {
        let verified = try report(outputsAssignment([], post: post), result: ActionResult(exitCode: 0), post: [observed(.post, "ok")])
        #expect(verified.outcome == .verified && verified.failureKind == nil)

        var core = AgentCore()
        let assignment = outputsAssignment([])
        _ = core.handle(.assignmentReceived(assignment, now: at(1)))
        let abandoned = core.handle(.abandoned(assignment.key, now: at(2)))
        #expect(core.outbox.first?.outcome == .unknown)
        #expect(core.outbox.first?.failureKind == nil)
        #expect(abandoned.count == 2)
    }
}
