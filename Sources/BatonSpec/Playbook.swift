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
    /// Steps, in file order.
    public var steps: [StepSpec]
    /// Where the `params:` key is (nil when absent); parameter errors found when planning point here.
    public var parametersPosition: SourcePosition?

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
    public var retries: Int
    public var idempotent: Bool
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
