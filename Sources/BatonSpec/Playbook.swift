import BatonModel

/// A parsed and linted playbook. Values that may hold `${{ params.NAME }}` are kept as
/// `Template`s; `Planner` binds them. Only `PlaybookLoader` makes one, and only when the
/// file had no errors, so every `Playbook` is valid.
public struct Playbook: Sendable, Hashable {
    /// The file name the playbook was loaded from, as given to the loader (used in diagnostics).
    public var file: String
    public var name: String
    /// `metadata.version`, as written (an integer becomes its decimal text).
    public var version: String
    public var description: String?
    public var tags: [String]
    /// Which team owns each tier (`metadata.owners`).
    public var owners: [Tier: String]
    /// Declared parameters, in file order.
    public var parameters: [ParameterSpec]
    /// Steps, in file order, with every `uses:` step replaced by its module's steps (`USES-ID.STEP-ID`).
    public var steps: [StepSpec]
    /// Where the `params:` key is (nil when absent); parameter errors found when planning point here.
    public var parametersPosition: SourcePosition?
    /// The modules the playbook uses, as resolved `NAME@VERSION`, in order of first use.
    public var modules: [String] = []
    /// `with:` values built from parameters, whose type is only known once parameters are bound.
    var valueChecks: [ValueCheck] = []

    public func parameter(_ name: String) -> ParameterSpec? { parameters.first { $0.name == name } }
    public func step(_ id: StepID) -> StepSpec? { steps.first { $0.id == id } }
}

/// The type a parameter is declared with.
public typealias ParameterType = ValueType

/// One entry of `params:`.
public struct ParameterSpec: Sendable, Hashable {
    public var name: String
    public var type: ParameterType
    /// Canonical text of the default (`ParameterType.canonicalValue`); nil when there is none.
    public var defaultValue: String?
    public var description: String?
    /// Required parameters must be given when planning; a parameter without a default is required.
    public var isRequired: Bool
    public var position: SourcePosition
}

/// A `needs:` entry with where it was written.
public struct StepReference: Sendable, Hashable {
    public var id: StepID
    public var position: SourcePosition
}

/// One entry of `env:`.
public struct EnvironmentEntry: Sendable, Hashable {
    public var name: String
    public var value: Template
}

/// A step's action before interpolation: `run:` argv, or `shell:` turned into `/bin/sh -c script`.
public struct ActionSpec: Sendable, Hashable {
    public var argv: [Template]
    public var env: [EnvironmentEntry]
    /// True when written as `shell:`.
    public var isShell: Bool
}

/// One entry of `steps:`.
public struct StepSpec: Sendable, Hashable {
    public var id: StepID
    /// Where the step's `id:` value is.
    public var position: SourcePosition
    public var name: String?
    public var description: String?
    public var tier: Tier
    public var needs: [StepReference]
    public var pre: [ProbeSpec]
    public var action: ActionSpec?
    public var post: [ProbeSpec]
    public var timeoutMilliseconds: Int64
    /// `retries:` (a count, or a mapping with backoff and failure kinds).
    public var retry: RetryPolicy
    public var idempotent: Bool
    public var tags: [String] = []
    public var when: ConditionSpec?
    public var outputs: [OutputSpec] = []
    /// `on_failure:`; nil when not written (the planner uses `stop`).
    public var onFailure: FailurePolicy?
    public var targets: Targets?
    /// `manual: {instructions: ...}`: an operator does the work.
    public var manualInstructions: Template?
    /// `approval:`: the step waits for this many approvals.
    public var approval: ApprovalRequirement?
    public var rollback: RollbackSpec = .undeclared
    /// `NAME@VERSION` of the module the step was expanded from.
    public var module: String?
    /// The module file the step is written in (nil: the playbook); its positions are in that file.
    public var file: String?

    /// How many times a failed step is tried again.
    public var retries: Int {
        get { retry.count }
        set { retry.count = newValue }
    }
}

/// `when:` before interpolation: both sides are templates.
public struct ConditionSpec: Sendable, Hashable {
    public var left: Template
    public var comparison: Condition.Comparison
    public var right: Template
    /// Where the `when:` value is.
    public var position: SourcePosition
}

/// `rollback:` before interpolation.
public enum RollbackSpec: Sendable, Hashable {
    case undeclared
    case none
    case step(RollbackStepSpec)

    public var declaration: RollbackDeclaration {
        switch self {
        case .undeclared: return .undeclared
        case .none: return .none
        case .step: return .step
        }
    }
}

/// The compensating step written under `rollback:`.
public struct RollbackStepSpec: Sendable, Hashable {
    public var tier: Tier
    public var pre: [ProbeSpec]
    public var action: ActionSpec
    public var post: [ProbeSpec]
    public var timeoutMilliseconds: Int64
    /// Where the `rollback:` mapping is.
    public var position: SourcePosition
}

/// A value whose type can only be checked once parameters are bound (a `with:` value for a typed input).
struct ValueCheck: Sendable, Hashable {
    var template: Template
    var type: ValueType
    /// `input 'port' of module pg-replica-lag@1.0.0 (step 'lag')`.
    var what: String
}

/// An integer field that may be written literally or as an interpolation string
/// (`port: "${{ params.port }}"`), checked once parameters are bound.
public enum IntegerSpec: Sendable, Hashable {
    case literal(Int)
    case template(Template)
}

/// A probe before interpolation.
public enum ProbeSpec: Sendable, Hashable {
    case command(CommandProbeSpec)
    case file(FileProbeSpec)
    case tcp(TCPProbeSpec)
    case http(HTTPProbeSpec)
    case process(ProcessProbeSpec)
}

/// `json: {path: ..., equals: ...}` before interpolation; the path is literal.
public struct JSONCheckSpec: Sendable, Hashable {
    public var path: String
    public var equals: Template
}

public struct CommandProbeSpec: Sendable, Hashable {
    public var argv: [Template]
    public var env: [EnvironmentEntry]
    public var exitCode: IntegerSpec
    public var stdoutContains: Template?
    public var stdoutMatches: Template?
    public var timeoutMilliseconds: Int64
    public var position: SourcePosition
    public var stderrContains: Template?
    public var stdoutEquals: Template?
    public var json: JSONCheckSpec?
    public var retry: ProbeRetry?
}

public struct FileProbeSpec: Sendable, Hashable {
    public var path: Template
    public var exists: Bool
    public var contains: Template?
    public var position: SourcePosition
    /// Permission bits, from an octal string like `0644`.
    public var mode: UInt32?
    public var owner: Template?
    public var maxAgeMilliseconds: Int64?
    public var retry: ProbeRetry?
}

public struct TCPProbeSpec: Sendable, Hashable {
    public var host: Template
    public var port: IntegerSpec
    public var state: TCPProbe.ExpectedState
    public var timeoutMilliseconds: Int64
    public var position: SourcePosition
    public var retry: ProbeRetry?
}

public struct HTTPProbeSpec: Sendable, Hashable {
    public var url: Template
    public var status: IntegerSpec
    public var timeoutMilliseconds: Int64
    public var position: SourcePosition
    public var bodyContains: Template?
    public var json: JSONCheckSpec?
    public var retry: ProbeRetry?
    /// `ca_file:` for https URLs.
    public var caFile: Template?
}

public struct ProcessProbeSpec: Sendable, Hashable {
    public enum Target: Sendable, Hashable {
        case name(Template)
        case pidfile(Template)
    }
    public var target: Target
    public var running: Bool
    public var position: SourcePosition
    public var retry: ProbeRetry?
}
