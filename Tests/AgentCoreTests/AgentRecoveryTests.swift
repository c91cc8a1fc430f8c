import AgentCore
import BatonModel
import Testing

/// The agent's journal after a crash, and the coordinator's reconciliation questions.
@Suite("AgentCore recovery and reconciliation")
struct AgentRecoveryTests {
    let assignment = makeAssignment(pre: [], post: [])

    @Test("an attempt accepted but never completed is reported unknown after a restart, and its process group killed")
    func interruptedAttemptBecomesUnknown() throws {
        var core = AgentCore()
        let effects = core.recover([.accepted(assignment), .started(assignment.key, processGroup: 4242)], now: at(5000))
        #expect(effects.first == .killProcessGroup(4242))
        guard case .record(let report)? = effects.last else {
            Issue.record("expected the unknown report to be journaled, got \(effects)")
            return
        }
        #expect(report.key == assignment.key)
        #expect(report.outcome == .unknown)
        #expect(report.reason.contains("stopped while this attempt was running"))
        #expect(core.outbox == [report])
        // Delivered again by the coordinator: the stored report, never a second run.
        #expect(core.handle(.assignmentReceived(assignment, now: at(6000))) == [.send(report)])
    }

    @Test("completed and acknowledged attempts come back as they were")
    func completedAttemptsSurvive() {
        let report = StepReport(
            runID: assignment.runID, stepID: assignment.stepID, attempt: 1, outcome: .verified, startedAt: at(1),
            finishedAt: at(2))
        let other = makeAssignment(attempt: 2, pre: [], post: [])
        let otherReport = StepReport(
            runID: other.runID, stepID: other.stepID, attempt: 2, outcome: .failed, reason: "x", startedAt: at(3),
            finishedAt: at(4))
        var core = AgentCore()
        let effects = core.recover(
            [.accepted(assignment), .completed(report), .accepted(other), .completed(otherReport), .acknowledged(report.key)],
            now: at(10))
        #expect(effects.isEmpty)
        #expect(core.outbox == [otherReport])
        #expect(core.inFlight.isEmpty)
    }

    @Test("reconciliation answers completed, running and not found")
    func reconcileAnswers() {
        var core = AgentCore()
        _ = core.handle(.welcomed(epoch: 3))
        let running = makeAssignment(attempt: 1)
        _ = core.handle(.assignmentReceived(running, now: at(1)))
        let finished = makeAssignment(attempt: 2, pre: [], action: nil, post: [])
        let finishedEffects = core.handle(.assignmentReceived(finished, now: at(2)))
        let report = finishedEffects.compactMap { effect -> StepReport? in
            if case .send(let report) = effect { return report }
            return nil
        }.first
        let unknownKey = AttemptKey(runID: "r-000404", stepID: "never", attempt: 1)
        let effects = core.handle(.reconcileRequested([running.key, finished.key, unknownKey]))
        guard case .reconcileReply(let states)? = effects.first, let report else {
            Issue.record("expected a reconcile reply, got \(effects)")
            return
        }
        #expect(states[running.key] == .running)
        #expect(states[finished.key] == .completed(report))
        #expect(states[unknownKey] == .notFound)
    }
}
