import BatonModel
import BatonProto
import BatonWire
import SwiftProtobuf
import Testing

private let allProbeKinds: [Probe] = [
    .command(
        CommandProbe(
            argv: ["pg_isready", "-h", "db"], env: ["PGCONNECT_TIMEOUT": "2"], exitCode: 0, stdoutContains: "accepting",
            stdoutMatches: "^db:[0-9]+", timeoutMilliseconds: 3_000)),
    .command(CommandProbe(argv: ["/usr/bin/false"], exitCode: 1)),
    .file(FileProbe(path: "/srv/app/maintenance.flag", exists: true, contains: "on")),
    .file(FileProbe(path: "/srv/app/lock", exists: false)),
    .tcp(TCPProbe(host: "10.0.0.5", port: 5432, state: .open, timeoutMilliseconds: 1_500)),
    .tcp(TCPProbe(port: 65535, state: .closed)),
    .http(HTTPProbe(url: "https://app.internal/health", status: 204, timeoutMilliseconds: 2_500)),
    .command(
        CommandProbe(
            argv: ["pg_isready"], stderrContains: "accepting", stdoutEquals: "ok",
            json: JSONFieldCheck(path: "replicas.0.lag", equals: "0"), retry: ProbeRetry(forMilliseconds: 30_000))),
    .file(
        FileProbe(
            path: "/etc/app.conf", mode: 0o640, owner: "root", maxAgeMilliseconds: 600_000,
            retry: ProbeRetry(forMilliseconds: 5_000, intervalMilliseconds: 1_000))),
    .tcp(TCPProbe(port: 5432, retry: ProbeRetry(forMilliseconds: 2_000, intervalMilliseconds: 250))),
    .http(HTTPProbe(url: "http://app/health", bodyContains: "up", json: JSONFieldCheck(path: "status", equals: "up"))),
    .http(HTTPProbe(url: "https://app.internal:8443/health", caFile: "/etc/baton/app-ca.pem")),
    .process(ProcessProbe(target: .name("postgres"))),
    .process(ProcessProbe(target: .pidfile("/run/app.pid"), running: false, retry: ProbeRetry(forMilliseconds: 10_000))),
]

private func evidence() -> [Evidence] {
    [
        Evidence(
            phase: .pre, probe: "file /srv/app/lock", expected: "absent", observed: "absent", passed: true,
            at: Instant(millisecondsSinceEpoch: 1_700_000_000_001)),
        Evidence(
            phase: .post, probe: "http https://app.internal/health", expected: "status 204", observed: "status 503",
            passed: false, at: Instant(millisecondsSinceEpoch: 1_700_000_000_900)),
    ]
}

/// Model -> proto -> bytes -> proto -> model, as a message really travels.
func throughTheWire(_ assignment: Assignment) throws -> Assignment {
    let bytes: [UInt8] = try Baton_V1_Assignment(assignment).serializedBytes()
    return try Baton_V1_Assignment(serializedBytes: bytes).model()
}

func throughTheWire(_ report: StepReport) throws -> StepReport {
    let bytes: [UInt8] = try Baton_V1_Report(report).serializedBytes()
    return try Baton_V1_Report(serializedBytes: bytes).model()
}

private func validReportProto() -> Baton_V1_Report {
    Baton_V1_Report(
        StepReport(
            runID: "r-1", stepID: "s", attempt: 1, outcome: .verified, startedAt: Instant(millisecondsSinceEpoch: 1),
            finishedAt: Instant(millisecondsSinceEpoch: 2)))
}

@Suite("Proto <-> model mapping")
struct WireMappingTests {
    @Test("an assignment with every probe kind, an action and optional fields round-trips exactly")
    func assignmentRoundTrip() throws {
        let assignment = Assignment(
            runID: "r-000042-restore", stepID: "restart-app", attempt: 3, epoch: 18_000_000_000, pre: allProbeKinds,
            action: Action(argv: ["/bin/sh", "-c", "systemctl restart app"], env: ["LANG": "C", "MODE": "safe"]),
            post: Array(allProbeKinds.reversed()), timeoutMilliseconds: 120_000)
        #expect(try throughTheWire(assignment) == assignment)
        #expect(try Baton_V1_Assignment(assignment).model() == assignment)
    }

    @Test("an assignment with no action and no probes stays without them")
    func minimalAssignmentRoundTrip() throws {
        let assignment = Assignment(
            runID: "r-1", stepID: "noop", attempt: 1, epoch: 1, pre: [], action: nil, post: [], timeoutMilliseconds: 0)
        let proto = Baton_V1_Assignment(assignment)
        #expect(!proto.hasAction)
        let back = try throughTheWire(assignment)
        #expect(back == assignment)
        #expect(back.action == nil)
    }

    @Test("optional probe fields stay absent rather than becoming empty strings", arguments: allProbeKinds)
    func probeRoundTrip(probe: Probe) throws {
        let bytes: [UInt8] = try Baton_V1_Probe(probe).serializedBytes()
        #expect(try Baton_V1_Probe(serializedBytes: bytes).model() == probe)
    }

    @Test("a report with evidence, an exit code and output tails round-trips exactly")
    func reportRoundTrip() throws {
        let report = StepReport(
            runID: "r-000042-restore", stepID: "restart-app", attempt: 2, outcome: .failed,
            reason: "postcondition failed: http https://app.internal/health: expected status 204, observed status 503",
            exitCode: 0, evidence: evidence(), stdoutTail: "restarting…\ndone\n", stderrTail: "warning: slow start",
            startedAt: Instant(millisecondsSinceEpoch: 1_700_000_000_000),
            finishedAt: Instant(millisecondsSinceEpoch: 1_700_000_001_000))
        let back = try throughTheWire(report)
        #expect(back == report)
        #expect(back.exitCode == 0)  // present and zero, not absent
    }

    @Test("a report without an exit code keeps it absent", arguments: [Outcome.verified, .failed, .unknown])
    func reportWithoutExitCode(outcome: Outcome) throws {
        let report = StepReport(
            runID: "r-1", stepID: "probe-only", attempt: 1, outcome: outcome,
            reason: outcome == .verified ? "" : "killed by signal 9", exitCode: nil, evidence: [],
            startedAt: Instant(millisecondsSinceEpoch: 5), finishedAt: Instant(millisecondsSinceEpoch: 6))
        #expect(!Baton_V1_Report(report).hasExitCode)
        let back = try throughTheWire(report)
        #expect(back == report)
        #expect(back.exitCode == nil)
    }

    @Test("a negative exit code survives the wire")
    func negativeExitCode() throws {
        let report = StepReport(
            runID: "r-1", stepID: "s", attempt: 1, outcome: .failed, reason: "action exited with code -1", exitCode: -1,
            startedAt: Instant(millisecondsSinceEpoch: 0), finishedAt: Instant(millisecondsSinceEpoch: 0))
        #expect(try throughTheWire(report).exitCode == -1)
    }

    @Test("a report whose outcome is UNSPECIFIED is rejected with a clear error")
    func unspecifiedOutcomeRejected() throws {
        var proto = validReportProto()
        proto.outcome = .unspecified
        let error = #expect(throws: WireError.self) { try proto.model() }
        #expect(error?.description.contains("outcome") == true)

        // Also after a trip through bytes, where the field is simply missing.
        let bytes: [UInt8] = try proto.serializedBytes()
        #expect(throws: WireError.self) { try Baton_V1_Report(serializedBytes: bytes).model() }
    }

    @Test("a report with an outcome this side does not know is rejected")
    func unrecognizedOutcomeRejected() {
        var proto = validReportProto()
        proto.outcome = .UNRECOGNIZED(9)
        #expect(throws: WireError.self) { try proto.model() }
    }

    @Test("evidence without a phase is rejected")
    func evidenceWithoutPhase() {
        var proto = validReportProto()
        proto.evidence = [Baton_V1_Evidence.with { $0.probe = "file /x"; $0.passed = true }]
        let error = #expect(throws: WireError.self) { try proto.model() }
        #expect(error?.description.contains("phase") == true)
    }

    @Test("messages missing their run, step or attempt are rejected")
    func missingIdentifiers() {
        var report = validReportProto()
        report.attempt = 0
        #expect(throws: WireError.self) { try report.model() }
        report = validReportProto()
        report.runID = ""
        #expect(throws: WireError.self) { try report.model() }

        var assignment = Baton_V1_Assignment(
            Assignment(runID: "r-1", stepID: "s", attempt: 1, epoch: 1, pre: [], action: nil, post: [], timeoutMilliseconds: 1))
        assignment.stepID = ""
        #expect(throws: WireError.self) { try assignment.model() }
    }

    @Test("a probe from an older sender (no retry, no new fields) decodes with the defaults")
    func olderProbeDecodesWithDefaults() throws {
        let wire = Baton_V1_Probe.with { $0.file = .with { $0.path = "/x"; $0.exists = true } }
        #expect(try wire.model() == .file(FileProbe(path: "/x")))
        let retried = Baton_V1_Probe.with { $0.tcp = .with { $0.port = 80 }; $0.retryForMs = 3_000 }
        #expect(try retried.model().retry == ProbeRetry(forMilliseconds: 3_000, intervalMilliseconds: 500))
    }

    @Test("probes the model cannot represent are rejected")
    func invalidProbes() {
        #expect(throws: WireError.self) { try Baton_V1_Probe().model() }
        #expect(throws: WireError.self) { try Baton_V1_Probe.with { $0.tcp = .with { $0.port = 0 } }.model() }
        #expect(throws: WireError.self) { try Baton_V1_Probe.with { $0.tcp = .with { $0.port = 70_000 } }.model() }
        #expect(throws: WireError.self) { try Baton_V1_Probe.with { $0.command = .with { $0.argv = [] } }.model() }
        #expect(throws: WireError.self) { try Baton_V1_Probe.with { $0.file = .with { $0.path = "" } }.model() }
        #expect(throws: WireError.self) { try Baton_V1_Probe.with { $0.process = .with { $0.running = true } }.model() }
        #expect(throws: WireError.self) { try Baton_V1_Probe.with { $0.process = .with { $0.name = "" } }.model() }
        #expect(throws: WireError.self) {
            try Baton_V1_Probe.with { $0.file = .with { $0.path = "/x"; $0.mode = 0o10000 } }.model()
        }
        #expect(throws: WireError.self) {
            try Baton_V1_Probe.with { $0.http = .with { $0.url = "http://x/"; $0.json = .with { $0.equals = "x" } } }.model()
        }
        #expect(throws: WireError.self) { try Baton_V1_Action().model() }
    }
}
