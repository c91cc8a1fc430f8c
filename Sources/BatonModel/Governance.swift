/// Governance values shared by the policy engine (BatonPolicy) and the scheduler (CoordinatorCore):
/// what a gate may know about the moment and what it decides.

/// Decides whether a step that is otherwise ready may start. BatonPolicy's `PolicySet` is one.
public protocol StepGate: Sendable {
    func gate(step: PlannedStep, context: GateContext) -> GateDecision
}

/// What happens when an approval is not given in time.
public enum ApprovalTimeoutAction: String, Hashable, Sendable, CaseIterable, Codable {
    case deny
    case allow
}

/// One `require_approval` rule's demand on one step. Each rule is its own requirement: quorums and
/// roles of different rules are never merged.
public struct ApprovalRequirement: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The rule id of an `approval:` written on a step (policy rules use their own ids).
    public static let stepRuleID = "approval"
    /// The operator roles an approval may name.
    public static let knownRoles = OperatorRole.allCases.map(\.rawValue)

    public var ruleID: String
    public var roles: [String]
    public var quorum: Int
    public var timeoutMilliseconds: Int64
    public var onTimeout: ApprovalTimeoutAction
    public var message: String

    public init(
        ruleID: String, roles: [String], quorum: Int, timeoutMilliseconds: Int64, onTimeout: ApprovalTimeoutAction,
        message: String = ""
    ) {
        self.ruleID = ruleID
        self.roles = roles
        self.quorum = quorum
        self.timeoutMilliseconds = timeoutMilliseconds
        self.onTimeout = onTimeout
        self.message = message
    }

    public var description: String {
        "rule \(ruleID): \(quorum) approval(s) from \(roles.joined(separator: " or ")) within "
            + "\(PlaybookDuration.format(milliseconds: timeoutMilliseconds)), else \(onTimeout.rawValue)"
    }
}

/// A rule that does not hold for a step, with the evidence that was missing.
public struct PolicyViolation: Hashable, Sendable, Codable, CustomStringConvertible {
    public var ruleID: String
    public var step: StepID
    /// The rule's message.
    public var message: String
    /// What was missing or wrong (`step restore-db (tags database.restore) has no ancestor tagged …`).
    public var missing: String

    public init(ruleID: String, step: StepID, message: String, missing: String) {
        self.ruleID = ruleID
        self.step = step
        self.message = message
        self.missing = missing
    }

    public var description: String { "\(missing); rule \(ruleID): \(message)" }
}

/// A step of the current run that has been verified, and when.
public struct VerifiedStep: Hashable, Sendable {
    public var id: StepID
    public var tier: Tier
    public var tags: [String]
    public var verifiedAt: Instant

    public init(id: StepID, tier: Tier, tags: [String], verifiedAt: Instant) {
        self.id = id
        self.tier = tier
        self.tags = tags
        self.verifiedAt = verifiedAt
    }
}

/// A step dispatched and not yet finished, in any run.
public struct InFlightStep: Hashable, Sendable {
    public var run: RunID
    public var id: StepID
    public var tier: Tier
    public var tags: [String]

    public init(run: RunID, id: StepID, tier: Tier, tags: [String]) {
        self.run = run
        self.id = id
        self.tier = tier
        self.tags = tags
    }
}

/// An operator's explicit permission to pass one rule for one step of the run being gated.
public struct PolicyOverride: Hashable, Sendable {
    public var ruleID: String
    public var step: StepID

    public init(ruleID: String, step: StepID) {
        self.ruleID = ruleID
        self.step = step
    }
}

/// Everything `gate` may know about the moment; the caller reads the clock and the store.
public struct GateContext: Hashable, Sendable {
    public var now: Instant
    /// The run the gated step belongs to.
    public var run: RunID
    /// The verified steps of that run so far.
    public var verified: [VerifiedStep]
    /// The steps in flight across all runs (the gated step itself, if listed, is ignored).
    public var inFlight: [InFlightStep]
    /// Overrides for this run: a rule with an override for the gated step is not applied to it.
    public var overrides: Set<PolicyOverride>
    /// `require_approval` rules whose approval has already been given for the gated step.
    public var approvedRules: Set<String>
    /// How many hosts a fan-out step would run on, when known (for `blast_radius` with mixed units).
    public var targetHosts: Int?

    public init(
        now: Instant, run: RunID, verified: [VerifiedStep] = [], inFlight: [InFlightStep] = [],
        overrides: Set<PolicyOverride> = [], approvedRules: Set<String> = [], targetHosts: Int? = nil
    ) {
        self.now = now
        self.run = run
        self.verified = verified
        self.inFlight = inFlight
        self.overrides = overrides
        self.approvedRules = approvedRules
        self.targetHosts = targetHosts
    }

    public func hasOverride(_ ruleID: String, _ step: StepID) -> Bool {
        overrides.contains(PolicyOverride(ruleID: ruleID, step: step))
    }
}

/// What the coordinator should do with a step that is ready to dispatch.
public enum GateDecision: Hashable, Sendable {
    case allow
    /// Refused: a `require_before` evidence is missing or too old, a freeze is active, or the fan-out is too wide.
    case deny([PolicyViolation])
    /// Try again later: a `max_concurrency` limit is full, or a `forbid_concurrent` step is in flight.
    case wait(String)
    /// Each unmet `require_approval` rule, as its own requirement.
    case needsApproval([ApprovalRequirement])
}


/// An operator's answer to a step awaiting approval.
public enum ApprovalDecision: String, Hashable, Sendable, Codable {
    case approve
    case deny
}

/// One operator's approval or denial of one step, bound to the plan they reviewed.
public struct ApprovalVote: Hashable, Sendable, Codable {
    /// The operator's name (the last segment of their certificate identity): one vote per name.
    public var approver: String
    /// Their certificate identity (`spiffe://<td>/operator/<role>/<name>`).
    public var principal: String
    /// The roles they held when they decided.
    public var roles: [String]
    public var decision: ApprovalDecision
    public var reason: String
    /// The plan hash and parameters the approver reviewed: a vote counts only for a run that has them.
    public var planHash: String
    public var parameters: [String: String]

    public init(
        approver: String, principal: String, roles: [String], decision: ApprovalDecision, reason: String,
        planHash: String, parameters: [String: String]
    ) {
        self.approver = approver
        self.principal = principal
        self.roles = roles
        self.decision = decision
        self.reason = reason
        self.planHash = planHash
        self.parameters = parameters
    }

    /// Whether the approver may answer `requirement` (`admin` may answer any).
    public func qualifies(for requirement: ApprovalRequirement) -> Bool {
        roles.contains(OperatorRole.admin.rawValue) || roles.contains(where: requirement.roles.contains)
    }
}

/// What an operator's override does to a step.
public enum OverrideKind: String, Hashable, Sendable, Codable, CaseIterable {
    /// The operator checked the postconditions themselves: the step counts as verified (with their evidence).
    case markVerified = "mark-verified"
    /// The step is not run: dependents proceed as after a `when:` that was false.
    case skip
    /// A failed or unknown step no longer holds the run back (dependents start; the step stays unverified);
    /// a step denied by a policy or an approver, or awaiting approval, is allowed to start.
    case forcePastFailure = "force-past-failure"
}

/// A manual override of one step: who, why, what it asserts.
public struct StepOverride: Hashable, Sendable, Codable {
    public var kind: OverrideKind
    /// The operator's certificate identity.
    public var principal: String
    public var reason: String
    /// What the operator observed (required for `mark-verified`).
    public var evidence: String
    /// Output values the operator supplies for a step marked verified.
    public var outputs: [String: String]

    public init(kind: OverrideKind, principal: String, reason: String, evidence: String = "", outputs: [String: String] = [:]) {
        self.kind = kind
        self.principal = principal
        self.reason = reason
        self.evidence = evidence
        self.outputs = outputs
    }
}

/// The operator name in a certificate identity: its last path segment (`…/operator/approver/bob` → `bob`).
public func operatorName(fromPrincipal principal: String) -> String {
    principal.split(separator: "/").last.map(String.init) ?? principal
}
