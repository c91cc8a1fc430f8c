// Approvals, denials and overrides: requests and the governance part of a step's view.

/// `POST /v1/runs/{id}/steps/{step}/approve` and `.../deny`.
public struct DecisionRequest: Codable, Sendable, Hashable {
    public var reason: String
    /// The plan hash the operator reviewed; the decision is void for a run with another plan.
    public var planHash: String
    /// The parameters the operator reviewed; the decision is void if any differs from the run's.
    public var parameters: [String: String]

    public init(reason: String, planHash: String, parameters: [String: String]) {
        self.reason = reason
        self.planHash = planHash
        self.parameters = parameters
    }
}

/// `POST /v1/runs/{id}/steps/{step}/override`.
public struct OverrideRequest: Codable, Sendable, Hashable {
    /// mark-verified, skip or force-past-failure.
    public var kind: String
    public var reason: String
    /// What the operator checked (required for mark-verified).
    public var evidence: String?
    /// Output values for a step marked verified.
    public var outputs: [String: String]?

    public init(kind: String, reason: String, evidence: String? = nil, outputs: [String: String]? = nil) {
        self.kind = kind
        self.reason = reason
        self.evidence = evidence
        self.outputs = outputs
    }
}

/// One approval or denial as shown to operators.
public struct VoteView: Codable, Sendable, Hashable {
    public var approver: String
    public var roles: [String]
    /// approve or deny.
    public var decision: String
    public var reason: String
    /// Whether it counts for this run (bound to the run's plan hash and parameters).
    public var counts: Bool

    public init(approver: String, roles: [String], decision: String, reason: String, counts: Bool) {
        self.approver = approver
        self.roles = roles
        self.decision = decision
        self.reason = reason
        self.counts = counts
    }
}

/// One override as shown to operators.
public struct OverrideView: Codable, Sendable, Hashable {
    public var kind: String
    public var by: String
    public var reason: String
    public var evidence: String?

    public init(kind: String, by: String, reason: String, evidence: String?) {
        self.kind = kind
        self.by = by
        self.reason = reason
        self.evidence = evidence
    }
}

/// The governance state of a step (absent when it has none).
public struct StepGovernanceView: Codable, Sendable, Hashable {
    /// Approvals still needed (`rule approval: 2 approval(s) from approver within 15m, else deny`).
    public var requirements: [String]
    /// When the step started waiting for approval (milliseconds since the epoch).
    public var approvalRequestedAt: Int64?
    public var votes: [VoteView]
    /// Why a policy or an approver refused it: `rule ID: missing evidence`.
    public var violations: [String]
    public var overrides: [OverrideView]

    public init(
        requirements: [String], approvalRequestedAt: Int64?, votes: [VoteView], violations: [String],
        overrides: [OverrideView]
    ) {
        self.requirements = requirements
        self.approvalRequestedAt = approvalRequestedAt
        self.votes = votes
        self.violations = violations
        self.overrides = overrides
    }
}
