import BatonModel

extension CoordinatorCore {
    /// What to do with a report: refuse it, acknowledge it again, or apply it to its live attempt.
    /// Decided without holding the run across a change (see `readiness`).
    private enum Arrival {
        case refuse(String)
        case duplicate
        case live(StepState, PlannedStep, runActive: Bool)
    }

    private func arrival(_ report: StepReport, from agent: AgentIdentity) -> Arrival {
        guard let run = table.runs[report.runID] else { return .refuse("no run \(report.runID)") }
        guard let step = run.steps[report.stepID], let planned = run.planned(report.stepID) else {
            return .refuse("run \(report.runID) has no step \(report.stepID)")
        }
        if report.attempt < step.attempt || (step.lastReport?.key == report.key && step.agent == agent) {
            // Already journaled (the agent resent it after a reconnect, perhaps after a later attempt
            // began: attempt n+1 exists only once attempt n's report is journaled): acknowledge again,
            // change nothing, so that it leaves the agent's outbox.
            return .duplicate
        }
        // A step journaled cancelled because its agent had not received the attempt may still hear of it
        // (the agent records the cancel, or a delayed assignment ran after all): the agent's report wins.
        let cancelledUnseen = step.status == .cancelled && step.lastReport?.key != report.key
        let live = step.status == .dispatched || (step.status == .unknown && step.leaseExpired) || cancelledUnseen
        guard live, step.attempt == report.attempt, step.agent == agent else {
            return .refuse("attempt \(report.attempt) of \(report.stepID) is not assigned to \(agent)")
        }
        // A paused run still gates what finishes in it (retries, failures); it only dispatches nothing new.
        return .live(step, planned, runActive: run.phase.isActive || run.phase == .paused)
    }

    /// Applies a report if it belongs to the live attempt of its step; otherwise refuses it.
    mutating func receive(_ report: StepReport, from agent: AgentIdentity, now: Instant) {
        let step: StepState, planned: PlannedStep, runActive: Bool
        switch arrival(report, from: agent) {
        case .refuse(let reason):
            effects.append(.refuseReport(agent, report.key, reason: reason))
            return
        case .duplicate:
            effects.append(.acknowledge(agent, report.key))
            return
        case .live(let state, let contract, let active):
            (step, planned, runActive) = (state, contract, active)
        }
        record(report.runID, now, .stepReported(step: report.stepID, agent: agent, report: report))
        effects.append(.acknowledge(agent, report.key))
        guard runActive else { return }

        let kind = report.failureKind ?? .action
        if kind == .cancelled, report.outcome == .failed {
            // Stopped by an abort: nothing follows from it but the rollback that may wait for it.
            advance(report.runID, now: now)
            return
        }
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
        guard let (outcome, reason) = conclusion(runID, parentID) else { return }
        record(runID, now, .stepConcluded(step: parentID, outcome: outcome, reason: reason))
        if outcome == .failed { failed(runID, parentID, reason: "step \(parentID) failed: \(reason)", now: now) }
    }

    /// How a fanned-out step concludes now, or nil while its hosts are still running.
    private func conclusion(_ runID: RunID, _ parentID: StepID) -> (Outcome, String)? {
        guard let run = table.runs[runID], let parent = run.steps[parentID], parent.status == .dispatched,
            let targets = run.planned(parentID)?.targets
        else { return nil }
        // One pass, reading only what is needed: this runs for every report of every host.
        var verified = 0, settled = 0
        var failures: [String] = []
        for child in parent.children {
            guard let state = run.steps[child] else { continue }
            // Unknown after a report counts as failed; unknown after a lapsed lease may still be reconciled.
            if state.status == .failed || (state.status == .unknown && !state.leaseExpired) {
                failures.append(state.pinnedAgent?.description ?? child.rawValue)
                settled += 1
            } else if state.status == .verified {
                verified += 1
                settled += 1
            }
        }
        let total = parent.children.count
        let allowed = targets.maxErrors?.hosts(of: total) ?? 0
        if failures.count > allowed {
            return (
                .failed,
                "\(failures.count) of \(total) hosts failed (max_errors \(targets.maxErrors?.description ?? "0")): "
                    + failures.joined(separator: ", ")
            )
        }
        guard settled == total else { return nil }
        let tolerated = failures.isEmpty ? "" : "; \(failures.count) failure(s) tolerated (max_errors \(targets.maxErrors!))"
        return (.verified, "\(verified) of \(total) hosts verified\(tolerated)")
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
