import Foundation

/// A string from the playbook that may contain `${{ params.NAME }}` expressions.
/// Rendering substitutes each value textually: the result is one string, never re-split.
public struct Template: Sendable, Hashable, CustomStringConvertible {
    public enum Part: Sendable, Hashable {
        case literal(String)
        case parameter(String)
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

    public var isLiteral: Bool { parameterNames.isEmpty }

    /// The text as written, with expressions in canonical `${{ params.NAME }}` form.
    public var description: String {
        parts.map { part in
            switch part {
            case .literal(let text): return text
            case .parameter(let name): return "${{ params.\(name) }}"
            }
        }.joined()
    }

    /// Substitutes every parameter; a name missing from `values` becomes the empty string
    /// (the planner binds every declared parameter before rendering).
    public func render(_ values: [String: String]) -> String {
        parts.map { part in
            switch part {
            case .literal(let text): return text
            case .parameter(let name): return values[name] ?? ""
            }
        }.joined()
    }
}

/// Why a string could not be read as a template.
enum TemplateProblem: Error, Equatable {
    /// `${{` without a closing `}}`.
    case unterminated
    /// `${{ }}`.
    case empty
    /// `${{ steps.x.outputs.y }}`.
    case stepOutputs(String)
    /// Any other expression.
    case unsupported(String)
}

extension Template {
    /// Splits `text` into literal parts and `${{ params.NAME }}` parts.
    static func parse(_ text: String, position: SourcePosition) -> Result<Template, TemplateProblem> {
        var parts: [Part] = []
        var rest = Substring(text)
        while let open = rest.range(of: "${{") {
            if open.lowerBound > rest.startIndex { parts.append(.literal(String(rest[..<open.lowerBound]))) }
            let afterOpen = rest[open.upperBound...]
            guard let close = afterOpen.range(of: "}}") else { return .failure(.unterminated) }
            let expression = afterOpen[..<close.lowerBound].trimmingWhitespace()
            if expression.isEmpty { return .failure(.empty) }
            if let name = parameterName(in: expression) {
                parts.append(.parameter(name))
            } else if expression.hasPrefix("steps.") {
                return .failure(.stepOutputs(String(expression)))
            } else {
                return .failure(.unsupported(String(expression)))
            }
            rest = afterOpen[close.upperBound...]
        }
        if !rest.isEmpty { parts.append(.literal(String(rest))) }
        return .success(Template(parts: mergeLiterals(parts), position: position))
    }

    /// `params.NAME` → `NAME` when NAME is a valid parameter name.
    private static func parameterName(in expression: Substring) -> String? {
        let prefix = "params."
        guard expression.hasPrefix(prefix) else { return nil }
        let name = String(expression.dropFirst(prefix.count))
        return ParameterNames.isValid(name) ? name : nil
    }

    private static func mergeLiterals(_ parts: [Part]) -> [Part] {
        var merged: [Part] = []
        for part in parts {
            if case .literal(let next) = part, case .literal(let previous)? = merged.last {
                merged[merged.count - 1] = .literal(previous + next)
            } else {
                merged.append(part)
            }
        }
        return merged
    }
}

/// The spelling rules for parameter names: `[A-Za-z_][A-Za-z0-9_-]*`.
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
