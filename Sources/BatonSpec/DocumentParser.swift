import BatonModel
import Yams

/// Reads the top level, `metadata:` and `params:` of a playbook, then hands `steps:` to `StepParser`.
struct DocumentParser {
    let reader: NodeReader
    let modules: ModuleResolver

    static let topLevelKeys = ["apiVersion", "kind", "metadata", "params", "steps"]
    static let metadataKeys = ["name", "version", "owners", "description", "tags"]

    /// The playbook, or nil when an error was reported (the reader's sink has them all).
    func parse(_ root: Node, file: String) -> Playbook? {
        guard let top = reader.fields(root, in: "the playbook", allowed: Self.topLevelKeys, required: ["apiVersion", "kind", "metadata", "steps"])
        else { return nil }

        reader.expect(top["apiVersion"], "apiVersion", equals: "baton/v1")
        reader.expect(top["kind"], "kind", equals: "Playbook")
        let metadata = top["metadata"].flatMap(parseMetadata)
        // Parameters first, wherever they are written: templates in steps are checked against them.
        let parameters =
            top["params"].map {
                reader.declarations($0, in: "params", noun: "parameter", allowed: NodeReader.parameterKeys)
            } ?? []
        reader.declaredParameters = parameters.map(\.name)
        reader.declaredTypes = Dictionary(parameters.map { ($0.name, $0.type) }, uniquingKeysWith: { first, _ in first })
        let (parsed, outlines) = top["steps"].map { StepParser(reader: reader).parseSteps($0) } ?? ([], [])
        let (steps, valueChecks) = assemble(parsed, outlines)

        guard !reader.sink.hasErrors, let metadata else { return nil }
        var playbook = Playbook(
            file: file, name: metadata.name, version: metadata.version, description: metadata.description,
            tags: metadata.tags, owners: metadata.owners, parameters: parameters, steps: steps,
            parametersPosition: top.keyPosition("params"))
        playbook.modules = modules.used
        playbook.valueChecks = valueChecks
        return playbook
    }

    /// Resolves modules, checks every step output reference, and expands `uses:` steps.
    private func assemble(_ parsed: [ParsedStep], _ outlines: [StepOutline]) -> ([StepSpec], [ValueCheck]) {
        var resolved: [StepID: Module] = [:]
        var outputs: [StepID: [String: ValueType]] = [:]
        for item in parsed {
            switch item {
            case .step(let step): outputs[step.id] = step.declaredOutputTypes
            case .uses(let uses):
                guard let module = modules.module(for: uses, sink: reader.sink) else { continue }
                resolved[uses.id] = module
                outputs[uses.id] = Dictionary(module.outputs.map { ($0.name, $0.type) }, uniquingKeysWith: { f, _ in f })
            }
        }
        let scope = OutputScope(outlines: outlines, outputs: outputs, kind: "playbook")
        let checker = OutputChecker(reader: reader, scope: scope)
        for item in parsed {
            switch item {
            case .step(let step): checker.check(step)
            case .uses(let uses): checker.check(uses)
            }
        }
        return ModuleExpander(reader: reader, scope: scope, modules: resolved).expand(parsed)
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
}
