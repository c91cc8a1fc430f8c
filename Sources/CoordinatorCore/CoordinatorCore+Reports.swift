import BatonModel

extension CoordinatorCore {
    /// Applies a report if it belongs to the live attempt of its step; otherwise refuses it.
    mutating func receive(_ report: StepReport, from agent: AgentIdentity, now: Instant) {
        guard let run = runs[report.runID] else {
            effects.append(.refuseReport(agent, report.key, reason: "no run \(report.runID)"))
            return
        }
        guard let step = run.steps[report.stepID], let planned = run.plan.step(report.stepID) else {
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
        guard run.phase == .running else { return }

        switch report.outcome {
        case .verified:
            advance(report.runID, now: now)
        case .failed where report.attempt <= planned.retries:
            scheduleRetry(report, now: now)
        case .failed:
            let tries = report.attempt == 1 ? "" : " after \(report.attempt) attempts"
            record(report.runID, now, .runFinished(phase: .failed, reason: "step \(report.stepID) failed\(tries): \(report.reason)"))
        case .unknown where planned.idempotent && report.attempt <= planned.retries + 1:
            // Idempotent: running it again is safe, and answers the question.
            scheduleRetry(report, now: now)
        case .unknown where planned.idempotent:
            record(
                report.runID, now,
                .runFinished(
                    phase: .failed,
                    reason: "step \(report.stepID) outcome unknown after \(report.attempt) attempts: \(report.reason)"))
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

    private mutating func scheduleRetry(_ report: StepReport, now: Instant) {
        let exponent = Int64(min(report.attempt - 1, 30))
        let delay = min(retryBackoffMilliseconds << exponent, retryBackoffMaximumMilliseconds)
        let why = report.outcome == .unknown ? "outcome unknown (\(report.reason))" : report.reason
        record(
            report.runID, now,
            .stepRetryScheduled(
                step: report.stepID, nextAttempt: report.attempt + 1, notBefore: now.adding(milliseconds: delay),
                reason: why))
    }
}
