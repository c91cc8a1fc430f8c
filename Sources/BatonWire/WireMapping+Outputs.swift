import BatonModel
import BatonProto
import SwiftProtobuf

// Mapping of step outputs, value types and failure kinds (see WireMapping.swift for the rest).

extension Baton_V1_Phase {
    public init(_ phase: ProbePhase) {
        self = phase == .pre ? .pre : .post
    }

    /// The model's phase; nil for UNSPECIFIED or a value this side does not know.
    public var modelPhase: ProbePhase? {
        switch self {
        case .pre: return .pre
        case .post: return .post
        default: return nil
        }
    }
}

extension Baton_V1_ValueType {
    public init(_ type: ValueType) {
        switch type {
        case .string: self = .string
        case .int: self = .int
        case .bool: self = .bool
        }
    }
}

extension Baton_V1_FailureKind {
    public init(_ kind: FailureKind?) {
        switch kind {
        case nil: self = .unspecified
        case .precondition?: self = .precondition
        case .action?: self = .action
        case .timeout?: self = .timeout
        case .postcondition?: self = .postcondition
        case .output?: self = .output
        case .cancelled?: self = .cancelled
        }
    }

    /// nil for UNSPECIFIED; a value this side does not know is malformed.
    public func model() throws -> FailureKind? {
        switch self {
        case .unspecified: return nil
        case .precondition: return .precondition
        case .action: return .action
        case .timeout: return .timeout
        case .postcondition: return .postcondition
        case .output: return .output
        case .cancelled: return .cancelled
        case .UNRECOGNIZED(let value): throw WireError.malformedField("report failure kind \(value) is unknown to this side")
        }
    }
}

extension Baton_V1_OutputSpec {
    public init(_ spec: OutputSpec) {
        self.init()
        name = spec.name
        type = Baton_V1_ValueType(spec.type)
        switch spec.source {
        case .stdout(let key): stdoutKey = key
        case .probe(let phase, let index):
            probe = .with {
                $0.phase = Baton_V1_Phase(phase)
                $0.index = UInt32(clamping: index)
            }
        }
    }

    /// The model's output; `preProbes`/`postProbes` are the assignment's probe counts, which a probe
    /// source must stay within.
    public func model(preProbes: Int, postProbes: Int) throws -> OutputSpec {
        guard !name.isEmpty else { throw WireError.malformedField("an output has an empty name") }
        let valueType: ValueType
        switch type {
        case .string: valueType = .string
        case .int: valueType = .int
        case .bool: valueType = .bool
        case .unspecified: throw WireError.malformedField("output \(name) has no type")
        case .UNRECOGNIZED(let value): throw WireError.malformedField("output \(name) has unknown type \(value)")
        }
        switch source {
        case .stdoutKey(let key)?:
            guard !key.isEmpty else { throw WireError.malformedField("output \(name) reads an empty stdout key") }
            return OutputSpec(name: name, type: valueType, source: .stdout(key: key))
        case .probe(let reference)?:
            guard let phase = reference.phase.modelPhase else {
                throw WireError.malformedField("output \(name) refers to a probe without a phase")
            }
            let count = phase == .pre ? preProbes : postProbes
            guard reference.index < count else {
                let list = phase.rawValue
                throw WireError.malformedField(
                    "output \(name) refers to \(list) probe \(reference.index), but the assignment has \(count) \(list) probe(s)")
            }
            return OutputSpec(name: name, type: valueType, source: .probe(phase: phase, index: Int(reference.index)))
        case nil:
            throw WireError.malformedField("output \(name) has no source (stdout key or probe)")
        }
    }
}

extension Baton_V1_Assignment {
    /// The declared outputs, each valid and named once.
    func outputsModel() throws -> [OutputSpec] {
        var names = Set<String>()
        return try outputs.map { output in
            let spec = try output.model(preProbes: pre.count, postProbes: post.count)
            guard names.insert(spec.name).inserted else {
                throw WireError.malformedField("output \(spec.name) is declared twice")
            }
            return spec
        }
    }
}

extension Baton_V1_Report {
    /// The outputs and failure kind, checked against the outcome: outputs only when verified, a failure
    /// kind only when failed (a failed report without one comes from an agent older than the field).
    func outputsAndFailureKind(_ outcome: Outcome) throws -> ([String: String], FailureKind?) {
        if !outputs.isEmpty {
            guard outcome == .verified else {
                throw WireError.malformedField("report is \(outcome.rawValue) but carries outputs (only verified reports do)")
            }
            guard !outputs.keys.contains("") else { throw WireError.malformedField("report output with an empty name") }
        }
        let kind = try failureKind.model()
        if let kind, outcome != .failed {
            throw WireError.malformedField("report is \(outcome.rawValue) but carries failure kind \(kind.rawValue)")
        }
        return (outputs, kind)
    }
}
