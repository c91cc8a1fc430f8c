import BatonModel

/// An operator's command on a whole run (`baton run abort|pause|resume|retry`).
public enum RunCommand: Hashable, Sendable {
    /// Cancel every attempt in flight and start nothing new; with `rollback`, roll back the verified
    /// steps first (as `on_failure: rollback` does). The run ends `aborted`.
    case abort(reason: String, rollback: Bool)
    /// No new dispatch; steps in flight finish and are gated as usual.
    case pause(reason: String)
    case resume(reason: String)
    /// Run failed, unknown or cancelled steps again as new attempts (see `RunState.retryPlan`).
    case retry(step: StepID?, failedTargets: Bool, reason: String)

    /// `abort`, `pause`, `resume`, `retry`.
    public var name: String {
        switch self {
        case .abort: "abort"
        case .pause: "pause"
        case .resume: "resume"
        case .retry: "retry"
        }
    }
}

extension CoordinatorCore {
    mutating func control(_ runID: RunID, _ command: RunCommand, by principal: String, now: Instant) {
        guard let run = runs[runID] else {
            effects.append(.refuseCommand(reason: "no run \(runID)"))
            return
        }
        switch command {
        case .abort(let reason, let rollback):
            abort(run, by: principal, reason: reason, rollback: rollback, now: now)
        case .pause(let reason):
            guard run.phase == .running else {
                effects.append(.refuseCommand(reason: "run \(runID) is \(run.phase.rawValue); only a running run can be paused"))
                return
            }
            record(runID, now, .runPaused(by: principal, reason: reason))
        case .resume(let reason):
            guard run.phase == .paused else {
                effects.append(.refuseCommand(reason: "run \(runID) is \(run.phase.rawValue); only a paused run can be resumed"))
                return
            }
            record(runID, now, .runResumed(by: principal, reason: reason))
            advance(runID, now: now)
        case .retry(let step, let failedTargets, let reason):
            switch run.retryPlan(step: step, failedTargets: failedTargets) {
            case .failure(let refusal):
                effects.append(.refuseCommand(reason: refusal.description))
            case .success(let plan):
                record(runID, now, .runRetried(by: principal, reason: reason, steps: plan.steps))
                advance(runID, now: now)
            }
        }
    }

    private mutating func abort(_ run: RunState, by principal: String, reason: String, rollback: Bool, now: Instant) {
        let runID = run.runID
        guard !run.phase.isFinished else {
            effects.append(.refuseCommand(reason: "run \(runID) is \(run.phase.rawValue); only an unfinished run can be aborted"))
            return
        }
        guard !reason.allSatisfy(\.isWhitespace) else {
            effects.append(.refuseCommand(reason: "an abort needs a reason (--reason TEXT); it is journaled and audited"))
            return
        }
        if rollback, run.phase == .rollingBack {
            effects.append(
                .refuseCommand(
                    reason: "run \(runID) is already rolling back; abort without --rollback stops the rollback where it is"))
            return
        }
        record(runID, now, .runAborted(by: principal, reason: reason, rollback: rollback))
        let why = "run aborted by \(principal): \(reason)"
        for id in run.order {
            guard let step = runs[runID]?.steps[id] else { continue }
            if let agent = step.agent, RunState.isLive(step) {
                record(runID, now, .stepCancelRequested(step: id, attempt: step.attempt, agent: agent, reason: why))
                effects.append(.cancel(agent, CancelRequest(key: AttemptKey(runID: runID, stepID: id, attempt: step.attempt), reason: why)))
            } else if step.status == .retrying || (step.status == .dispatched && !step.children.isEmpty) {
                // A scheduled retry never starts; a fanned-out step ends with its hosts.
                record(runID, now, .stepCancelled(step: id, reason: why))
            }
        }
        if rollback {
            advance(runID, now: now)
        } else {
            record(runID, now, .runFinished(phase: .aborted, reason: runs[runID]!.reason))
        }
    }

    /// A cancelled attempt's agent answered a reconciliation: cancel it again if it still runs; if it never
    /// received it, it never ran and never will. Returns false when the attempt was not being cancelled.
    mutating func reconcileCancelled(_ key: AttemptKey, _ state: AttemptState, from agent: AgentIdentity, now: Instant) -> Bool {
        guard let step = runs[key.runID]?.steps[key.stepID], step.cancelRequested else { return false }
        switch state {
        case .running:
            effects.append(.cancel(agent, CancelRequest(key: key, reason: runs[key.runID]!.reason)))
        case .notFound:
            record(key.runID, now, .stepCancelled(step: key.stepID, reason: "\(agent) never received attempt \(key.attempt); it did not run"))
        case .completed:
            return false
        }
        return true
    }
}
