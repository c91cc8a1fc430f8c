import BatonAPI
import BatonModel
import CoordinatorCore
import CoordinatorRuntime
import Hummingbird

extension OperatorHandlers {
    /// `POST /v1/runs/{id}/abort|pause|resume|retry`: 404 for an unknown run, 409 (naming the phase) when
    /// the command does not apply, 400 for a bad body, 403 for a retry of a step that requires an approval
    /// by an operator without the approver role. Answers the updated run.
    func controlRun(_ route: OperatorRoute, _ request: Request, context: OperatorRequestContext) async throws -> Response {
        let identity = try context.requireOperator()
        let runID = try Self.runID(context)
        let command: RunCommand
        switch route {
        case .abortRun:
            let body = try await RequestInput.decodeJSON(AbortRunRequest.self, from: request, limit: maxBodySize)
            guard !body.reason.allSatisfy(\.isWhitespace) else {
                throw APIError.badRequest("'reason' must not be empty; say why the run is aborted (baton run abort RUN --reason TEXT)")
            }
            command = .abort(reason: body.reason, rollback: body.rollback ?? false)
        case .pauseRun:
            let body = try await Self.optionalBody(PauseRunRequest.self, request, limit: maxBodySize) ?? PauseRunRequest()
            command = .pause(reason: body.reason ?? "")
        case .resumeRun:
            let body = try await Self.optionalBody(PauseRunRequest.self, request, limit: maxBodySize) ?? PauseRunRequest()
            command = .resume(reason: body.reason ?? "")
        default:
            let body = try await Self.optionalBody(RetryRunRequest.self, request, limit: maxBodySize) ?? RetryRunRequest()
            if let step = body.step, step.allSatisfy(\.isWhitespace) {
                throw APIError.badRequest("'step' must not be empty; leave it out to retry every failed, unknown or cancelled step")
            }
            let step = body.step.map { StepID($0) }
            let failedTargets = body.failedTargets ?? false
            try await authorizeRetry(runID, step: step, failedTargets: failedTargets, identity)
            command = .retry(step: step, failedTargets: failedTargets, reason: body.reason ?? "")
        }
        return try await self.command(runID) { try await coordinator.control(runID, command, by: identity.startedBy) }
    }

    /// A retry of a step that requires an approval needs the approver role as well.
    private func authorizeRetry(_ runID: RunID, step: StepID?, failedTargets: Bool, _ identity: OperatorIdentity) async throws {
        guard let run = await coordinator.run(runID) else { throw APIError.notFound("no run \(runID)") }
        guard case .success(let plan) = run.retryPlan(step: step, failedTargets: failedTargets), !plan.needingApproval.isEmpty,
            !identity.roles.grants(.approver)
        else { return }
        let steps = plan.needingApproval.map(\.rawValue).joined(separator: ", ")
        throw APIError(
            .forbidden,
            "retrying \(steps) needs the role approver (the step requires an approval); operator \(identity.name) has "
                + (identity.roles.isEmpty ? "no role" : "roles \(identity.roles.names)"))
    }

    /// Decodes a JSON body that may be absent (no bytes at all).
    static func optionalBody<T: Decodable>(_ type: T.Type, _ request: Request, limit: Int) async throws -> T? {
        if request.headers[.contentLength] == "0" { return nil }
        let buffer = try await request.body.collect(upTo: limit)
        guard buffer.readableBytes > 0 else { return nil }
        return try RequestInput.decodeJSON(type, from: buffer)
    }
}
