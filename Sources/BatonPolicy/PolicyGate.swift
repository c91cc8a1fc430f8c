import BatonModel
import BatonSpec

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
    /// Refused: a `require_before` evidence is missing or too old, a freeze is active, a forbidden
    /// concurrent step is running, or the fan-out is too wide.
    case deny([PolicyViolation])
    /// Try again later: a `max_concurrency` limit is full.
    case wait(String)
    /// Each unmet `require_approval` rule, as its own requirement.
    case needsApproval([ApprovalRequirement])
}

extension PolicySet {
    /// Decides whether `step` may start now. Denials come first (all of them), then approvals still
    /// needed, then concurrency limits; a rule with an override for the step is skipped.
    public func gate(step: PlannedStep, context: GateContext) -> GateDecision {
        var violations: [PolicyViolation] = []
        var approvals: [ApprovalRequirement] = []
        var waits: [String] = []
        let name = describeStep(step.id, tier: step.tier, tags: step.tags)
        let others = context.inFlight.filter { !($0.run == context.run && $0.id == step.id) }
        for rule in rules where !context.hasOverride(rule.id, step.id) {
            switch rule.kind {
            case .requireBefore(let selector, let before, let within):
                guard selector.matches(step) else { continue }
                let evidence = context.verified
                    .filter { $0.id != step.id && before.matches(id: $0.id, tier: $0.tier, tags: $0.tags) }
                    .max { $0.verifiedAt < $1.verifiedAt }
                guard let evidence else {
                    violations.append(rule.violation(step.id, "step \(name): no step \(before) has been verified in this run"))
                    continue
                }
                let age = context.now.millisecondsSinceEpoch - evidence.verifiedAt.millisecondsSinceEpoch
                if let within, age > within {
                    violations.append(
                        rule.violation(
                            step.id,
                            "step \(name): the latest step \(before) (\(evidence.id)) was verified "
                                + "\(PlaybookDuration.format(milliseconds: age)) ago, longer ago than "
                                + "\(PlaybookDuration.format(milliseconds: within))"))
                }
            case .requireApproval(let selector, let approval):
                if selector.matches(step), !context.approvedRules.contains(rule.id) { approvals.append(approval) }
            case .maxConcurrency(let selector, let limit):
                guard selector.matches(step) else { continue }
                let running = others.filter { selector.matches(id: $0.id, tier: $0.tier, tags: $0.tags) }
                if running.count >= limit {
                    let list = running.map { "\($0.id) (run \($0.run))" }.joined(separator: ", ")
                    waits.append(
                        "rule \(rule.id): \(running.count) step(s) \(selector) in flight, limit \(limit): \(list)")
                }
            case .forbidConcurrent(let tags):
                guard step.tags.contains(where: tags.contains) else { continue }
                for other in others where Self.conflict(step.tags, other.tags, forbidden: tags) {
                    violations.append(
                        rule.violation(
                            step.id,
                            "step \(name) may not run while \(describeStep(other.id, tier: other.tier, tags: other.tags)) "
                                + "of run \(other.run) is in flight"))
                }
            case .freeze(let selector, let windows):
                guard selector.matches(step), let window = windows.first(where: { $0.contains(context.now) }) else {
                    continue
                }
                violations.append(
                    rule.violation(step.id, "step \(name) is inside the freeze window \(window.text) and has no override"))
            case .blastRadius(let selector, let bound):
                if selector.matches(step), let excess = Self.blastExcess(step, bound: bound, hosts: context.targetHosts) {
                    violations.append(rule.violation(step.id, excess))
                }
            }
        }
        if !violations.isEmpty { return .deny(violations) }
        if !approvals.isEmpty { return .needsApproval(approvals) }
        if !waits.isEmpty { return .wait(waits.joined(separator: "; ")) }
        return .allow
    }
}
