import BatonModel
import Yams

/// A reusable group of steps (`kind: Module`), used by a playbook step with `uses: NAME@VERSION`.
/// Its templates read `${{ inputs.NAME }}`; a `uses:` step gives the inputs with `with:`.
public struct Module: Sendable, Hashable {
    /// The file the module was loaded from (diagnostics about its steps name it).
    public var file: String
    public var name: String
    /// `MAJOR.MINOR.PATCH`.
    public var version: String
    public var description: String?
    public var inputs: [ParameterSpec]
    public var outputs: [ModuleOutput]
    /// Steps in file order, with module-local ids and needs.
    public var steps: [StepSpec]
    /// Inputs used where a step output cannot go (integer fields, manual instructions), with where.
    var inputsWithoutOutputs: [String: String] = [:]

    /// `NAME@VERSION`.
    public var reference: String { "\(name)@\(version)" }
    public func input(_ name: String) -> ParameterSpec? { inputs.first { $0.name == name } }
    public func output(_ name: String) -> ModuleOutput? { outputs.first { $0.name == name } }
}

/// One entry of a module's `outputs:`: an output of one of its steps, re-exported.
public struct ModuleOutput: Sendable, Hashable {
    public var name: String
    public var type: ValueType
    /// The module step output it stands for (`${{ steps.check.outputs.lag_bytes }}`), with module-local ids.
    public var value: OutputReference
    public var description: String?
    public var position: SourcePosition
}

/// Module YAML text → `Module`.
public enum ModuleLoader {
    /// Parses and lints a module file. Returns the module only when there are no errors (warnings allowed).
    public static func load(source: String, file: String) -> (module: Module?, diagnostics: [Diagnostic]) {
        let sink = DiagnosticSink(file: file)
        guard let root = PlaybookLoader.compose(source, sink: sink, what: "module") else { return (nil, sink.diagnostics) }
        let module = ModuleParser(reader: NodeReader(sink: sink)).parse(root, file: file)
        let diagnostics = sink.diagnostics.sortedByPosition()
        return (diagnostics.containsErrors ? nil : module, diagnostics)
    }
}

/// Reads a module file: metadata, inputs, steps (checked like a playbook's), outputs.
struct ModuleParser {
    let reader: NodeReader

    static let topLevelKeys = ["apiVersion", "kind", "metadata", "inputs", "outputs", "steps"]
    static let metadataKeys = ["name", "version", "description"]
    static let outputKeys = ["type", "value", "description"]

    func parse(_ root: Node, file: String) -> Module? {
        guard
            let top = reader.fields(
                root, in: "the module", allowed: Self.topLevelKeys, required: ["apiVersion", "kind", "metadata", "steps"])
        else { return nil }
        reader.expect(top["apiVersion"], "apiVersion", equals: "baton/v1")
        reader.expect(top["kind"], "kind", equals: "Module")
        let metadata = top["metadata"].flatMap(parseMetadata)
        let inputs = top["inputs"].map {
            reader.declarations($0, in: "inputs", noun: "input", allowed: NodeReader.inputKeys)
        } ?? []
        reader.moduleInputs = inputs.map(\.name)
        reader.declaredTypes = Dictionary(inputs.map { ($0.name, $0.type) }, uniquingKeysWith: { first, _ in first })

        let (parsed, outlines) = top["steps"].map { StepParser(reader: reader).parseSteps($0) } ?? ([], [])
        let steps = parsed.compactMap { item -> StepSpec? in
            guard case .step(var step) = item else { return nil }
            step.file = file
            return step
        }
        let scope = OutputScope(
            outlines: outlines, outputs: Dictionary(steps.map { ($0.id, $0.declaredOutputTypes) }, uniquingKeysWith: { f, _ in f }),
            kind: "module")
        let checker = OutputChecker(reader: reader, scope: scope)
        steps.forEach(checker.check)
        let outputs = top["outputs"].map { parseOutputs($0, scope: scope) } ?? []

        guard !reader.sink.hasErrors, let metadata else { return nil }
        return Module(
            file: file, name: metadata.name, version: metadata.version, description: metadata.description,
            inputs: inputs, outputs: outputs, steps: steps, inputsWithoutOutputs: reader.inputsWithoutOutputs)
    }

    private func parseMetadata(_ node: Node) -> (name: String, version: String, description: String?)? {
        guard let fields = reader.fields(node, in: "metadata", allowed: Self.metadataKeys, required: ["name", "version"])
        else { return nil }
        let name = fields["name"].flatMap { node -> String? in
            guard let name = reader.string(node, "metadata.name") else { return nil }
            guard DocumentParser.isPlaybookName(name) else {
                reader.error("bad-value", "module name '\(name)' may only contain lowercase letters, digits and '-'", at: node)
                return nil
            }
            return name
        }
        let version = fields["version"].flatMap { node -> String? in
            guard let version = reader.string(node, "metadata.version") else { return nil }
            guard ModuleVersion(version) != nil else {
                reader.error(
                    "bad-value", "module version '\(version)' must be MAJOR.MINOR.PATCH, like 1.0.0", at: node)
                return nil
            }
            return version
        }
        let description = fields["description"].flatMap { reader.string($0, "metadata.description") }
        guard let name, let version else { return nil }
        return (name, version, description)
    }

    private func parseOutputs(_ node: Node, scope: OutputScope) -> [ModuleOutput] {
        guard let pairs = reader.pairs(node, in: "outputs") else { return [] }
        return pairs.compactMap { name, key, value in
            let what = "module output '\(name)'"
            guard ParameterNames.isValid(name) else {
                reader.error("bad-value", "'\(name)' is not a valid output name; use letters, digits, '_' and '-'", at: key)
                return nil
            }
            guard let fields = reader.fields(value, in: what, allowed: Self.outputKeys, required: ["value"]),
                let valueNode = fields["value"], let template = reader.template(valueNode, "value of \(what)")
            else { return nil }
            let type = fields["type"].map { reader.valueType($0, "the type of \(what)") }
            let description = fields["description"].flatMap { reader.string($0, "description of \(what)") }
            guard case .output(let reference)? = template.soleExpression else {
                reader.error(
                    "bad-value", "value of \(what) must be one step output, like ${{ steps.STEP.outputs.NAME }}, not '\(template)'",
                    at: valueNode)
                return nil
            }
            guard scope.knownIDs.contains(reference.step) else {
                reader.error(
                    "unknown-step",
                    "value of \(what) reads outputs of '\(reference.step)', which is not a step in this module\(Suggestions.didYouMean(reference.step.rawValue, in: scope.knownIDs.map(\.rawValue)))",
                    at: valueNode)
                return nil
            }
            guard let declared = scope.outputs[reference.step] else { return nil }
            guard let stepType = declared[reference.output] else {
                let names = declared.keys.sorted()
                reader.error(
                    "unknown-output",
                    "value of \(what) reads output '\(reference.output)' of '\(reference.step)', which does not declare it\(Suggestions.didYouMean(reference.output, in: names))",
                    at: valueNode)
                return nil
            }
            guard let type = type ?? stepType else { return nil }
            if type != stepType {
                reader.error(
                    "type-mismatch", "\(what) is declared \(type.noun), but output '\(reference.output)' of '\(reference.step)' is \(stepType.noun)",
                    at: fields["type"] ?? valueNode)
                return nil
            }
            return ModuleOutput(
                name: name, type: type, value: reference, description: description, position: NodeReader.position(key))
        }
    }
}

extension StepSpec {
    /// Output name → type.
    var declaredOutputTypes: [String: ValueType] {
        Dictionary(outputs.map { ($0.name, $0.type) }, uniquingKeysWith: { first, _ in first })
    }
}
