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
            steps: run.orderedSteps.map { StepView($0, planned: run.planned($0.id), run: run) })
        rollbackTrigger = run.rollbackTrigger?.rawValue
        automated = run.automated
        compensation = run.compensation?.map(\.rawValue)
    }
}

extension RollbackPlanView {
    public init(_ run: RunState) {
        self.init(
            runID: run.runID.rawValue, planned: run.compensation != nil, trigger: run.rollbackTrigger?.rawValue,
            steps: run.compensationPlan.compactMap { id in
                guard let planned = run.plan.step(id) else { return nil }
                return RollbackStepView(
                    id: id.rawValue, undoes: (id.undoes ?? id).rawValue, tier: planned.tier.rawValue,
                    argv: planned.action?.argv ?? [], post: planned.post.map(\.description),
                    status: run.steps[id]?.status.rawValue ?? StepStatus.pending.rawValue)
            })
    }
}

extension StepView {
    init(_ step: StepState, planned: PlannedStep?, run: RunState) {
        let report = step.lastReport
        let needs = step.parent == nil ? planned?.needs ?? [] : []
        self.init(
            id: step.id.rawValue, tier: step.tier.rawValue, needs: needs.map(\.rawValue), status: step.status.rawValue,
            attempt: step.attempt, agent: step.agent?.description, waitingReason: step.waitingReason,
            reason: report.flatMap { $0.reason.isEmpty ? nil : $0.reason }, exitCode: report?.exitCode,
            evidence: report?.evidence ?? [], stdoutTail: report?.stdoutTail, stderrTail: report?.stderrTail,
            dispatchedAt: step.dispatchedAt?.millisecondsSinceEpoch, finishedAt: step.finishedAt?.millisecondsSinceEpoch)
        parent = step.parent?.rawValue
        module = planned?.module
        note = step.note
        completedBy = step.completedBy
        instructions = planned?.manualInstructions
        outputs = report.flatMap { $0.outputs.isEmpty ? nil : $0.outputs }
        failureKind = report?.failureKind?.rawValue
        let shown = step.status == .awaitingApproval || !step.votes.isEmpty || !step.violations.isEmpty || !step.overrides.isEmpty
        guard shown else { return }
        let votes = step.votes.map { vote in
            VoteView(
                approver: vote.approver, roles: vote.roles, decision: vote.decision.rawValue, reason: vote.reason,
                counts: vote.planHash == run.plan.hash && vote.parameters == run.plan.parameters)
        }
        governance = StepGovernanceView(
            requirements: step.status == .awaitingApproval ? step.requirements.map(\.description) : [],
            approvalRequestedAt: step.approvalRequestedAt?.millisecondsSinceEpoch, votes: votes,
            violations: step.violations.map(\.description),
            overrides: step.overrides.map {
                OverrideView(kind: $0.kind.rawValue, by: $0.principal, reason: $0.reason, evidence: $0.evidence.isEmpty ? nil : $0.evidence)
            })
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
