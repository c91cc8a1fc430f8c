import BatonModel
import Yams

/// Reads the top level, `metadata:` and `params:` of a playbook, then hands `steps:` to `StepParser`.
struct DocumentParser {
    let reader: NodeReader

    static let topLevelKeys = ["apiVersion", "kind", "metadata", "params", "steps"]
    static let metadataKeys = ["name", "version", "owners", "description", "tags"]
    static let parameterKeys = ["type", "default", "description", "required"]

    /// The playbook, or nil when an error was reported (the reader's sink has them all).
    func parse(_ root: Node, file: String) -> Playbook? {
        guard let top = reader.fields(root, in: "the playbook", allowed: Self.topLevelKeys, required: ["apiVersion", "kind", "metadata", "steps"])
        else { return nil }

        expect(top["apiVersion"], "apiVersion", equals: "baton/v1")
        expect(top["kind"], "kind", equals: "Playbook")
        let metadata = top["metadata"].flatMap(parseMetadata)
        // Parameters first, wherever they are written: templates in steps are checked against them.
        let parameters = top["params"].map(parseParameters) ?? []
        reader.declaredParameters = parameters.map(\.name)
        let steps = top["steps"].map { StepParser(reader: reader).parseSteps($0) } ?? []

        guard !reader.sink.hasErrors, let metadata else { return nil }
        return Playbook(
            file: file, name: metadata.name, version: metadata.version, description: metadata.description,
            tags: metadata.tags, owners: metadata.owners, parameters: parameters, steps: steps,
            parametersPosition: top.keyPosition("params"))
    }

    private func expect(_ node: Node?, _ key: String, equals expected: String) {
        guard let node, let value = reader.string(node, key) else { return }
        if value != expected {
            reader.error("bad-value", "\(key) must be '\(expected)', not '\(value)'", at: node)
        }
    }

    // MARK: metadata

    private struct Metadata {
        var name: String
        var version: String
        var description: String?
        var tags: [String]
        var owners: [Tier: String]
    }

    private func parseMetadata(_ node: Node) -> Metadata? {
        guard let fields = reader.fields(node, in: "metadata", allowed: Self.metadataKeys, required: ["name", "version"])
        else { return nil }
        let name = fields["name"].flatMap { node -> String? in
            guard let name = reader.string(node, "metadata.name") else { return nil }
            guard Self.isPlaybookName(name) else {
                reader.error(
                    "bad-value", "metadata.name '\(name)' may only contain lowercase letters, digits and '-'", at: node)
                return nil
            }
            return name
        }
        let version = fields["version"].flatMap { reader.string($0, "metadata.version") }
        let description = fields["description"].flatMap { reader.string($0, "metadata.description") }
        let tags = fields["tags"].flatMap { reader.stringList($0, "metadata.tags") } ?? []
        let owners = fields["owners"].flatMap(parseOwners) ?? [:]
        guard let name, let version else { return nil }
        return Metadata(name: name, version: version, description: description, tags: tags, owners: owners)
    }

    private func parseOwners(_ node: Node) -> [Tier: String]? {
        guard let pairs = reader.pairs(node, in: "metadata.owners") else { return nil }
        var owners: [Tier: String] = [:]
        for (name, key, value) in pairs {
            let team = reader.string(value, "the owner of \(name)")
            guard let tier = Tier(rawValue: name) else {
                reader.error("unknown-tier", "unknown tier '\(name)' in metadata.owners; \(Self.validTiers)", at: key)
                continue
            }
            owners[tier] = team
        }
        return owners
    }

    static var validTiers: String {
        "valid tiers are " + Suggestions.list(Tier.allCases.map(\.rawValue))
    }

    static func isPlaybookName(_ name: String) -> Bool {
        !name.isEmpty && name.unicodeScalars.allSatisfy { $0.isASCIILowercaseLetter || $0.isASCIIDigit || $0 == "-" }
    }

    // MARK: params

    private func parseParameters(_ node: Node) -> [ParameterSpec] {
        guard let pairs = reader.pairs(node, in: "params") else { return [] }
        var parameters: [ParameterSpec] = []
        for (name, key, value) in pairs {
            guard ParameterNames.isValid(name) else {
                reader.error(
                    "bad-parameter",
                    "'\(name)' is not a valid parameter name; use letters, digits, '_' and '-', starting with a letter or '_'",
                    at: key)
                continue
            }
            let position = NodeReader.position(key)
            if NodeReader.isNull(value) {
                // `name:` alone: a required string parameter.
                parameters.append(ParameterSpec(name: name, type: .string, isRequired: true, position: position))
            } else if let parameter = parseParameter(name, value, position: position) {
                parameters.append(parameter)
            } else {
                // Keep the name so its uses do not also report `undefined-parameter`.
                parameters.append(ParameterSpec(name: name, type: .string, isRequired: true, position: position))
            }
        }
        return parameters
    }

    private func parseParameter(_ name: String, _ node: Node, position: SourcePosition) -> ParameterSpec? {
        let context = "parameter '\(name)'"
        guard let fields = reader.fields(node, in: context, allowed: Self.parameterKeys) else { return nil }
        var type = ParameterType.string
        if let typeNode = fields["type"] {
            guard let text = reader.string(typeNode, "the type of \(context)") else { return nil }
            guard let parsed = ParameterType(rawValue: text) else {
                reader.error(
                    "bad-parameter", "unknown type '\(text)' for \(context); expected string, int or bool", at: typeNode)
                return nil
            }
            type = parsed
        }
        var defaultValue: String?
        if let defaultNode = fields["default"] {
            guard let text = reader.string(defaultNode, "the default of \(context)") else { return nil }
            guard let canonical = type.canonicalValue(text) else {
                reader.error("bad-parameter", "the default '\(text)' of \(context) is not \(type.article)", at: defaultNode)
                return nil
            }
            defaultValue = canonical
        }
        let description = fields["description"].flatMap { reader.string($0, "the description of \(context)") }
        var isRequired = defaultValue == nil
        if let requiredNode = fields["required"], let required = reader.bool(requiredNode, "'required' of \(context)") {
            if !required && defaultValue == nil {
                reader.error(
                    "bad-parameter", "\(context) is optional (required: false) but has no default; give it a default",
                    at: requiredNode)
                return nil
            }
            if required && defaultValue != nil {
                reader.sink.warning(
                    "bad-parameter", "\(context) is required, so its default is never used",
                    at: NodeReader.position(requiredNode))
            }
            isRequired = required
        }
        return ParameterSpec(
            name: name, type: type, defaultValue: defaultValue, description: description, isRequired: isRequired,
            position: position)
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
