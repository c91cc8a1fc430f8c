import BatonModel
import BatonSpec

/// Which steps a rule applies to. Every criterion written must hold: `tags` (the step carries any of
/// them), `tier` (the step's tier) and `ids` (the step is one of them). At least one is written.
public struct StepSelector: Hashable, Sendable, CustomStringConvertible {
    public var tags: [String]
    public var tier: Tier?
    public var ids: [StepID]

    public init(tags: [String] = [], tier: Tier? = nil, ids: [StepID] = []) {
        self.tags = tags
        self.tier = tier
        self.ids = ids
    }

    public func matches(id: StepID, tier: Tier, tags: some Sequence<String>) -> Bool {
        if let wanted = self.tier, wanted != tier { return false }
        if !ids.isEmpty, !ids.contains(id) { return false }
        if !self.tags.isEmpty, !tags.contains(where: self.tags.contains) { return false }
        return true
    }

    public func matches(_ step: PlannedStep) -> Bool { matches(id: step.id, tier: step.tier, tags: step.tags) }

    /// `tagged database.restore`, `of tier database`, `with id a or b`, joined by `and`.
    public var description: String {
        var parts: [String] = []
        if !tags.isEmpty { parts.append("tagged \(tags.joined(separator: " or "))") }
        if let tier { parts.append("of tier \(tier)") }
        if !ids.isEmpty { parts.append("with id \(ids.map(\.rawValue).joined(separator: " or "))") }
        return parts.joined(separator: " and ")
    }
}

/// A closed-open interval `[from, to)` during which matching steps may not start.
public struct FreezeWindow: Hashable, Sendable {
    public var from: Instant
    public var to: Instant
    /// The window as written, for messages.
    public var text: String

    public init(from: Instant, to: Instant, text: String) {
        self.from = from
        self.to = to
        self.text = text
    }

    public func contains(_ instant: Instant) -> Bool { from <= instant && instant < to }
}

/// What a rule demands.
public enum PolicyRuleKind: Hashable, Sendable {
    /// Every step matching `step` needs a step matching `before` earlier: an ancestor through `needs`
    /// in the plan, and verified in the run (no longer ago than `withinMilliseconds`) at dispatch.
    case requireBefore(step: StepSelector, before: StepSelector, withinMilliseconds: Int64?)
    case requireApproval(step: StepSelector, approval: ApprovalRequirement)
    /// At most `limit` matching steps in flight at once, across all runs.
    case maxConcurrency(step: StepSelector, limit: Int)
    /// Two steps carrying different tags of `tags` may not run at the same time.
    case forbidConcurrent(tags: [String])
    case freeze(step: StepSelector, windows: [FreezeWindow])
    /// A fan-out step matching `step` must declare a `serial` no larger than `max`.
    case blastRadius(step: StepSelector, max: HostAmount)

    /// The name written in `kind:`.
    public var name: String {
        switch self {
        case .requireBefore: return "require_before"
        case .requireApproval: return "require_approval"
        case .maxConcurrency: return "max_concurrency"
        case .forbidConcurrent: return "forbid_concurrent"
        case .freeze: return "freeze"
        case .blastRadius: return "blast_radius"
        }
    }

    public static let names = [
        "require_before", "require_approval", "max_concurrency", "forbid_concurrent", "freeze", "blast_radius",
    ]
}

/// One rule of a policy file, with where it was written.
public struct PolicyRule: Hashable, Sendable {
    public var id: String
    public var message: String
    public var kind: PolicyRuleKind
    /// `metadata.name` of the policy that holds it.
    public var policy: String
    public var file: String
    public var line: Int
    public var column: Int

    public init(
        id: String, message: String, kind: PolicyRuleKind, policy: String = "", file: String = "", line: Int = 1,
        column: Int = 1
    ) {
        self.id = id
        self.message = message
        self.kind = kind
        self.policy = policy
        self.file = file
        self.line = line
        self.column = column
    }
}

/// `restore-db (tags database.restore)`: a step for messages.
func describeStep(_ id: StepID, tier: Tier, tags: [String]) -> String {
    tags.isEmpty ? "\(id) (tier \(tier), no tags)" : "\(id) (tags \(tags.joined(separator: ", ")))"
}
