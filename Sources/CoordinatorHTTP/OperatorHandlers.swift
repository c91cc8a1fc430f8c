import BatonAPI
import BatonModel
import CoordinatorRuntime
import CoordinatorStore
import Hummingbird

/// `GET /v1/health`.
struct HealthResponse: Codable, Sendable, Hashable {
    var status: String
    var epoch: UInt64
}

/// The route handlers. `respond` is the one place a route is tied to its handler.
struct OperatorHandlers: Sendable {
    let coordinator: Coordinator
    let store: any OperatorStore
    let allowPlaybookUpload: Bool
    let maxBodySize: Int

    func respond(_ route: OperatorRoute, to request: Request, context: OperatorRequestContext) async throws -> Response {
        try Self.authorize(route, context.requireOperator())
        switch route {
        case .health:
            return JSONResponse.make(HealthResponse(status: "ok", epoch: await coordinator.epoch))
        case .startRun:
            return try await startRun(request, context: context)
        case .listRuns:
            return await listRuns()
        case .getRun:
            return try await getRun(context: context)
        case .runJournal:
            return try await runJournal(request, context: context)
        case .listAgents:
            return JSONResponse.make(AgentList(agents: await coordinator.agentViews()))
        case .rollbackPlan:
            return try await rollbackPlan(context: context)
        case .completeStep:
            return try await completeStep(request, context: context)
        case .approveStep:
            return try await decide(.approve, request, context: context)
        case .denyStep:
            return try await decide(.deny, request, context: context)
        case .overrideStep:
            return try await overrideStep(request, context: context)
        case .abortRun, .pauseRun, .resumeRun, .retryRun:
            return try await controlRun(route, request, context: context)
        case .auditQuery:
            return try await auditQuery(request)
        case .auditVerify:
            return try await auditVerify()
        case .catalogPush:
            return try await pushCatalogVersion(request, context: context)
        case .catalogList:
            return try await listCatalog()
        case .catalogShow:
            return try await showCatalogVersion(context: context)
        case .catalogPublish, .catalogDeprecate, .catalogRetire:
            return try await changeCatalogVersion(route, request, context: context)
        case .createToken:
            return try await createToken(request, context: context)
        case .listTokens:
            return try await listTokens()
        case .revokeToken:
            return try await revokeToken(context: context)
        }
    }
}

extension OperatorHandlers {
    /// Refuses (403) an operator none of whose roles grants the route's role.
    static func authorize(_ route: OperatorRoute, _ identity: OperatorIdentity) throws(APIError) {
        guard !identity.roles.grants(route.requiredRole) else { return }
        let held = identity.roles.isEmpty ? "no role (certificate role '\(identity.role)' is not a Baton role)" : "roles \(identity.roles.names)"
        throw APIError(
            .forbidden,
            "\(route) needs the role \(route.requiredRole); operator \(identity.name) has \(held). "
                + "Grant it in batond's --roles file or use a certificate with that role")
    }
}
