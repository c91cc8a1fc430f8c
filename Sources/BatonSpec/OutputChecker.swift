import BatonModel

/// The steps whose outputs a playbook's (or a module's) templates may read.
struct OutputScope {
    /// Every step id written, steps with errors included: their outputs are unknown, not missing.
    var knownIDs: [StepID]
    /// The declared outputs of each step whose declaration is known (a `uses:` step: its module's outputs).
    var outputs: [StepID: [String: ValueType]]
    var needs: [StepID: [StepID]]
    /// `playbook` or `module`, for messages.
    var kind: String

    init(outlines: [StepOutline], outputs: [StepID: [String: ValueType]], kind: String) {
        knownIDs = outlines.map(\.id)
        needs = Dictionary(outlines.map { ($0.id, $0.needs.map(\.id)) }, uniquingKeysWith: { first, _ in first })
        self.outputs = outputs
        self.kind = kind
    }

    /// The steps `id` needs, directly or through the steps it needs.
    func ancestors(of id: StepID) -> Set<StepID> {
        var found: Set<StepID> = []
        var pending = needs[id] ?? []
        while let next = pending.popLast() {
            if found.insert(next).inserted { pending += needs[next] ?? [] }
        }
        return found
    }

    func type(of reference: OutputReference) -> ValueType? { outputs[reference.step]?[reference.output] }
}

/// Checks every `${{ steps.ID.outputs.NAME }}`: the step exists, is needed (directly or transitively) by
/// the step reading it, and declares the output; and that `when:` compares typed values with literals
/// of their type.
struct OutputChecker {
    let reader: NodeReader
    let scope: OutputScope

    func check(_ step: StepSpec) {
        let ancestors = scope.ancestors(of: step.id)
        let context = "step '\(step.id)'"
        for template in step.ownTemplates { check(template, readBy: step.id, context, allowed: ancestors) }
        for template in step.rollbackTemplates {
            check(template, readBy: step.id, "the rollback of \(context)", allowed: ancestors.union([step.id]))
        }
        if let when = step.when { checkTypes(when, "when of \(context)") }
    }

    func check(_ uses: UsesSpec) {
        let ancestors = scope.ancestors(of: uses.id)
        let context = "step '\(uses.id)'"
        for entry in uses.with { check(entry.value, readBy: uses.id, context, allowed: ancestors) }
        if let when = uses.when {
            for template in [when.left, when.right] { check(template, readBy: uses.id, context, allowed: ancestors) }
            checkTypes(when, "when of \(context)")
        }
    }

    private func check(_ template: Template, readBy reader: StepID, _ context: String, allowed: Set<StepID>) {
        var seen: Set<OutputReference> = []
        for reference in template.outputReferences where seen.insert(reference).inserted {
            check(reference, in: template, readBy: reader, context, allowed: allowed)
        }
    }

    private func check(
        _ reference: OutputReference, in template: Template, readBy id: StepID, _ context: String, allowed: Set<StepID>
    ) {
        let source = reference.step
        let at = template.position
        guard scope.knownIDs.contains(source) else {
            let ids = scope.knownIDs.map(\.rawValue)
            reader.sink.error(
                "unknown-step",
                "\(context) reads outputs of '\(source)', which is not a step in this \(scope.kind)\(Suggestions.didYouMean(source.rawValue, in: ids))",
                at: at)
            return
        }
        if source == id, !allowed.contains(id) {
            reader.sink.error(
                "not-a-need",
                "\(context) reads its own output '\(reference.output)'; outputs are only known after the step ran (its rollback may read them)",
                at: at)
            return
        }
        guard allowed.contains(source) else {
            reader.sink.error(
                "not-a-need",
                "\(context) reads outputs of '\(source)' but does not need it; add '\(source)' to needs (directly or through a step it needs)",
                at: at)
            return
        }
        // Unknown when the step had errors of its own: nothing more to say.
        guard let declared = scope.outputs[source], declared[reference.output] == nil else { return }
        let names = declared.keys.sorted()
        let known = names.isEmpty ? "'\(source)' declares no outputs" : "declared: \(names.joined(separator: ", "))"
        reader.sink.error(
            "unknown-output",
            "\(context) reads output '\(reference.output)' of '\(source)', which does not declare it\(Suggestions.didYouMean(reference.output, in: names)) (\(known))",
            at: at)
    }

    /// A side that is a single typed expression compared with a literal (or another typed expression)
    /// must be compared with a value of its type.
    private func checkTypes(_ when: ConditionSpec, _ what: String) {
        let left = typed(when.left), right = typed(when.right)
        if let left, let right, left.type != right.type {
            reader.sink.error(
                "type-mismatch",
                "\(what) compares \(left.name), \(left.type.noun), with \(right.name), \(right.type.noun); they can never be equal",
                at: when.position)
            return
        }
        for (typed, other) in [(left, when.right), (right, when.left)] {
            guard let typed, other.isLiteral else { continue }
            let literal = other.description
            guard typed.type.canonicalValue(literal) == nil else { continue }
            let hint = typed.type == .bool ? "; compare it with true or false" : ""
            reader.sink.error(
                "type-mismatch",
                "\(what) compares \(typed.name), \(typed.type.noun), with '\(literal)', which is not \(typed.type.noun)\(hint)",
                at: when.position)
        }
    }

    private func typed(_ template: Template) -> (name: String, type: ValueType)? {
        switch template.soleExpression {
        case .output(let reference):
            return scope.type(of: reference).map { ("output '\(reference.output)' of '\(reference.step)'", $0) }
        case .parameter(let name):
            return reader.declaredTypes[name].map { ("parameter '\(name)'", $0) }
        case .input(let name):
            return reader.declaredTypes[name].map { ("input '\(name)'", $0) }
        case .literal, nil:
            return nil
        }
    }
}

extension ValueType {
    /// `a string`, `an int`, `a bool`.
    var noun: String { self == .int ? "an int" : "a \(rawValue)" }
}
