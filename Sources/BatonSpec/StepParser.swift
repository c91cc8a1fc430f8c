import BatonModel
import Yams

/// A `uses:` step before its module is expanded.
struct UsesSpec {
    var id: StepID
    var position: SourcePosition
    var needs: [StepReference]
    var when: ConditionSpec?
    var onFailure: FailurePolicy?
    var tags: [String]
    /// `NAME@VERSION` (or a version prefix) as written, and where.
    var module: String
    var modulePosition: SourcePosition
    var with: [WithEntry]
}

/// One `with:` entry of a `uses:` step.
struct WithEntry {
    var name: String
    var keyPosition: SourcePosition
    var value: Template
}

/// One entry of `steps:` as written: a step, or a `uses:` step to be replaced by a module's steps.
enum ParsedStep {
    case step(StepSpec)
    case uses(UsesSpec)

    var id: StepID {
        switch self {
        case .step(let step): return step.id
        case .uses(let uses): return uses.id
        }
    }
}

/// Reads `steps:`, then checks the step graph (ids, needs, cycles) over every step it could identify.
struct StepParser {
    let reader: NodeReader

    static let stepKeys = [
        "id", "name", "description", "tier", "needs", "pre", "post", "run", "shell", "env", "timeout", "retries",
        "idempotent", "tags", "when", "outputs", "rollback", "on_failure", "targets", "manual", "approval",
    ]
    /// The keys of a `uses:` step; the module's steps bring everything else.
    static let usesKeys = ["id", "name", "description", "needs", "when", "on_failure", "tags", "uses", "with"]
    /// Programs whose `-c` argument is a script: interpolating parameters into it is unsafe.
    static let shells: Set<String> = ["sh", "bash", "dash", "zsh", "ksh", "ash", "fish"]

    /// The steps without errors, and the outline of every step whose id could be read.
    func parseSteps(_ node: Node) -> (steps: [ParsedStep], outlines: [StepOutline]) {
        guard let items = reader.list(node, "steps") else { return ([], []) }
        if items.isEmpty { reader.error("bad-value", "steps must list at least one step", at: node) }
        var outlines: [StepOutline] = []
        var steps: [ParsedStep] = []
        for (index, item) in items.enumerated() {
            let (outline, step) = parseStep(item, number: index + 1)
            if let outline { outlines.append(outline) }
            if let step { steps.append(step) }
        }
        StepGraph.check(outlines, sink: reader.sink)
        return (steps, outlines)
    }

    private func parseStep(_ node: Node, number: Int) -> (StepOutline?, ParsedStep?) {
        // Name the step by its id in messages when it has a readable one.
        let mapping: Node.Mapping? = if case .mapping(let mapping) = node { mapping } else { nil }
        let idText = mapping?["id"]?.string
        let context = idText.map { "step '\($0)'" } ?? "step \(number)"
        let usesKey = mapping?.first { $0.key.string == "uses" }?.key
        if let usesKey, reader.moduleInputs != nil {
            reader.error("uses-step", "\(context) uses a module, but modules cannot use other modules", at: usesKey)
            return (nil, nil)
        }
        let conflicts = usesKey == nil ? [] : Self.stepKeys.filter { !Self.usesKeys.contains($0) }
        guard
            let fields = reader.fields(
                node, in: context, allowed: usesKey == nil ? Self.stepKeys : Self.usesKeys + conflicts,
                required: usesKey == nil ? ["id", "tier"] : ["id", "uses"])
        else { return (nil, nil) }
        let errorsBefore = reader.sink.diagnostics.filter(\.isError).count

        let id = fields["id"].flatMap { parseID($0) }
        let needs = fields["needs"].flatMap { parseNeeds($0, context) } ?? []
        // A step whose id is misspelt still takes part in the graph checks, so steps needing it
        // do not also report `unknown-need`.
        let outlineID = id ?? idText.flatMap { text in fields["id"].map { (StepID(text), NodeReader.position($0)) } }
        let outline = outlineID.map { StepOutline(id: $0.0, position: $0.1, needs: needs) }
        let common = CommonFields(
            when: fields["when"].flatMap { parseWhen($0, context) },
            onFailure: fields["on_failure"].flatMap { parseOnFailure($0, context) },
            tags: fields["tags"].flatMap { reader.stringList($0, "tags of \(context)") } ?? [])

        let parsed: ParsedStep?
        if usesKey != nil {
            for key in conflicts {
                guard let position = fields.keyPosition(key) else { continue }
                reader.sink.error(
                    "uses-step",
                    "\(context) uses a module, so it cannot have '\(key)'; a uses: step may only have \(Self.usesKeys.joined(separator: ", "))",
                    at: position)
            }
            parsed = parseUses(fields, id: id, needs: needs, common: common, context).map(ParsedStep.uses)
        } else {
            parsed = parseFullStep(fields, id: id, needs: needs, common: common, context).map(ParsedStep.step)
        }
        let errorsAfter = reader.sink.diagnostics.filter(\.isError).count
        return (outline, errorsAfter == errorsBefore ? parsed : nil)
    }

    /// `when:`, `on_failure:` and `tags:`, which both kinds of step have. A field with an error reads as
    /// absent here; the error drops the step.
    struct CommonFields {
        var when: ConditionSpec?
        var onFailure: FailurePolicy?
        var tags: [String]
    }

    private func parseFullStep(
        _ fields: Fields, id: (id: StepID, position: SourcePosition)?, needs: [StepReference], common: CommonFields,
        _ context: String
    ) -> StepSpec? {
        let tier = fields["tier"].flatMap { parseTier($0, context) }
        let probes = ProbeParser(reader: reader)
        let pre = fields["pre"].map { probes.parseList($0, "pre of \(context)") }
        let post = fields["post"].map { probes.parseList($0, "post of \(context)") }
        let action = parseAction(fields, context)
        let timeout = fields["timeout"].flatMap { reader.duration($0, "timeout of \(context)") }
        let retry = fields["retries"].flatMap { parseRetries($0, context) }
        let idempotent = fields["idempotent"].flatMap { reader.bool($0, "idempotent of \(context)") }
        let outputs = fields["outputs"].flatMap {
            parseOutputs($0, context, probeCounts: [.pre: pre.map { $0?.count } ?? 0, .post: post.map { $0?.count } ?? 0])
        }
        let targets = fields["targets"].flatMap { parseTargets($0, context) }
        let manual = fields["manual"].flatMap { parseManual($0, context) }
        let approval = fields["approval"].flatMap { parseApproval($0, context) }
        let rollback = fields["rollback"].flatMap { parseRollback($0, context, stepTier: tier) }
        checkManual(fields, context)
        if let outputsKey = fields.keyPosition("outputs"), fields["targets"] != nil {
            reader.sink.error(
                "output-not-allowed",
                "\(context) runs on several hosts (targets:), so it cannot declare outputs: each host would give its own value",
                at: outputsKey)
        }
        guard let id, let tier else { return nil }
        var step = StepSpec(
            id: id.id, position: id.position, name: fields["name"].flatMap { reader.string($0, "name of \(context)") },
            description: fields["description"].flatMap { reader.string($0, "description of \(context)") },
            tier: tier, needs: needs, pre: (pre ?? []) ?? [], action: action, post: (post ?? []) ?? [],
            timeoutMilliseconds: timeout ?? Plan.defaultStepTimeoutMilliseconds, retry: retry ?? RetryPolicy(),
            idempotent: idempotent ?? false)
        step.tags = common.tags
        step.when = common.when
        step.onFailure = common.onFailure
        step.outputs = outputs ?? []
        step.targets = targets
        step.manualInstructions = manual
        step.approval = approval
        step.rollback = rollback ?? .undeclared
        if action != nil, fields["rollback"] == nil {
            reader.sink.warning(
                "missing-rollback",
                "\(context) has side effects but declares no rollback; write rollback: none if there is nothing to undo",
                at: id.position)
        }
        return step
    }

    private func parseUses(
        _ fields: Fields, id: (id: StepID, position: SourcePosition)?, needs: [StepReference], common: CommonFields,
        _ context: String
    ) -> UsesSpec? {
        let module = fields["uses"].flatMap { reader.string($0, "uses of \(context)") }
        let with = fields["with"].flatMap { node -> [WithEntry]? in
            guard let pairs = reader.pairs(node, in: "with of \(context)") else { return nil }
            let entries = pairs.compactMap { name, key, value in
                reader.template(value, "the value of \(name) in with of \(context)").map {
                    WithEntry(name: name, keyPosition: NodeReader.position(key), value: $0)
                }
            }
            return entries.count == pairs.count ? entries : nil
        }
        guard let id, let module, let modulePosition = fields["uses"].map(NodeReader.position) else { return nil }
        return UsesSpec(
            id: id.id, position: id.position, needs: needs, when: common.when, onFailure: common.onFailure,
            tags: common.tags, module: module, modulePosition: modulePosition, with: with ?? [])
    }

    private func parseID(_ node: Node) -> (id: StepID, position: SourcePosition)? {
        guard let text = reader.string(node, "a step id") else { return nil }
        guard Self.isStepID(text) else {
            reader.error(
                "bad-value",
                "step id '\(text)' must start with a lowercase letter or digit and contain only lowercase letters, digits, '-', '_' and '.'",
                at: node)
            return nil
        }
        return (StepID(text), NodeReader.position(node))
    }

    static func isStepID(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, first.isASCIILowercaseLetter || first.isASCIIDigit else {
            return false
        }
        return text.unicodeScalars.allSatisfy {
            $0.isASCIILowercaseLetter || $0.isASCIIDigit || $0 == "-" || $0 == "_" || $0 == "."
        }
    }

    func parseTier(_ node: Node, _ context: String) -> Tier? {
        guard let text = reader.string(node, "tier of \(context)") else { return nil }
        guard let tier = Tier(rawValue: text) else {
            let names = Tier.allCases.map(\.rawValue)
            let hint = Suggestions.closest(to: text, in: names).map { "did you mean '\($0)'? " } ?? ""
            reader.error(
                "unknown-tier", "unknown tier '\(text)' for \(context); \(hint)\(DocumentParser.validTiers)", at: node)
            return nil
        }
        return tier
    }

    private func parseNeeds(_ node: Node, _ context: String) -> [StepReference]? {
        guard let items = reader.list(node, "needs of \(context)") else { return nil }
        var needs: [StepReference] = []
        for item in items {
            guard let text = reader.string(item, "each item of needs of \(context)") else { continue }
            let reference = StepReference(id: StepID(text), position: NodeReader.position(item))
            if needs.contains(where: { $0.id == reference.id }) {
                reader.sink.warning("duplicate-need", "\(context) lists '\(text)' in needs more than once", at: reference.position)
                continue
            }
            needs.append(reference)
        }
        return needs
    }

    func parseAction(_ fields: Fields, _ context: String) -> ActionSpec? {
        let run = fields["run"], shell = fields["shell"]
        let env = fields["env"].flatMap { reader.environment($0, "env of \(context)") } ?? []
        if let run, let shell {
            reader.error(
                "run-and-shell", "\(context) has both run: and shell:; use run: for a program, shell: for a script",
                at: shell)
            _ = (reader.argv(run, "run of \(context)"), reader.template(shell, "shell of \(context)"))
            return nil
        }
        if let shell {
            guard let script = reader.template(shell, "shell of \(context)") else { return nil }
            if !script.isLiteral {
                let example = reader.scope == .playbook ? "params" : "inputs"
                reader.error(
                    "unsafe-interpolation",
                    "\(example == "params" ? "parameters" : "inputs") and step outputs cannot be interpolated into the shell: script of \(context); pass them with env: (e.g. env: {NAME: \"${{ \(example).NAME }}\"}) and write \"$NAME\" in the script",
                    at: shell)
                return nil
            }
            return ActionSpec(
                argv: [Template(literal: "/bin/sh"), Template(literal: "-c"), script], env: env, isShell: true)
        }
        if let run {
            guard let argv = reader.argv(run, "run of \(context)") else { return nil }
            warnAboutShellScripts(argv, context)
            return ActionSpec(argv: argv, env: env, isShell: false)
        }
        if let envKey = fields.keyPosition("env") {
            reader.sink.warning("unused-env", "env of \(context) has no effect: the step has no run: or shell:", at: envKey)
        }
        return nil
    }

    /// `run: [sh, -c, "… ${{ params.x }} …"]` hands the value to a shell: warn.
    private func warnAboutShellScripts(_ argv: [Template], _ context: String) {
        guard let program = argv.first, program.isLiteral,
            Self.shells.contains(String(program.description.split(separator: "/").last ?? "")),
            let flag = argv.firstIndex(where: { $0.isLiteral && $0.description == "-c" }), flag + 1 < argv.count,
            !argv[flag + 1].isLiteral
        else { return }
        reader.sink.warning(
            "unsafe-interpolation",
            "a parameter is interpolated into a shell script in run of \(context), so the shell interprets its value; pass it with env: and write \"$NAME\" in the script",
            at: argv[flag + 1].position)
    }
}
