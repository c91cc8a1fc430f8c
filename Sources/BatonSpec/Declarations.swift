import BatonModel
import Yams

/// Typed value declarations: a playbook's `params:` and a module's `inputs:` share one syntax
/// (`NAME: {type, default, description}`; playbook parameters may also say `required`).
extension NodeReader {
    static let parameterKeys = ["type", "default", "description", "required"]
    static let inputKeys = ["type", "default", "description"]

    /// The declarations under `node` (`params` or `inputs`), named `noun` (`parameter`, `input`) in messages.
    /// A declaration with an error is still returned, as a required string, so its uses do not also
    /// report an undefined name.
    func declarations(_ node: Node, in what: String, noun: String, allowed: [String]) -> [ParameterSpec] {
        guard let pairs = pairs(node, in: what) else { return [] }
        var declared: [ParameterSpec] = []
        for (name, key, value) in pairs {
            guard ParameterNames.isValid(name) else {
                error(
                    "bad-parameter",
                    "'\(name)' is not a valid \(noun) name; use letters, digits, '_' and '-', starting with a letter or '_'",
                    at: key)
                continue
            }
            let position = NodeReader.position(key)
            let fallback = ParameterSpec(name: name, type: .string, isRequired: true, position: position)
            // `name:` alone: a required string.
            if NodeReader.isNull(value) {
                declared.append(fallback)
            } else {
                declared.append(declaration(name, value, noun: noun, allowed: allowed, position: position) ?? fallback)
            }
        }
        return declared
    }

    private func declaration(
        _ name: String, _ node: Node, noun: String, allowed: [String], position: SourcePosition
    ) -> ParameterSpec? {
        let context = "\(noun) '\(name)'"
        guard let fields = fields(node, in: context, allowed: allowed) else { return nil }
        var type = ParameterType.string
        if let typeNode = fields["type"] {
            guard let parsed = valueType(typeNode, "the type of \(context)") else { return nil }
            type = parsed
        }
        var defaultValue: String?
        if let defaultNode = fields["default"] {
            guard let text = string(defaultNode, "the default of \(context)") else { return nil }
            guard !text.contains("${{") else {
                error("bad-parameter", "the default of \(context) cannot contain '${{'; defaults are plain values", at: defaultNode)
                return nil
            }
            guard let canonical = type.canonicalValue(text) else {
                error("bad-parameter", "the default '\(text)' of \(context) is not \(type.article)", at: defaultNode)
                return nil
            }
            defaultValue = canonical
        }
        let description = fields["description"].flatMap { string($0, "the description of \(context)") }
        var isRequired = defaultValue == nil
        if let requiredNode = fields["required"], let required = bool(requiredNode, "'required' of \(context)") {
            if !required && defaultValue == nil {
                error(
                    "bad-parameter", "\(context) is optional (required: false) but has no default; give it a default",
                    at: requiredNode)
                return nil
            }
            if required && defaultValue != nil {
                sink.warning(
                    "bad-parameter", "\(context) is required, so its default is never used",
                    at: NodeReader.position(requiredNode))
            }
            isRequired = required
        }
        return ParameterSpec(
            name: name, type: type, defaultValue: defaultValue, description: description, isRequired: isRequired,
            position: position)
    }

    /// `string`, `int` or `bool`.
    func valueType(_ node: Node, _ what: String) -> ValueType? {
        guard let text = string(node, what) else { return nil }
        guard let type = ValueType(rawValue: text) else {
            error("bad-parameter", "unknown type '\(text)' for \(what.replacingPrefix("the type of ", with: "")); expected string, int or bool", at: node)
            return nil
        }
        return type
    }
}

extension ParameterType {
    /// `a string`, `an int`, `a bool`, for messages.
    var article: String {
        switch self {
        case .string: return "a string"
        case .int: return "an int"
        case .bool: return "a bool (true or false)"
        }
    }
}

extension String {
    func replacingPrefix(_ prefix: String, with replacement: String) -> String {
        hasPrefix(prefix) ? replacement + dropFirst(prefix.count) : self
    }
}
