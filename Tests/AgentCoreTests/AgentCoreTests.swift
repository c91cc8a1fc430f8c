import AgentCore
import BatonModel
import Testing

func at(_ milliseconds: Int64) -> Instant { Instant(millisecondsSinceEpoch: milliseconds) }

let preProbes: [Probe] = [
    .file(FileProbe(path: "/var/run/app.pid")),
    .tcp(TCPProbe(port: 5432)),
]
private let postProbes: [Probe] = [
    .http(HTTPProbe(url: "http://127.0.0.1:8080/health")),
    .command(CommandProbe(argv: ["pg_isready"], stdoutContains: "accepting")),
]
private let restart = Action(argv: ["/usr/bin/systemctl", "restart", "app"], env: ["LANG": "C"])

func makeAssignment(
    attempt: Int = 1, epoch: UInt64 = 3, pre: [Probe] = preProbes, action: Action? = restart, post: [Probe] = postProbes
) -> Assignment {
    Assignment(
        runID: "r-000001", stepID: "restart-app", attempt: attempt, epoch: epoch, pre: pre, action: action, post: post,
        timeoutMilliseconds: 5_000)
}

private func evidence(_ phase: ProbePhase, _ probe: String, passed: Bool = true, at ms: Int64) -> Evidence {
    Evidence(
        phase: phase, probe: probe, expected: "healthy", observed: passed ? "healthy" : "refused", passed: passed, at: at(ms))
}

/// An agent welcomed at epoch 3 that has received `assignment` at t=1000.
private func started(_ assignment: Assignment = makeAssignment()) -> (AgentCore, [AgentCore.Effect]) {
    var core = AgentCore()
    #expect(core.handle(.welcomed(epoch: 3)).isEmpty)
    let effects = core.handle(.assignmentReceived(assignment, now: at(1000)))
    return (core, effects)
}

private let passingPre = [evidence(.pre, "file /var/run/app.pid", at: 1010), evidence(.pre, "tcp 127.0.0.1:5432", at: 1020)]
let passingPost = [
    evidence(.post, "http http://127.0.0.1:8080/health", at: 3010), evidence(.post, "command pg_isready", at: 3020),
]

private extension Array where Element == AgentCore.Effect {
    var runsAction: Bool {
        contains { if case .runAction = $0 { return true } else { return false } }
    }
    var sentReports: [StepReport] {
        compactMap { if case .send(let report) = $0 { return report } else { return nil } }
    }
    var evaluatesPost: Bool {
        contains { if case .evaluateProbes(_, .post, _) = $0 { return true } else { return false } }
    }
}

@Suite("AgentCore step runner")
struct AgentCoreTests {
    let key = makeAssignment().key

    @Test("pre probes are evaluated first and nothing else happens yet")
    func preProbesFirst() {
        let (core, effects) = started()
        #expect(effects == [.recordAccepted(makeAssignment()), .evaluateProbes(key, .pre, preProbes)])
        #expect(core.inFlight == [key])
        #expect(core.outbox.isEmpty)
    }

    @Test("a failing precondition reports failed and never runs the action")
    func failingPrecondition() throws {
        var (core, _) = started()
        let observed = [evidence(.pre, "file /var/run/app.pid", at: 1010), evidence(.pre, "tcp 127.0.0.1:5432", passed: false, at: 1020)]
        let effects = core.handle(.probesEvaluated(key, .pre, observed, now: at(1100)))
        #expect(!effects.runsAction)
        let report = try #require(effects.sentReports.first)
        #expect(effects == [.record(report), .send(report)])
        #expect(report.outcome == .failed)
        #expect(report.reason.hasPrefix("precondition failed"))
        #expect(report.reason.contains("tcp 127.0.0.1:5432"))
        #expect(report.exitCode == nil)
        #expect(report.evidence == observed)
        #expect(report.startedAt == at(1000) && report.finishedAt == at(1100))
        // A late action result for this attempt does nothing.
        #expect(core.handle(.actionFinished(key, ActionResult(exitCode: 0), now: at(1200))).isEmpty)
    }

    @Test("passing preconditions run the action with the assignment's timeout")
    func passingPreconditionRunsAction() {
        var (core, _) = started()
        let effects = core.handle(.probesEvaluated(key, .pre, passingPre, now: at(1100)))
        #expect(effects == [.runAction(key, restart, timeoutMilliseconds: 5_000)])
    }

    @Test("exit 0 then passing postconditions: record, then send a verified report with all evidence in order")
    func verifiedReport() throws {
        var (core, _) = started()
        _ = core.handle(.probesEvaluated(key, .pre, passingPre, now: at(1100)))
        let afterAction = core.handle(
            .actionFinished(key, ActionResult(exitCode: 0, stdoutTail: "restarted\n", stderrTail: "warn: slow\n"), now: at(3000)))
        #expect(afterAction == [.evaluateProbes(key, .post, postProbes)])

        let effects = core.handle(.probesEvaluated(key, .post, passingPost, now: at(3100)))
        try #require(effects.count == 2)
        guard case .record(let recorded) = effects[0], case .send(let sent) = effects[1] else {
            Issue.record("expected record then send, got \(effects)")
            return
        }
        #expect(recorded == sent)
        #expect(sent.outcome == .verified)
        #expect(sent.reason.isEmpty)
        #expect(sent.key == key)
        #expect(sent.exitCode == 0)
        #expect(sent.evidence == passingPre + passingPost)
        #expect(sent.stdoutTail == "restarted\n")
        #expect(sent.stderrTail == "warn: slow\n")
        #expect(sent.startedAt == at(1000) && sent.finishedAt == at(3100))
        #expect(core.outbox == [sent])
        #expect(core.inFlight.isEmpty)
    }

    @Test("a failing postcondition after exit 0 reports failed with the probe in the reason")
    func failingPostcondition() throws {
        var (core, _) = started()
        _ = core.handle(.probesEvaluated(key, .pre, passingPre, now: at(1100)))
        _ = core.handle(.actionFinished(key, ActionResult(exitCode: 0), now: at(3000)))
        let post = [passingPost[0], evidence(.post, "command pg_isready", passed: false, at: 3020)]
        let report = try #require(core.handle(.probesEvaluated(key, .post, post, now: at(3100))).sentReports.first)
        #expect(report.outcome == .failed)
        #expect(report.reason.hasPrefix("postcondition failed"))
        #expect(report.reason.contains("command pg_isready"))
        #expect(report.exitCode == 0)
        #expect(report.evidence == passingPre + post)
    }

    @Test("a non-zero exit reports failed without evaluating postconditions")
    func nonZeroExit() throws {
        var (core, _) = started()
        _ = core.handle(.probesEvaluated(key, .pre, passingPre, now: at(1100)))
        let effects = core.handle(.actionFinished(key, ActionResult(exitCode: 3, stderrTail: "boom"), now: at(2000)))
        #expect(!effects.evaluatesPost)
        let report = try #require(effects.sentReports.first)
        #expect(report.outcome == .failed)
        #expect(report.reason == "action exited with code 3")
        #expect(report.exitCode == 3)
        #expect(report.stderrTail == "boom")
        #expect(report.evidence == passingPre)
    }

    @Test("an action that timed out reports failed and says it timed out")
    func timedOut() throws {
        var (core, _) = started()
        _ = core.handle(.probesEvaluated(key, .pre, passingPre, now: at(1100)))
        let effects = core.handle(
            .actionFinished(key, ActionResult(exitCode: nil, terminatingSignal: 9, timedOut: true), now: at(6100)))
        #expect(!effects.evaluatesPost)
        let report = try #require(effects.sentReports.first)
        #expect(report.outcome == .failed)
        #expect(report.reason.contains("timed out"))
        #expect(report.reason.contains("5s"))
    }

    @Test("an action that could not start reports failed with the spawn error")
    func spawnError() throws {
        var (core, _) = started(makeAssignment(pre: []))
        let effects = core.handle(
            .actionFinished(key, ActionResult(exitCode: nil, spawnError: "no such file: systemctl"), now: at(1001)))
        let report = try #require(effects.sentReports.first)
        #expect(report.outcome == .failed)
        #expect(report.reason.contains("no such file: systemctl"))
    }

    @Test("a step with no probes and no action is verified at once")
    func emptyStep() throws {
        let (core, effects) = started(makeAssignment(pre: [], action: nil, post: []))
        let report = try #require(effects.sentReports.first)
        #expect(report.outcome == .verified)
        #expect(report.exitCode == nil)
        #expect(report.evidence.isEmpty)
        #expect(core.outbox == [report])
    }

    @Test("the same assignment delivered again while it runs produces nothing")
    func duplicateWhileRunning() {
        var (core, _) = started()
        #expect(core.handle(.assignmentReceived(makeAssignment(), now: at(1050))).isEmpty)
        _ = core.handle(.probesEvaluated(key, .pre, passingPre, now: at(1100)))
        #expect(core.handle(.assignmentReceived(makeAssignment(), now: at(1200))).isEmpty)
        _ = core.handle(.actionFinished(key, ActionResult(exitCode: 0), now: at(3000)))
        #expect(core.handle(.assignmentReceived(makeAssignment(), now: at(3050))).isEmpty)
        #expect(core.inFlight == [key])
    }

    @Test("the same assignment delivered after the report resends the stored report and never reruns the action")
    func duplicateAfterDone() throws {
        var (core, _) = started()
        _ = core.handle(.probesEvaluated(key, .pre, passingPre, now: at(1100)))
        _ = core.handle(.actionFinished(key, ActionResult(exitCode: 0), now: at(3000)))
        let report = try #require(core.handle(.probesEvaluated(key, .post, passingPost, now: at(3100))).sentReports.first)

        let again = core.handle(.assignmentReceived(makeAssignment(), now: at(9000)))
        #expect(again == [.send(report)])
        #expect(core.outbox == [report])  // not recorded twice

        // A new attempt of the same step is a different attempt and does run.
        let nextAttempt = core.handle(.assignmentReceived(makeAssignment(attempt: 2), now: at(9100)))
        #expect(
            nextAttempt == [
                .recordAccepted(makeAssignment(attempt: 2)), .evaluateProbes(makeAssignment(attempt: 2).key, .pre, preProbes),
            ])
    }

    @Test("an acknowledgement forgets the report and empties the outbox, once")
    func acknowledgement() throws {
        var (core, _) = started(makeAssignment(pre: [], action: nil, post: []))
        #expect(core.outbox.count == 1)
        #expect(core.handle(.reportAcknowledged(key)) == [.forget(key)])
        #expect(core.outbox.isEmpty)
        #expect(core.handle(.reportAcknowledged(key)).isEmpty)
        // An acknowledgement for an attempt never reported changes nothing.
        let other = AttemptKey(runID: "r-000002", stepID: "x", attempt: 1)
        #expect(core.handle(.reportAcknowledged(other)).isEmpty)
    }

    @Test("the outbox keeps unacknowledged reports oldest first")
    func outboxOrder() {
        var core = AgentCore()
        _ = core.handle(.welcomed(epoch: 1))
        let first = makeAssignment(attempt: 1, epoch: 1, pre: [], action: nil, post: [])
        let second = makeAssignment(attempt: 2, epoch: 1, pre: [], action: nil, post: [])
        _ = core.handle(.assignmentReceived(first, now: at(1)))
        _ = core.handle(.assignmentReceived(second, now: at(2)))
        #expect(core.outbox.map(\.key) == [first.key, second.key])
        _ = core.handle(.reportAcknowledged(first.key))
        #expect(core.outbox.map(\.key) == [second.key])
    }

    @Test("an assignment from an epoch older than the welcome is refused and nothing runs")
    func staleEpochRefused() throws {
        var core = AgentCore()
        _ = core.handle(.welcomed(epoch: 7))
        let stale = makeAssignment(epoch: 6)
        let effects = core.handle(.assignmentReceived(stale, now: at(1)))
        try #require(effects.count == 1)
        guard case .refuse(let refusedKey, let reason) = effects[0] else {
            Issue.record("expected a refusal, got \(effects)")
            return
        }
        #expect(refusedKey == stale.key)
        #expect(reason.contains("6") && reason.contains("7"))
        #expect(core.inFlight.isEmpty)
        #expect(core.outbox.isEmpty)

        // A later welcome from an older epoch does not lower the bar; the current epoch is accepted.
        _ = core.handle(.welcomed(epoch: 2))
        #expect(core.epoch == 7)
        #expect(core.handle(.assignmentReceived(makeAssignment(epoch: 7), now: at(2))) == [
            .recordAccepted(makeAssignment(epoch: 7)), .evaluateProbes(stale.key, .pre, preProbes),
        ])
    }

    @Test("probe results for an unknown attempt or the wrong phase are ignored")
    func strayProbeResults() {
        var (core, _) = started()
        #expect(core.handle(.probesEvaluated(key, .post, passingPost, now: at(1100))).isEmpty)
        let other = AttemptKey(runID: "r-000009", stepID: "restart-app", attempt: 1)
        #expect(core.handle(.probesEvaluated(other, .pre, passingPre, now: at(1100))).isEmpty)
        #expect(core.handle(.actionFinished(key, ActionResult(exitCode: 0), now: at(1100))).isEmpty)
        #expect(core.inFlight == [key])
    }
}
