import BatonModel

extension RunState {
    /// The compensation plan: the compensating step of every verified forward step that declared one,
    /// newest verification first. Steps with `rollback: none` (or none declared) are left out.
    /// Once a rollback is planned this is the plan being run; before, it is what would run now.
    public var compensationPlan: [StepID] {
        if let compensation { return compensation }
        let verified = order.enumerated().compactMap { index, id -> (Instant, Int, StepID)? in
            guard let step = steps[id], step.status == .verified, step.parent == nil, !isCompensating(id),
                plan.step(id)?.rollback == .step, let at = step.finishedAt
            else { return nil }
            return (at, index, id)
        }
        return verified.sorted { ($0.0, $0.1) > ($1.0, $1.1) }.map { StepID.rollback(of: $0.2) }
    }

    /// Forward steps still in flight (dispatched, retrying, or unknown awaiting reconciliation).
    var forwardStepsInFlight: Bool {
        steps.values.contains { step in
            !isCompensating(step.id)
                && (step.status == .dispatched || step.status == .retrying || (step.status == .unknown && step.leaseExpired))
        }
    }
}

extension CoordinatorCore {
    /// Runs the compensation plan one step at a time, each gated on the previous one being verified.
    /// The plan is fixed only once no forward step is in flight, so a step that verifies late is rolled back too.
    mutating func advanceCompensation(_ runID: RunID, now: Instant) {
        guard let run = runs[runID], run.phase == .rollingBack else { return }
        guard let compensation = run.compensation else {
            guard !run.forwardStepsInFlight else { return }
            let plan = run.compensationPlan
            record(runID, now, .compensationPlanned(steps: plan))
            if plan.isEmpty {
                let phase: RunPhase = run.abortedBy == nil ? .failed : .aborted
                record(runID, now, .runFinished(phase: phase, reason: "\(run.reason); nothing to roll back"))
                return
            }
            advanceCompensation(runID, now: now)
            return
        }
        for id in compensation {
            guard let step = runs[runID]!.steps[id], let planned = runs[runID]!.planned(id) else { continue }
            switch step.status {
            case .verified:
                continue
            case .pending, .waiting:
                break
            case .retrying:
                guard let notBefore = step.retryNotBefore, now >= notBefore else { return }
            default:
                return
            }
            if let agent = pickAgent(for: planned.tier) {
                dispatch(runID, id, to: agent, now: now)
            } else {
                wait(runID, id, reason: "no connected agent of tier \(planned.tier)", now: now)
            }
            return
        }
        let undone = compensation.map { ($0.undoes ?? $0).rawValue }.joined(separator: ", ")
        // An operator's abort ends aborted (the rollback was its first part); a failure's rollback ends rolled-back.
        let phase: RunPhase = run.abortedBy == nil ? .rolledBack : .aborted
        record(runID, now, .runFinished(phase: phase, reason: "\(run.reason); rolled back \(undone)"))
    }
}
