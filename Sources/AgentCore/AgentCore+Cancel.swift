import BatonModel

extension AgentCore {
    /// A cancel stops a running action (its report follows once the process group is gone), ends an attempt
    /// checking its probes at once, sends a finished attempt's report again, and records an attempt never
    /// received as cancelled (so that it never runs if its assignment arrives late). Never runs anything.
    mutating func cancel(_ request: CancelRequest, now: Instant) -> [Effect] {
        let key = request.key
        switch attempts[key] {
        case .done(let report)?:
            return [.send(report)]
        case .running?:
            guard cancelling[key] == nil else { return [] }
            cancelling[key] = request.reason
            return [.stop(key)]
        case .checkingPreconditions(let assignment, let startedAt)?:
            return [.stop(key)]
                + finish(
                    assignment, startedAt: startedAt,
                    .failed(.cancelled, "cancelled while checking preconditions: \(request.reason); the action did not run"),
                    evidence: [], result: nil, now: now)
        case .checkingPostconditions(let assignment, let startedAt, let evidence, let result)?:
            let action = result.map { " (the action had finished: \($0.summary))" } ?? ""
            return [.stop(key)]
                + finish(
                    assignment, startedAt: startedAt,
                    .failed(.cancelled, "cancelled while checking postconditions\(action): \(request.reason)"),
                    evidence: evidence, result: result, now: now)
        case nil:
            let report = StepReport(
                runID: key.runID, stepID: key.stepID, attempt: key.attempt, outcome: .failed,
                reason: "cancelled before this agent received the attempt: \(request.reason); nothing ran", startedAt: now,
                finishedAt: now, failureKind: .cancelled)
            return recordDone(report)
        }
    }
}
