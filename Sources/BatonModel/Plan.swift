/// The process a step runs. Always argv form: a `shell:` step is `["/bin/sh", "-c", script]`
/// and only exists when the playbook wrote `shell:` explicitly.
public struct Action: Hashable, Sendable, Codable {
    public var argv: [String]
    public var env: [String: String]

    public init(argv: [String], env: [String: String] = [:]) {
        self.argv = argv
        self.env = env
    }
}

/// One step of a plan with every parameter already interpolated.
public struct PlannedStep: Hashable, Sendable, Codable {
    public var id: StepID
    public var tier: Tier
    public var needs: [StepID]
    public var pre: [Probe]
    public var action: Action?
    public var post: [Probe]
    /// How long the action may run before its whole process group is killed, in milliseconds.
    public var timeoutMilliseconds: Int64
    /// How failed attempts are tried again.
    public var retry: RetryPolicy
    public var idempotent: Bool
    /// Free-form tags (`database.restore`), matched by policies.
    public var tags: [String] = []
    /// Outputs the agent extracts after the postconditions pass.
    public var outputs: [OutputSpec] = []
    /// Skip the step unless this holds (evaluated when its needs are done).
    public var when: Condition?
    public var onFailure: FailurePolicy = .stop
    /// Fan out to every matching agent of the tier (nil: one agent of the tier).
    public var targets: Targets?
    /// A manual step: no agent runs it; an operator completes it with evidence.
    public var manualInstructions: String?
    public var rollback: RollbackDeclaration = .undeclared
    /// `NAME@VERSION` of the module this step came from, if any.
    public var module: String?
    /// `approval:` written on the step: it starts only once approved (rule id `approval`).
    public var approval: ApprovalRequirement?

    /// How many times a failed step is tried again (0: run once).
    public var retries: Int {
        get { retry.count }
        set { retry.count = newValue }
    }

    public init(
        id: StepID, tier: Tier, needs: [StepID] = [], pre: [Probe] = [], action: Action? = nil, post: [Probe] = [],
        timeoutMilliseconds: Int64 = Plan.defaultStepTimeoutMilliseconds, retries: Int = 0, idempotent: Bool = false
    ) {
        self.id = id
        self.tier = tier
        self.needs = needs
        self.pre = pre
        self.action = action
        self.post = post
        self.timeoutMilliseconds = timeoutMilliseconds
        self.retry = RetryPolicy(count: retries)
        self.idempotent = idempotent
    }

    /// Every output placeholder the step's strings and condition read.
    public var outputReferences: [OutputReference] {
        var texts: [String] = []
        for probe in pre + post { texts += probe.strings }
        if let action { texts += action.argv + action.env.values.sorted() }
        var found = texts.flatMap(OutputReference.references(in:))
        if let when { found += when.references }
        var seen = Set<OutputReference>()
        return found.filter { seen.insert($0).inserted }
    }

    /// The step with every output placeholder in its probes and action replaced by its value.
    public func substituting(_ values: [OutputReference: String]) -> PlannedStep {
        guard !values.isEmpty else { return self }
        var copy = self
        copy.pre = pre.map { $0.mapStrings { OutputReference.substitute($0, values) } }
        copy.post = post.map { $0.mapStrings { OutputReference.substitute($0, values) } }
        copy.action = action.map {
            Action(
                argv: $0.argv.map { OutputReference.substitute($0, values) },
                env: $0.env.mapValues { OutputReference.substitute($0, values) })
        }
        return copy
    }
}

/// A playbook compiled for one run: parameters bound, steps in a topological order.
public struct Plan: Hashable, Sendable, Codable {
    public static let defaultStepTimeoutMilliseconds: Int64 = 300_000

    public var playbookName: String
    public var playbookVersion: String
    public var owners: [String: String]
    public var parameters: [String: String]
    /// Steps in a topological order: every step comes after the steps it needs.
    public var steps: [PlannedStep]
    /// Hex SHA-256 of the canonical plan (name, version, parameters and steps).
    public var hash: String
    /// The compensating steps, one per step that declared `rollback:` with an action
    /// (id `StepID.rollback(of:)`); run newest-verified first when a step fails under `on_failure: rollback`.
    public var rollbackSteps: [PlannedStep] = []

    public init(
        playbookName: String, playbookVersion: String, owners: [String: String] = [:], parameters: [String: String],
        steps: [PlannedStep], hash: String
    ) {
        self.playbookName = playbookName
        self.playbookVersion = playbookVersion
        self.owners = owners
        self.parameters = parameters
        self.steps = steps
        self.hash = hash
    }

    /// A step or a compensating step by id.
    public func step(_ id: StepID) -> PlannedStep? { steps.first { $0.id == id } ?? rollbackSteps.first { $0.id == id } }
}

// Decoding of records written before step contracts existed (coordinator journals, agent journals):
// every field added since then may be missing and takes its default. Encoding is synthesized.

extension PlannedStep {
    /// `retries: Int` was the retry policy before `retry` existed.
    private enum EarlierKeys: String, CodingKey { case retries }

    public init(from decoder: any Decoder) throws {
        let values = try decoder.container(keyedBy: CodingKeys.self)
        id = try values.decode(StepID.self, forKey: .id)
        tier = try values.decode(Tier.self, forKey: .tier)
        needs = try values.decode([StepID].self, forKey: .needs)
        pre = try values.decode([Probe].self, forKey: .pre)
        action = try values.decodeIfPresent(Action.self, forKey: .action)
        post = try values.decode([Probe].self, forKey: .post)
        timeoutMilliseconds = try values.decode(Int64.self, forKey: .timeoutMilliseconds)
        if let retry = try values.decodeIfPresent(RetryPolicy.self, forKey: .retry) {
            self.retry = retry
        } else {
            let count = try decoder.container(keyedBy: EarlierKeys.self).decodeIfPresent(Int.self, forKey: .retries)
            retry = RetryPolicy(count: count ?? 0)
        }
        idempotent = try values.decode(Bool.self, forKey: .idempotent)
        tags = try values.decodeIfPresent([String].self, forKey: .tags) ?? []
        outputs = try values.decodeIfPresent([OutputSpec].self, forKey: .outputs) ?? []
        when = try values.decodeIfPresent(Condition.self, forKey: .when)
        onFailure = try values.decodeIfPresent(FailurePolicy.self, forKey: .onFailure) ?? .stop
        targets = try values.decodeIfPresent(Targets.self, forKey: .targets)
        manualInstructions = try values.decodeIfPresent(String.self, forKey: .manualInstructions)
        rollback = try values.decodeIfPresent(RollbackDeclaration.self, forKey: .rollback) ?? .undeclared
        module = try values.decodeIfPresent(String.self, forKey: .module)
        approval = try values.decodeIfPresent(ApprovalRequirement.self, forKey: .approval)
    }
}

extension Plan {
    public init(from decoder: any Decoder) throws {
        let values = try decoder.container(keyedBy: CodingKeys.self)
        playbookName = try values.decode(String.self, forKey: .playbookName)
        playbookVersion = try values.decode(String.self, forKey: .playbookVersion)
        owners = try values.decode([String: String].self, forKey: .owners)
        parameters = try values.decode([String: String].self, forKey: .parameters)
        steps = try values.decode([PlannedStep].self, forKey: .steps)
        hash = try values.decode(String.self, forKey: .hash)
        rollbackSteps = try values.decodeIfPresent([PlannedStep].self, forKey: .rollbackSteps) ?? []
    }
}
