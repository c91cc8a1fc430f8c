import BatonModel

extension RunState {
    /// Pause, resume, abort, cancellation and retry.
    mutating func applyControl(_ record: JournalRecord) {
        switch record.event {
        case .runPaused(let by, let reason):
            phase = .paused
            self.reason = "paused by \(by)" + (reason.allSatisfy(\.isWhitespace) ? "" : ": \(reason)")
        case .runResumed:
            phase = .running
            reason = ""
        case .runAborted(let by, let reason, let rollback):
            abortedBy = by
            self.reason = "aborted by \(by)" + (reason.allSatisfy(\.isWhitespace) ? "" : ": \(reason)")
            if rollback {
                phase = .rollingBack
                blockedBy = nil
            }
        case .stepCancelRequested(let id, _, _, _):
            steps[id]?.cancelRequested = true
        case .stepCancelled(let id, let reason):
            steps[id]?.status = .cancelled
            steps[id]?.cancelRequested = false
            steps[id]?.note = reason
            steps[id]?.waitingReason = nil
            steps[id]?.retryNotBefore = nil
            steps[id]?.finishedAt = record.at
        case .runRetried(_, _, let ids):
            for id in ids {
                steps[id]?.status = .pending
                steps[id]?.note = nil
                steps[id]?.waitingReason = nil
                steps[id]?.retryNotBefore = nil
                steps[id]?.finishedAt = nil
                steps[id]?.leaseExpired = false
                steps[id]?.cancelRequested = false
                if let parent = steps[id]?.parent {
                    steps[parent]?.status = .dispatched
                    steps[parent]?.note = nil
                    steps[parent]?.finishedAt = nil
                }
            }
            if phase == .failed || phase == .aborted || phase == .blocked {
                phase = .running
                reason = ""
                finishedAt = nil
                blockedBy = nil
                abortedBy = nil
            }
        default:
            break
        }
    }

    /// Steps whose attempt is live on an agent: dispatched, or unknown while awaiting reconciliation.
    public var liveAttempts: [StepState] {
        orderedSteps.filter { $0.agent != nil && Self.isLive($0) }
    }

    static func isLive(_ step: StepState) -> Bool {
        step.children.isEmpty && (step.status == .dispatched || (step.status == .unknown && step.leaseExpired))
    }

    /// What `baton run retry` would run again, or why it cannot.
    ///
    /// Without `step`: every plan step that failed (other than under `on_failure: continue`), is unknown or
    /// was cancelled. With `step`: that step, which must be one of those (or failed under `continue`); on
    /// a finished or blocked run no other such step may remain (it would hold the run forever). A
    /// fanned-out step runs again on every host, or with `failedTargets` only on the hosts that failed,
    /// are unknown or were cancelled.
    public func retryPlan(step: StepID?, failedTargets: Bool) -> Result<RetryPlan, RetryRefusal> {
        switch phase {
        case .running, .blocked, .failed, .aborted, .paused:
            break
        case .succeeded:
            return .failure(RetryRefusal("run \(runID) succeeded; there is nothing to retry"))
        case .rollingBack, .rolledBack:
            return .failure(RetryRefusal("run \(runID) is \(phase.rawValue); its verified steps were rolled back, so start a new run"))
        }
        if compensation != nil || rollbackTrigger != nil {
            return .failure(RetryRefusal("run \(runID) rolled back its verified steps; retry is not possible, start a new run"))
        }
        let cancelling = steps.values.filter { $0.cancelRequested && Self.isLive($0) }.map(\.id.rawValue).sorted()
        if !cancelling.isEmpty {
            return .failure(
                RetryRefusal(
                    "run \(runID) still waits for its agents to report the cancelled attempt(s) of \(cancelling.joined(separator: ", ")); retry once they have"))
        }
        let open = plan.steps.filter { planned in
            guard let state = steps[planned.id], Self.retryable(state) else { return false }
            return !(state.status == .failed && planned.onFailure == .continue)
        }.map(\.id)
        var chosen: [StepID]
        if let step {
            guard let state = steps[step], !isCompensating(step) else {
                return .failure(RetryRefusal("run \(runID) has no step \(step)"))
            }
            if let parent = state.parent {
                return .failure(
                    RetryRefusal("\(step) is one host of the fanned-out step \(parent); retry \(parent) with --failed-targets"))
            }
            guard Self.retryable(state) else {
                return .failure(
                    RetryRefusal("step \(step) is \(state.status.rawValue); retry applies to a failed, unknown or cancelled step"))
            }
            let others = open.filter { $0 != step }
            if phase != .running && phase != .paused, !others.isEmpty {
                return .failure(
                    RetryRefusal(
                        "run \(runID) also has \(others.map(\.rawValue).joined(separator: ", ")) failed, unknown or cancelled; "
                            + "retry without --step to run them all again"))
            }
            chosen = [step]
        } else {
            // An aborted run with nothing cancelled (it was paused, say) is simply reopened.
            guard !open.isEmpty || phase == .aborted else {
                return .failure(RetryRefusal("run \(runID) has no failed, unknown or cancelled step to retry"))
            }
            chosen = open
        }
        if phase == .blocked, let blocker = blockedBy, !chosen.contains(blocker) {
            return .failure(
                RetryRefusal("run \(runID) is blocked by step \(blocker) (\(reason)); retry \(blocker), or override it"))
        }
        var ids: [StepID] = []
        for id in chosen {
            guard let state = steps[id] else { continue }
            if state.children.isEmpty {
                ids.append(id)
                continue
            }
            let hosts = state.children.filter { child in
                guard let host = steps[child] else { return false }
                return !failedTargets || Self.retryable(host)
            }
            guard !hosts.isEmpty else {
                return .failure(RetryRefusal("no host of step \(id) failed, is unknown or was cancelled; nothing to retry"))
            }
            ids += hosts
        }
        let needingApproval = chosen.filter { plan.step($0)?.approval != nil }
        return .success(RetryPlan(steps: ids, needingApproval: needingApproval))
    }

    private static func retryable(_ step: StepState) -> Bool {
        switch step.status {
        case .failed, .cancelled: return true
        case .unknown: return !step.leaseExpired
        default: return false
        }
    }
}

/// The steps a retry runs again (plan steps, or single hosts of a fanned-out step), and the plan steps
/// among them that require an approval (retrying those needs the approver role).
public struct RetryPlan: Hashable, Sendable {
    public var steps: [StepID]
    public var needingApproval: [StepID]
}

/// Why a retry does not apply.
public struct RetryRefusal: Error, Hashable, Sendable, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}
