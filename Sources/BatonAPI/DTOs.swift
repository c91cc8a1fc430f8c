import BatonModel

// Data shared by batond's HTTPS API and the `baton` CLI. JSON field names are the Swift names.

/// `POST /v1/runs`: start a run of a catalog version (`catalog`), or of a playbook sent inline (dev mode).
public struct StartRunRequest: Codable, Sendable, Hashable {
    /// The inline playbook's text; empty when `catalog` is set.
    public var playbook: String
    /// `NAME@VERSION` of a published (or deprecated) catalog version to run instead of an inline playbook.
    public var catalog: String?
    /// The playbook's file name, used in error positions.
    public var fileName: String
    public var incident: String
    public var parameters: [String: String]
    /// The modules the playbook uses (`uses:`), as found on the client's module path.
    public var modules: [ModuleFile]?

    public init(playbook: String, fileName: String, incident: String, parameters: [String: String]) {
        self.playbook = playbook
        self.fileName = fileName
        self.incident = incident
        self.parameters = parameters
    }
}

/// A module file shipped with a run request.
public struct ModuleFile: Codable, Sendable, Hashable {
    public var file: String
    public var text: String

    public init(file: String, text: String) {
        self.file = file
        self.text = text
    }
}

public struct StartRunResponse: Codable, Sendable, Hashable {
    public var runID: String
    public var planHash: String
    /// Set when the catalog version is deprecated: what to use instead.
    public var warning: String?

    public init(runID: String, planHash: String) {
        self.runID = runID
        self.planHash = planHash
    }
}

/// Every error body: what went wrong, and positions when the input was a document.
public struct ErrorResponse: Codable, Sendable, Hashable, Error {
    public var error: String
    public var diagnostics: [String]

    public init(error: String, diagnostics: [String] = []) {
        self.error = error
        self.diagnostics = diagnostics
    }
}

public struct StepView: Codable, Sendable, Hashable {
    public var id: String
    public var tier: String
    public var needs: [String]
    /// pending, waiting, dispatched, retrying, verified, failed, unknown, skipped, awaiting-operator
    public var status: String
    public var attempt: Int
    public var agent: String?
    public var waitingReason: String?
    public var reason: String?
    public var exitCode: Int32?
    public var evidence: [Evidence]
    public var stdoutTail: String?
    public var stderrTail: String?
    public var dispatchedAt: Int64?
    public var finishedAt: Int64?
    /// For a fan-out child: the step it belongs to.
    public var parent: String?
    /// `NAME@VERSION` of the module the step came from.
    public var module: String?
    /// Why the step was skipped or how a fanned-out step concluded; a manual step's evidence.
    public var note: String?
    /// The operator who completed a manual step.
    public var completedBy: String?
    /// A manual step's instructions.
    public var instructions: String?
    /// The outputs of the last report.
    public var outputs: [String: String]?
    /// precondition, action, timeout, postcondition or output, when the last attempt failed.
    public var failureKind: String?
    /// Governance: approvals still needed, votes given, policy or approver refusals, overrides.
    public var governance: StepGovernanceView?

    public init(
        id: String, tier: String, needs: [String], status: String, attempt: Int, agent: String?, waitingReason: String?,
        reason: String?, exitCode: Int32?, evidence: [Evidence], stdoutTail: String?, stderrTail: String?,
        dispatchedAt: Int64?, finishedAt: Int64?
    ) {
        self.id = id
        self.tier = tier
        self.needs = needs
        self.status = status
        self.attempt = attempt
        self.agent = agent
        self.waitingReason = waitingReason
        self.reason = reason
        self.exitCode = exitCode
        self.evidence = evidence
        self.stdoutTail = stdoutTail
        self.stderrTail = stderrTail
        self.dispatchedAt = dispatchedAt
        self.finishedAt = finishedAt
    }
}

public struct RunView: Codable, Sendable, Hashable {
    public var runID: String
    public var incident: String
    public var playbook: String
    public var playbookVersion: String
    public var planHash: String
    public var parameters: [String: String]
    /// running, blocked (an operator must decide), succeeded, failed, rolling-back, rolled-back
    public var phase: String
    public var reason: String
    public var startedBy: String
    public var startedAt: Int64
    public var finishedAt: Int64?
    public var steps: [StepView]
    /// The step whose failure started a rollback.
    public var rollbackTrigger: String?
    /// The compensating steps being run, in order (nil until a rollback is planned).
    public var compensation: [String]?
    /// False once an operator overrode a step (mark-verified, skip, force-past-failure).
    public var automated: Bool?

    public init(
        runID: String, incident: String, playbook: String, playbookVersion: String, planHash: String,
        parameters: [String: String], phase: String, reason: String, startedBy: String, startedAt: Int64,
        finishedAt: Int64?, steps: [StepView]
    ) {
        self.runID = runID
        self.incident = incident
        self.playbook = playbook
        self.playbookVersion = playbookVersion
        self.planHash = planHash
        self.parameters = parameters
        self.phase = phase
        self.reason = reason
        self.startedBy = startedBy
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.steps = steps
    }

    /// Nothing more happens without an operator: succeeded, failed, rolled back, aborted or blocked (a paused
    /// run is not finished: it goes on when resumed).
    public var isFinished: Bool { phase != "running" && phase != "rolling-back" && phase != "paused" }
}

/// `GET /v1/runs/{id}/rollback-plan`: the compensating steps that run (or would run now), in order.
public struct RollbackPlanView: Codable, Sendable, Hashable {
    public var runID: String
    /// True once the rollback has been planned: `steps` is what runs. False: a preview of what would run now.
    public var planned: Bool
    public var trigger: String?
    public var steps: [RollbackStepView]

    public init(runID: String, planned: Bool, trigger: String?, steps: [RollbackStepView]) {
        self.runID = runID
        self.planned = planned
        self.trigger = trigger
        self.steps = steps
    }
}

public struct RollbackStepView: Codable, Sendable, Hashable {
    /// The compensating step (`restart-app~rollback`).
    public var id: String
    /// The step it undoes.
    public var undoes: String
    public var tier: String
    public var argv: [String]
    public var post: [String]
    /// Its status in the run (pending until it runs).
    public var status: String

    public init(id: String, undoes: String, tier: String, argv: [String], post: [String], status: String) {
        self.id = id
        self.undoes = undoes
        self.tier = tier
        self.argv = argv
        self.post = post
        self.status = status
    }
}

/// `POST /v1/runs/{id}/steps/{step}/complete`.
public struct CompleteStepRequest: Codable, Sendable, Hashable {
    public var evidence: String
    public init(evidence: String) { self.evidence = evidence }
}

public struct RunList: Codable, Sendable, Hashable {
    public var runs: [RunView]
    public init(runs: [RunView]) { self.runs = runs }
}

public struct JournalEntryView: Codable, Sendable, Hashable {
    public var sequence: Int64
    public var at: Int64
    public var runID: String
    public var kind: String
    public var stepID: String?
    public var summary: String

    public init(sequence: Int64, at: Int64, runID: String, kind: String, stepID: String?, summary: String) {
        self.sequence = sequence
        self.at = at
        self.runID = runID
        self.kind = kind
        self.stepID = stepID
        self.summary = summary
    }
}

public struct JournalPage: Codable, Sendable, Hashable {
    public var entries: [JournalEntryView]
    public init(entries: [JournalEntryView]) { self.entries = entries }
}

public struct AgentView: Codable, Sendable, Hashable {
    public var name: String
    public var tier: String
    public var connected: Bool
    public var address: String
    public var agentVersion: String
    public var labels: [String: String]
    public var connectedAt: Int64
    public var lastSeenAt: Int64
    public var stepsInFlight: Int

    public init(
        name: String, tier: String, connected: Bool, address: String, agentVersion: String, labels: [String: String],
        connectedAt: Int64, lastSeenAt: Int64, stepsInFlight: Int
    ) {
        self.name = name
        self.tier = tier
        self.connected = connected
        self.address = address
        self.agentVersion = agentVersion
        self.labels = labels
        self.connectedAt = connectedAt
        self.lastSeenAt = lastSeenAt
        self.stepsInFlight = stepsInFlight
    }
}

public struct AgentList: Codable, Sendable, Hashable {
    public var agents: [AgentView]
    public init(agents: [AgentView]) { self.agents = agents }
}
