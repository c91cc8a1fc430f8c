/// The parts of a step's contract beyond its probes and action: outputs, conditions, retry policy,
/// failure handling, fan-out and manual work.

/// The type of a parameter, an output or a module input.
public enum ValueType: String, Sendable, Hashable, Codable, CaseIterable {
    case string
    case int
    case bool

    /// The canonical text of `text` for this type, or nil when it is not a value of this type.
    public func canonicalValue(_ text: String) -> String? {
        switch self {
        case .string: return text
        case .int: return Int(text).map(String.init)
        case .bool:
            switch text {
            case "true": return "true"
            case "false": return "false"
            default: return nil
            }
        }
    }
}

/// One declared output of a step. The agent extracts it after the postconditions pass, checks its
/// type, and sends it in the report; a missing or mistyped output fails the attempt.
public struct OutputSpec: Hashable, Sendable, Codable {
    public enum Source: Hashable, Sendable, Codable {
        /// The action's stdout: a JSON object (this key, any JSON scalar as text) or else `key=value` lines.
        case stdout(key: String)
        /// The `observed` value of a probe's evidence (`post`/`pre`, index in that list).
        case probe(phase: ProbePhase, index: Int)
    }

    public var name: String
    public var type: ValueType
    public var source: Source

    public init(name: String, type: ValueType, source: Source) {
        self.name = name
        self.type = type
        self.source = source
    }
}

/// `${{ steps.ID.outputs.NAME }}` inside a planned string. Plans keep these in canonical form; the
/// coordinator substitutes them when it dispatches the step (`OutputReference.substitute`).
public struct OutputReference: Hashable, Sendable, Codable, CustomStringConvertible {
    public var step: StepID
    public var output: String

    public init(step: StepID, output: String) {
        self.step = step
        self.output = output
    }

    /// The canonical placeholder text.
    public var description: String { "${{ steps.\(step).outputs.\(output) }}" }

    /// Replaces every canonical placeholder in `text` in a single left-to-right pass: substituted values
    /// are never scanned again, so a value that itself looks like a placeholder (or like shell syntax)
    /// arrives literally. A placeholder with no value in `values` is left as written.
    public static func substitute(_ text: String, _ values: [OutputReference: String]) -> String {
        guard text.contains("${{") else { return text }
        var result = ""
        var rest = Substring(text)
        while let open = rest.firstRange(of: "${{ steps.") {
            result += rest[..<open.lowerBound]
            let after = rest[open.lowerBound...]
            guard let close = after.firstRange(of: " }}") else { break }
            let candidate = String(after[..<close.upperBound])
            if let reference = parse(candidate), let value = values[reference] {
                result += value
            } else {
                result += candidate
            }
            rest = after[close.upperBound...]
        }
        result += rest
        return result
    }

    /// Every placeholder in `text`, in order.
    public static func references(in text: String) -> [OutputReference] {
        var found: [OutputReference] = []
        var rest = Substring(text)
        while let open = rest.firstRange(of: "${{ steps.") {
            let after = rest[open.lowerBound...]
            guard let close = after.firstRange(of: " }}") else { break }
            if let reference = parse(String(after[..<close.upperBound])) { found.append(reference) }
            rest = after[close.upperBound...]
        }
        return found
    }

    /// `${{ steps.ID.outputs.NAME }}` (canonical spacing) → reference.
    public static func parse(_ placeholder: String) -> OutputReference? {
        let prefix = "${{ steps.", suffix = " }}"
        guard placeholder.hasPrefix(prefix), placeholder.hasSuffix(suffix) else { return nil }
        let body = placeholder.dropFirst(prefix.count).dropLast(suffix.count)
        guard let marker = body.firstRange(of: ".outputs.") else { return nil }
        let step = body[..<marker.lowerBound], name = body[marker.upperBound...]
        guard !step.isEmpty, !name.isEmpty, !name.contains(" "), !step.contains(" ") else { return nil }
        return OutputReference(step: StepID(String(step)), output: String(name))
    }
}

/// `when:`: the step runs only if the condition holds once its inputs are known; otherwise it is `skipped`.
/// Both sides may hold output placeholders; they are compared as text after substitution.
public struct Condition: Hashable, Sendable, Codable, CustomStringConvertible {
    public enum Comparison: String, Hashable, Sendable, Codable {
        case equals = "=="
        case notEquals = "!="
    }

    public var left: String
    public var comparison: Comparison
    public var right: String

    public init(left: String, comparison: Comparison, right: String) {
        self.left = left
        self.comparison = comparison
        self.right = right
    }

    public var description: String { "\(left) \(comparison.rawValue) \(right)" }

    public func holds(_ values: [OutputReference: String]) -> Bool {
        let l = OutputReference.substitute(left, values), r = OutputReference.substitute(right, values)
        return comparison == .equals ? l == r : l != r
    }

    public var references: [OutputReference] {
        OutputReference.references(in: left) + OutputReference.references(in: right)
    }
}

/// Which kinds of failure a step's retries cover.
public enum FailureKind: String, Hashable, Sendable, Codable, CaseIterable {
    /// A precondition did not hold: the action never ran.
    case precondition
    /// The action exited with a code other than 0 (or could not start).
    case action
    /// The action ran past its timeout and its process group was killed.
    case timeout
    /// The action succeeded but a postcondition did not hold.
    case postcondition
    /// A declared output was missing or not of its type.
    case output
    /// An operator stopped the attempt (`baton run abort`): its process group was killed. Never retried
    /// on its own; `baton run retry` starts a new attempt.
    case cancelled

    /// The kinds a playbook's `retries.on` may name (a cancelled attempt is never retried on its own).
    public static var retryable: [FailureKind] { allCases.filter { $0 != .cancelled } }
}

/// `retries: 3` or `retries: {count: 3, backoff: 1s, max_backoff: 30s, on: [action, timeout]}`.
public struct RetryPolicy: Hashable, Sendable, Codable {
    public static let defaultBackoffMilliseconds: Int64 = 250
    public static let defaultMaximumBackoffMilliseconds: Int64 = 10_000
    public static let defaultKinds: Set<FailureKind> = [.action, .timeout, .postcondition, .output]

    /// How many times a failed attempt is tried again (0: run once).
    public var count: Int
    /// Delay before the first retry; each further retry doubles it, up to `maximumBackoffMilliseconds`.
    public var backoffMilliseconds: Int64
    public var maximumBackoffMilliseconds: Int64
    /// Failures that are retried; other kinds fail the step at once.
    public var on: Set<FailureKind>

    public init(
        count: Int = 0, backoffMilliseconds: Int64 = RetryPolicy.defaultBackoffMilliseconds,
        maximumBackoffMilliseconds: Int64 = RetryPolicy.defaultMaximumBackoffMilliseconds,
        on: Set<FailureKind> = RetryPolicy.defaultKinds
    ) {
        self.count = count
        self.backoffMilliseconds = backoffMilliseconds
        self.maximumBackoffMilliseconds = maximumBackoffMilliseconds
        self.on = on
    }

    /// The delay before attempt `attempt + 1`, after attempt `attempt` failed.
    public func delay(after attempt: Int) -> Int64 {
        let exponent = Int64(min(max(attempt - 1, 0), 30))
        let raw = backoffMilliseconds.multipliedReportingOverflow(by: Int64(1) << exponent)
        return raw.overflow ? maximumBackoffMilliseconds : min(raw.partialValue, maximumBackoffMilliseconds)
    }
}

extension RetryPolicy {
    private enum CodingKeys: String, CodingKey {
        case count, backoffMilliseconds, maximumBackoffMilliseconds, on
    }

    /// Encodes `on` in declaration order, not the set's per-process hash order: a plan's JSON, and so
    /// its hash, must be the same in every process.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(count, forKey: .count)
        try container.encode(backoffMilliseconds, forKey: .backoffMilliseconds)
        try container.encode(maximumBackoffMilliseconds, forKey: .maximumBackoffMilliseconds)
        try container.encode(FailureKind.allCases.filter(on.contains), forKey: .on)
    }
}

/// `on_failure:` what a failed step does to its run.
public enum FailurePolicy: String, Hashable, Sendable, Codable, CaseIterable {
    /// The run fails; nothing else starts (default).
    case stop
    /// The run runs the compensation plan: the rollback of every verified step, newest first.
    case rollback
    /// The run is blocked until an operator decides.
    case pause
    /// The failure is recorded; steps that need this one are skipped, the others go on.
    case `continue`
}

/// A count or a percentage of the matching hosts (`serial: 2`, `max_errors: "10%"`).
public enum HostAmount: Hashable, Sendable, Codable, CustomStringConvertible {
    case count(Int)
    case percent(Int)

    /// The number of hosts out of `total` (a percentage rounds down, but is at least 1 for serial).
    public func hosts(of total: Int) -> Int {
        switch self {
        case .count(let count): return count
        case .percent(let percent): return total * percent / 100
        }
    }

    public var description: String {
        switch self {
        case .count(let count): return "\(count)"
        case .percent(let percent): return "\(percent)%"
        }
    }
}

/// `targets:`: run the step on every connected agent of the tier whose labels match, in batches.
public struct Targets: Hashable, Sendable, Codable {
    /// Every label here must be on the agent with this value.
    public var labels: [String: String]
    /// At most this many hosts run the step at once (nil: all at once).
    public var serial: HostAmount?
    /// This many failed hosts are tolerated; one more stops new dispatches and fails the step (nil: 0).
    public var maxErrors: HostAmount?

    public init(labels: [String: String] = [:], serial: HostAmount? = nil, maxErrors: HostAmount? = nil) {
        self.labels = labels
        self.serial = serial
        self.maxErrors = maxErrors
    }

    public func matches(_ agentLabels: [String: String]) -> Bool {
        labels.allSatisfy { agentLabels[$0.key] == $0.value }
    }
}

/// `rollback:` of a step.
public enum RollbackDeclaration: Hashable, Sendable, Codable {
    /// No `rollback:` written (lint warns for steps with an action).
    case undeclared
    /// `rollback: none`: the step has nothing to undo.
    case none
    /// A compensating step; its planned form is in `Plan.rollbackSteps` under `StepID.rollback(of:)`.
    case step
}

extension StepID {
    /// The id of the compensating step of `id` (`restart-app~rollback`); `~` never appears in playbook ids.
    public static func rollback(of id: StepID) -> StepID { StepID(id.rawValue + rollbackSuffix) }
    private static let rollbackSuffix = "~rollback"
    /// For a compensating step, the step it undoes (`rollback(of:)` reversed); nil otherwise.
    public var undoes: StepID? {
        rawValue.hasSuffix(Self.rollbackSuffix) ? StepID(String(rawValue.dropLast(Self.rollbackSuffix.count))) : nil
    }
    /// The id of the fan-out child of `id` on `agent` (`restart-app@application.web-1`).
    public static func fanOut(of id: StepID, on agent: AgentIdentity) -> StepID {
        StepID("\(id.rawValue)@\(agent.tier.rawValue).\(agent.name)")
    }
}
