import BatonAPI
import BatonModel
import CoordinatorRuntime
import Hummingbird

extension OperatorHandlers {
    /// `POST /v1/runs/{id}/steps/{step}/approve` and `.../deny` `{"reason", "planHash", "parameters"}`.
    func decide(_ decision: ApprovalDecision, _ request: Request, context: OperatorRequestContext) async throws -> Response {
        let identity = try context.requireOperator()
        let (runID, step) = try Self.runAndStep(context)
        let body = try await RequestInput.decodeJSON(DecisionRequest.self, from: request, limit: maxBodySize)
        let vote = ApprovalVote(
            approver: identity.name, principal: identity.startedBy, roles: identity.roles.sorted().map(\.rawValue),
            decision: decision, reason: body.reason, planHash: body.planHash, parameters: body.parameters)
        return try await command(runID) { try await coordinator.decide(runID, step, vote: vote) }
    }

    /// `POST /v1/runs/{id}/steps/{step}/override` `{"kind", "reason", "evidence", "outputs"}`.
    func overrideStep(_ request: Request, context: OperatorRequestContext) async throws -> Response {
        let identity = try context.requireOperator()
        let (runID, step) = try Self.runAndStep(context)
        let body = try await RequestInput.decodeJSON(OverrideRequest.self, from: request, limit: maxBodySize)
        guard let kind = OverrideKind(rawValue: body.kind) else {
            throw APIError.badRequest(
                "unknown override kind '\(body.kind)'; kinds: \(OverrideKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let override = StepOverride(
            kind: kind, principal: identity.startedBy, reason: body.reason, evidence: body.evidence ?? "",
            outputs: body.outputs ?? [:])
        return try await command(runID) { try await coordinator.override(runID, step, override) }
    }

    /// Runs an operator command on an existing run; a refusal is 409 with the core's reason. Returns the run.
    func command(_ runID: RunID, _ body: () async throws -> Void) async throws -> Response {
        guard await coordinator.run(runID) != nil else { throw APIError.notFound("no run \(runID)") }
        do {
            try await body()
        } catch let error as CoordinatorError where error.message != CoordinatorError.shuttingDown.message {
            throw APIError(.conflict, error.message)
        }
        guard let run = await coordinator.run(runID) else { throw APIError.notFound("no run \(runID)") }
        return JSONResponse.make(RunView(run))
    }

    static func runAndStep(_ context: OperatorRequestContext) throws(APIError) -> (RunID, StepID) {
        let runID = try runID(context)
        guard let step = context.parameters.get("step"), !step.isEmpty else {
            throw APIError.badRequest("the step id is missing from the path")
        }
        return (runID, StepID(step))
    }
}
