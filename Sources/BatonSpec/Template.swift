import BatonModel
import Foundation

/// A string from the playbook that may contain `${{ params.NAME }}`, `${{ steps.ID.outputs.NAME }}`
/// and, inside a module, `${{ inputs.NAME }}` expressions.
/// Rendering substitutes each parameter textually: the result is one string, never re-split. Output
/// references stay as their canonical placeholder text for the coordinator to fill in at dispatch.
public struct Template: Sendable, Hashable, CustomStringConvertible {
    public enum Part: Sendable, Hashable {
        case literal(String)
        case parameter(String)
        /// `${{ steps.ID.outputs.NAME }}`: planned as `OutputReference.description`.
        case output(OutputReference)
        /// `${{ inputs.NAME }}` inside a module; replaced by the `with:` value when the module is expanded.
        case input(String)
    }

    public var parts: [Part]
    /// Where the string's value is written in the file.
    public var position: SourcePosition

    public init(parts: [Part], position: SourcePosition) {
        self.parts = parts
        self.position = position
    }

    /// A template without expressions.
    public init(literal: String, position: SourcePosition = .start) {
        self.init(parts: literal.isEmpty ? [] : [.literal(literal)], position: position)
    }

    /// The names of the parameters used, in order of appearance (repeats kept).
    public var parameterNames: [String] {
        parts.compactMap { part in
            if case .parameter(let name) = part { return name }
            return nil
        }
    }

    /// The step outputs read, in order of appearance (repeats kept).
    public var outputReferences: [OutputReference] {
        parts.compactMap { part in
            if case .output(let reference) = part { return reference }
            return nil
        }
    }

    /// The module inputs used, in order of appearance (repeats kept).
    public var inputNames: [String] {
        parts.compactMap { part in
            if case .input(let name) = part { return name }
            return nil
        }
    }

    /// True when the template has no expression at all.
    public var isLiteral: Bool {
        parts.allSatisfy { part in
            if case .literal = part { return true }
            return false
        }
    }

    /// The expression when the template is exactly one expression and nothing else.
    var soleExpression: Part? {
        guard parts.count == 1, let part = parts.first else { return nil }
        if case .literal = part { return nil }
        return part
    }

    /// The text as written, with expressions in canonical form (`${{ params.NAME }}`).
    public var description: String {
        parts.map { part in
            switch part {
            case .literal(let text): return text
            case .parameter(let name): return "${{ params.\(name) }}"
            case .output(let reference): return reference.description
            case .input(let name): return "${{ inputs.\(name) }}"
            }
        }.joined()
    }

    /// Substitutes every parameter; a name missing from `values` becomes the empty string
    /// (the planner binds every declared parameter before rendering). Output references become
    /// their canonical placeholder (`${{ steps.ID.outputs.NAME }}`).
    public func render(_ values: [String: String]) -> String {
        parts.map { part in
            switch part {
            case .literal(let text): return text
            case .parameter(let name): return values[name] ?? ""
            case .output(let reference): return reference.description
            case .input(let name): return "${{ inputs.\(name) }}"
            }
        }.joined()
    }

    /// The template with each part replaced by the parts `transform` returns (neighbouring literals merged).
    func replacingParts(_ transform: (Part) -> [Part]) -> Template {
        Template(parts: Self.mergeLiterals(parts.flatMap(transform)), position: position)
    }
}

/// Which expressions a template may hold: a playbook reads parameters, a module reads inputs.
enum TemplateScope {
    case playbook
    case module
}

/// Why a string could not be read as a template.
enum TemplateProblem: Error, Equatable {
    /// `${{` without a closing `}}`.
    case unterminated
    /// `${{ }}`.
    case empty
    /// `${{ steps.… }}` that is not `steps.ID.outputs.NAME`.
    case badStepExpression(String)
    /// `${{ params.NAME }}` inside a module.
    case parameterInModule(String)
    /// `${{ inputs.NAME }}` outside a module.
    case inputOutsideModule(String)
    /// Any other expression.
    case unsupported(String)
}

extension Template {
    /// Splits `text` into literal parts and expression parts.
    static func parse(
        _ text: String, position: SourcePosition, scope: TemplateScope = .playbook
    ) -> Result<Template, TemplateProblem> {
        var parts: [Part] = []
        var rest = Substring(text)
        while let open = rest.range(of: "${{") {
            if open.lowerBound > rest.startIndex { parts.append(.literal(String(rest[..<open.lowerBound]))) }
            let afterOpen = rest[open.upperBound...]
            guard let close = afterOpen.range(of: "}}") else { return .failure(.unterminated) }
            let expression = afterOpen[..<close.lowerBound].trimmingWhitespace()
            switch Self.expression(expression, scope: scope) {
            case .success(let part): parts.append(part)
            case .failure(let problem): return .failure(problem)
            }
            rest = afterOpen[close.upperBound...]
        }
        if !rest.isEmpty { parts.append(.literal(String(rest))) }
        return .success(Template(parts: mergeLiterals(parts), position: position))
    }

    private static func expression(_ expression: Substring, scope: TemplateScope) -> Result<Part, TemplateProblem> {
        if expression.isEmpty { return .failure(.empty) }
        if let name = name(in: expression, after: "params.") {
            return scope == .playbook ? .success(.parameter(name)) : .failure(.parameterInModule(name))
        }
        if let name = name(in: expression, after: "inputs.") {
            return scope == .module ? .success(.input(name)) : .failure(.inputOutsideModule(name))
        }
        if expression.hasPrefix("steps.") {
            return outputReference(in: expression).map { .success(.output($0)) }
                ?? .failure(.badStepExpression(String(expression)))
        }
        return .failure(.unsupported(String(expression)))
    }

    /// `params.NAME` → `NAME` (for `prefix` `params.`) when NAME is a valid name.
    private static func name(in expression: Substring, after prefix: String) -> String? {
        guard expression.hasPrefix(prefix) else { return nil }
        let name = String(expression.dropFirst(prefix.count))
        return ParameterNames.isValid(name) ? name : nil
    }

    /// `steps.ID.outputs.NAME` → reference. The id may itself contain dots; the name may not.
    private static func outputReference(in expression: Substring) -> OutputReference? {
        let body = expression.dropFirst("steps.".count)
        guard let marker = body.ranges(of: ".outputs.").last else { return nil }
        let step = body[..<marker.lowerBound], name = String(body[marker.upperBound...])
        guard !step.isEmpty, !step.contains(where: \.isWhitespace), ParameterNames.isValid(name) else { return nil }
        return OutputReference(step: StepID(String(step)), output: name)
    }

    static func mergeLiterals(_ parts: [Part]) -> [Part] {
        var merged: [Part] = []
        for part in parts {
            if case .literal(let next) = part {
                if next.isEmpty { continue }
                if case .literal(let previous)? = merged.last {
                    merged[merged.count - 1] = .literal(previous + next)
                    continue
                }
            }
            merged.append(part)
        }
        return merged
    }
}

/// The spelling rules for parameter, input and output names: `[A-Za-z_][A-Za-z0-9_-]*`.
enum ParameterNames {
    static func isValid(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCIILetter || first == "_" else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCIILetter || $0.isASCIIDigit || $0 == "_" || $0 == "-" }
    }
}

extension Unicode.Scalar {
    var isASCIILetter: Bool { ("a"..."z").contains(self) || ("A"..."Z").contains(self) }
    var isASCIIDigit: Bool { ("0"..."9").contains(self) }
    var isASCIILowercaseLetter: Bool { ("a"..."z").contains(self) }
}

extension StringProtocol {
    func trimmingWhitespace() -> Substring {
        let scalars = Substring(self)
        guard let first = scalars.firstIndex(where: { !$0.isWhitespace }),
            let last = scalars.lastIndex(where: { !$0.isWhitespace })
        else { return "" }
        return scalars[first...last]
    }
}
