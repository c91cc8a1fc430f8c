import BatonModel
import BatonAPI
import Hummingbird

/// Every route of the operator API: the single list that registration, method checks,
/// authorization and auditing read. Paths use `{name}` for a captured segment.
public enum OperatorRoute: String, CaseIterable, Sendable, CustomStringConvertible {
    case health
    case startRun
    case listRuns
    case getRun
    case runJournal
    case listAgents
    case rollbackPlan
    case completeStep
    case approveStep
    case denyStep
    case overrideStep
    case abortRun
    case pauseRun
    case resumeRun
    case retryRun
    case auditQuery
    case auditVerify
    case catalogPush
    case catalogList
    case catalogShow
    case catalogPublish
    case catalogDeprecate
    case catalogRetire
    case createToken
    case listTokens
    case revokeToken

    public var method: HTTPRequest.Method {
        switch self {
        case .startRun, .completeStep, .approveStep, .denyStep, .overrideStep, .catalogPush, .catalogPublish,
            .catalogDeprecate, .catalogRetire, .createToken, .revokeToken, .abortRun, .pauseRun, .resumeRun, .retryRun:
            .post
        case .health, .listRuns, .getRun, .runJournal, .listAgents, .rollbackPlan, .auditQuery, .auditVerify,
            .catalogList, .catalogShow, .listTokens:
            .get
        }
    }

    public var path: String {
        switch self {
        case .health: "/v1/health"
        case .startRun, .listRuns: "/v1/runs"
        case .getRun: "/v1/runs/{id}"
        case .runJournal: "/v1/runs/{id}/journal"
        case .listAgents: "/v1/agents"
        case .rollbackPlan: "/v1/runs/{id}/rollback-plan"
        case .completeStep: "/v1/runs/{id}/steps/{step}/complete"
        case .approveStep: "/v1/runs/{id}/steps/{step}/approve"
        case .denyStep: "/v1/runs/{id}/steps/{step}/deny"
        case .overrideStep: "/v1/runs/{id}/steps/{step}/override"
        case .abortRun: "/v1/runs/{id}/abort"
        case .pauseRun: "/v1/runs/{id}/pause"
        case .resumeRun: "/v1/runs/{id}/resume"
        case .retryRun: "/v1/runs/{id}/retry"
        case .auditQuery: "/v1/audit"
        case .auditVerify: "/v1/audit/verify"
        case .catalogPush, .catalogList: "/v1/catalog"
        case .catalogShow: "/v1/catalog/{name}/{version}"
        case .catalogPublish: "/v1/catalog/{name}/{version}/publish"
        case .catalogDeprecate: "/v1/catalog/{name}/{version}/deprecate"
        case .catalogRetire: "/v1/catalog/{name}/{version}/retire"
        case .createToken, .listTokens: "/v1/tokens"
        case .revokeToken: "/v1/tokens/{name}/revoke"
        }
    }

    /// The role a request needs for this route (see `OperatorRole.grants`). The switch has no
    /// default: a route without a rule does not compile.
    public var requiredRole: OperatorRole {
        switch self {
        case .health, .listRuns, .getRun, .runJournal, .listAgents, .rollbackPlan, .auditQuery, .catalogList,
            .catalogShow:
            .viewer
        // Retrying a step that requires an approval also needs `approver` (checked by the handler).
        case .startRun, .completeStep, .abortRun, .pauseRun, .resumeRun, .retryRun: .responder
        case .approveStep, .denyStep: .approver
        case .catalogPush: .author
        case .catalogPublish, .catalogDeprecate, .catalogRetire: .publisher
        case .overrideStep, .auditVerify, .createToken, .listTokens, .revokeToken: .admin
        }
    }

    /// `GET /v1/runs/{id}`.
    public var description: String { "\(method.rawValue) \(path)" }

    /// Whether `requestPath` (no query) has this route's shape; captured segments match any non-empty segment.
    public func matches(path requestPath: String) -> Bool {
        let pattern = Self.segments(path)
        let actual = Self.segments(requestPath)
        guard pattern.count == actual.count else { return false }
        return zip(pattern, actual).allSatisfy { expected, given in
            expected.hasPrefix("{") ? !given.isEmpty : expected == given
        }
    }

    static func segments(_ path: String) -> [Substring] {
        path.split(separator: "/", omittingEmptySubsequences: true)
    }
}

extension OperatorAPI {
    /// Every route, in registration order.
    public static let routes: [OperatorRoute] = OperatorRoute.allCases

    /// The methods registered for a path, for telling "wrong method" (405) from "no such path" (404).
    static func allowedMethods(forPath path: String) -> [HTTPRequest.Method] {
        routes.filter { $0.matches(path: path) }.map(\.method)
    }
}
