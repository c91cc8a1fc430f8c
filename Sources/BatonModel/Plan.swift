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
    /// How many times a failed step is tried again (0: run once).
    public var retries: Int
    public var idempotent: Bool

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
        self.retries = retries
        self.idempotent = idempotent
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

    public func step(_ id: StepID) -> PlannedStep? { steps.first { $0.id == id } }
}
