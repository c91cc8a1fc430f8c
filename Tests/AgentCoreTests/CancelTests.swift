import AgentCore
import BatonModel
import Testing

private extension Array where Element == AgentCore.Effect {
    var reports: [StepReport] {
        compactMap { if case .send(let report) = $0 { return report } else { return nil } }
    }
    var recorded: [StepReport] {
        compactMap { if case .record(let report) = $0 { return report } else { return nil } }
    }
}

@Suite("AgentCore cancellation")
struct CancelTests {
    let assignment = makeAssignment(pre: [])
    var cancel: CancelRequest { CancelRequest(key: assignment.key, reason: "run aborted by operator:bob: stop") }

    private func running() -> AgentCore {
        var core = AgentCore()
        _ = core.handle(.welcomed(epoch: 3))
        let effects = core.handle(.assignmentReceived(assignment, now: at(1000)))
        #expect(effects.contains { if case .runAction = $0 { return true } else { return false } })
        return core
    }

    @Test("a running action is stopped; once it ends the attempt is reported failed/cancelled with the stop evidence, never verified")
    func stopsRunningAction() throws {
        var core = running()
        #expect(core.handle(.cancelRequested(cancel, now: at(2000))) == [.stop(assignment.key)])
        #expect(core.handle(.cancelRequested(cancel, now: at(2001))).isEmpty, "a second cancel changes nothing")
        var result = ActionResult(exitCode: nil, terminatingSignal: 15)
        let stopped = Evidence(
            phase: .post, probe: "cancel: process group 4242", expected: "no process of the group is left",
            observed: "sent SIGTERM to process group 4242 (pids 4242 sh, 4243 sleep)", passed: true, at: at(2100))
        result.stopEvidence = [stopped]
        let effects = core.handle(.actionFinished(assignment.key, result, now: at(2100)))
        let report = try #require(effects.reports.first)
        #expect(effects.recorded == [report], "recorded in the journal before it is sent")
        #expect(report.outcome == .failed)
        #expect(report.failureKind == .cancelled)
        #expect(report.reason.contains("cancelled: run aborted by operator:bob: stop"))
        #expect(report.reason.contains("pids 4242 sh, 4243 sleep"))
        #expect(report.evidence == [stopped])
        #expect(report.outputs.isEmpty)
        #expect(core.inFlight.isEmpty)
    }

    @Test("a cancel for a finished attempt resends its report; for one never received it records it cancelled, so it never runs")
    func harmlessWhenNotRunning() throws {
        var core = running()
        let finished = core.handle(.actionFinished(assignment.key, ActionResult(exitCode: 0), now: at(1500)))
        let postDone = core.handle(.probesEvaluated(assignment.key, .post, passingPost, now: at(1600)))
        let report = try #require((finished + postDone).reports.first)
        #expect(report.outcome == .verified)
        #expect(core.handle(.cancelRequested(cancel, now: at(2000))) == [.send(report)])

        var fresh = AgentCore()
        _ = fresh.handle(.welcomed(epoch: 3))
        let never = fresh.handle(.cancelRequested(cancel, now: at(2000)))
        let cancelled = try #require(never.recorded.first)
        #expect(cancelled.failureKind == .cancelled)
        #expect(cancelled.reason.contains("nothing ran"))
        let late = fresh.handle(.assignmentReceived(assignment, now: at(2100)))
        #expect(late == [.send(cancelled)], "the late assignment gets the cancelled report; nothing runs")
    }

    @Test("a cancel while preconditions are checked ends the attempt at once: the action never runs")
    func cancelDuringPreconditions() throws {
        var core = AgentCore()
        _ = core.handle(.welcomed(epoch: 3))
        let withPre = makeAssignment()
        _ = core.handle(.assignmentReceived(withPre, now: at(1000)))
        let effects = core.handle(.cancelRequested(CancelRequest(key: withPre.key, reason: "stop"), now: at(1100)))
        #expect(effects.first == .stop(withPre.key))
        #expect(effects.reports.first?.failureKind == .cancelled)
        let afterProbes = core.handle(.probesEvaluated(withPre.key, .pre, [], now: at(1200)))
        #expect(!afterProbes.contains { if case .runAction = $0 { return true } else { return false } })
    }

    @Test("after a crash mid-cancel, recovery reports the attempt unknown (never verified) and kills its process group")
    func crashMidCancel() {
        var core = AgentCore()
        let effects = core.recover([.accepted(assignment), .started(assignment.key, processGroup: 4242)], now: at(5000))
        #expect(effects.contains(.killProcessGroup(4242)))
        #expect(effects.reports.isEmpty)
        #expect(core.outbox.first?.outcome == .unknown)
    }
}
