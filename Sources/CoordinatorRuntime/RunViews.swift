import BatonAPI
import BatonModel
import CoordinatorCore
import CoordinatorStore

extension RunView {
    /// The operator's view of a run.
    public init(_ run: RunState) {
        self.init(
            runID: run.runID.rawValue, incident: run.incident, playbook: run.plan.playbookName,
            playbookVersion: run.plan.playbookVersion, planHash: run.plan.hash, parameters: run.plan.parameters,
            phase: run.phase.rawValue, reason: run.reason, startedBy: run.startedBy,
            startedAt: run.startedAt.millisecondsSinceEpoch, finishedAt: run.finishedAt?.millisecondsSinceEpoch,
            steps: run.plan.steps.compactMap { planned in
                run.steps[planned.id].map { StepView($0, needs: planned.needs) }
            })
    }
}

extension StepView {
    init(_ step: StepState, needs: [StepID]) {
        let report = step.lastReport
        self.init(
            id: step.id.rawValue, tier: step.tier.rawValue, needs: needs.map(\.rawValue), status: step.status.rawValue,
            attempt: step.attempt, agent: step.agent?.description, waitingReason: step.waitingReason,
            reason: report.flatMap { $0.reason.isEmpty ? nil : $0.reason }, exitCode: report?.exitCode,
            evidence: report?.evidence ?? [], stdoutTail: report?.stdoutTail, stderrTail: report?.stderrTail,
            dispatchedAt: step.dispatchedAt?.millisecondsSinceEpoch, finishedAt: step.finishedAt?.millisecondsSinceEpoch)
    }
}

extension JournalEntryView {
    public init(_ stored: StoredRecord) {
        self.init(
            sequence: stored.sequence, at: stored.record.at.millisecondsSinceEpoch, runID: stored.record.runID.rawValue,
            kind: stored.record.event.kind, stepID: stored.record.event.stepID?.rawValue,
            summary: stored.record.event.summary)
    }
}
