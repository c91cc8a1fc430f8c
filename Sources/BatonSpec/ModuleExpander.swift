import BatonModel

/// Replaces each `uses:` step with its module's steps: ids `USES-ID.STEP-ID`, module-internal needs
/// prefixed, root steps needing what the `uses:` step needs, inputs substituted, and every
/// `${{ steps.USES-ID.outputs.NAME }}` in the playbook rewritten to the module step output it stands for.
struct ModuleExpander {
    let reader: NodeReader
    let scope: OutputScope
    /// The module of each `uses:` step that resolved.
    let modules: [StepID: Module]

    func expand(_ items: [ParsedStep]) -> (steps: [StepSpec], valueChecks: [ValueCheck]) {
        var steps: [StepSpec] = []
        var checks: [ValueCheck] = []
        let playbookIDs = Set(scope.knownIDs)
        for item in items {
            switch item {
            case .step(var step):
                step.needs = resolve(step.needs)
                steps.append(step.mapTemplates(rewrite))
            case .uses(let uses):
                guard let module = modules[uses.id], let inputs = bind(uses, module, checks: &checks) else { continue }
                for moduleStep in module.steps {
                    let step = expand(moduleStep, of: uses, module, inputs: inputs)
                    if playbookIDs.contains(step.id) {
                        reader.sink.error(
                            "duplicate-step",
                            "step '\(uses.id)' expands module step '\(moduleStep.id)' to '\(step.id)', which is already a step id in this playbook",
                            at: uses.position)
                    }
                    steps.append(step)
                }
            }
        }
        return (steps, checks)
    }

    private func prefixed(_ uses: StepID, _ id: StepID) -> StepID { StepID("\(uses.rawValue).\(id.rawValue)") }

    /// The module steps no other module step needs: what a step needing the `uses:` step waits for.
    private func sinks(of uses: StepID) -> [StepID]? {
        guard let module = modules[uses] else { return nil }
        let needed = Set(module.steps.flatMap { $0.needs.map(\.id) })
        return module.steps.map(\.id).filter { !needed.contains($0) }.map { prefixed(uses, $0) }
    }

    /// `needs` with each `uses:` step replaced by its module's sinks.
    private func resolve(_ needs: [StepReference]) -> [StepReference] {
        needs.flatMap { need in
            sinks(of: need.id).map { $0.map { StepReference(id: $0, position: need.position) } } ?? [need]
        }
    }

    /// `${{ steps.USES-ID.outputs.NAME }}` → the module step output it stands for.
    private func rewrite(_ template: Template) -> Template {
        template.replacingParts { part in
            guard case .output(let reference) = part, let output = modules[reference.step]?.output(reference.output)
            else { return [part] }
            return [.output(OutputReference(step: prefixed(reference.step, output.value.step), output: output.value.output))]
        }
    }

    private func expand(_ moduleStep: StepSpec, of uses: UsesSpec, _ module: Module, inputs: [String: Template]) -> StepSpec {
        var step = moduleStep.mapTemplates { template in
            template.replacingParts { part in
                switch part {
                case .input(let name): return inputs[name]?.parts ?? []
                case .output(let reference):
                    return [.output(OutputReference(step: prefixed(uses.id, reference.step), output: reference.output))]
                case .literal, .parameter: return [part]
                }
            }
        }
        step.id = prefixed(uses.id, moduleStep.id)
        step.needs =
            moduleStep.needs.isEmpty
            ? resolve(uses.needs) : moduleStep.needs.map { StepReference(id: prefixed(uses.id, $0.id), position: $0.position) }
        step.when = step.when ?? uses.when?.mapTemplates(rewrite)
        step.onFailure = moduleStep.onFailure ?? uses.onFailure
        step.tags = moduleStep.tags.isEmpty ? uses.tags : moduleStep.tags
        step.module = module.reference
        step.file = module.file
        return step
    }

    /// The value of every input (`with:` or its default), each checked against the input's type;
    /// nil after reporting a problem.
    private func bind(_ uses: UsesSpec, _ module: Module, checks: inout [ValueCheck]) -> [String: Template]? {
        var values: [String: Template] = [:]
        var valid = true
        let names = module.inputs.map(\.name)
        for entry in uses.with {
            guard let input = module.input(entry.name) else {
                let known = names.isEmpty ? "it has no inputs" : "inputs: \(names.joined(separator: ", "))"
                reader.sink.error(
                    "unknown-input",
                    "step '\(uses.id)' gives input '\(entry.name)', which module \(module.reference) does not have\(Suggestions.didYouMean(entry.name, in: names)) (\(known))",
                    at: entry.keyPosition)
                valid = false
                continue
            }
            let what = "input '\(input.name)' of module \(module.reference) (step '\(uses.id)')"
            if check(entry.value, for: input, what, module, checks: &checks) {
                values[input.name] = rewrite(entry.value)
            } else {
                valid = false
            }
        }
        for input in module.inputs where values[input.name] == nil && !uses.with.contains(where: { $0.name == input.name }) {
            if let value = input.defaultValue {
                values[input.name] = Template(literal: value, position: input.position)
            } else {
                reader.sink.error(
                    "missing-input",
                    "step '\(uses.id)' must give input '\(input.name)' of module \(module.reference), which has no default (with: {\(input.name): ...})",
                    at: uses.modulePosition)
                valid = false
            }
        }
        return valid ? values : nil
    }

    private func check(
        _ value: Template, for input: ParameterSpec, _ what: String, _ module: Module, checks: inout [ValueCheck]
    ) -> Bool {
        if value.isLiteral {
            guard input.type.canonicalValue(value.description) == nil else { return true }
            reader.sink.error("type-mismatch", "\(what) must be \(input.type.article), not '\(value)'", at: value.position)
            return false
        }
        if let reference = value.outputReferences.first {
            if let field = module.inputsWithoutOutputs[input.name] {
                reader.sink.error(
                    "output-not-allowed",
                    "\(what) is used in \(field), which cannot read a step output ('\(reference)'); pass a literal or a parameter",
                    at: value.position)
                return false
            }
            guard input.type != .string else { return true }
            guard case .output(let sole)? = value.soleExpression else {
                reader.sink.error(
                    "type-mismatch", "\(what) must be \(input.type.noun), but '\(value)' is text around a step output",
                    at: value.position)
                return false
            }
            // An unknown output is reported by the output checks.
            guard let type = scope.type(of: sole), type != input.type else { return true }
            reader.sink.error(
                "type-mismatch", "\(what) must be \(input.type.noun), but '\(value)' is \(type.noun)", at: value.position)
            return false
        }
        if input.type != .string { checks.append(ValueCheck(template: value, type: input.type, what: what)) }
        return true
    }
}
