import BatonModel
import Foundation
import Yams

/// The keys of one YAML mapping, after checking them against the keys allowed there.
struct Fields {
    let position: SourcePosition
    private var entries: [String: (key: Node, value: Node)] = [:]

    init(position: SourcePosition) { self.position = position }

    mutating func set(_ name: String, key: Node, value: Node) { entries[name] = (key, value) }

    /// The value written for `name`; nil when absent or written as null.
    subscript(name: String) -> Node? { entries[name]?.value }

    func keyPosition(_ name: String) -> SourcePosition? { entries[name].map { NodeReader.position($0.key) } }
}

/// Reads YAML nodes into values, reporting every problem (with its position) to a sink.
/// Each reader returns nil after reporting, so callers keep going and collect more diagnostics.
package final class NodeReader {
    let sink: DiagnosticSink
    /// Parameter names declared in `params:`; templates naming others are `undefined-parameter`.
    var declaredParameters: [String] = []
    /// Non-nil while reading a module: its declared inputs. Templates there read `${{ inputs.NAME }}`
    /// and naming an undeclared one is `undefined-input`; `${{ params.NAME }}` is not allowed.
    var moduleInputs: [String]?
    /// The types of the declared parameters (or, in a module, inputs), for `when:` type checks.
    var declaredTypes: [String: ValueType] = [:]
    /// Module inputs used where a step output cannot go (integer fields, manual instructions), with
    /// where: a `with:` value reading an output may not be given for them.
    var inputsWithoutOutputs: [String: String] = [:]

    var scope: TemplateScope { moduleInputs == nil ? .playbook : .module }

    init(sink: DiagnosticSink) { self.sink = sink }

    func error(_ code: String, _ message: String, at node: Node) {
        sink.error(code, message, at: Self.position(node))
    }

    package static func position(_ node: Node) -> SourcePosition {
        node.mark.map { SourcePosition(line: $0.line, column: $0.column) } ?? .start
    }

    package static func isNull(_ node: Node) -> Bool { node.null != nil }

    /// `a mapping`, `a list`, `null`, `the number 5`, `'text'`: what was found, for messages.
    package static func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar(let scalar):
            if isNull(node) { return "nothing (null)" }
            return "'\(scalar.string)'"
        }
    }

    // MARK: Mappings

    /// Checks `node` is a mapping whose keys are all in `allowed` (else `unknown-key` at the key)
    /// and that every key in `required` has a value (else `missing-key`).
    func fields(_ node: Node, in context: String, allowed: [String], required: [String] = []) -> Fields? {
        guard case .mapping(let mapping) = node else {
            error("type-mismatch", "\(context) must be a mapping, found \(Self.describe(node))", at: node)
            return nil
        }
        var fields = Fields(position: Self.position(node))
        var nullKeys: [String: Node] = [:]
        for (key, value) in mapping {
            guard let name = scalarText(key) else {
                error("type-mismatch", "keys in \(context) must be strings, found \(Self.describe(key))", at: key)
                continue
            }
            guard allowed.contains(name) else {
                let hint = Suggestions.closest(to: name, in: allowed).map { "did you mean '\($0)'? " } ?? ""
                error(
                    "unknown-key",
                    "unknown key '\(name)' in \(context); \(hint)allowed keys: \(allowed.joined(separator: ", "))",
                    at: key)
                continue
            }
            if Self.isNull(value) { nullKeys[name] = key } else { fields.set(name, key: key, value: value) }
        }
        for name in required where fields[name] == nil {
            if let key = nullKeys[name] {
                error("missing-key", "'\(name)' in \(context) has no value", at: key)
            } else {
                sink.error("missing-key", "\(context) is missing the required key '\(name)'", at: fields.position)
            }
        }
        return fields
    }

    /// Each pair of a mapping whose keys are free-form (params, env, owners), keys as strings.
    func pairs(_ node: Node, in context: String) -> [(name: String, key: Node, value: Node)]? {
        guard case .mapping(let mapping) = node else {
            error("type-mismatch", "\(context) must be a mapping, found \(Self.describe(node))", at: node)
            return nil
        }
        return mapping.compactMap { key, value in
            guard let name = scalarText(key) else {
                error("type-mismatch", "keys in \(context) must be strings, found \(Self.describe(key))", at: key)
                return nil
            }
            return (name, key, value)
        }
    }

    // MARK: Scalars

    /// A scalar that must be exactly `expected` (`apiVersion`, `kind`).
    func expect(_ node: Node?, _ key: String, equals expected: String) {
        guard let node, let value = string(node, key) else { return }
        if value != expected {
            error("bad-value", "\(key) must be '\(expected)', not '\(value)'", at: node)
        }
    }

    private func scalarText(_ node: Node) -> String? {
        guard case .scalar(let scalar) = node, !Self.isNull(node) else { return nil }
        return scalar.string
    }

    /// Any non-null scalar, as written (`5` reads as "5").
    func string(_ node: Node, _ what: String) -> String? {
        guard let text = scalarText(node) else {
            error("type-mismatch", "\(what) must be a string, found \(Self.describe(node))", at: node)
            return nil
        }
        return text
    }

    /// A string that may contain `${{ params.NAME }}`.
    func template(_ node: Node, _ what: String) -> Template? {
        guard let text = string(node, what) else { return nil }
        return template(text, at: node)
    }

    func template(_ text: String, at node: Node) -> Template? {
        switch Template.parse(text, position: Self.position(node), scope: scope) {
        case .failure(.unterminated):
            error("bad-expression", "'${{' is not closed by '}}' in '\(text)'", at: node)
        case .failure(.empty):
            error("bad-expression", "empty expression '${{ }}' in '\(text)'", at: node)
        case .failure(.badStepExpression(let expression)):
            error(
                "bad-expression", "'${{ \(expression) }}' is not a step output; write ${{ steps.ID.outputs.NAME }}",
                at: node)
        case .failure(.parameterInModule(let name)):
            error(
                "unsupported-expression",
                "'${{ params.\(name) }}': a module cannot read the playbook's parameters; declare an input and write ${{ inputs.\(name) }}",
                at: node)
        case .failure(.inputOutsideModule(let name)):
            error(
                "unsupported-expression",
                "'${{ inputs.\(name) }}': only modules have inputs; a playbook reads ${{ params.\(name) }}", at: node)
        case .failure(.unsupported(let expression)):
            let forms = scope == .playbook ? "${{ params.NAME }}" : "${{ inputs.NAME }}"
            error(
                "unsupported-expression",
                "'${{ \(expression) }}' is not supported; use \(forms) or ${{ steps.ID.outputs.NAME }}", at: node)
        case .success(let template):
            return checkNames(template, text, at: node) ? template : nil
        }
        return nil
    }

    /// Reports every parameter (or module input) the template names that is not declared.
    private func checkNames(_ template: Template, _ text: String, at node: Node) -> Bool {
        let (kind, names, declared) =
            if let moduleInputs { ("input", template.inputNames, moduleInputs) } else {
                ("parameter", template.parameterNames, declaredParameters)
            }
        var valid = true
        for name in Set(names).sorted() where !declared.contains(name) {
            valid = false
            let known = declared.isEmpty ? "no \(kind)s are declared" : "declared: \(declared.joined(separator: ", "))"
            error(
                "undefined-\(kind)",
                "undefined \(kind) '\(name)' in '\(text)'\(Suggestions.didYouMean(name, in: declared)) (\(known))",
                at: node)
        }
        return valid
    }

    /// Step outputs are only known at dispatch; `what` must be known when the plan is made.
    /// Module inputs used here are remembered so a `with:` value cannot smuggle an output in.
    func rejectOutputs(_ template: Template, in what: String, because reason: String, at node: Node) -> Bool {
        for name in template.inputNames where inputsWithoutOutputs[name] == nil { inputsWithoutOutputs[name] = what }
        guard let reference = template.outputReferences.first else { return true }
        error("output-not-allowed", "\(what) cannot read a step output ('\(reference)'): \(reason)", at: node)
        return false
    }

    func int(_ node: Node, _ what: String) -> Int? {
        guard let text = scalarText(node), let value = Int(text) else {
            error("type-mismatch", "\(what) must be an integer, found \(Self.describe(node))", at: node)
            return nil
        }
        return value
    }

    func bool(_ node: Node, _ what: String) -> Bool? {
        guard let text = scalarText(node), let value = ["true": true, "false": false][text] else {
            error("type-mismatch", "\(what) must be true or false, found \(Self.describe(node))", at: node)
            return nil
        }
        return value
    }

    /// An integer, or a string holding `${{ params.NAME }}` whose value is checked after planning.
    func integerSpec(_ node: Node, _ what: String, range: ClosedRange<Int>) -> IntegerSpec? {
        if let text = scalarText(node), text.contains("${{") {
            guard let template = template(text, at: node),
                rejectOutputs(
                    template, in: what, because: "integer fields are fixed when the plan is made; check the output in a probe or in when: instead",
                    at: node)
            else { return nil }
            return .template(template)
        }
        guard let value = int(node, what) else { return nil }
        guard range.contains(value) else {
            error("bad-value", "\(what) must be between \(range.lowerBound) and \(range.upperBound), not \(value)", at: node)
            return nil
        }
        return .literal(value)
    }

    /// A duration greater than zero (`500ms`, `30s`, `1m30s`).
    func duration(_ node: Node, _ what: String) -> Int64? {
        guard let text = scalarText(node) else {
            error("bad-duration", "\(what) must be a duration like 30s, 5m or 1m30s, found \(Self.describe(node))", at: node)
            return nil
        }
        guard let milliseconds = PlaybookDuration.parse(text) else {
            error(
                "bad-duration",
                "\(what) '\(text)' is not a duration; write a number with a unit (ms, s, m, h), like 500ms, 30s, 5m or 1m30s",
                at: node)
            return nil
        }
        guard milliseconds > 0 else {
            error("bad-duration", "\(what) must be longer than zero", at: node)
            return nil
        }
        return milliseconds
    }

    // MARK: Lists

    func list(_ node: Node, _ what: String) -> [Node]? {
        guard case .sequence(let sequence) = node else {
            error("type-mismatch", "\(what) must be a list, found \(Self.describe(node))", at: node)
            return nil
        }
        return Array(sequence)
    }

    func stringList(_ node: Node, _ what: String) -> [String]? {
        guard let items = list(node, what) else { return nil }
        let strings = items.compactMap { string($0, "each item of \(what)") }
        return strings.count == items.count ? strings : nil
    }

    /// argv: a non-empty list of templates.
    func argv(_ node: Node, _ what: String) -> [Template]? {
        if case .scalar = node, !Self.isNull(node) {
            error(
                "type-mismatch",
                "\(what) must be a list of arguments like [program, arg1, arg2]; to run a shell script, use 'shell:'",
                at: node)
            return nil
        }
        guard let items = list(node, what) else { return nil }
        guard !items.isEmpty else {
            error("bad-value", "\(what) must name at least the program to run", at: node)
            return nil
        }
        let templates = items.compactMap { template($0, "each argument of \(what)") }
        return templates.count == items.count ? templates : nil
    }

    /// `env:`: names are `[A-Za-z_][A-Za-z0-9_]*`, values are templates.
    func environment(_ node: Node, _ what: String) -> [EnvironmentEntry]? {
        guard let pairs = pairs(node, in: what) else { return nil }
        var entries: [EnvironmentEntry] = []
        var valid = true
        for (name, key, value) in pairs {
            if !Self.isEnvironmentName(name) {
                error("bad-value", "'\(name)' is not a valid environment variable name in \(what)", at: key)
                valid = false
            }
            if let template = template(value, "the value of \(name) in \(what)") {
                entries.append(EnvironmentEntry(name: name, value: template))
            } else {
                valid = false
            }
        }
        return valid ? entries : nil
    }

    static func isEnvironmentName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, first.isASCIILetter || first == "_" else { return false }
        return name.unicodeScalars.allSatisfy { $0.isASCIILetter || $0.isASCIIDigit || $0 == "_" }
    }
}
