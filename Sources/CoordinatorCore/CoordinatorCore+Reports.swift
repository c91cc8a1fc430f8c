import BatonModel

extension CoordinatorCore {
    /// Applies a report if it belongs to the live attempt of its step; otherwise refuses it.
    mutating func receive(_ report: StepReport, from agent: AgentIdentity, now: Instant) {
        guard let run = runs[report.runID] else {
            effects.append(.refuseReport(agent, report.key, reason: "no run \(report.runID)"))
            return
        }
        guard let step = run.steps[report.stepID], let planned = run.planned(report.stepID) else {
            effects.append(.refuseReport(agent, report.key, reason: "run \(report.runID) has no step \(report.stepID)"))
            return
        }
        if report.attempt < step.attempt || (step.lastReport?.key == report.key && step.agent == agent) {
            // Already journaled (the agent resent it after a reconnect, perhaps after a later attempt
            // began: attempt n+1 exists only once attempt n's report is journaled): acknowledge again,
            // change nothing, so that it leaves the agent's outbox.
            effects.append(.acknowledge(agent, report.key))
            return
        }
        let live = step.status == .dispatched || (step.status == .unknown && step.leaseExpired)
        guard live, step.attempt == report.attempt, step.agent == agent else {
            effects.append(
                .refuseReport(
                    agent, report.key,
                    reason: "attempt \(report.attempt) of \(report.stepID) is not assigned to \(agent)"))
            return
        }
        record(report.runID, now, .stepReported(step: report.stepID, agent: agent, report: report))
        effects.append(.acknowledge(agent, report.key))
        guard run.phase.isActive else { return }

        let kind = report.failureKind ?? .action
        switch report.outcome {
        case .verified:
            if let parent = step.parent { concludeIfDone(report.runID, parent, now: now) }
            advance(report.runID, now: now)
        case .failed where report.attempt <= planned.retry.count && planned.retry.on.contains(kind):
            scheduleRetry(report, planned.retry, now: now)
        case .failed:
            let tries = report.attempt == 1 ? "" : " after \(report.attempt) attempts"
            failed(report.runID, report.stepID, reason: "step \(report.stepID) failed\(tries): \(report.reason)", now: now)
        case .unknown where planned.idempotent && report.attempt <= planned.retry.count + 1:
            // Idempotent: running it again is safe, and answers the question.
            scheduleRetry(report, planned.retry, now: now)
        case .unknown where planned.idempotent || step.parent != nil:
            // A host of a fanned-out step counts against max_errors; unknown never passes.
            failed(
                report.runID, report.stepID,
                reason: "step \(report.stepID) outcome unknown after \(report.attempt) attempt(s): \(report.reason)",
                now: now)
        case .unknown:
            record(
                report.runID, now,
                .runBlocked(
                    step: report.stepID,
                    reason:
                        "step \(report.stepID) is not idempotent and its outcome is unknown (\(report.reason)); an operator must decide"
                ))
        }
    }

    private mutating func scheduleRetry(_ report: StepReport, _ policy: RetryPolicy, now: Instant) {
        let delay = policy.delay(after: report.attempt)
        let why = report.outcome == .unknown ? "outcome unknown (\(report.reason))" : report.reason
        record(
            report.runID, now,
            .stepRetryScheduled(
                step: report.stepID, nextAttempt: report.attempt + 1, notBefore: now.adding(milliseconds: delay),
                reason: "backoff \(delay) ms after attempt \(report.attempt): \(why)"))
    }

    /// A step failed for good: a fan-out child counts against its parent's `max_errors`; a compensating
    /// step fails the rollback; any other step does what its `on_failure` says.
    mutating func failed(_ runID: RunID, _ id: StepID, reason: String, now: Instant) {
        guard let run = runs[runID], let planned = run.planned(id) else { return }
        if let parent = run.steps[id]?.parent {
            concludeIfDone(runID, parent, now: now)
            advance(runID, now: now)
            return
        }
        if run.isCompensating(id) {
            record(runID, now, .runFinished(phase: .failed, reason: "rollback stopped: \(reason)"))
            return
        }
        switch planned.onFailure {
        case .stop:
            record(runID, now, .runFinished(phase: .failed, reason: reason))
        case .pause:
            record(runID, now, .runBlocked(step: id, reason: "\(reason); on_failure is pause: an operator must decide"))
        case .continue:
            advance(runID, now: now)
        case .rollback:
            record(runID, now, .rollbackRequested(step: id, reason: reason))
            advance(runID, now: now)
        }
    }

    /// Concludes a fanned-out step once its children settle: failed as soon as more hosts failed than
    /// `max_errors` allows (no new host starts), verified when every host finished within it.
    mutating func concludeIfDone(_ runID: RunID, _ parentID: StepID, now: Instant) {
        guard let run = runs[runID], let parent = run.steps[parentID], parent.status == .dispatched,
            let targets = run.planned(parentID)?.targets
        else { return }
        let children = parent.children.compactMap { run.steps[$0] }
        // Unknown after a report counts as failed; unknown after a lapsed lease may still be reconciled.
        func hasFailed(_ child: StepState) -> Bool { child.status == .failed || (child.status == .unknown && !child.leaseExpired) }
        let failures = children.filter(hasFailed)
        let allowed = targets.maxErrors?.hosts(of: children.count) ?? 0
        let total = children.count
        if failures.count > allowed {
            let names = failures.map { $0.pinnedAgent?.description ?? $0.id.rawValue }.joined(separator: ", ")
            let reason =
                "\(failures.count) of \(total) hosts failed (max_errors \(targets.maxErrors?.description ?? "0")): \(names)"
            record(runID, now, .stepConcluded(step: parentID, outcome: .failed, reason: reason))
            failed(runID, parentID, reason: "step \(parentID) failed: \(reason)", now: now)
            return
        }
        guard children.allSatisfy({ $0.status == .verified || hasFailed($0) }) else { return }
        let verified = children.filter { $0.status == .verified }.count
        let tolerated = failures.isEmpty ? "" : "; \(failures.count) failure(s) tolerated (max_errors \(targets.maxErrors!))"
        record(
            runID, now, .stepConcluded(step: parentID, outcome: .verified, reason: "\(verified) of \(total) hosts verified\(tolerated)"))
    }

    /// `baton run complete-step`: an operator did a manual step's work.
    mutating func completeManually(_ runID: RunID, _ id: StepID, by operatorName: String, evidence: String, now: Instant) {
        guard let run = runs[runID] else {
            effects.append(.refuseCommand(reason: "no run \(runID)"))
            return
        }
        guard let step = run.steps[id], let planned = run.planned(id) else {
            effects.append(.refuseCommand(reason: "run \(runID) has no step \(id)"))
            return
        }
        guard planned.manualInstructions != nil else {
            effects.append(.refuseCommand(reason: "step \(id) is not a manual step; agents run it"))
            return
        }
        guard step.status == .awaitingOperator, run.phase.isActive else {
            effects.append(
                .refuseCommand(
                    reason: "step \(id) is \(step.status.rawValue) in a \(run.phase.rawValue) run; only a step awaiting an operator can be completed"))
            return
        }
        guard !evidence.allSatisfy(\.isWhitespace) else {
            effects.append(.refuseCommand(reason: "completing a manual step needs evidence (--evidence TEXT)"))
            return
        }
        record(runID, now, .stepCompletedByOperator(step: id, operator: operatorName, evidence: evidence))
        advance(runID, now: now)
    }
}
